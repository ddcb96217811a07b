import { describe, expect, it } from 'vitest';
import type { SiteConfig, SiteConfigInput } from '../../../shared/config/site';
import type { NormalizedEvent } from '../../../shared/events/types';
import { buildDayContext } from '../../../shared/metrics/day';
import { deduplicate } from '../../../shared/metrics/dedup';
import {
  buildLedger,
  type DepthBucket,
  type DerivedDay,
  type JourneyActivity,
  type LedgerOrder,
  type OutcomeSession,
} from '../../../shared/metrics/derived';
import { derivedDayOf } from '../../../shared/metrics/derived-day';
import { linksFromEvents } from '../../../shared/metrics/links';
import { type LookbackSummary, lookbackSummaryOf } from '../../../shared/metrics/lookback';
import {
  exposureWindowOf,
  journeyActivityOf,
  type OutcomesFigures,
  type OutcomeTouchpointFigures,
  outcomeSessionsOf,
  outcomesFigures,
} from '../../../shared/metrics/outcomes';
import { type ActivityColumns, activityColumnsOf } from '../../../shared/metrics/session-columns';
import { decodeColumnar, encodeColumnar } from '../../../shared/storage/columnar';
import { addDays, datesBetween } from '../../../shared/time';
import { added, identify, order, page, track, utcSite } from './fixtures';

const MINUTE = 60_000;
const DAY_MS = 86_400_000;
const Z90 = 1.6449;

/** `2026-10-17T12:00` (UTC) → epoch ms. */
const ms = (at: string) => Date.parse(at.length === 16 ? `${at}:00.000Z` : at);

/** Figures day D of the hand-built cases: E = 2026-10-17 … 2026-11-13 with w = 28, h = 7. */
const D = '2026-11-20';
const config = (overrides: Partial<SiteConfigInput> = {}) =>
  utcSite({ outcomes: { windowDays: 28, horizonDays: 7, lookbackDays: 1 }, ...overrides });

interface SessionSpec {
  journey: string;
  /** Start (the stage-0 landmark), UTC. */
  at: string;
  /** Minutes after the start of the stage 1–4 landmarks; null for a stage not reached. */
  stages?: (number | null)[];
  /** Minutes after the start of the last event; default 5 after the latest landmark or exposure. */
  last?: number;
  /** [touchpoint, minutes after the start, channel?]. */
  exposures?: [string, number, string?][];
  channel?: string;
  depth?: DepthBucket;
  intent?: boolean;
}

/** An OutcomeSession as outcomeSessionsOf gives it, from minute offsets. */
function session(spec: SessionSpec): OutcomeSession {
  const start = ms(spec.at);
  const channel = spec.channel ?? 'web';
  const offsets = [0, ...(spec.stages ?? [])];
  while (offsets.length < 5) offsets.push(null);
  const exposures = (spec.exposures ?? []).map(([touchpoint, minutes, exposureChannel]) => ({
    touchpoint,
    time: start + minutes * MINUTE,
    channel: exposureChannel ?? channel,
  }));
  const latest = Math.max(...offsets.map((o) => o ?? 0), ...(spec.exposures ?? []).map(([, m]) => m));
  return {
    journeyId: spec.journey,
    start,
    last: start + (spec.last ?? latest + 5) * MINUTE,
    landmarks: offsets.map((o) => (o === null ? null : start + o * MINUTE)),
    landmarkChannels: offsets.map((o) => (o === null ? null : channel)),
    exposures,
    depth: spec.depth ?? '0',
    intent: spec.intent ?? false,
  };
}

const ledgerOrder = (journeyId: string, time: number, value: number, orderId?: string): LedgerOrder =>
  orderId === undefined ? { journeyId, time, value } : { orderId, journeyId, time, value };

function figures(
  sessions: OutcomeSession[],
  orders: LedgerOrder[] = [],
  options: { config?: SiteConfig; date?: string } = {},
): OutcomesFigures {
  return outcomesFigures({
    config: options.config ?? config(),
    date: options.date ?? D,
    exposureDays: [sessions],
    ledger: buildLedger([{ orders, responses: [] }]),
  });
}

function touchpoint(result: OutcomesFigures, name: string): OutcomeTouchpointFigures {
  const found = result.rox.touchpoints.find((t) => t.touchpoint === name);
  if (found === undefined) throw new Error(`no ${name} in ${JSON.stringify(result.rox.touchpoints)}`);
  return found;
}

const liveChat = (sessions: OutcomeSession[], orders: LedgerOrder[] = [], cfg?: SiteConfig) =>
  touchpoint(figures(sessions, orders, cfg === undefined ? {} : { config: cfg }), 'live_chat');

