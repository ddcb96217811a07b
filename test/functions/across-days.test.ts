/**
 * The sections that look across days stay consistent with the archive (metrics.md §8, last
 * paragraph): a late order ten days back changes the `outcomes` and `customers` of the provisional
 * days whose windows see it, in the same scheduled run, leaves final days as they were, and every
 * day's document equals what computing it from scratch over the archive gives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateDay, runScheduledAggregation } from '../../shared/app/aggregate/aggregate';
import { siteConfigWithDefaults } from '../../shared/config/site';
import type { FiguresDocument } from '../../shared/metrics/figures';
import { sessionsOfColumns } from '../../shared/metrics/session-columns';
import { findObjectBytes, listObjects, putJson } from '../../shared/storage/archive';
import {
  customerLedgerKeyFor,
  deleteDerivedDays,
  getSessionsPart,
  ledgerIndexKeyFor,
  legacyCustomerLedgerKeysFor,
} from '../../shared/storage/derived';
import { queryFigures } from '../../shared/storage/table';
import { addDays } from '../../shared/time';
import { sendAt } from '../helpers/clocked-collector';
import { compareFigures } from '../helpers/compare-figures';
import { startTestStack, type TestStack } from '../helpers/local-stack';

const FIRST = '2026-10-20';
const LAST = '2026-11-20';
/** The morning after LAST: 11-18 to 11-20 are provisional (72 hours), 11-17 and before are final. */
const NOW = new Date('2026-11-21T09:00:00Z');
const LATE_ORDER_DAY = '2026-11-10';
/** When the late order arrives. */
const LATER = new Date(NOW.getTime() + 5 * 60_000);
const touchpoints = { live_chat: { dailyCost: 5 } };

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack.stop();
});

const iso = (date: string, time: string) => `${date}T${time}.000Z`;

/** A shopper's visit on `date`: views, a cart add, a chat for even days, an order on every third. */
function visit(shopper: number, date: string, index: number) {
  const id = `${shopper}-${date}`;
  const events: Record<string, unknown>[] = [
    { type: 'page', name: 'Home', messageId: `${id}-home`, timestamp: iso(date, '10:00:00') },
    {
      type: 'track',
      event: 'Product Viewed',
      messageId: `${id}-view`,
      timestamp: iso(date, '10:02:00'),
      properties: { price: 20 },
    },
    {
      type: 'track',
      event: 'Product Added',
      messageId: `${id}-add`,
      timestamp: iso(date, '10:04:00'),
      properties: { price: 20 },
    },
  ];
  if ((shopper + index) % 2 === 0) {
    events.push({
      type: 'track',
      event: 'Touchpoint Used',
      messageId: `${id}-chat`,
      timestamp: iso(date, '10:05:00'),
      properties: { touchpoint: 'live_chat' },
    });
  }
  if ((shopper + index) % 3 === 0) {
    events.push({
      type: 'track',
      event: 'Order Completed',
      messageId: `${id}-order`,
      timestamp: iso(date, '10:08:00'),
      properties: { order_id: `o-${id}`, revenue: 40 + shopper },
    });
  }
  return events.map((event) => ({ ...event, userId: `shopper-${shopper}` }));
}

async function sendDays(writeKey: string, lateOrder: boolean): Promise<void> {
  let index = 0;
  for (let date = FIRST; date <= LAST; date = addDays(date, 1), index += 1) {
    const events = [1, 2, 3, 4, 5].flatMap((shopper) => visit(shopper, date, index));
    await sendAt(stack.clients, writeKey, Date.parse(iso(date, '12:00:00')), events);
  }
  if (!lateOrder) return;
  await sendAt(stack.clients, writeKey, NOW.getTime(), [lateOrderEvent()]);
}

/** Shopper 1 chatted on 11-08 (index 19: 1 + 19 even); this order, two days later, reaches the archive only now. */
function lateOrderEvent() {
  return {
    type: 'track',
    event: 'Order Completed',
    userId: 'shopper-1',
    messageId: 'late-order',
    timestamp: iso(LATE_ORDER_DAY, '18:00:00'),
    properties: { order_id: 'o-late', revenue: 500 },
  };
}

async function computeAll(config: ReturnType<typeof siteConfigWithDefaults>): Promise<void> {
  for (let date = FIRST; date <= LAST; date = addDays(date, 1))
    await aggregateDay(stack.clients, config, date, { now: NOW });
}

