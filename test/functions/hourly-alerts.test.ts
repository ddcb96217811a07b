/**
 * Hourly alert rules over simulated weeks (issue 19): six weeks of a shop with day/night and
 * weekday/weekend seasonality across the autumn DST change, with two incidents — checkout broken and
 * tracking lost — through the scheduler's path (stored rule state, real local servers) and the backtest.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../bench/cli';
import { type AlertRule, DEFAULT_HOURLY_RULES } from '../../shared/alerts/rules';
import { backtestAlerts } from '../../shared/app/alerts/backtest';
import { evaluateHourlyAlerts, storageHourSource } from '../../shared/app/alerts/hourly';
import { type SiteConfig, siteConfigWithDefaults } from '../../shared/config/site';
import type { NormalizedEvent } from '../../shared/events/types';
import { archiveKeyFor, putObjects, toNdjsonGzip } from '../../shared/storage/archive';
import { datesBetween, localDateHour, localDayBounds, localHourSlots } from '../../shared/time';
import { startTestStack, type TestStack } from '../helpers/local-stack';

const SITE = 'hourly-shop';
const ZONE = 'Europe/Rome';
const FIRST_DAY = '2026-09-07';
const LAST_DAY = '2026-11-06';
const HOUR = 3_600_000;
const MINUTE = 60_000;

/** Local wall-clock time → instant (the test's dates are outside DST changes). */
function localInstant(date: string, hour: number): number {
  const slot = localHourSlots(date, ZONE).find((s) => Number(s.hour) === hour);
  if (!slot) throw new Error(`no ${hour}:00 on ${date}`);
  return slot.start;
}

const CHECKOUT_BROKEN = { from: localInstant('2026-11-03', 10), to: localInstant('2026-11-03', 14) };
const TRACKING_LOST = { from: localInstant('2026-11-05', 15), to: localInstant('2026-11-05', 18) };

/**
 * A busier shop whose checkout breaks for the last two hours of 2026-10-25, the Sunday Rome's clocks
 * go back (a 25-hour day): only the run at the midnight after it (23:00 UTC) can see those hours.
 */
const LATE_SITE = 'late-shop';
const LATE_DAYS = ['2026-09-27', '2026-10-04', '2026-10-11', '2026-10-18', '2026-10-25', '2026-10-26'];
const LATE_CHECKOUT_BROKEN = {
  from: localInstant('2026-10-25', 22),
  to: localDayBounds('2026-10-25', ZONE).end,
};

