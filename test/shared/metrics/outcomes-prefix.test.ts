import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildLedger,
  type DepthBucket,
  type LedgerOrder,
  type OutcomeSession,
} from '../../../shared/metrics/derived';
import {
  exposureWindowOf,
  type OutcomesFigures,
  type OutcomesPrefix,
  outcomesAccumulator,
  outcomesFiguresOfColumns,
  outcomesPrefixBuilder,
} from '../../../shared/metrics/outcomes';
import { sessionColumnsOf } from '../../../shared/metrics/session-columns';
import { decodeColumnar, encodeColumnar } from '../../../shared/storage/columnar';
import { addDays, datesBetween, localDayBounds } from '../../../shared/time';
import { compareFigures } from '../../helpers/compare-figures';
import { utcSite } from './fixtures';

const HOUR = 3_600_000;
const JOURNEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const TOUCHPOINTS = ['live_chat', 'size_guide', 'free_help'];

/**
 * Cases around a spring-forward change (Europe/Berlin, 2026-03-29 is 23 h long): with h = 3 the
 * horizon of a unit late on D−h−1 reaches past the start of D, so the prefix must keep it pending.
 */
const CASES = [
  { name: 'UTC', timezone: 'UTC', date: '2026-11-20' },
  { name: 'a DST change between the prefix and D', timezone: 'Europe/Berlin', date: '2026-03-30' },
];

const sessionSpec = fc.record({
  journey: fc.constantFrom(...JOURNEYS),
  /** Fraction of the day at which the session starts (late hours weighed in). */
  at: fc.oneof(
    fc.double({ min: 0, max: 0.999, noNaN: true }),
    fc.double({ min: 0.95, max: 0.999, noNaN: true }),
  ),
  /** Minutes after the start of stages 1–4, any of them missing, possibly out of funnel order. */
  stages: fc.array(fc.option(fc.integer({ min: 1, max: 50 }), { nil: null }), { minLength: 4, maxLength: 4 }),
  exposures: fc.array(fc.tuple(fc.constantFrom(...TOUCHPOINTS), fc.integer({ min: 0, max: 55 })), {
    maxLength: 3,
  }),
  // Few covariate values, so most strata hold enough units to be usable.
  channel: fc.constantFrom('web', 'web', 'web', 'app'),
  depth: fc.constantFrom<DepthBucket>('0', '0', '0', '1-4'),
  intent: fc.constantFrom(false, false, false, true),
});

const orderSpec = fc.record({
  journey: fc.constantFrom(...JOURNEYS),
  /** Where between the window's start and the end of D; a third of them in D's first hours. */
  at: fc.oneof(
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.double({ min: 0, max: 0.1, noNaN: true }).map((x) => -x),
  ),
  value: fc.integer({ min: 0, max: 400 }),
});

function sessionOf(spec: SessionInput, start: number, end: number): OutcomeSession {
  const at = Math.floor(start + spec.at * (end - start));
  const landmarks = [at, ...spec.stages.map((minutes) => (minutes === null ? null : at + minutes * 60_000))];
  const exposures = [
    ...new Map(spec.exposures.map(([touchpoint, minutes]) => [touchpoint, minutes])).entries(),
  ]
    .map(([touchpoint, minutes]) => ({ touchpoint, time: at + minutes * 60_000, channel: spec.channel }))
    .sort((x, y) => x.time - y.time);
  const last = Math.max(at, ...landmarks.map((time) => time ?? 0), ...exposures.map((e) => e.time)) + 60_000;
  return {
    journeyId: spec.journey,
    start: at,
    last,
    landmarks,
    landmarkChannels: landmarks.map((time) => (time === null ? null : spec.channel)),
    exposures,
    depth: spec.depth,
    intent: spec.intent,
  };
}

interface SessionInput {
  journey: string;
  at: number;
  stages: (number | null)[];
  exposures: [string, number][];
  channel: string;
  depth: DepthBucket;
  intent: boolean;
}

/** As the derived records are stored and read back (shared/storage/columnar.ts): long arrays typed. */
function stored<T>(value: T): T {
  return decodeColumnar(encodeColumnar(value)) as T;
}

/**
 * The window's figures through a prefix folded when only some of D's orders had come (every other
 * one), read back as stored, and finished with all of them.
 */