/** Day contexts → derived days (derived-day.ts), each day's lookback from the days before it. */
function deriveDays(events: NormalizedEvent[], cfg: SiteConfig, from: string, to: string) {
  const links = linksFromEvents(deduplicate(events).events);
  const derived = new Map<string, DerivedDay>();
  for (const date of datesBetween(from, to)) {
    const day = buildDayContext({ config: cfg, date, events, links });
    const lookback: JourneyActivity[][] = [];
    for (let back = 1; back <= cfg.outcomes.lookbackDays + 1; back++) {
      const earlier = derived.get(addDays(date, -back));
      if (earlier !== undefined) lookback.push(earlier.activity);
    }
    derived.set(date, derivedDayOf(day, lookback));
  }
  return derived;
}

/** outcomesFigures of `date` from derived days: E's sessions, the ledger of every day up to D. */
function figuresFromDerived(derived: Map<string, DerivedDay>, cfg: SiteConfig, date: string) {
  const { from, to } = exposureWindowOf(date, cfg);
  return outcomesFigures({
    config: cfg,
    date,
    exposureDays: datesBetween(from, to).map((day) => derived.get(day)?.sessions ?? []),
    ledger: buildLedger([...derived.values()].filter((day) => day.date <= date)),
  });
}

describe('journeyActivityOf (metrics.md §7 "Stratum")', () => {
  it("lists each active journey's activity times and its cart adds and checkouts, ascending", () => {
    const events = [
      page({ at: '2026-10-24T09:00', anon: 'A' }),
      added({ at: '2026-10-24T09:05', anon: 'A' }),
      identify({ at: '2026-10-24T09:06', anon: 'A' }),
      track('Checkout Started', { at: '2026-10-24T11:00', anon: 'A' }),
      page({ at: '2026-10-24T08:00', anon: 'B' }),
      identify({ at: '2026-10-24T10:00', anon: 'C' }),
    ];
    const day = buildDayContext({ config: config(), date: '2026-10-24', events, links: new Map() });

    expect(journeyActivityOf(day)).toEqual([
      { journeyId: 'B', times: [ms('2026-10-24T08:00')], intentTimes: [] },
      {
        journeyId: 'A',
        times: [ms('2026-10-24T09:00'), ms('2026-10-24T09:05'), ms('2026-10-24T11:00')],
        intentTimes: [ms('2026-10-24T09:05'), ms('2026-10-24T11:00')],
      },
    ]);
  });
});

