/**
 * Erasure end to end (api.md "Privacy"): after `DELETE /v1/sites/{site}/users/{userId}` (admin key) or
 * `roxtrail erase`, no archive object, rejected event, report, journey item or identity link holds the
 * user's ids or hashed PII; the days touched are recomputed and equal the figures of the same traffic
 * without the user; the log line carries counts only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../bench/cli';
import { aggregateDay } from '../../shared/app/aggregate/aggregate';
import { type SiteConfig, siteConfigWithDefaults } from '../../shared/config/site';
import { hashPii } from '../../shared/events/privacy';
import type { FiguresDocument } from '../../shared/metrics/figures';
import { rotateSiteKey } from '../../shared/storage/site-admin';
import { getSite, queryFigures } from '../../shared/storage/table';
import { captureOutput } from '../helpers/capture-output';
import { compareFigures } from '../helpers/compare-figures';
import { dumpBucket, occurrences, scanTable } from '../helpers/dump-stores';
import { basicAuth, startTestStack, type TestStack } from '../helpers/local-stack';

const SITE = 'erase-shop';
const CONTROL = 'erase-control';
const USER = 'user-erase-7f3a';
const ANON = ['anon-erase-a1', 'anon-erase-a2', 'anon-erase-a3'];
const OTHER_USER = 'user-keep-19c2';
const OTHER_ANON = 'anon-keep-b1';
const EMAIL = 'erase-me@example.com';
const PHONE = '+39 333 1234567';
const OTHER_EMAIL = 'keep-me@example.com';
const DAYS = ['2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13'];

type Event = Record<string, unknown> & { messageId: string };

const at = (day: string, time: string) => `${day}T${time}:00.000Z`;
let n = 0;
const ev = (fields: Record<string, unknown>): Event => ({ messageId: `erase-m${++n}`, ...fields });

const traffic: Event[] = [
  // Day 1: the user browses as a1, identifies (e-mail), orders; another user and a visitor too.
  ev({ type: 'page', name: 'Home', anonymousId: ANON[0], timestamp: at('2026-11-10', '09:00') }),
  ev({
    type: 'track',
    event: 'Product Viewed',
    anonymousId: ANON[0],
    properties: { product_id: 'p1', price: 30 },
    timestamp: at('2026-11-10', '09:02'),
  }),
  ev({
    type: 'track',
    event: 'Product Added',
    anonymousId: ANON[0],
    properties: { cart_id: 'cart-u1', product_id: 'p1', price: 30, quantity: 1 },
    timestamp: at('2026-11-10', '09:05'),
  }),
  ev({
    type: 'identify',
    anonymousId: ANON[0],
    userId: USER,
    traits: { email: EMAIL, plan: 'gold' },
    timestamp: at('2026-11-10', '09:10'),
  }),
  ev({
    type: 'track',
    event: 'Checkout Started',
    userId: USER,
    properties: { cart_id: 'cart-u1' },
    timestamp: at('2026-11-10', '09:12'),
  }),
  ev({
    type: 'track',
    event: 'Order Completed',
    userId: USER,
    properties: { order_id: 'order-u1', cart_id: 'cart-u1', revenue: 30, currency: 'EUR' },
    timestamp: at('2026-11-10', '09:15'),
  }),
  ev({ type: 'page', name: 'Home', anonymousId: OTHER_ANON, timestamp: at('2026-11-10', '10:00') }),
  ev({
    type: 'track',
    event: 'Product Added',
    anonymousId: OTHER_ANON,
    properties: { cart_id: 'cart-v1', product_id: 'p2', price: 50, quantity: 1 },
    timestamp: at('2026-11-10', '10:05'),
  }),
  ev({
    type: 'identify',
    anonymousId: OTHER_ANON,
    userId: OTHER_USER,
    traits: { email: OTHER_EMAIL },
    timestamp: at('2026-11-10', '10:06'),
  }),
  ev({
    type: 'track',
    event: 'Order Completed',
    userId: OTHER_USER,
    properties: { order_id: 'order-v1', cart_id: 'cart-v1', revenue: 50, currency: 'EUR' },
    timestamp: at('2026-11-10', '10:10'),
  }),
  ev({ type: 'page', name: 'Home', anonymousId: 'anon-visitor-c1', timestamp: at('2026-11-10', '11:00') }),
  ev({
    type: 'track',
    event: 'Product Added',
    anonymousId: 'anon-visitor-c1',
    properties: { cart_id: 'cart-c1', product_id: 'p3', price: 20, quantity: 2 },
    timestamp: at('2026-11-10', '11:05'),
  }),
  // Day 2: a second device, aliased; a survey answer.
  ev({ type: 'page', name: 'Home', anonymousId: ANON[1], timestamp: at('2026-11-11', '20:00') }),
  ev({
    type: 'track',
    event: 'Survey Responded',
    anonymousId: ANON[1],
    properties: { survey: 'nps', score: 9 },
    timestamp: at('2026-11-11', '20:05'),
  }),
  ev({ type: 'alias', previousId: ANON[1], userId: USER, timestamp: at('2026-11-11', '20:06') }),
  ev({ type: 'page', name: 'Account', userId: OTHER_USER, timestamp: at('2026-11-11', '21:00') }),
  // Day 3: a third device, identified with a phone number.
  ev({ type: 'page', name: 'Home', anonymousId: ANON[2], timestamp: at('2026-11-12', '07:00') }),
  ev({
    type: 'identify',
    anonymousId: ANON[2],
    userId: USER,
    traits: { phone: PHONE },
    timestamp: at('2026-11-12', '07:01'),
  }),
  ev({ type: 'page', name: 'Home', anonymousId: 'anon-visitor-c1', timestamp: at('2026-11-12', '08:00') }),
];
/** Rejected at ingest (no event name): kept under rejected/ without ids, but with the hashed e-mail. */
const rejectedOfUser = ev({
  type: 'track',
  userId: USER,
  traits: { email: EMAIL },
  timestamp: at('2026-11-10', '09:20'),
});