function viaPrefix(
  input: { config: ReturnType<typeof utcSite>; date: string },
  days: Map<string, OutcomeSession[]>,
  allOrders: LedgerOrder[],
): OutcomesFigures {
  const startOfD = localDayBounds(input.date, input.config.timezone).start;
  const ordersAtFold = allOrders.filter((order, index) => order.time < startOfD || index % 2 === 0);
  const builder = outcomesPrefixBuilder({
    ...input,
    ledger: buildLedger([{ orders: ordersAtFold, responses: [] }]),
  });
  for (const sessions of days.values()) builder.add(stored(sessionColumnsOf(sessions)));
  const prefix = stored<OutcomesPrefix>(builder.finish());
  return outcomesAccumulator(
    { ...input, ledger: buildLedger([{ orders: allOrders, responses: [] }]) },
    prefix,
  ).finish();
}

describe('outcomes from a folded prefix', () => {
  for (const { name, timezone, date } of CASES) {
    it(`equals the walk of the whole window (${name}), also when D's orders arrive after the fold`, () => {
      const config = utcSite({
        timezone,
        outcomes: { windowDays: 5, horizonDays: 3, lookbackDays: 1 },
        touchpoints: { live_chat: { dailyCost: 100 }, size_guide: { dailyCost: 10 } },
      });
      const { from, to } = exposureWindowOf(date, config);
      const windowStart = localDayBounds(from, config.timezone).start;
      const { start: startOfD, end: endOfD } = localDayBounds(date, config.timezone);
      let usable = 0;
      fc.assert(
        fc.property(
          fc.array(fc.array(sessionSpec, { minLength: 4, maxLength: 30 }), { minLength: 5, maxLength: 5 }),
          fc.array(orderSpec, { maxLength: 40 }),
          (perDay, orderSpecs) => {
            const days = new Map<string, OutcomeSession[]>();
            datesBetween(from, to).forEach((day, index) => {
              const bounds = localDayBounds(day, config.timezone);
              days.set(
                day,
                (perDay[index] ?? [])
                  .map((spec) => sessionOf(spec, bounds.start, bounds.end))
                  .sort((x, y) => x.start - y.start),
              );
            });
            const orders = orderSpecs.map((spec, index) => ({
              orderId: `o${index}`,
              journeyId: spec.journey,
              time: Math.floor(
                spec.at >= 0
                  ? windowStart + spec.at * (endOfD - windowStart)
                  : startOfD - spec.at * (endOfD - startOfD),
              ),
              value: spec.value,
            }));
            const direct = outcomesFiguresOfColumns({
              config,
              date,
              ledger: buildLedger([{ orders, responses: [] }]),
              exposureDays: [...days.values()].map(sessionColumnsOf),
            });
            const cached = viaPrefix({ config, date }, days, orders);
            usable += direct.rox.touchpoints.some((t) => t.usableStrata > 0) ? 1 : 0;
            expect(compareFigures(direct, cached)).toEqual([]);
          },
        ),
        { seed: 20_261_203, numRuns: 300 },
      );
      // The interval is exercised: most cases have usable strata.
      expect(usable).toBeGreaterThan(200);
    });
  }

  it('keeps a unit whose horizon crosses into D pending across a DST change, and reads its order of D', () => {
    const date = '2026-03-30';
    const config = utcSite({
      timezone: 'Europe/Berlin',
      outcomes: { windowDays: 5, horizonDays: 3, lookbackDays: 1 },
      touchpoints: { live_chat: { dailyCost: 100 } },
    });
    const { to } = exposureWindowOf(date, config);
    const beforeLast = addDays(to, -1);
    const late = localDayBounds(beforeLast, config.timezone).end - HOUR / 2;
    const session = (journeyId: string, at: number, chat: boolean): OutcomeSession => ({
      journeyId,
      start: at,
      last: at + 60_000,
      landmarks: [at, null, null, null, null],
      landmarkChannels: ['web', null, null, null, null],
      exposures: chat ? [{ touchpoint: 'live_chat', time: at, channel: 'web' }] : [],
      depth: '0',
      intent: false,
    });
    const days = new Map<string, OutcomeSession[]>([
      [beforeLast, [session('x', late, true), session('y', late - HOUR, true), session('z', late, false)]],
      [to, [session('u', late + 6 * HOUR, false), session('v', late + 7 * HOUR, false)]],
    ]);
    // τ + 72 h lands at 00:30 on D: the order at 00:10 on D is inside x's horizon.
    const orderOfD = {
      orderId: 'late',
      journeyId: 'x',
      time: localDayBounds(date, config.timezone).start + 600_000,
      value: 90,
    };
    const cached = viaPrefix({ config, date }, days, [orderOfD]);
    const chat = cached.rox.touchpoints[0];
    expect(chat?.exposed).toBe(2);
    expect(chat?.revenuePerJourneyExposed).toBe(45);
  });
});