describe('outcomeSessionsOf (metrics.md §7 "Stages", "Units", "Stratum")', () => {
  const date = '2026-10-24';
  const sessionsOf = (
    events: NormalizedEvent[],
    lookback: JourneyActivity[][] = [],
    lookbackDays = 1,
    cfg: SiteConfig = config(),
    day = date,
  ) => {
    const context = buildDayContext({ config: cfg, date: day, events, links: linksFromEvents(events) });
    const sessions = outcomeSessionsOf(context, lookback, lookbackDays);
    // The lookback days as a run reads them (stored columns) give the same covariates.
    const stored = lookback.map(
      (activity) => decodeColumnar(encodeColumnar(activityColumnsOf(activity))) as ActivityColumns,
    );
    expect(outcomeSessionsOf(context, stored, lookbackDays)).toEqual(sessions);
    // And so does their summary for D as the day's later runs read it (stored columns).
    const summary = lookbackSummaryOf(stored, { date: day, timeZone: cfg.timezone, lookbackDays });
    const storedSummary = decodeColumnar(encodeColumnar(summary)) as LookbackSummary;
    expect(outcomeSessionsOf(context, storedSummary, lookbackDays)).toEqual(sessions);
    return sessions;
  };

  it('records the first landmark of each stage with its channel, null for a stage not reached', () => {
    const [result] = sessionsOf([
      page({ at: '2026-10-24T10:00', anon: 'A', ctx: { channel: 'app' } }),
      track('Product Viewed', { at: '2026-10-24T10:05', anon: 'A', ctx: { channel: 'web' } }),
      track('Product Viewed', { at: '2026-10-24T10:06', anon: 'A', ctx: { channel: 'app' } }),
      track('Checkout Started', { at: '2026-10-24T10:10', anon: 'A' }),
      page({ at: '2026-10-24T10:20', anon: 'A' }),
    ]);

    expect(result).toMatchObject({
      journeyId: 'A',
      start: ms('2026-10-24T10:00'),
      last: ms('2026-10-24T10:20'),
      landmarks: [ms('2026-10-24T10:00'), ms('2026-10-24T10:05'), null, ms('2026-10-24T10:10'), null],
      landmarkChannels: ['app', 'web', null, 'unknown', null],
    });
  });

  it('keeps landmarks out of funnel order as they come (a cart add before the first product view)', () => {
    const [result] = sessionsOf([
      page({ at: '2026-10-24T10:00', anon: 'A' }),
      added({ at: '2026-10-24T10:02', anon: 'A' }),
      track('Product Viewed', { at: '2026-10-24T10:05', anon: 'A' }),
    ]);

    expect(result?.landmarks).toEqual([
      ms('2026-10-24T10:00'),
      ms('2026-10-24T10:05'),
      ms('2026-10-24T10:02'),
      null,
      null,
    ]);
  });

  it('takes a session whose first event is an Order Completed as its stage-0 and stage-4 landmark', () => {
    const [result] = sessionsOf([order({ at: '2026-10-24T10:00', anon: 'A', props: { revenue: 5 } })]);

    expect(result?.landmarks).toEqual([ms('2026-10-24T10:00'), null, null, null, ms('2026-10-24T10:00')]);
  });

  it('lists the first activity event of each touchpoint, by time then name; identify events are none', () => {
    const [result] = sessionsOf([
      identify({ at: '2026-10-24T09:59', anon: 'A', props: { touchpoint: 'email_campaign' } }),
      page({ at: '2026-10-24T10:00', anon: 'A' }),
      track('Chat Opened', { at: '2026-10-24T10:03', anon: 'A', props: { touchpoint: 'size_guide' } }),
      page({ at: '2026-10-24T10:03', anon: 'A', ctx: { touchpoint: 'live_chat', channel: 'app' } }),
      page({ at: '2026-10-24T10:04', anon: 'A', props: { touchpoint: 'live_chat' } }),
      page({ at: '2026-10-24T10:06', anon: 'A', props: { touchpoint: 'email_campaign' } }),
    ]);

    expect(result?.exposures).toEqual([
      { touchpoint: 'live_chat', time: ms('2026-10-24T10:03'), channel: 'app' },
      { touchpoint: 'size_guide', time: ms('2026-10-24T10:03'), channel: 'unknown' },
      { touchpoint: 'email_campaign', time: ms('2026-10-24T10:06'), channel: 'unknown' },
    ]);
  });

  it('gives one record per session, in the order of the day context', () => {
    const result = sessionsOf([
      page({ at: '2026-10-24T10:00', anon: 'A' }),
      page({ at: '2026-10-24T10:30', anon: 'A' }),
      page({ at: '2026-10-24T11:01', anon: 'A' }),
      page({ at: '2026-10-24T10:10', anon: 'B' }),
    ]);

    expect(result.map((s) => [s.journeyId, s.start, s.last])).toEqual([
      ['A', ms('2026-10-24T10:00'), ms('2026-10-24T10:30')],
      ['B', ms('2026-10-24T10:10'), ms('2026-10-24T10:10')],
      ['A', ms('2026-10-24T11:01'), ms('2026-10-24T11:01')],
    ]);
  });

  it.each<[number, DepthBucket]>([
    [0, '0'],
    [1, '1-4'],
    [4, '1-4'],
    [5, '5-19'],
    [19, '5-19'],
    [20, '20+'],
  ])('buckets %i activity events in the lookback as depth %s', (count, bucket) => {
    const start = ms('2026-10-24T12:00');
    const times = Array.from({ length: count }, (_, i) => start - DAY_MS + i * MINUTE);
    const [result] = sessionsOf(
      [page({ at: '2026-10-24T12:00', anon: 'A' })],
      [[{ journeyId: 'A', times, intentTimes: [] }]],
    );

    expect(result?.depth).toBe(bucket);
  });

  it.each([
    ['exactly lookbackDays × 24 h before the start', 0, '1-4', true],
    ['1 ms earlier', -1, '0', false],
  ] as const)(
    'reads an event %s: depth %s, intent %s (the lookback is [start − l × 24 h, start))',
    (_, shift, depth, intent) => {
      const from = ms('2026-10-24T12:00') - 2 * DAY_MS + shift;
      const [result] = sessionsOf(
        [page({ at: '2026-10-24T12:00', anon: 'A' })],
        [[{ journeyId: 'A', times: [from], intentTimes: [from] }]],
        2,
      );

      expect(result).toMatchObject({ depth, intent });
    },
  );

  it("counts the journey's own events of D before the session, not the session's own or other journeys'", () => {
    const result = sessionsOf(
      [
        page({ at: '2026-10-24T08:00', anon: 'A' }),
        page({ at: '2026-10-24T08:01', anon: 'A' }),
        page({ at: '2026-10-24T08:02', anon: 'A' }),
        track('Checkout Started', { at: '2026-10-24T08:10', anon: 'A' }),
        // Not an activity event: four events before the session, not five.
        identify({ at: '2026-10-24T08:20', anon: 'A' }),
        page({ at: '2026-10-24T12:00', anon: 'A' }),
        added({ at: '2026-10-24T12:01', anon: 'A' }),
        page({ at: '2026-10-24T12:02', anon: 'A' }),
      ],
      [[{ journeyId: 'B', times: [ms('2026-10-24T07:00')], intentTimes: [ms('2026-10-24T07:00')] }]],
    );

    expect(result.map((s) => [s.depth, s.intent])).toEqual([
      ['0', false],
      ['1-4', true],
    ]);
  });

  it('reads cart adds and checkouts of the lookback days as intent, other events not', () => {
    const result = sessionsOf(
      [page({ at: '2026-10-24T12:00', anon: 'A' }), page({ at: '2026-10-24T12:00', anon: 'B' })],
      [
        [
          { journeyId: 'A', times: [ms('2026-10-23T20:00')], intentTimes: [ms('2026-10-23T20:00')] },
          { journeyId: 'B', times: [ms('2026-10-23T20:00')], intentTimes: [] },
        ],
      ],
    );

    expect(result.map((s) => [s.journeyId, s.intent])).toEqual([
      ['A', true],
      ['B', false],
    ]);
  });

  it('has an empty lookback when lookbackDays is 0', () => {
    const result = sessionsOf(
      [added({ at: '2026-10-24T08:00', anon: 'A' }), page({ at: '2026-10-24T12:00', anon: 'A' })],
      [[{ journeyId: 'A', times: [ms('2026-10-23T20:00')], intentTimes: [ms('2026-10-23T20:00')] }]],
      0,
    );

    expect(result.map((s) => [s.depth, s.intent])).toEqual([
      ['0', false],
      ['0', false],
    ]);
  });

  it('reaches back 24 hours per lookback day on the 25-hour day, not to the start of D', () => {
    // Europe/Rome 2026-10-25 lasts 25 h. A session at 23:30 CET (22:30Z) reaches back to 22:30Z on the
    // 24th (00:30 CEST on the 25th): five events of D before that are outside its lookback, one inside.
    const rome = config({ timezone: 'Europe/Rome' });
    const early = ['22:10', '22:15', '22:20', '22:25', '22:29', '22:35'].map((hm) =>
      page({ at: `2026-10-24T${hm}`, anon: 'A' }),
    );
    const result = sessionsOf(
      [...early, page({ at: '2026-10-25T22:30', anon: 'A' })],
      [],
      1,
      rome,
      '2026-10-25',
    );

    expect(result.map((s) => [s.start, s.depth])).toEqual([
      [ms('2026-10-24T22:10'), '0'],
      [ms('2026-10-25T22:30'), '1-4'],
    ]);
  });
});