async function cacheKeys(
  site: string,
  name: 'outcomes-prefix' | 'lookback' | 'ledger-base',
): Promise<string[]> {
  return (await listObjects(stack.clients, `derived/site=${site}/`))
    .map((object) => object.key)
    .filter((key) => key.includes(`/${name}.`));
}

async function documents(site: string): Promise<Map<string, FiguresDocument>> {
  return new Map(
    (await queryFigures(stack.clients, site, FIRST, LAST)).map((figures) => [figures.date, figures]),
  );
}

describe('a late order ten days back', () => {
  it('changes the outcomes and customers of the provisional days that see it, only those, and as from scratch', async () => {
    const config = siteConfigWithDefaults({ site: 'late-shop', timezone: 'UTC', touchpoints });
    const { writeKey } = await stack.createSite(config);
    await sendDays(writeKey, false);
    await computeAll(config);
    // The scheduled run that handles the initial arrivals' marks.
    expect((await runScheduledAggregation(stack.clients, { now: NOW })).failures).toEqual([]);
    const before = await documents(config.site);
    // An hourly re-run with the same history starts from the day's folded prefix: no exposure day
    // before D−h is read again, and the outcomes are the same.
    const again = await aggregateDay(stack.clients, config, LAST, { now: NOW });
    expect(again.exposureDaysFolded).toBe(0);
    expect(compareFigures(before.get(LAST)?.outcomes, again.figures.outcomes)).toEqual([]);
    expect((await cacheKeys(config.site, 'outcomes-prefix')).length).toBeGreaterThan(20);
    // Each figure day keeps the lookback summary of its sessions (metrics/lookback.ts).
    expect((await cacheKeys(config.site, 'lookback')).length).toBeGreaterThan(20);
    // …and the ledger of the days before it, merged (metrics/ledger-base.ts).
    expect((await cacheKeys(config.site, 'ledger-base')).length).toBeGreaterThan(20);
    // The scheduled run computes yesterday and today: the customer ledger keeps the parts of both
    // runs' days, so neither writes it again while they are current.
    const ledgerBytes = () => findObjectBytes(stack.clients, customerLedgerKeyFor(config.site));
    const ledgerAfterToday = await ledgerBytes();
    await aggregateDay(stack.clients, config, addDays(LAST, -1), { now: NOW });
    expect(await ledgerBytes()).toEqual(ledgerAfterToday);

    await sendAt(stack.clients, writeKey, LATER.getTime(), [lateOrderEvent()]);
    const run = await runScheduledAggregation(stack.clients, { now: new Date(LATER.getTime() + 120_000) });
    expect(run.failures).toEqual([]);
    const after = await documents(config.site);

    const recomputed = run.results
      .filter((result) => result.site === config.site)
      .map((result) => result.date);
    // The marked days (the order's own and the one whose carts it can convert), then the later
    // provisional days whose windows read them, yesterday, and today.
    expect(recomputed).toEqual([
      '2026-11-09',
      LATE_ORDER_DAY,
      '2026-11-18',
      '2026-11-19',
      LAST,
      '2026-11-21',
    ]);
    // The late order's day is in LAST's prefix: it is folded again, with the order.
    const lastRun = run.results.find((result) => result.site === config.site && result.date === LAST);
    expect(lastRun?.exposureDaysFolded).toBeGreaterThan(0);
    for (const date of ['2026-11-18', '2026-11-19', LAST]) {
      const was = before.get(date);
      const is = after.get(date);
      // The October cohort's revenue per customer by November grows by the order's 500 / its customers.
      const cumulative = (figures: FiguresDocument | undefined) =>
        figures?.customers.cohorts.find((cohort) => cohort.month === '2026-10')?.revenuePerCustomer.at(-1) ??
        0;
      expect(cumulative(is) - cumulative(was), date).toBeCloseTo(500 / 5, 9);
      const chatBefore = was?.outcomes.rox.touchpoints.find((t) => t.touchpoint === 'live_chat');
      const chatAfter = is?.outcomes.rox.touchpoints.find((t) => t.touchpoint === 'live_chat');
      expect(chatAfter?.revenuePerJourneyExposed, date).toBeGreaterThan(
        chatBefore?.revenuePerJourneyExposed ?? 0,
      );
    }
    // Final days stay frozen, the late order's window or not.
    for (let date = '2026-11-11'; date <= '2026-11-17'; date = addDays(date, 1)) {
      expect(after.get(date)?.revision, date).toBe(before.get(date)?.revision);
      expect(after.get(date)?.customers, date).toEqual(before.get(date)?.customers);
    }

    // From scratch: a second site given every event at once, each day computed once.
    const scratch = siteConfigWithDefaults({ site: 'late-shop-scratch', timezone: 'UTC', touchpoints });
    const scratchKeys = await stack.createSite(scratch);
    await sendDays(scratchKeys.writeKey, true);
    await computeAll(scratch);
    const fresh = await documents(scratch.site);
    for (const date of ['2026-11-18', '2026-11-19', LAST]) {
      const differences = compareFigures(fresh.get(date), after.get(date), {
        ignore: ['site', 'revision', 'computedAt', 'quality.lateEvents'],
      });
      expect(differences, `${date}:\n${differences.join('\n')}`).toEqual([]);
    }

    // Erasure drops every folded prefix of the site (each holds units of its window's journeys), every
    // lookback summary (each holds the activity of the days before its own), every ledger base (their
    // orders), the customer ledger, its index, and the one an earlier version kept as JSON.
    const legacy = legacyCustomerLedgerKeysFor(config.site);
    await putJson(stack.clients, legacy[0] ?? '', { orders: [] });
    await deleteDerivedDays(stack.clients, config.site, [LATE_ORDER_DAY]);
    expect(await cacheKeys(config.site, 'outcomes-prefix')).toEqual([]);
    expect(await cacheKeys(config.site, 'lookback')).toEqual([]);
    expect(await cacheKeys(config.site, 'ledger-base')).toEqual([]);
    const left = (await listObjects(stack.clients, `derived/site=${config.site}/`)).map((o) => o.key);
    expect(left).not.toContain(customerLedgerKeyFor(config.site));
    expect(left).not.toContain(ledgerIndexKeyFor(config.site));
    expect(left).not.toContain(legacy[0]);
    expect(left.filter((key) => key.includes(`/dt=${LATE_ORDER_DAY}/`))).toEqual([]);
  }, 240_000);
});

