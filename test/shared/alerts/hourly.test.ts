import { describe, expect, it } from 'vitest';
import { decideTransition, type RuleState } from '../../../shared/alerts/evaluate';
import {
  baselineDates,
  evaluationKeyOf,
  observeHourlyRule,
  planHourlyRule,
  sameHoursOn,
  seasonalBaselineOf,
  trailingWindow,
} from '../../../shared/alerts/hourly';
import { alertMessage } from '../../../shared/alerts/messages';
import { type AlertRule, alertRuleSchema, DEFAULT_HOURLY_RULES } from '../../../shared/alerts/rules';
import { siteConfigWithDefaults } from '../../../shared/config/site';
import { computeWindowFigures, type WindowFigures } from '../../../shared/metrics/window-figures';
import { page, track, utcSite } from '../metrics/fixtures';

const ROME = 'Europe/Rome';
const ordersStopped = DEFAULT_HOURLY_RULES.find((rule) => rule.id === 'orders-stopped') as AlertRule;

/** A window's figures with only the fields the rules read set. */
function windowFigures(date: string, values: { orders?: number; events?: number }): WindowFigures {
  const events = values.events ?? 0;
  return {
    site: 'demo',
    date,
    window: { from: '2026-12-01T10:00:00.000Z', to: '2026-12-01T12:00:00.000Z' },
    sales: { orders: values.orders ?? 0 },
    traffic: { events },
  } as unknown as WindowFigures;
}