const ofUser = (event: Event) =>
  event.userId === USER ||
  ANON.includes(String(event.anonymousId)) ||
  ANON.includes(String(event.previousId));

let stack: TestStack;
let keys: { writeKey: string; readKey: string };
let adminKey: string;
let config: SiteConfig;
let needles: string[];

async function send(
  writeKey: string,
  batch: readonly Event[],
): Promise<{ accepted: number; rejected: unknown[] }> {
  const response = await fetch(`${stack.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
    body: JSON.stringify({ batch }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { accepted: number; rejected: unknown[] };
}

const erase = (userId: string, key?: string, site = SITE) =>
  fetch(`${stack.url}/v1/sites/${site}/users/${encodeURIComponent(userId)}`, {
    method: 'DELETE',
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });

/** DELETE, then the status the 202 points to, polled until the job has ended. */
async function eraseAndWait(userId: string, key: string): Promise<Record<string, unknown>> {
  const accepted = await erase(userId, key);
  expect(accepted.status).toBe(202);
  const job = (await accepted.json()) as { status: string; statusUrl: string; erased: boolean };
  expect(job.erased).toBe(false);
  expect(job.statusUrl).toBe(`/v1/sites/${SITE}/users/${encodeURIComponent(userId)}/erasure`);
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const status = await fetch(`${stack.url}${job.statusUrl}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(status.status).toBe(200);
    const body = (await status.json()) as Record<string, unknown>;
    if (body.status === 'done' || body.status === 'failed') return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the erasure did not end within 30 s');
}

async function figuresOf(site: string): Promise<Map<string, FiguresDocument>> {
  const figures = await queryFigures(stack.clients, site, DAYS[0] ?? '', DAYS.at(-1) ?? '');
  return new Map(figures.map((f) => [f.date, f]));
}

beforeAll(async () => {
  stack = await startTestStack();
  const siteConfig = { site: SITE, timezone: 'Europe/Rome', currency: 'EUR' };
  keys = await stack.createSite(siteConfig);
  config = siteConfigWithDefaults(siteConfig);
  adminKey = (await rotateSiteKey(stack.clients, SITE, 'admin', 0, new Date())).key;
  const control = await stack.createSite({ ...siteConfig, site: CONTROL });
  // Requests as a client would batch them: one per journey and day.
  for (let offset = 0; offset < traffic.length; offset += 3)
    await send(keys.writeKey, traffic.slice(offset, offset + 3));
  const rejected = await send(keys.writeKey, [rejectedOfUser]);
  expect(rejected.rejected).toHaveLength(1);
  await send(
    control.writeKey,
    traffic.filter((event) => !ofUser(event)),
  );
  const controlConfig = siteConfigWithDefaults({ ...siteConfig, site: CONTROL });
  for (const day of DAYS) {
    await aggregateDay(stack.clients, config, day);
    await aggregateDay(stack.clients, controlConfig, day);
  }
  const salt = (await getSite(stack.clients, SITE))?.piiSalt ?? '';
  needles = [USER, ...ANON, hashPii(EMAIL, salt), hashPii(PHONE, salt)];
}, 60_000);
afterAll(async () => {
  await stack.stop();
});

describe('erasing a user', () => {
  it('needs the site admin key: not the read key, not the (public) write key, not another site’s', async () => {
    const other = await rotateSiteKey(stack.clients, CONTROL, 'admin', 0, new Date());
    const missing = await erase(USER);
    expect(missing.status).toBe(401);
    expect((await missing.json()).error).toBe('missing_admin_key');
    expect((await erase(USER, keys.readKey)).status).toBe(401);
    expect((await erase(USER, keys.writeKey)).status).toBe(401);
    const foreign = await erase(USER, other.key);
    expect(foreign.status).toBe(403);
    expect((await foreign.json()).error).toBe('forbidden');
    // The job's status is behind the admin key too, and there is none before a DELETE.
    const statusUrl = `${stack.url}/v1/sites/${SITE}/users/${USER}/erasure`;
    expect((await fetch(statusUrl, { headers: { authorization: `Bearer ${keys.readKey}` } })).status).toBe(
      401,
    );
    const none = await fetch(statusUrl, { headers: { authorization: `Bearer ${adminKey}` } });
    expect(none.status).toBe(404);
    expect((await none.json()).error).toBe('erasure_not_found');
  });

  it('leaves no trace of the user’s ids or hashed PII anywhere, recomputes the days, logs counts only', async () => {
    const before = occurrences(await scanTable(stack.clients), await dumpBucket(stack.clients), needles);
    for (const needle of needles)
      expect(
        before.some((hit) => hit.endsWith(needle)),
        needle,
      ).toBe(true);
    const revisionsBefore = await figuresOf(SITE);
    const journey = await fetch(`${stack.url}/v1/sites/${SITE}/journeys/${USER}`, {
      headers: { authorization: `Bearer ${keys.readKey}` },
    });
    expect(journey.status).toBe(200);

    const output = captureOutput('INFO');
    let summary: Record<string, unknown>;
    try {
      summary = await eraseAndWait(USER, adminKey);
    } finally {
      output.restore();
    }
    const userEvents = traffic.filter(ofUser).length;
    expect(summary).toMatchObject({
      status: 'done',
      erased: true,
      anonymousIds: 3,
      eventsRemoved: userEvents,
      rejectedRemoved: 1,
      identityLinksDeleted: 6,
      days: ['2026-11-10', '2026-11-11', '2026-11-12'],
    });

    // Nowhere: not in events/, rejected/, reports/, nor in any DynamoDB item.
    const after = occurrences(await scanTable(stack.clients), await dumpBucket(stack.clients), needles);
    expect(after).toEqual([]);

    // The days touched were recomputed, and equal the same traffic sent without the user.
    const recomputed = await figuresOf(SITE);
    const control = await figuresOf(CONTROL);
    for (const day of ['2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12']) {
      expect(recomputed.get(day)?.revision, day).toBe((revisionsBefore.get(day)?.revision ?? 0) + 1);
      const differences = compareFigures(control.get(day), recomputed.get(day), {
        ignore: ['site', 'computedAt', 'revision', 'quality.rejected'],
      });
      expect(differences, `${day}:\n${differences.join('\n')}`).toEqual([]);
    }
    expect(recomputed.get('2026-11-10')?.sales.orders).toBe(1);

    // The other user's data is untouched.
    const otherEvents = (await stack.archivedEvents(SITE)).map((event) => event.messageId).sort();
    expect(otherEvents).toEqual(
      traffic
        .filter((event) => !ofUser(event))
        .map((event) => event.messageId)
        .sort(),
    );
    const gone = await fetch(`${stack.url}/v1/sites/${SITE}/journeys/${USER}`, {
      headers: { authorization: `Bearer ${keys.readKey}` },
    });
    expect(gone.status).toBe(404);

    // One log line, with counts and no ids.
    const lines = output
      .text()
      .split('\n')
      .filter((line) => line.includes('user erased'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`"eventsRemoved":${userEvents}`);
    for (const needle of needles) expect(output.text()).not.toContain(needle);
  }, 60_000);

  it('works from the CLI too, printing counts and no ids', async () => {
    const salt = (await getSite(stack.clients, SITE))?.piiSalt ?? '';
    const otherNeedles = [OTHER_USER, OTHER_ANON, hashPii(OTHER_EMAIL, salt)];
    const before = occurrences(await scanTable(stack.clients), await dumpBucket(stack.clients), otherNeedles);
    expect(before.length).toBeGreaterThan(0);
    const result = await runCli(['erase', '--site', SITE, '--user', OTHER_USER], {
      ROXTRAIL_DATA_DIR: stack.dataDir,
    });
    // The stack runs: the erasure says it refuses the user's events and waits for the collectors.
    expect(result.stderr).toMatch(
      /^erasing: the user's events are refused from now on; waiting 1 s until every collector does\n$/,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/erased 1 user of erase-shop: 5 event\(s\) and 1 linked anonymous id\(s\)/);
    for (const needle of otherNeedles) expect(result.stdout).not.toContain(needle);
    // The control site holds the same user's traffic, and keeps it: erasure is per site.
    const after = occurrences(await scanTable(stack.clients), await dumpBucket(stack.clients), otherNeedles);
    expect(after.filter((hit) => !hit.includes(CONTROL))).toEqual([]);
    expect(after.length).toBeGreaterThan(0);
    const left = (await stack.archivedEvents(SITE)).map((event) => event.anonymousId);
    expect(left).toEqual(['anon-visitor-c1', 'anon-visitor-c1', 'anon-visitor-c1']);
  }, 120_000);
});
