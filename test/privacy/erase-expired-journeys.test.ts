/**
 * Erasure once the journey items are gone: a site keeps journey items 30 days (`journeyRetentionDays`)
 * and its archive 400. Months later DynamoDB's TTL has removed the items that said on which days the
 * user's events are; the days' actor indexes (written by the aggregator) still find them, a day
 * without an index is read whole, and days without the user are left alone. Real dynalite and s3rver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepExpiredItems } from '../../infra/local/prune';
import { aggregateDay } from '../../shared/app/aggregate/aggregate';
import { type SiteConfig, siteConfigWithDefaults } from '../../shared/config/site';
import { indexMayContain } from '../../shared/events/actor-index';
import { actorIndexKey, getActorIndex } from '../../shared/storage/actor-index';
import { deleteObjects } from '../../shared/storage/archive';
import { customerLedgerKeyFor } from '../../shared/storage/derived';
import { eraseUser } from '../../shared/storage/erase';
import { getJourneyEntries } from '../../shared/storage/table';
import { dumpBucket, occurrences } from '../helpers/dump-stores';
import { basicAuth, startTestStack, type TestStack } from '../helpers/local-stack';

const SITE = 'expired-journeys';
const USER = 'user-expired-5d1c';
const ANON = ['anon-expired-a1', 'anon-expired-a2'];
const OTHER = 'anon-other-k9';
/** Months before "now" below, well inside the archive's 400 days. */
const DAYS = ['2026-06-01', '2026-06-02', '2026-06-03', '2026-06-04'];
/** When the erasure is asked for: journey items received today have expired by then. */
const LATER = new Date(Date.now() + 40 * 86_400_000);

let stack: TestStack;
let config: SiteConfig;
let n = 0;
const ev = (fields: Record<string, unknown>): Record<string, unknown> => ({
  messageId: `expired-m${++n}`,
  ...fields,
});
const at = (day: string, time: string) => `${day}T${time}:00.000Z`;

const traffic = [
  // June 1: the user browses as a1 and identifies; another visitor too.
  ev({ type: 'page', name: 'Home', anonymousId: ANON[0], timestamp: at('2026-06-01', '09:00') }),
  ev({ type: 'identify', anonymousId: ANON[0], userId: USER, timestamp: at('2026-06-01', '09:05') }),
  ev({ type: 'page', name: 'Home', anonymousId: OTHER, timestamp: at('2026-06-01', '10:00') }),
  // June 2: only the other visitor.
  ev({ type: 'page', name: 'Sale', anonymousId: OTHER, timestamp: at('2026-06-02', '10:00') }),
  // June 3: the user on a second device, never linked in the table (its identify is on June 4).
  ev({ type: 'page', name: 'Home', anonymousId: ANON[1], timestamp: at('2026-06-03', '20:00') }),
  ev({ type: 'page', name: 'Home', anonymousId: OTHER, timestamp: at('2026-06-03', '21:00') }),
  // June 4: the second device identifies.
  ev({ type: 'identify', anonymousId: ANON[1], userId: USER, timestamp: at('2026-06-04', '08:00') }),
  ev({
    type: 'track',
    event: 'Order Completed',
    userId: USER,
    properties: { order_id: 'o-expired', revenue: 12, currency: 'EUR' },
    timestamp: at('2026-06-04', '08:10'),
  }),
];
const userEvents = traffic.filter(
  (event) => event.userId === USER || ANON.includes(String(event.anonymousId)),
).length;

beforeAll(async () => {
  stack = await startTestStack();
  const siteConfig = { site: SITE, timezone: 'UTC', currency: 'EUR', journeyRetentionDays: 30 };
  const { writeKey } = await stack.createSite(siteConfig);
  config = siteConfigWithDefaults(siteConfig);
  for (const event of traffic) {
    const response = await fetch(`${stack.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
      body: JSON.stringify({ batch: [event] }),
    });
    expect(response.status).toBe(200);
  }
  for (const day of DAYS) await aggregateDay(stack.clients, config, day);
}, 60_000);
afterAll(async () => {
  await stack.stop();
});

describe('erasure after the journey items expired', () => {
  it('finds the user’s days through the actor indexes, reads a day without one whole, and leaves the rest', async () => {
    // Each computed day has an index that knows who was there.
    for (const day of DAYS) {
      const index = await getActorIndex(stack.clients, SITE, day);
      expect(index, day).toBeDefined();
      expect(indexMayContain(index ?? new Uint32Array(), [OTHER]), day).toBe(day !== '2026-06-04');
    }
    // The TTL has passed: no journey item says where the user's events are any more.
    await sweepExpiredItems(stack.clients, LATER, SITE);
    for (const actor of [USER, ...ANON]) {
      expect(await getJourneyEntries(stack.clients, SITE, actor), actor).toEqual([]);
    }
    // A day aggregated before indexes existed: erasure must read it whole.
    await deleteObjects(stack.clients, [actorIndexKey(SITE, '2026-06-04')]);

    // The derived records and the customer ledger know the user (sessions, the June 4 order) until then.
    const derivedBefore = await dumpBucket(stack.clients, `derived/site=${SITE}/`);
    expect(derivedBefore.has(customerLedgerKeyFor(SITE))).toBe(true);
    expect(occurrences([], derivedBefore, [USER]).length).toBeGreaterThan(0);

    const recomputed: string[] = [];
    const summary = await eraseUser(stack.clients, config, USER, {
      now: LATER,
      settleMs: 0,
      recompute: async (days) => {
        for (const day of days) {
          recomputed.push(day);
          await aggregateDay(stack.clients, config, day, { now: LATER });
        }
      },
    });
    expect(summary.eventsRemoved).toBe(userEvents);
    // June 2 held only the other visitor: its index ruled it out, nothing there changed.
    expect(summary.days).toEqual(['2026-06-01', '2026-06-03', '2026-06-04']);
    expect(summary.anonymousIds).toBe(2);

    const left = (await stack.archivedEvents(SITE)).map((event) => event.anonymousId ?? event.userId);
    expect(left.sort()).toEqual([OTHER, OTHER, OTHER]);
    const traces = occurrences([], await dumpBucket(stack.clients), [USER, ...ANON]);
    expect(traces).toEqual([]);

    // The recomputed days' indexes no longer know the user; the others' are as they were.
    expect(recomputed).toEqual(expect.arrayContaining(['2026-06-01', '2026-06-03', '2026-06-04']));
    for (const day of ['2026-06-01', '2026-06-03']) {
      const index = await getActorIndex(stack.clients, SITE, day);
      expect(indexMayContain(index ?? new Uint32Array(), [USER, ...ANON]), day).toBe(false);
      expect(indexMayContain(index ?? new Uint32Array(), [OTHER]), day).toBe(true);
    }
    const untouched = await getActorIndex(stack.clients, SITE, '2026-06-02');
    expect(indexMayContain(untouched ?? new Uint32Array(), [OTHER])).toBe(true);
  }, 60_000);
});