describe('hourly windows', () => {
  it('watches the trailing ended site-local hours of today', () => {
    // 12:20 in Rome (UTC+1): hours 10 and 11 have ended.
    const window = trailingWindow(Date.parse('2026-12-01T11:20:00Z'), ROME, 2);
    expect(window?.date).toBe('2026-12-01');
    expect(window?.slots.map((slot) => slot.hour)).toEqual(['10', '11']);
    expect(window && new Date(window.end).toISOString()).toBe('2026-12-01T11:00:00.000Z');
  });

  it('watches fewer hours at 01:00, and never past the window end', () => {
    expect(trailingWindow(Date.parse('2026-12-01T00:00:00Z'), ROME, 2)?.slots.map((s) => s.hour)).toEqual([
      '00',
    ]);
    expect(trailingWindow(Date.parse('2026-12-01T00:59:59Z'), ROME, 2)?.slots.map((s) => s.hour)).toEqual([
      '00',
    ]);
  });

  const endOfDay = (atIso: string, zone: string, hours = 2) => {
    const window = trailingWindow(Date.parse(atIso), zone, hours);
    return (
      window && {
        date: window.date,
        hours: window.slots.map((s) => s.hour),
        from: new Date(window.start).toISOString(),
        to: new Date(window.end).toISOString(),
      }
    );
  };

  it('watches the hours ending at 24:00 of yesterday at the first run after site-local midnight', () => {
    // 00:00 and 00:30 in Rome on 2026-12-01: no hour of today has ended, so 22:00–24:00 of 11-30.
    for (const at of ['2026-11-30T23:00:00Z', '2026-11-30T23:30:00Z']) {
      expect(endOfDay(at, ROME)).toEqual({
        date: '2026-11-30',
        hours: ['22', '23'],
        from: '2026-11-30T21:00:00.000Z',
        to: '2026-11-30T23:00:00.000Z',
      });
    }
    expect(endOfDay('2026-11-30T23:00:00Z', ROME, 1)?.hours).toEqual(['23']);
  });

  it('watches the last hours of a DST-change day at the midnight after it (25 h and 23 h days)', () => {
    // Rome goes back on 2026-10-25 (UTC+2 → UTC+1): its midnight after is 23:00 UTC.
    expect(endOfDay('2026-10-25T23:00:00Z', ROME)).toEqual({
      date: '2026-10-25',
      hours: ['22', '23'],
      from: '2026-10-25T21:00:00.000Z',
      to: '2026-10-25T23:00:00.000Z',
    });
    // And forward on 2026-03-29 (UTC+1 → UTC+2): its midnight after is 22:00 UTC.
    expect(endOfDay('2026-03-29T22:00:00Z', ROME)).toEqual({
      date: '2026-03-29',
      hours: ['22', '23'],
      from: '2026-03-29T20:00:00.000Z',
      to: '2026-03-29T22:00:00.000Z',
    });
  });

  it('reaches the last hour in a zone whose midnight falls between the hourly UTC runs', () => {
    // Kolkata is UTC+5:30: the run at 18:00 UTC (23:30) watches 21:00–23:00, the next (00:30) 22:00–24:00.
    expect(endOfDay('2026-12-01T18:00:00Z', 'Asia/Kolkata')?.hours).toEqual(['21', '22']);
    expect(endOfDay('2026-12-01T19:00:00Z', 'Asia/Kolkata')).toMatchObject({
      date: '2026-12-01',
      hours: ['22', '23'],
      to: '2026-12-01T18:30:00.000Z',
    });
  });

  it('takes the same hours on the same weekday of the previous weeks', () => {
    expect(baselineDates('2026-12-01', 4)).toEqual(['2026-11-24', '2026-11-17', '2026-11-10', '2026-11-03']);
  });

  it('leaves out a baseline day on which the clocks went back inside the hours (02:00 met twice)', () => {
    // 2026-10-25 is the Sunday Europe/Rome goes back from 03:00 to 02:00; 2026-11-01 a normal Sunday.
    const normal = trailingWindow(Date.parse('2026-11-01T03:00:00Z'), ROME, 2); // 04:00 local: hours 02, 03
    expect(normal?.slots.map((s) => s.hour)).toEqual(['02', '03']);
    if (!normal) throw new Error('no window');
    expect(sameHoursOn(normal, '2026-10-25', ROME)).toBeUndefined();
    expect(sameHoursOn(normal, '2026-10-18', ROME)?.slots.map((s) => s.hour)).toEqual(['02', '03']);
  });

  it('on the day the clocks go back, the twice-met hour is two real hours; windows over one of them compare', () => {
    // 2026-10-25 00:00 Rome is 2026-10-24T22:00Z; slots 00, 01, 02, 02, 03 …
    const first = trailingWindow(Date.parse('2026-10-25T01:00:00Z'), ROME, 2); // end of the first 02
    expect(first?.slots.map((s) => s.hour)).toEqual(['01', '02']);
    const both = trailingWindow(Date.parse('2026-10-25T02:00:00Z'), ROME, 2); // end of the second 02
    expect(both?.slots.map((s) => s.hour)).toEqual(['02', '02']);
    if (!first || !both) throw new Error('no window');
    expect(sameHoursOn(first, '2026-10-18', ROME)?.slots.map((s) => s.hour)).toEqual(['01', '02']);
    // Two real hours labelled 02 have no counterpart on a normal day: no baseline, no evaluation.
    expect(sameHoursOn(both, '2026-10-18', ROME)).toBeUndefined();
  });

  it('on the day the clocks go forward, the missing hour makes the window over it incomparable', () => {
    // 2026-03-29: Rome jumps from 02:00 to 03:00; slots 00, 01, 03, 04 …
    const over = trailingWindow(Date.parse('2026-03-29T02:00:00Z'), ROME, 2); // 04:00 local: hours 01, 03
    expect(over?.slots.map((s) => s.hour)).toEqual(['01', '03']);
    if (!over) throw new Error('no window');
    expect(sameHoursOn(over, '2026-03-22', ROME)).toBeUndefined();
    const after = trailingWindow(Date.parse('2026-03-29T03:00:00Z'), ROME, 2); // hours 03, 04
    if (!after) throw new Error('no window');
    expect(sameHoursOn(after, '2026-03-22', ROME)?.slots.map((s) => s.hour)).toEqual(['03', '04']);
  });

  it('plans no baseline for a week whose hours are not comparable', () => {
    const plan = planHourlyRule(ordersStopped, Date.parse('2026-11-01T03:00:00Z'), ROME);
    expect(plan?.baselines.map((b) => b?.date)).toEqual([
      undefined,
      '2026-10-18',
      '2026-10-11',
      '2026-10-04',
    ]);
  });
});

