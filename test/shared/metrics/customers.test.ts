import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../../shared/events/types';
import { customersFigures, ledgerPartOf } from '../../../shared/metrics/customers';
import { buildDayContext } from '../../../shared/metrics/day';
import { deduplicate } from '../../../shared/metrics/dedup';
import {
  buildLedger,
  type CustomerLedger,
  type LedgerOrder,
  type LedgerResponse,
} from '../../../shared/metrics/derived';
import { linksFromEvents } from '../../../shared/metrics/links';
import { addDays, localDate } from '../../../shared/time';
import { iso, order, track, utcSite } from './fixtures';

const DAY_MS = 86_400_000;
const UTC = utcSite();
const ROME = utcSite({ timezone: 'Europe/Rome' });

const ms = (at: string): number => Date.parse(iso(at));

let sequence = 0;

/** An order of `journeyId` at `at` (UTC, fixtures' `iso` shorthand or epoch ms). */
function orderOf(journeyId: string, at: string | number, value: number): LedgerOrder {
  sequence++;
  return { orderId: `o-${sequence}`, journeyId, time: typeof at === 'number' ? at : ms(at), value };
}

function responseOf(journeyId: string, at: string | number, score: number): LedgerResponse {
  return { journeyId, time: typeof at === 'number' ? at : ms(at), score };
}

function ledgerOf(orders: LedgerOrder[], responses: LedgerResponse[] = []): CustomerLedger {
  return buildLedger([{ orders, responses }]);
}

function figuresOf(
  date: string,
  orders: LedgerOrder[],
  responses: LedgerResponse[] = [],
  config = UTC,
): ReturnType<typeof customersFigures> {
  return customersFigures({ config, date, ledger: ledgerOf(orders, responses) });
}

/** The ledger parts of `dates`, each day reading the events of D and D+1 only, as the aggregator does. */
function ledgerFromEvents(events: NormalizedEvent[], dates: string[], config = UTC): CustomerLedger {
  const links = linksFromEvents(deduplicate(events).events);
  return buildLedger(
    dates.map((date) => {
      const read = new Set([date, addDays(date, 1)]);
      const dayEvents = events.filter((e) => read.has(localDate(Date.parse(e.timestamp), config.timezone)));
      return ledgerPartOf(buildDayContext({ config, date, events: dayEvents, links }));
    }),
  );
}

const nps = (at: string, anon: string, score: unknown, extra: Record<string, string> = {}) =>
  track('Survey Responded', { at, anon, props: { survey: 'nps', score: score as number, ...extra } });