/** Visits per hour: night, shoulders and day; weekends at 60 %. */
function visitsIn(date: string, hour: number): number {
  const profile = hour < 7 ? 0.1 : hour < 9 ? 0.5 : hour < 21 ? 1 : 0.4;
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
  const weekend = weekday === 0 || weekday === 6 ? 0.6 : 1;
  return 40 * profile * weekend;
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Shop {
  site: string;
  days: string[];
  /** Visits per hour are `visitsIn` times this. */
  scale: number;
  checkoutBroken?: { from: number; to: number };
  trackingLost?: { from: number; to: number };
}

function simulate(shop: Shop): Map<string, NormalizedEvent[]> {
  const random = seeded(19);
  const partitions = new Map<string, NormalizedEvent[]>();
  let sequence = 0;
  const emit = (
    time: number,
    anonymousId: string,
    type: 'page' | 'track',
    name: string,
    properties?: NormalizedEvent['properties'],
  ) => {
    if (shop.trackingLost && time >= shop.trackingLost.from && time < shop.trackingLost.to) return;
    sequence += 1;
    const timestamp = new Date(time).toISOString();
    const event: NormalizedEvent = {
      messageId: `m-${sequence}`,
      type,
      site: shop.site,
      anonymousId,
      timestamp,
      originalTimestamp: timestamp,
      receivedAt: new Date(time + 5_000).toISOString(),
      ...(type === 'track' ? { event: name } : { name }),
      ...(properties ? { properties } : {}),
    };
    const { date, hour } = localDateHour(time, ZONE);
    const id = `${date}|${hour}`;
    const list = partitions.get(id) ?? [];
    list.push(event);
    partitions.set(id, list);
  };
  for (const date of shop.days) {
    for (const slot of localHourSlots(date, ZONE)) {
      const visits = Math.round(shop.scale * visitsIn(date, Number(slot.hour)) * (0.9 + 0.2 * random()));
      for (let visit = 0; visit < visits; visit++) {
        const start = slot.start + Math.floor(((visit + random()) / visits) * HOUR * 0.999);
        const visitor = `v-${sequence}-${visit}`;
        emit(start, visitor, 'page', 'Home');
        emit(start + MINUTE, visitor, 'page', 'Product');
        // Six in ten visits add to a cart, every second cart is ordered a few minutes later.
        if ((visit * 3) % 5 >= 2) continue;
        const cart = `c-${visitor}`;
        emit(start + 2 * MINUTE, visitor, 'track', 'Product Added', {
          cart_id: cart,
          price: 20,
          quantity: 1,
        });
        const orderAt = start + 6 * MINUTE;
        const broken = shop.checkoutBroken;
        const checkoutBroken = broken !== undefined && orderAt >= broken.from && orderAt < broken.to;
        if (visit % 2 === 0 && !checkoutBroken) {
          emit(orderAt, visitor, 'track', 'Order Completed', {
            cart_id: cart,
            order_id: `o-${visitor}`,
            total: 20,
            currency: 'EUR',
          });
        }
      }
    }
  }
  return partitions;
}

/** The defaults, and the same rules watching the last hour only. */
const RULES: AlertRule[] = [
  ...DEFAULT_HOURLY_RULES,
  ...DEFAULT_HOURLY_RULES.map((rule) => ({ ...rule, id: `${rule.id}-1h`, windowHours: 1 })),
];

let stack: TestStack;
let config: SiteConfig;

beforeAll(async () => {
  stack = await startTestStack();
  config = siteConfigWithDefaults({ site: SITE, timezone: ZONE, currency: 'EUR', alerts: { rules: RULES } });
  await stack.createSite({ site: SITE, timezone: ZONE, currency: 'EUR', alerts: { rules: RULES } });
  await stack.createSite({ site: LATE_SITE, timezone: ZONE, currency: 'EUR', alerts: { rules: RULES } });
  const shops: Shop[] = [
    {
      site: SITE,
      days: datesBetween(FIRST_DAY, LAST_DAY),
      scale: 1,
      checkoutBroken: CHECKOUT_BROKEN,
      trackingLost: TRACKING_LOST,
    },
    { site: LATE_SITE, days: LATE_DAYS, scale: 3, checkoutBroken: LATE_CHECKOUT_BROKEN },
  ];
  for (const shop of shops) {
    const objects = [...simulate(shop)].map(([id, events]) => {
      const [date = '', hour = ''] = id.split('|');
      return { key: archiveKeyFor(shop.site, { date, hour }, `sim-${id}`), body: toNdjsonGzip(events) };
    });
    for (let i = 0; i < objects.length; i += 50) await putObjects(stack.clients, objects.slice(i, i + 50));
  }
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

function firstFiring(
  notifications: { ruleId: string; state: string; at: string }[],
  ruleId: string,
  after: number,
) {
  const found = notifications.find(
    (n) => n.ruleId === ruleId && n.state === 'firing' && Date.parse(n.at) >= after,
  );
  return found ? Date.parse(found.at) - after : undefined;
}

describe('hourly rules over simulated weeks', () => {
  it('notify nothing over four normal weeks with seasonality, across the DST change (backtest)', async () => {
    const result = await backtestAlerts(stack.clients, config, {
      from: '2026-10-05',
      to: '2026-11-01',
      rules: RULES,
    });
    expect(result.notifications).toEqual([]);
  }, 300_000);

  it('notify both incidents within the targets, and nothing else (backtest)', async () => {
    const result = await backtestAlerts(stack.clients, config, {
      from: '2026-11-02',
      to: '2026-11-06',
      rules: RULES,
    });
    const latencies = {
      checkoutBroken: firstFiring(result.notifications, 'checkout-broken', CHECKOUT_BROKEN.from),
      ordersStopped: firstFiring(result.notifications, 'orders-stopped', CHECKOUT_BROKEN.from),
      checkoutBroken1h: firstFiring(result.notifications, 'checkout-broken-1h', CHECKOUT_BROKEN.from),
      trackingBroken: firstFiring(result.notifications, 'tracking-broken', TRACKING_LOST.from),
      trackingBroken1h: firstFiring(result.notifications, 'tracking-broken-1h', TRACKING_LOST.from),
    };
    console.log(
      'hourly alert latencies (min):',
      Object.fromEntries(Object.entries(latencies).map(([k, v]) => [k, v === undefined ? v : v / MINUTE])),
    );
    expect(
      Math.min(latencies.checkoutBroken ?? Infinity, latencies.ordersStopped ?? Infinity),
    ).toBeLessThanOrEqual(150 * MINUTE);
    expect(latencies.trackingBroken).toBeLessThanOrEqual(150 * MINUTE);
    expect(latencies.checkoutBroken1h).toBeLessThanOrEqual(90 * MINUTE);
    expect(latencies.trackingBroken1h).toBeLessThanOrEqual(90 * MINUTE);
    // Every notification belongs to an incident: firing during it, resolving within 3 h of its end.
    for (const n of result.notifications) {
      const at = Date.parse(n.at);
      const incident = [CHECKOUT_BROKEN, TRACKING_LOST].find((i) => at > i.from && at <= i.to + 3 * HOUR);
      expect(incident, `${n.at} ${n.ruleId} ${n.state}`).toBeDefined();
    }
    // Each episode notifies once when it starts and once when it resolves.
    for (const rule of RULES) {
      const states = result.notifications.filter((n) => n.ruleId === rule.id).map((n) => n.state);
      expect(states.length % 2, rule.id).toBe(0);
      expect(states).toEqual(states.map((_, index) => (index % 2 === 0 ? 'firing' : 'resolved')));
    }
  }, 300_000);

  it('the scheduler sends what the backtest reports, once, even when an hour is evaluated again', async () => {
    const days = ['2026-11-03', '2026-11-05'];
    const sent: { ruleId: string; state: string; at: string; text: string }[] = [];
    const source = storageHourSource(stack.clients, SITE);
    for (const date of days) {
      // Every run that watches this day's hours: from its 01:00 to the midnight after it.
      const { start, end } = localDayBounds(date, ZONE);
      for (let at = start + HOUR; at <= end; at += HOUR) {
        for (let run = 0; run < 2; run++) {
          const result = await evaluateHourlyAlerts(stack.clients, config, {
            now: new Date(at + run * 20 * MINUTE),
            source,
          });
          for (const entry of result.notifications) {
            sent.push({
              ruleId: entry.ruleId,
              state: entry.state,
              at: entry.message.window?.to ?? '',
              text: entry.message.text,
            });
          }
        }
      }
    }
    const backtested: typeof sent = [];
    for (const date of days) {
      const result = await backtestAlerts(stack.clients, config, { from: date, to: date, rules: RULES });
      backtested.push(
        ...result.notifications.map((n) => ({ ruleId: n.ruleId, state: n.state, at: n.at, text: n.text })),
      );
    }
    const order = (a: { at: string; ruleId: string }, b: { at: string; ruleId: string }) =>
      a.at < b.at ? -1 : a.at > b.at ? 1 : a.ruleId < b.ruleId ? -1 : 1;
    expect(sent.length).toBeGreaterThan(0);
    expect([...sent].sort(order)).toEqual([...backtested].sort(order));
  }, 300_000);

  it('roxtrail alerts backtest --json prints the documented shape in time order, and --rules tries other rules', async () => {
    const env = { ROXTRAIL_DATA_DIR: stack.dataDir };
    const range = ['--site', SITE, '--from', '2026-11-03', '--to', '2026-11-03'];
    const json = await runCli(['alerts', 'backtest', ...range, '--json'], env);
    expect(json.code).toBe(0);
    const printed = JSON.parse(json.stdout) as {
      site: string;
      from: string;
      to: string;
      notifications: { ruleId: string; every: string; state: string; date: string; at: string }[];
    };
    expect(printed).toMatchObject({ site: SITE, from: '2026-11-03', to: '2026-11-03' });
    const first = printed.notifications[0];
    expect(first).toMatchObject({
      ruleId: 'checkout-broken-1h',
      every: 'hour',
      state: 'firing',
      date: '2026-11-03',
    });
    expect(Object.keys(first ?? {}).slice(0, 9)).toEqual([
      'ruleId',
      'every',
      'state',
      'date',
      'at',
      'metric',
      'value',
      'baseline',
      'threshold',
    ]);
    const ats = printed.notifications.map((n) => n.at);
    expect(ats).toEqual([...ats].sort());

    const rulesFile = join(stack.dataDir, 'try-rules.json');
    writeFileSync(
      rulesFile,
      JSON.stringify([
        {
          id: 'orders-stopped-strict',
          every: 'hour',
          metric: 'sales.orders',
          dropBy: 0.9,
          minBaseline: { atLeast: 10 },
        },
      ]),
    );
    const tried = await runCli(['alerts', 'backtest', ...range, '--rules', rulesFile, '--json'], env);
    expect(tried.code).toBe(0);
    const triedRules = (JSON.parse(tried.stdout) as typeof printed).notifications.map(
      (n) => `${n.ruleId} ${n.state}`,
    );
    expect(triedRules).toEqual(['orders-stopped-strict firing', 'orders-stopped-strict resolved']);
  }, 120_000);

  it('the run at the midnight after a DST-change day notifies an incident in its last two hours', async () => {
    const lateConfig = { ...config, site: LATE_SITE };
    const midnight = localDayBounds('2026-10-25', ZONE).end;
    expect(new Date(midnight).toISOString()).toBe('2026-10-25T23:00:00.000Z');
    // The runs of the day itself (up to 23:00, watching 21:00–23:00) see nothing firing yet.
    const duringDay = await evaluateHourlyAlerts(stack.clients, lateConfig, {
      now: new Date(midnight - HOUR),
    });
    expect(duringDay.notifications.map((n) => n.ruleId)).not.toContain('checkout-broken');
    const run = await evaluateHourlyAlerts(stack.clients, lateConfig, { now: new Date(midnight) });
    const checkout = run.notifications.find((n) => n.ruleId === 'checkout-broken');
    expect(checkout?.state).toBe('firing');
    expect(checkout?.date).toBe('2026-10-25');
    expect(checkout?.message.window).toEqual({
      from: '2026-10-25T21:00:00.000Z',
      to: '2026-10-25T23:00:00.000Z',
    });
    expect(checkout?.message.text).toMatch(
      /^Cart abandonment on late-shop was 100 % between 22:00 and 24:00, above 95 % \(\d+ carts\)$/,
    );
    // Run again (a retry) a few minutes later: still yesterday's last window, nothing sent twice.
    const again = await evaluateHourlyAlerts(stack.clients, lateConfig, {
      now: new Date(midnight + 20 * MINUTE),
    });
    expect(again.notifications).toEqual([]);

    const backtest = await backtestAlerts(stack.clients, lateConfig, {
      from: '2026-10-25',
      to: '2026-10-25',
      rules: RULES,
    });
    expect(
      backtest.notifications.filter((n) => n.ruleId === 'checkout-broken').map((n) => `${n.state} ${n.at}`),
    ).toEqual(['firing 2026-10-25T23:00:00.000Z']);
  }, 120_000);
});