describe('seasonal baseline', () => {
  it('is the median of the same-weekday hours', () => {
    expect(seasonalBaselineOf([18, 30, 17, 19])).toEqual({ median: 18.5, weeks: 4 });
    expect(seasonalBaselineOf([18, undefined, 40, 17])).toEqual({ median: 18, weeks: 3 });
  });

  it('needs at least 2 weeks with a value', () => {
    expect(seasonalBaselineOf([18, undefined, null, undefined])).toBeUndefined();
  });

  it('does not evaluate a rule with fewer than 2 baseline values', () => {
    const today = windowFigures('2026-12-01', { orders: 0 });
    const observation = observeHourlyRule(
      ordersStopped,
      today,
      [windowFigures('2026-11-24', { orders: 18 })],
      ROME,
    );
    expect(observation.status).toBe('unknown');
    expect(observation.reason).toBe('no_baseline');
  });

  it('fires on a drop of 80 % against the median, and keeps quiet hours quiet (minBaseline)', () => {
    const weeks = [18, 17, 19, 40].map((orders) => windowFigures('2026-11-24', { orders }));
    const firing = observeHourlyRule(ordersStopped, windowFigures('2026-12-01', { orders: 3 }), weeks, ROME);
    expect(firing.status).toBe('firing');
    expect(firing.seasonal).toEqual({ median: 18.5, weeks: 4 });
    const quietWeeks = [4, 3, 5].map((orders) => windowFigures('2026-11-24', { orders }));
    const quiet = observeHourlyRule(
      ordersStopped,
      windowFigures('2026-12-01', { orders: 0 }),
      quietWeeks,
      ROME,
    );
    expect(quiet.status).toBe('unknown');
    expect(quiet.reason).toBe('small_baseline');
  });

  it('says when in its message', () => {
    const weeks = [18, 17, 19, 18].map((orders) => windowFigures('2026-11-24', { orders }));
    const observation = observeHourlyRule(
      ordersStopped,
      windowFigures('2026-12-01', { orders: 0 }),
      weeks,
      ROME,
    );
    const message = alertMessage({
      site: 'demo',
      currency: 'EUR',
      rule: ordersStopped,
      observation,
      notification: { state: 'firing', reminder: false, since: observation.window?.to ?? '' },
    });
    expect(message.text).toBe(
      'Orders on demo were 0 between 11:00 and 13:00, 100 % below the usual 18 for a Tuesday at this time (median of 4 weeks)',
    );
    expect(message.every).toBe('hour');
    expect(message.window).toEqual({ from: '2026-12-01T10:00:00.000Z', to: '2026-12-01T12:00:00.000Z' });
    expect(message.baseline).toBe(18);
  });
});

describe('hourly messages', () => {
  const checkoutBroken = DEFAULT_HOURLY_RULES.find((rule) => rule.id === 'checkout-broken') as AlertRule;
  /** 22:00–24:00 in Rome on 2026-11-30: the window the run at the midnight after it watches. */
  const lastHours = (abandonmentRate: number, created: number) =>
    ({
      site: 'demo',
      date: '2026-11-30',
      window: { from: '2026-11-30T21:00:00.000Z', to: '2026-11-30T23:00:00.000Z' },
      carts: { abandonmentRate, created },
    }) as unknown as WindowFigures;
  const textOf = (figures: WindowFigures, state: 'firing' | 'resolved') =>
    alertMessage({
      site: 'demo',
      currency: 'EUR',
      rule: checkoutBroken,
      observation: observeHourlyRule(checkoutBroken, figures, [], ROME),
      notification: { state, reminder: false, since: '2026-11-30T23:00:00.000Z' },
    }).text;

  it('writes percentages with a space before the sign and the end of the day as 24:00', () => {
    expect(textOf(lastHours(1, 24), 'firing')).toBe(
      'Cart abandonment on demo was 100 % between 22:00 and 24:00, above 95 % (24 carts)',
    );
    expect(textOf(lastHours(0.625, 24), 'resolved')).toBe(
      'Resolved: cart abandonment on demo was 63 % between 22:00 and 24:00, no longer above 95 % (24 carts)',
    );
  });
});