describe('exposureWindowOf (metrics.md §7 "Exposure window")', () => {
  it.each([
    [{ windowDays: 28, horizonDays: 7, lookbackDays: 7 }, '2026-10-17', '2026-11-13'],
    [{ windowDays: 1, horizonDays: 1, lookbackDays: 0 }, '2026-11-19', '2026-11-19'],
    [{ windowDays: 14, horizonDays: 3, lookbackDays: 7 }, '2026-11-04', '2026-11-17'],
  ])('for D = 2026-11-20 and %o is %s … %s', (outcomes, from, to) => {
    expect(exposureWindowOf('2026-11-20', utcSite({ outcomes }))).toEqual({ from, to });
  });
});

describe('outcomesFigures (metrics.md §7)', () => {
  it('matches the metrics.md §7 example for a touchpoint without units', () => {
    const cfg = utcSite({ touchpoints: { live_chat: { dailyCost: 120 } } });

    const result = figures([], [], { config: cfg });

    expect(JSON.stringify(result)).toBe(
      JSON.stringify({
        rox: {
          exposureFrom: '2026-10-17',
          exposureTo: '2026-11-13',
          windowDays: 28,
          horizonDays: 7,
          lookbackDays: 7,
          touchpoints: [
            {
              touchpoint: 'live_chat',
              cost: 3360,
              exposed: 0,
              controls: 0,
              revenuePerJourneyExposed: null,
              revenuePerJourneyControl: null,
              naiveIncrementalRevenue: null,
              naiveRox: null,
              strata: 0,
              usableStrata: 0,
              coverage: null,
              incrementalRevenuePerJourney: null,
              incrementalRevenuePerJourneyLow: null,
              incrementalRevenuePerJourneyHigh: null,
              incrementalRevenue: null,
              incrementalRevenueLow: null,
              incrementalRevenueHigh: null,
              rox: null,
              roxLow: null,
              roxHigh: null,
              verdict: null,
            },
          ],
        },
      }),
    );
  });

  it('lists every touchpoint with a cost, by name, each costing dailyCost × windowDays', () => {
    const result = figures([], [], { config: config({ outcomes: { windowDays: 10, horizonDays: 2 } }) });

    expect(result.rox).toMatchObject({
      exposureFrom: '2026-11-09',
      exposureTo: '2026-11-18',
      lookbackDays: 7,
    });
    expect(result.rox.touchpoints.map((t) => [t.touchpoint, t.cost])).toEqual([
      ['live_chat', 1000],
      ['size_guide', 100],
      ['store_pickup', 500],
    ]);
  });

  describe('units', () => {
    it.each<[string, SessionSpec, { exposed: number; controls: number; strata: number }]>([
      [
        'a session without the touchpoint is a control at every stage it is at',
        { journey: 'A', at: '2026-10-20T10:00', stages: [5, 10, 15] },
        { exposed: 0, controls: 4, strata: 4 },
      ],
      [
        'a session whose cart add comes before its first product view is never at stage 1',
        { journey: 'A', at: '2026-10-20T10:00', stages: [10, 5] },
        { exposed: 0, controls: 2, strata: 2 },
      ],
      [
        'a session exposed at stage 2 is a control at stages 0 and 1 only',
        { journey: 'A', at: '2026-10-20T10:00', stages: [5, 10, 20], exposures: [['live_chat', 15]] },
        { exposed: 1, controls: 2, strata: 3 },
      ],
      [
        'an exposure that is the stage-2 landmark leaves a control at stage 0 only',
        { journey: 'A', at: '2026-10-20T10:00', stages: [5, 10], exposures: [['live_chat', 10]] },
        { exposed: 1, controls: 1, strata: 2 },
      ],
      [
        'an exposure on the first event leaves no control',
        { journey: 'A', at: '2026-10-20T10:00', stages: [5, 10], exposures: [['live_chat', 0]] },
        { exposed: 1, controls: 0, strata: 1 },
      ],
      [
        'an exposure on the last event of the highest stage leaves the lower stages as controls',
        { journey: 'A', at: '2026-10-20T10:00', stages: [5], last: 8, exposures: [['live_chat', 8]] },
        { exposed: 1, controls: 1, strata: 2 },
      ],
      [
        "another touchpoint's exposure changes nothing",
        {
          journey: 'A',
          at: '2026-10-20T10:00',
          stages: [5, 10],
          exposures: [
            ['size_guide', 1],
            ['live_chat', 7],
          ],
        },
        { exposed: 1, controls: 1, strata: 2 },
      ],
    ])('%s', (_, spec, expected) => {
      expect(liveChat([session(spec)])).toMatchObject(expected);
    });

    it.each([
      ['between its stage-2 and stage-3 landmarks, at stage 2', 15, 1],
      ['after its stage-3 landmark, at stage 3', 25, 0],
    ])('puts an exposure %s (usable only with the stage-2 controls)', (_, minute, usable) => {
      const exposed = ['A', 'B'].map((journey) =>
        session({ journey, at: '2026-10-20T10:00', stages: [5, 10, 20], exposures: [['live_chat', minute]] }),
      );
      const controls = ['C', 'D'].map((journey) =>
        session({ journey, at: '2026-10-20T10:00', stages: [5, 10] }),
      );

      expect(liveChat([...exposed, ...controls])).toMatchObject({ exposed: 2, usableStrata: usable });
    });

    it('puts a touchpoint carried by the Order Completed at stage 4, where its own order does not count', () => {
      const orderAt = (journey: string) => ledgerOrder(journey, ms('2026-10-20T10:20'), 80);
      const exposed = ['A', 'B'].map((journey) =>
        session({
          journey,
          at: '2026-10-20T10:00',
          stages: [5, 10, 15, 20],
          exposures: [['store_pickup', 20]],
        }),
      );
      const controls = ['C', 'D'].map((journey) =>
        session({ journey, at: '2026-10-20T10:00', stages: [5, 10, 15, 20] }),
      );

      const result = touchpoint(
        figures([...exposed, ...controls], ['A', 'B', 'C', 'D'].map(orderAt)),
        'store_pickup',
      );

      expect(result).toMatchObject({
        exposed: 2,
        // Stages 0–2 of A and B, 0–4 of C and D.
        controls: 16,
        usableStrata: 1,
        revenuePerJourneyExposed: 0,
        revenuePerJourneyControl: 80,
        incrementalRevenuePerJourney: 0,
      });
    });
  });

  describe('outcome Y', () => {
    const tau = ms('2026-10-17T12:05');
    const h = 7 * DAY_MS;
    const exposed = session({ journey: 'A', at: '2026-10-17T12:00', exposures: [['live_chat', 5]] });

    it.each<[string, LedgerOrder[], number]>([
      ['an order exactly at τ does not count', [ledgerOrder('A', tau, 50)], 0],
      ['an order 1 ms after τ counts', [ledgerOrder('A', tau + 1, 50)], 50],
      ['an order at τ + h × 24 h counts', [ledgerOrder('A', tau + h, 50)], 50],
      ['an order 1 ms after τ + h × 24 h does not', [ledgerOrder('A', tau + h + 1, 50)], 0],
      ['an order before τ does not count', [ledgerOrder('A', tau - MINUTE, 50)], 0],
      ['an order of another journey does not count', [ledgerOrder('B', tau + MINUTE, 50)], 0],
      ['an unconvertible order (value 0) adds nothing', [ledgerOrder('A', tau + MINUTE, 0)], 0],
      [
        "the journey's orders in the interval add up",
        [ledgerOrder('A', tau + MINUTE, 50, 'o1'), ledgerOrder('A', tau + DAY_MS, 25.5, 'o2')],
        75.5,
      ],
    ])('%s', (_, orders, y) => {
      expect(liveChat([exposed], orders).revenuePerJourneyExposed).toBe(y);
    });

    it.each([
      ['just before the end of D counts', '2026-04-04T21:59', 60],
      ['after the end of D does not, although within τ + h × 24 h', '2026-04-04T22:15', 0],
    ])('an order %s (a 23-hour day between τ and D)', (_, at, y) => {
      // Europe/Rome: D = 2026-04-04 ends at 22:00Z; τ = 2026-03-28 23:30 CET = 22:30Z, so τ + 168 h is
      // 22:30Z on D, half an hour after its end (summer time began on the 29th).
      const rome = config({ timezone: 'Europe/Rome' });
      const late = session({ journey: 'A', at: '2026-03-28T22:30', exposures: [['live_chat', 0]] });

      const result = figures([late], [ledgerOrder('A', ms(at), 60)], { config: rome, date: '2026-04-04' });

      expect(result.rox).toMatchObject({ exposureFrom: '2026-03-01', exposureTo: '2026-03-28' });
      expect(touchpoint(result, 'live_chat').revenuePerJourneyExposed).toBe(y);
    });

    it.each([
      ['τ + 168 h (11:00 CET) counts', '2026-10-31T10:00', 40],
      ['the same wall-clock time a week later (12:00 CET) does not', '2026-10-31T11:00', 0],
    ])('across the 25-hour day, the horizon is h × 24 hours: an order at %s', (_, at, y) => {
      // Europe/Rome: τ = 2026-10-24 12:00 CEST (10:00Z); the 25th lasts 25 hours.
      const rome = config({ timezone: 'Europe/Rome' });
      const exposedInSummer = session({
        journey: 'A',
        at: '2026-10-24T09:55',
        exposures: [['live_chat', 5]],
      });

      const result = figures([exposedInSummer], [ledgerOrder('A', ms(at), 40)], {
        config: rome,
        date: '2026-11-01',
      });

      expect(result.rox).toMatchObject({ exposureFrom: '2026-09-28', exposureTo: '2026-10-25' });
      expect(touchpoint(result, 'live_chat').revenuePerJourneyExposed).toBe(y);
    });
  });

  describe('strata', () => {
    const base: SessionSpec = { journey: 'A', at: '2026-10-20T12:00' };

    it.each<[string, SessionSpec, number]>([
      ['the same stage, channel and covariates share a stratum', { ...base, journey: 'B' }, 1],
      ['another channel is another stratum', { ...base, journey: 'B', channel: 'app' }, 2],
      ['another depth is another stratum', { ...base, journey: 'B', depth: '5-19' }, 2],
      ['intent is another stratum', { ...base, journey: 'B', intent: true }, 2],
    ])('%s', (_, other, strata) => {
      expect(liveChat([session(base), session(other)]).strata).toBe(strata);
    });

    it("takes an exposed unit's channel from its exposure event", () => {
      const sessions = [
        session({ ...base, exposures: [['live_chat', 5, 'support']], stages: [10] }),
        session({ ...base, journey: 'B', channel: 'support', exposures: [['live_chat', 5]], stages: [10] }),
      ];

      // Both exposed units share (stage 0, support); the control units (none) add nothing.
      expect(liveChat(sessions)).toMatchObject({ exposed: 2, controls: 0, strata: 1 });
    });

    const start = ms('2026-10-20T12:00');
    it.each<[string, LedgerOrder, number]>([
      [
        'an order exactly l × 24 h before the start makes it returning',
        ledgerOrder('B', start - DAY_MS, 30),
        2,
      ],
      ['an order 1 ms earlier does not', ledgerOrder('B', start - DAY_MS - 1, 30), 1],
      ['an order at the start does not', ledgerOrder('B', start, 30), 1],
      ['an unconvertible order (value 0) does', ledgerOrder('B', start - MINUTE, 0), 2],
      ["another journey's order does not", ledgerOrder('C', start - MINUTE, 30), 1],
    ])('returning: %s', (_, previous, strata) => {
      expect(liveChat([session(base), session({ ...base, journey: 'B' })], [previous]).strata).toBe(strata);
    });
  });

  describe('naive', () => {
    it('compares the exposed with the stage-0 controls of sessions that never use the touchpoint', () => {
      const start = ms('2026-10-20T12:00');
      const sessions = [
        // X: exposed at stage 1 (a control at stage 0, Y 100 either way).
        session({ journey: 'X', at: '2026-10-20T12:00', stages: [10], exposures: [['live_chat', 20]] }),
        // Y: unexposed, Y 40 at stage 0 and 30 at stage 1.
        session({ journey: 'Y', at: '2026-10-20T12:00', stages: [10] }),
      ];
      const orders = [
        ledgerOrder('X', start + 30 * MINUTE, 100),
        ledgerOrder('Y', start + 5 * MINUTE, 10),
        ledgerOrder('Y', start + 60 * MINUTE, 30),
      ];

      const result = figures(sessions, orders);

      expect(touchpoint(result, 'live_chat')).toMatchObject({
        exposed: 1,
        controls: 3,
        revenuePerJourneyExposed: 100,
        revenuePerJourneyControl: 40,
        naiveIncrementalRevenue: 60,
        naiveRox: (60 - 2800) / 2800,
      });
      expect(touchpoint(result, 'size_guide')).toMatchObject({
        exposed: 0,
        controls: 4,
        revenuePerJourneyExposed: null,
        revenuePerJourneyControl: 70,
        naiveIncrementalRevenue: null,
        naiveRox: null,
        coverage: null,
      });
    });

    it('is null without controls that never use the touchpoint', () => {
      const sessions = [
        session({ journey: 'X', at: '2026-10-20T12:00', stages: [10], exposures: [['live_chat', 20]] }),
      ];

      expect(liveChat(sessions)).toMatchObject({
        exposed: 1,
        controls: 1,
        revenuePerJourneyExposed: 0,
        revenuePerJourneyControl: null,
        naiveIncrementalRevenue: null,
        naiveRox: null,
      });
    });
  });

  describe('adjusted', () => {
    const at = '2026-10-20T12:00';
    const exposedSession = (journey: string, day = at, channel = 'web') =>
      session({ journey, at: day, channel, exposures: [['live_chat', 5]] });
    const controlSession = (journey: string, day = at, channel = 'web') =>
      session({ journey, at: day, channel });
    const orderAfter = (journey: string, day: string, value: number) =>
      ledgerOrder(journey, ms(day) + 60 * MINUTE, value);

    /**
     * One stratum (stage 0, web, no history). Exposed: A 100, B 0, C 50 (mean 50); controls: A 20, D 0,
     * E 10 (mean 10). A's two units — a control on the 20th, exposed on the 23rd — are one cluster:
     * V = ((50 − 10)/3)² + (−50/3)² + (10/3)² = 4200/9.
     */
    const clustered = {
      sessions: [
        controlSession('A', '2026-10-20T12:00'),
        exposedSession('A', '2026-10-23T12:00'),
        exposedSession('B'),
        exposedSession('C'),
        controlSession('D'),
        controlSession('E'),
      ],
      orders: [
        orderAfter('A', '2026-10-20T12:00', 20),
        // 7 days and 1 h after A's control, within 7 days of its exposure.
        orderAfter('A', '2026-10-27T12:00', 100),
        orderAfter('C', at, 50),
        orderAfter('E', at, 10),
      ],
    };

    it('sums the variance by journey (two units of one journey are one cluster)', () => {
      const result = liveChat(clustered.sessions, clustered.orders);

      const margin = Z90 * Math.sqrt(4200 / 9);
      const cost = 2800;
      expect(result).toMatchObject({ exposed: 3, controls: 3, strata: 1, usableStrata: 1, coverage: 1 });
      expect(result.incrementalRevenuePerJourney).toBeCloseTo(40, 12);
      expect(result.incrementalRevenuePerJourneyLow).toBeCloseTo(40 - margin, 12);
      expect(result.incrementalRevenuePerJourneyHigh).toBeCloseTo(40 + margin, 12);
      expect(result.incrementalRevenue).toBeCloseTo(120, 10);
      expect(result.incrementalRevenueLow).toBeCloseTo((40 - margin) * 3, 10);
      expect(result.incrementalRevenueHigh).toBeCloseTo((40 + margin) * 3, 10);
      expect(result.rox).toBeCloseTo((120 - cost) / cost, 12);
      expect(result.roxLow).toBeCloseTo(((40 - margin) * 3 - cost) / cost, 12);
      expect(result.roxHigh).toBeCloseTo(((40 + margin) * 3 - cost) / cost, 12);
    });

    it.each([
      [0.25, 'pays'],
      [4, 'unclear'],
      [100, 'loses'],
    ])('with a daily cost of %f the verdict is %s', (dailyCost, verdict) => {
      const cfg = config({ touchpoints: { live_chat: { dailyCost } } });

      expect(liveChat(clustered.sessions, clustered.orders, cfg).verdict).toBe(verdict);
    });

    it('weighs usable strata by their exposed units and leaves the others out', () => {
      // web: exposed 10, 30 / controls 0, 10; app: exposed 40, 40, 70 / controls 20, 40; store: one
      // exposed unit (not usable). N = 5, δ = 2/5 × 15 + 3/5 × 20 = 18; V = 52 (one journey per unit).
      const groups: [string, number[], number[]][] = [
        ['web', [10, 30], [0, 10]],
        ['app', [40, 40, 70], [20, 40]],
        ['store', [1000], [0, 0, 0]],
      ];
      const sessions: OutcomeSession[] = [];
      const orders: LedgerOrder[] = [];
      for (const [channel, exposedYs, controlYs] of groups) {
        exposedYs.forEach((y, i) => {
          sessions.push(exposedSession(`${channel}-e${i}`, at, channel));
          orders.push(orderAfter(`${channel}-e${i}`, at, y));
        });
        controlYs.forEach((y, i) => {
          sessions.push(controlSession(`${channel}-c${i}`, at, channel));
          orders.push(orderAfter(`${channel}-c${i}`, at, y));
        });
      }

      const result = liveChat(sessions, orders);

      expect(result).toMatchObject({ exposed: 6, controls: 7, strata: 3, usableStrata: 2, coverage: 5 / 6 });
      expect(result.revenuePerJourneyExposed).toBeCloseTo(1190 / 6, 12);
      expect(result.incrementalRevenuePerJourney).toBeCloseTo(18, 12);
      expect(result.incrementalRevenuePerJourneyHigh).toBeCloseTo(18 + Z90 * Math.sqrt(52), 12);
      expect(result.incrementalRevenue).toBeCloseTo(18 * 6, 10);
    });

    it.each<[string, SessionSpec[]]>([
      ['a stratum with one unit', [{ journey: 'A', at, exposures: [['live_chat', 5]] }]],
      [
        'one exposed unit against many controls',
        [
          { journey: 'A', at, exposures: [['live_chat', 5]] },
          { journey: 'B', at },
          { journey: 'C', at },
        ],
      ],
      [
        'many exposed units against one control',
        [
          { journey: 'A', at, exposures: [['live_chat', 5]] },
          { journey: 'B', at, exposures: [['live_chat', 5]] },
          { journey: 'C', at },
        ],
      ],
    ])(
      'without a usable stratum (%s) the adjusted figures are null, cost and coverage 0 are not',
      (_, specs) => {
        const result = liveChat(specs.map(session));

        expect(result).toMatchObject({
          cost: 2800,
          usableStrata: 0,
          coverage: 0,
          incrementalRevenuePerJourney: null,
          incrementalRevenuePerJourneyLow: null,
          incrementalRevenuePerJourneyHigh: null,
          incrementalRevenue: null,
          incrementalRevenueLow: null,
          incrementalRevenueHigh: null,
          rox: null,
          roxLow: null,
          roxHigh: null,
          verdict: null,
        });
        expect(result.revenuePerJourneyExposed).toBe(0);
      },
    );

    it('gives the same bits for the same input', () => {
      expect(liveChat(clustered.sessions, clustered.orders)).toEqual(
        liveChat(clustered.sessions, clustered.orders),
      );
    });
  });

  describe('from events through the derived days', () => {
    const cfg = utcSite({ outcomes: { windowDays: 28, horizonDays: 7, lookbackDays: 7 } });
    const chat = (at: string, anon: string) => page({ at, anon, props: { touchpoint: 'live_chat' } });

    it("counts exposures on the window's first and last day, not on the days around it", () => {
      const events = [
        chat('2026-10-16T23:59', 'before'),
        chat('2026-10-17T00:00', 'first'),
        chat('2026-11-13T23:59', 'last'),
        chat('2026-11-14T00:00', 'after'),
      ];
      const derived = deriveDays(events, cfg, '2026-10-10', D);

      expect(touchpoint(figuresFromDerived(derived, cfg, D), 'live_chat').exposed).toBe(2);
    });

    it('counts an order without a currency rate as 0 in Y, and as an order that makes a journey returning', () => {
      const events = [
        // C chats on the 18th, orders in JPY (no rate) on the 19th and visits again on the 20th.
        chat('2026-10-18T12:00', 'C'),
        order({
          at: '2026-10-19T12:00',
          anon: 'C',
          props: { order_id: 'jp', revenue: 5000, currency: 'JPY' },
        }),
        page({ at: '2026-10-20T12:00', anon: 'C' }),
        // D visits on the 19th and the 20th: on the 20th like C, but not returning. B visits once.
        page({ at: '2026-10-19T12:00', anon: 'D' }),
        page({ at: '2026-10-20T12:00', anon: 'D' }),
        page({ at: '2026-10-20T12:00', anon: 'B' }),
      ];
      const derived = deriveDays(events, cfg, '2026-10-10', D);

      const result = touchpoint(figuresFromDerived(derived, cfg, D), 'live_chat');

      // Strata: C's chat, D's and B's first visits (stage 0, no history); C's order visit (stage 4);
      // C's visit of the 20th (returning); D's visit of the 20th (not returning).
      expect(result).toMatchObject({ exposed: 1, controls: 5, strata: 4, revenuePerJourneyExposed: 0 });
    });
  });
});