describe('ledgerPartOf (metrics.md §8, the day part of the customer ledger)', () => {
  it('keeps the day’s orders by time, an unconvertible one with value 0, without orderId when it has none', () => {
    const events = [
      order({ at: '2026-10-24T12:00', anon: 'b', props: { revenue: 30 } }),
      order({ at: '2026-10-24T09:00', anon: 'a', props: { order_id: 'o1', revenue: 100, currency: 'USD' } }),
      order({ at: '2026-10-24T10:00', anon: 'c', props: { order_id: 'o2', revenue: 9000, currency: 'JPY' } }),
      order({ at: '2026-10-25T01:00', anon: 'd', props: { order_id: 'o3', revenue: 5 } }),
    ];
    const day = buildDayContext({ config: UTC, date: '2026-10-24', events, links: new Map() });
    const { orders } = ledgerPartOf(day);
    expect(orders).toStrictEqual([
      { orderId: 'o1', journeyId: 'a', time: ms('2026-10-24T09:00'), value: 50 },
      { orderId: 'o2', journeyId: 'c', time: ms('2026-10-24T10:00'), value: 0 },
      { journeyId: 'b', time: ms('2026-10-24T12:00'), value: 30 },
    ]);
    expect(Object.hasOwn(orders[2] ?? {}, 'orderId')).toBe(false);
  });

  it('keeps every valid NPS response of the day, not only each journey’s latest, de-duplicated and by time', () => {
    const repeated = nps('2026-10-24T08:00', 'a', 3);
    const events = [
      nps('2026-10-24T11:00', 'a', 10),
      repeated,
      { ...repeated },
      nps('2026-10-24T09:00', 'b', 0),
      nps('2026-10-24T09:30', 'b', 11),
      nps('2026-10-24T09:40', 'b', 7.5),
      nps('2026-10-24T09:50', 'b', '9'),
      track('Survey Responded', { at: '2026-10-24T10:00', anon: 'b', props: { survey: 'csat', score: 5 } }),
      track('Survey Responded', { at: '2026-10-24T10:10', anon: 'b', props: { survey: 'enps', score: 9 } }),
      nps('2026-10-25T08:00', 'c', 9),
    ];
    const day = buildDayContext({ config: UTC, date: '2026-10-24', events, links: new Map() });
    expect(ledgerPartOf(day).responses).toStrictEqual([
      { journeyId: 'a', time: ms('2026-10-24T08:00'), score: 3 },
      { journeyId: 'b', time: ms('2026-10-24T09:00'), score: 0 },
      { journeyId: 'a', time: ms('2026-10-24T11:00'), score: 10 },
    ]);
  });

  it('resolves journey ids through the identity links', () => {
    const events = [
      track('Signed In', { at: '2026-10-24T08:00', anon: 'anon-x', user: 'u1' }),
      order({ at: '2026-10-24T09:00', anon: 'anon-x', props: { order_id: 'o1', revenue: 10 } }),
      nps('2026-10-24T10:00', 'anon-x', 9),
    ];
    const links = linksFromEvents(events);
    const part = ledgerPartOf(buildDayContext({ config: UTC, date: '2026-10-24', events, links }));
    expect(part.orders.map((o) => o.journeyId)).toEqual(['u1']);
    expect(part.responses.map((r) => r.journeyId)).toEqual(['u1']);
  });
});