describe('episodes of an hourly rule', () => {
  const rule = {};
  function run(statuses: ('firing' | 'ok' | 'unknown')[], keys: string[]) {
    let state: RuleState | undefined;
    const notified: string[] = [];
    statuses.forEach((status, index) => {
      const key = keys[index] ?? '';
      const decision = decideTransition({
        rule,
        observation: { date: key, status },
        state,
        alreadyNotified: new Set(),
      });
      state = decision.next;
      if (decision.notify) notified.push(`${key} ${decision.notify.state}`);
    });
    return notified;
  }

  it('notifies once when an episode starts, not while it keeps firing, and once when it resolves', () => {
    const keys = ['T10', 'T11', 'T12', 'T13', 'T14'];
    expect(run(['ok', 'firing', 'firing', 'unknown', 'ok'], keys)).toEqual(['T11 firing', 'T14 resolved']);
  });

  it('never notifies twice when the same hour is evaluated again', () => {
    expect(run(['firing', 'firing', 'ok', 'ok'], ['T11', 'T11', 'T12', 'T12'])).toEqual([
      'T11 firing',
      'T12 resolved',
    ]);
  });
});

describe('window figures', () => {
  const config = utcSite({ conversionWindowHours: 24 });
  const cart = (id: string, at: string) =>
    track('Product Added', { at, anon: id, props: { cart_id: id, price: 10 } });
  const order = (id: string, at: string) =>
    track('Order Completed', { at, anon: id, props: { cart_id: id, order_id: `o-${id}`, total: 10 } });

  it('counts only the events in the window and converts carts only within it (no look-ahead)', () => {
    const events = [
      page({ at: '2026-10-24T09:59', anon: 'x' }),
      cart('a', '2026-10-24T10:10'),
      order('a', '2026-10-24T10:40'),
      cart('b', '2026-10-24T11:30'),
      order('b', '2026-10-24T12:10'), // after the window: b is abandoned in it
    ];
    const figures = computeWindowFigures({
      config,
      date: '2026-10-24',
      window: { start: Date.parse('2026-10-24T10:00:00Z'), end: Date.parse('2026-10-24T12:00:00Z') },
      events,
      links: new Map(),
    });
    expect(figures.sales.orders).toBe(1);
    expect(figures.carts.created).toBe(2);
    expect(figures.carts.abandonmentRate).toBe(0.5);
    expect(figures.traffic.events).toBe(3);
  });

  it('leaves out what had not been received by the evaluation instant', () => {
    const events = [
      cart('a', '2026-10-24T10:10'),
      { ...order('a', '2026-10-24T10:40'), receivedAt: '2026-10-24T12:05:00.000Z' },
    ];
    const figures = computeWindowFigures({
      config,
      date: '2026-10-24',
      window: { start: Date.parse('2026-10-24T10:00:00Z'), end: Date.parse('2026-10-24T12:00:00Z') },
      events,
      links: new Map(),
      receivedBy: Date.parse('2026-10-24T12:00:00Z'),
    });
    expect(figures.sales.orders).toBe(0);
    expect(figures.carts.abandonmentRate).toBe(1);
  });
});

describe('hourly rules in the config', () => {
  it('gives new sites the three default hourly rules and adds them to sites still on the old defaults', () => {
    const fresh = siteConfigWithDefaults({ site: 's', timezone: 'UTC', currency: 'EUR' });
    expect(fresh.alerts.rules.filter((rule) => rule.every === 'hour').map((rule) => rule.id)).toEqual([
      'checkout-broken',
      'tracking-broken',
      'orders-stopped',
    ]);
    const custom = siteConfigWithDefaults({
      site: 's',
      timezone: 'UTC',
      currency: 'EUR',
      alerts: { rules: [{ id: 'mine', metric: 'traffic.events', below: 1 }] },
    });
    expect(custom.alerts.rules.map((rule) => rule.id)).toEqual(['mine']);
  });

  it('rejects hourly settings on daily rules and across-days figures on hourly ones', () => {
    expect(
      alertRuleSchema.safeParse({ id: 'a', metric: 'traffic.events', below: 1, windowHours: 1 }).success,
    ).toBe(false);
    expect(
      alertRuleSchema.safeParse({
        id: 'a',
        every: 'hour',
        metric: 'traffic.events',
        dropBy: 0.5,
        windowHours: 1,
      }).success,
    ).toBe(true);
    expect(
      alertRuleSchema.safeParse({
        id: 'a',
        every: 'hour',
        metric: 'traffic.events',
        dropBy: 0.5,
        baselineDays: 7,
      }).success,
    ).toBe(false);
  });

  it('keys an evaluation by the end of its window', () => {
    const window = trailingWindow(Date.parse('2026-12-01T11:20:00Z'), ROME, 2);
    expect(window && evaluationKeyOf(window)).toBe('2026-12-01T11:00:00.000Z');
  });
});