describe('late activity on a lookback day', () => {
  it("gives the next day's sessions the depth and intent it adds (the day's lookback summary is summarised again)", async () => {
    const config = siteConfigWithDefaults({
      site: 'lookback-shop',
      timezone: 'UTC',
      touchpoints,
      outcomes: { lookbackDays: 1 },
    });
    const { writeKey } = await stack.createSite(config);
    const dayBefore = '2026-11-19';
    const page = (date: string, time: string, id: string) => ({
      type: 'page',
      name: 'Home',
      userId: 'returning',
      messageId: id,
      timestamp: iso(date, time),
    });
    await sendAt(stack.clients, writeKey, Date.parse(iso(dayBefore, '21:00:00')), [
      page(dayBefore, '20:00:00', 'before-1'),
    ]);
    await sendAt(stack.clients, writeKey, Date.parse(iso(LAST, '13:00:00')), [
      page(LAST, '12:00:00', 'on-d'),
    ]);
    const covariates = async () => {
      const part = await getSessionsPart(stack.clients, config.site, LAST);
      if (!part) throw new Error(`no sessions record for ${LAST}`);
      return sessionsOfColumns(part.sessions).map((session) => [session.depth, session.intent]);
    };
    for (const date of [dayBefore, LAST]) await aggregateDay(stack.clients, config, date, { now: NOW });
    expect(await covariates()).toEqual([['1-4', false]]);

    // 20 more views and a cart add on the day before, archived only now.
    const late: Record<string, unknown>[] = Array.from({ length: 20 }, (_, i) =>
      page(dayBefore, `20:${String(10 + i)}:00`, `late-${i}`),
    );
    late.push({ ...page(dayBefore, '20:40:00', 'late-add'), type: 'track', event: 'Product Added' });
    await sendAt(stack.clients, writeKey, NOW.getTime(), late);
    for (const date of [dayBefore, LAST]) await aggregateDay(stack.clients, config, date, { now: LATER });

    expect(await covariates()).toEqual([['20+', true]]);
  }, 120_000);
});