describe('customersFigures (metrics.md §8)', () => {
  it('gives the §8 example for 2026-11-20, keys in its order', () => {
    const figures = figuresOf('2026-11-20', [
      // After D−30 (2026-10-21): the rolling cohorts stay empty, as in the example.
      orderOf('c1', '2026-10-28T10:00', 40),
      orderOf('c1', '2026-11-03T10:00', 55),
    ]);
    const example = {
      new: 0,
      returning: 0,
      repeatRate: 1,
      retention30: null,
      ltv30: null,
      retention90: null,
      ltv90: null,
      cohorts: [{ month: '2026-10', customers: 1, retained: [1], revenuePerCustomer: [40, 95] }],
      experienceValue: {
        from: '2026-09-22',
        to: '2026-10-21',
        promoters: { respondents: 0, revenuePerRespondent: null, repurchaseRate: null },
        passives: { respondents: 0, revenuePerRespondent: null, repurchaseRate: null },
        detractors: { respondents: 0, revenuePerRespondent: null, repurchaseRate: null },
        gap: null,
      },
    };
    expect(JSON.stringify(figures)).toBe(JSON.stringify(example));
  });

  it('gives nulls and no cohorts for a site without orders or responses', () => {
    const figures = figuresOf('2026-11-20', []);
    expect(figures).toMatchObject({
      new: 0,
      returning: 0,
      repeatRate: null,
      retention30: null,
      ltv30: null,
      retention90: null,
      ltv90: null,
      cohorts: [],
    });
    expect(figures.experienceValue.gap).toBeNull();
  });

  describe('new, returning, repeatRate', () => {
    it('counts first orders on D as new and orders on D after an earlier first order as returning', () => {
      const figures = figuresOf('2026-11-20', [
        orderOf('new-twice', '2026-11-20T08:00', 10),
        orderOf('new-twice', '2026-11-20T09:00', 10),
        orderOf('returning', '2026-11-02T08:00', 10),
        orderOf('returning', '2026-11-20T10:00', 10),
        orderOf('earlier-only', '2026-11-19T23:59:59.999Z', 10),
        orderOf('later-only', '2026-11-21T00:00', 10),
      ]);
      expect(figures.new).toBe(1);
      expect(figures.returning).toBe(1);
      // new-twice and returning have two orders of the three customers by the end of D.
      expect(figures.repeatRate).toBe(2 / 3);
    });

    it('ignores orders after the end of D, site-local', () => {
      // 2026-11-20 in Rome (UTC+1) ends at 23:00 UTC.
      const orders = [
        orderOf('a', '2026-11-01T10:00', 10),
        orderOf('a', '2026-11-20T22:59:59.999Z', 10),
        orderOf('b', '2026-11-01T10:00', 10),
        orderOf('b', '2026-11-20T23:00', 10),
        orderOf('c', '2026-11-20T23:00', 10),
      ];
      const figures = figuresOf('2026-11-20', orders, [], ROME);
      expect(figures.returning).toBe(1);
      expect(figures.new).toBe(0);
      expect(figures.repeatRate).toBe(0.5);
      expect(figures.cohorts).toEqual([
        { month: '2026-11', customers: 2, retained: [], revenuePerCustomer: [15] },
      ]);
      const inUtc = figuresOf('2026-11-20', orders);
      expect(inUtc.new).toBe(1);
      expect(inUtc.returning).toBe(2);
      expect(inUtc.repeatRate).toBe(2 / 3);
    });

    it('counts a second order at the instant of the first towards repeatRate', () => {
      const figures = figuresOf('2026-11-20', [
        orderOf('a', '2026-11-10T10:00', 10),
        orderOf('a', '2026-11-10T10:00', 10),
      ]);
      expect(figures.repeatRate).toBe(1);
    });
  });

  describe('retention30, ltv30, retention90, ltv90', () => {
    it('includes an order exactly at f + 30 × 24 h and not one a millisecond later', () => {
      const f = ms('2026-10-01T12:00');
      const figures = figuresOf('2026-11-20', [
        orderOf('at-end', f, 20),
        orderOf('at-end', f + 30 * DAY_MS, 30),
        orderOf('just-after', f, 40),
        orderOf('just-after', f + 30 * DAY_MS + 1, 1000),
      ]);
      expect(figures.retention30).toBe(0.5);
      expect(figures.ltv30).toBe((20 + 30 + 40) / 2);
    });

    it('does not count an order at the instant of the first as another order, but counts its value', () => {
      const f = ms('2026-10-01T12:00');
      const figures = figuresOf('2026-11-20', [orderOf('a', f, 20), orderOf('a', f, 5)]);
      expect(figures.retention30).toBe(0);
      expect(figures.ltv30).toBe(25);
    });

    it('takes the first orders of D−59 … D−30 into the 30-day cohort, and no others', () => {
      // D = 2026-11-20: D−59 = 2026-09-22, D−30 = 2026-10-21.
      const figures = figuresOf('2026-11-20', [
        orderOf('too-early', '2026-09-21T23:59:59.999Z', 1000),
        orderOf('first-day', '2026-09-22T00:00', 10),
        orderOf('first-day', '2026-09-25T00:00', 1),
        orderOf('last-day', '2026-10-21T23:59:59.999Z', 30),
        orderOf('too-late', '2026-10-22T00:00', 1000),
      ]);
      expect(figures.retention30).toBe(0.5);
      expect(figures.ltv30).toBe((10 + 1 + 30) / 2);
    });

    it('follows the first orders of D−119 … D−90 over 90 days', () => {
      // D = 2026-11-20: D−119 = 2026-07-24, D−90 = 2026-08-22.
      const f = ms('2026-07-24T00:00');
      const figures = figuresOf('2026-11-20', [
        orderOf('a', f, 10),
        orderOf('a', f + 90 * DAY_MS, 20),
        orderOf('a', f + 90 * DAY_MS + 1, 500),
        orderOf('b', '2026-08-22T23:59', 30),
        orderOf('c', '2026-08-23T00:00', 1000),
        orderOf('d', '2026-07-23T23:59', 1000),
      ]);
      expect(figures.retention90).toBe(0.5);
      expect(figures.ltv90).toBe((10 + 20 + 30) / 2);
      expect(figures.retention30).toBeNull();
      expect(figures.ltv30).toBeNull();
    });

    it('takes the whole 25-hour DST day into the cohort window (Europe/Rome, 2026-10-25)', () => {
      // D = 2026-11-24: D−30 = 2026-10-25, which ends at 23:00 UTC (CET) after starting at 22:00 UTC
      // the day before (CEST): its 25th hour is 22:00–23:00 UTC.
      const figures = figuresOf(
        '2026-11-24',
        [
          orderOf('last-hour', '2026-10-25T22:30', 40),
          orderOf('last-hour', '2026-11-20T10:00', 60),
          orderOf('next-day', '2026-10-25T23:00', 1000),
        ],
        [],
        ROME,
      );
      expect(figures.retention30).toBe(1);
      expect(figures.ltv30).toBe(100);
    });

    it('measures 30 × 24 h across a DST change, not 30 calendar days at the same wall-clock time', () => {
      // f = 12:00 CEST; f + 720 h = 11:00 CET on 2026-10-31. 11:30 CET is past it.
      const figures = figuresOf(
        '2026-11-20',
        [orderOf('a', '2026-10-01T10:00', 10), orderOf('a', '2026-10-31T10:30', 90)],
        [],
        ROME,
      );
      expect(figures.retention30).toBe(0);
      expect(figures.ltv30).toBe(10);
    });

    it('follows nothing past the end of D when a 23-hour day shortens the last 30 days (Rome, 2026-03-29)', () => {
      // D = 2026-04-20 ends at 22:00 UTC (CEST); D−30 = 2026-03-21 ends at 23:00 UTC (CET), so
      // f + 30 × 24 h of a first order in D−30's last hour lies after the end of D.
      const f = ms('2026-03-21T22:30');
      const afterD = ms('2026-04-20T22:15');
      const figures = figuresOf(
        '2026-04-20',
        [orderOf('a', f, 10), orderOf('a', afterD, 90)],
        [responseOf('a', f, 9)],
        ROME,
      );
      expect(afterD).toBeLessThan(f + 30 * DAY_MS);
      expect(figures.retention30).toBe(0);
      expect(figures.ltv30).toBe(10);
      expect(figures.experienceValue.promoters).toEqual({
        respondents: 1,
        revenuePerRespondent: 0,
        repurchaseRate: 0,
      });
    });

    it('counts an unconvertible order (value 0) as an order', () => {
      const events = [
        order({ at: '2026-10-01T10:00', anon: 'a', props: { order_id: 'o1', revenue: 50 } }),
        order({
          at: '2026-10-05T10:00',
          anon: 'a',
          props: { order_id: 'o2', revenue: 9000, currency: 'JPY' },
        }),
      ];
      const ledger = ledgerFromEvents(events, ['2026-10-01', '2026-10-05']);
      const figures = customersFigures({ config: UTC, date: '2026-11-20', ledger });
      expect(figures.retention30).toBe(1);
      expect(figures.ltv30).toBe(50);
      expect(figures.repeatRate).toBe(1);
      expect(figures.cohorts).toEqual([
        { month: '2026-10', customers: 1, retained: [0], revenuePerCustomer: [50, 50] },
      ]);
    });

    it('counts an order_id met on two days once, at its earliest event (buildLedger)', () => {
      const events = [
        order({ at: '2026-10-01T23:59', anon: 'a', props: { order_id: 'o1', revenue: 50 } }),
        order({ at: '2026-10-02T00:01', anon: 'a', props: { order_id: 'o1', revenue: 70 } }),
      ];
      const ledger = ledgerFromEvents(events, ['2026-10-01', '2026-10-02']);
      expect([...ledger.ordersByJourney.values()].flat()).toHaveLength(1);
      expect(customersFigures({ config: UTC, date: '2026-10-02', ledger })).toMatchObject({
        new: 0,
        returning: 0,
        repeatRate: 0,
      });
      expect(customersFigures({ config: UTC, date: '2026-10-01', ledger }).new).toBe(1);
      expect(customersFigures({ config: UTC, date: '2026-11-20', ledger }).ltv30).toBe(50);
    });
  });

  describe('cohorts', () => {
    it('counts a second order in the next month as retained, not one in the same month', () => {
      const figures = figuresOf('2026-11-20', [
        orderOf('same-month', '2026-10-05T10:00', 10),
        orderOf('same-month', '2026-10-25T10:00', 20),
        orderOf('next-month', '2026-10-28T10:00', 30),
        orderOf('next-month', '2026-11-02T10:00', 40),
        orderOf('next-month', '2026-11-03T10:00', 50),
      ]);
      expect(figures.cohorts).toEqual([
        { month: '2026-10', customers: 2, retained: [0.5], revenuePerCustomer: [30, 75] },
      ]);
    });

    it('lists only months holding a first order, ascending, revenue cumulative through D’s month', () => {
      const figures = figuresOf('2026-11-20', [
        orderOf('aug', '2026-08-10T10:00', 10),
        orderOf('aug', '2026-10-10T10:00', 20),
        orderOf('nov', '2026-11-01T10:00', 5),
        orderOf('nov', '2026-11-21T10:00', 500),
      ]);
      expect(figures.cohorts).toEqual([
        { month: '2026-08', customers: 1, retained: [0, 1, 0], revenuePerCustomer: [10, 10, 30, 30] },
        { month: '2026-11', customers: 1, retained: [], revenuePerCustomer: [5] },
      ]);
    });

    it('places an order by its site-local month: 23:30 UTC on Oct 31 is November in Europe/Rome', () => {
      const orders = [orderOf('a', '2026-10-31T23:30', 10), orderOf('b', '2026-10-31T22:30', 20)];
      const rome = figuresOf('2026-11-10', orders, [], ROME);
      expect(rome.cohorts.map(({ month, customers }) => [month, customers])).toEqual([
        ['2026-10', 1],
        ['2026-11', 1],
      ]);
      const utc = figuresOf('2026-11-10', orders);
      expect(utc.cohorts.map(({ month, customers }) => [month, customers])).toEqual([['2026-10', 2]]);
      expect(figuresOf('2026-11-01', orders, [], ROME).new).toBe(1);
    });

    it('reaches back at most 11 months before D’s month', () => {
      const figures = figuresOf('2026-11-20', [
        orderOf('too-old', '2025-11-30T10:00', 1000),
        orderOf('too-old', '2026-01-10T10:00', 1000),
        orderOf('oldest', '2025-12-01T00:00', 12),
        orderOf('oldest', '2026-11-20T10:00', 24),
      ]);
      expect(figures.cohorts).toHaveLength(1);
      const [oldest] = figures.cohorts;
      expect(oldest?.month).toBe('2025-12');
      expect(oldest?.customers).toBe(1);
      expect(oldest?.retained).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
      expect(oldest?.revenuePerCustomer).toEqual([12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 36]);
    });

    it('changes with the erasure of a cohort member (a ledger without that journey’s orders)', () => {
      const orders = [
        orderOf('kept', '2026-10-05T10:00', 10),
        orderOf('erased', '2026-10-06T10:00', 30),
        orderOf('erased', '2026-11-02T10:00', 50),
      ];
      expect(figuresOf('2026-11-20', orders)).toMatchObject({
        repeatRate: 0.5,
        retention30: 0.5,
        ltv30: (10 + 80) / 2,
        cohorts: [{ month: '2026-10', customers: 2, retained: [0.5], revenuePerCustomer: [20, 45] }],
      });
      const afterErasure = figuresOf(
        '2026-11-20',
        orders.filter((o) => o.journeyId !== 'erased'),
      );
      expect(afterErasure).toMatchObject({
        repeatRate: 0,
        retention30: 0,
        ltv30: 10,
        cohorts: [{ month: '2026-10', customers: 1, retained: [0], revenuePerCustomer: [10, 10] }],
      });
    });
  });

  describe('experienceValue', () => {
    // D = 2026-11-20: the response window is 2026-09-22 … 2026-10-21.
    const D = '2026-11-20';

    it('sorts each journey by its latest response within the window, whatever came before or after', () => {
      const figures = figuresOf(
        D,
        [],
        [
          responseOf('a', '2026-09-21T23:59', 0),
          responseOf('a', '2026-10-01T10:00', 3),
          responseOf('a', '2026-10-10T10:00', 10),
          responseOf('a', '2026-10-22T00:00', 0),
          responseOf('b', '2026-09-25T10:00', 8),
          responseOf('b', '2026-10-21T23:59', 2),
          responseOf('c', '2026-09-21T10:00', 8),
          responseOf('c', '2026-11-01T10:00', 8),
        ],
      );
      const { promoters, passives, detractors } = figures.experienceValue;
      expect([promoters.respondents, passives.respondents, detractors.respondents]).toEqual([1, 0, 1]);
    });

    it('puts 9–10 in promoters, 7–8 in passives, 0–6 in detractors', () => {
      const scores = [0, 6, 7, 8, 9, 10];
      const figures = figuresOf(
        D,
        [],
        scores.map((score) => responseOf(`j${score}`, '2026-10-01T10:00', score)),
      );
      const { promoters, passives, detractors } = figures.experienceValue;
      expect([promoters.respondents, passives.respondents, detractors.respondents]).toEqual([2, 2, 2]);
    });

    it('reads a group’s orders in (τ, τ + 30 × 24 h], respondents without orders in the means', () => {
      const tau = ms('2026-10-01T10:00');
      const figures = figuresOf(
        D,
        [
          orderOf('p1', tau, 1000),
          orderOf('p1', tau + 30 * DAY_MS, 30),
          orderOf('p1', tau + 30 * DAY_MS + 1, 1000),
          orderOf('p2', tau - 1, 1000),
          orderOf('d1', tau + 1, 12),
          orderOf('d1', tau + 2, 0),
        ],
        [
          responseOf('p1', tau, 9),
          responseOf('p2', tau, 10),
          responseOf('d1', tau, 6),
          responseOf('d2', tau, 1),
        ],
      );
      expect(figures.experienceValue).toEqual({
        from: '2026-09-22',
        to: '2026-10-21',
        promoters: { respondents: 2, revenuePerRespondent: 15, repurchaseRate: 0.5 },
        passives: { respondents: 0, revenuePerRespondent: null, repurchaseRate: null },
        detractors: { respondents: 2, revenuePerRespondent: 6, repurchaseRate: 0.5 },
        gap: 9,
      });
    });

    it('leaves gap null when promoters or detractors are empty', () => {
      const onlyPromoters = figuresOf(D, [], [responseOf('p', '2026-10-01T10:00', 9)]);
      expect(onlyPromoters.experienceValue.promoters.revenuePerRespondent).toBe(0);
      expect(onlyPromoters.experienceValue.gap).toBeNull();
      const onlyDetractors = figuresOf(D, [], [responseOf('d', '2026-10-01T10:00', 6)]);
      expect(onlyDetractors.experienceValue.gap).toBeNull();
    });

    it('uses site-local window edges', () => {
      // In Rome (CEST, UTC+2) 2026-09-22 starts at 2026-09-21T22:00Z; 2026-10-21 ends at 2026-10-21T22:00Z.
      const figures = figuresOf(
        D,
        [],
        [
          responseOf('before', '2026-09-21T21:59:59.999Z', 9),
          responseOf('first', '2026-09-21T22:00', 9),
          responseOf('last', '2026-10-21T21:59:59.999Z', 0),
          responseOf('after', '2026-10-21T22:00', 0),
        ],
        ROME,
      );
      const { promoters, detractors } = figures.experienceValue;
      expect([promoters.respondents, detractors.respondents]).toEqual([1, 1]);
    });
  });
});
