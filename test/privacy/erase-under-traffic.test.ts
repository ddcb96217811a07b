/**
 * Erasure while the user keeps sending (issue 15, item 1): `DELETE /v1/sites/{site}/users/{userId}`
 * answers 202 at once; from then on the user's events are refused (`user_erasure_in_progress`), what
 * was accepted before is erased, an aggregation of the same days at the same time finishes, and once the
 * job is done a census finds the user nowhere: archive, rejected events, journeys, links, partials,
 * indexes, reports. A job that fails half-way says so, keeps refusing the user, and a retry finishes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateDay } from '../../shared/app/aggregate/aggregate';
import { type SiteConfig, siteConfigWithDefaults } from '../../shared/config/site';
import { hashPii } from '../../shared/events/privacy';
import { rotateSiteKey } from '../../shared/storage/site-admin';
import { getSite } from '../../shared/storage/table';
import { dumpBucket, occurrences, scanTable } from '../helpers/dump-stores';
import { injectFaults } from '../helpers/faults';
import { basicAuth, startTestStack, type TestStack } from '../helpers/local-stack';

const SITE = 'erase-traffic';
const USER = 'user-streaming-5e1d';
const ANON = 'anon-streaming-a1';
/** A device first identified while the erasure runs. */
const LATE_ANON = 'anon-streaming-late';
const OTHER_ANON = 'anon-bystander-b7';
const EMAIL = 'streaming-user@example.com';
const DAYS = ['2026-10-05', '2026-10-06'];
/** Requests of the stream: the DELETE goes after the 11th. */
const STREAM_ROUNDS = 30;
/** Long beside the stream's requests (a few milliseconds each), so the stream ends inside the job. */
const ERASURE_SETTLE_MS = 2_500;

type Event = Record<string, unknown> & { messageId: string };
interface Answer {
  accepted: number;
  rejected: { index: number; messageId?: string; reason: string }[];
}

let stack: TestStack;
let writeKey: string;
let adminKey: string;
let config: SiteConfig;
let sequence = 0;

const at = (day: string, minute: number) =>
  `${day}T${String(8 + Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00.000Z`;

function event(fields: Record<string, unknown>): Event {
  sequence += 1;
  return {
    messageId: `stream-m${sequence}`,
    timestamp: at(DAYS[sequence % 2] ?? '', sequence % 600),
    ...fields,
  };
}

async function send(batch: readonly Event[]): Promise<Answer> {
  const response = await fetch(`${stack.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
    body: JSON.stringify({ batch }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Answer;
}

const userPage = () => event({ type: 'page', name: 'Home', userId: USER });
const anonPage = () => event({ type: 'page', name: 'Product', anonymousId: ANON });
const bystanderPage = () => event({ type: 'page', name: 'Home', anonymousId: OTHER_ANON });

async function requestErasure(): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${stack.url}/v1/sites/${SITE}/users/${USER}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${adminKey}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function erasureStatus(): Promise<Record<string, unknown>> {
  const response = await fetch(`${stack.url}/v1/sites/${SITE}/users/${USER}/erasure`, {
    headers: { authorization: `Bearer ${adminKey}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

async function untilEnded(): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    const status = await erasureStatus();
    if (status.status === 'done' || status.status === 'failed') return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the erasure did not end within 60 s');
}

async function census(): Promise<string[]> {
  const salt = (await getSite(stack.clients, SITE))?.piiSalt ?? '';
  return occurrences(await scanTable(stack.clients), await dumpBucket(stack.clients), [
    USER,
    ANON,
    LATE_ANON,
    hashPii(EMAIL, salt),
  ]);
}

/** messageIds of the bystander's events the collector acknowledged. */
const bystanderAcknowledged = new Set<string>();

async function sendCounting(batch: readonly Event[]): Promise<Answer> {
  const answer = await send(batch);
  const refused = new Set(answer.rejected.map((r) => r.messageId));
  for (const sent of batch)
    if (sent.anonymousId === OTHER_ANON && !refused.has(sent.messageId))
      bystanderAcknowledged.add(sent.messageId);
  return answer;
}

beforeAll(async () => {
  stack = await startTestStack(undefined, { erasureSettleMs: ERASURE_SETTLE_MS });
  const siteConfig = { site: SITE, timezone: 'UTC', currency: 'EUR' };
  ({ writeKey } = await stack.createSite(siteConfig));
  config = siteConfigWithDefaults(siteConfig);
  adminKey = (await rotateSiteKey(stack.clients, SITE, 'admin', 0, new Date())).key;
  // What the user left before: an anonymous visit, an identify with their e-mail, a cart and an order;
  // one rejected event of theirs; a bystander's visits.
  await sendCounting([
    anonPage(),
    event({
      type: 'track',
      event: 'Product Added',
      anonymousId: ANON,
      properties: { cart_id: 'c1', price: 20 },
    }),
    event({ type: 'identify', anonymousId: ANON, userId: USER, traits: { email: EMAIL } }),
    event({
      type: 'track',
      event: 'Order Completed',
      userId: USER,
      properties: { order_id: 'o1', revenue: 20 },
    }),
    bystanderPage(),
  ]);
  const rejected = await send([event({ type: 'track', userId: USER, traits: { email: EMAIL } })]);
  expect(rejected.rejected).toHaveLength(1);
  for (const day of DAYS) await aggregateDay(stack.clients, config, day);
}, 60_000);

afterAll(async () => {
  await stack.stop();
});

describe('erasure under traffic', () => {
  it('refuses the user while it runs, erases what came before, and a census finds them nowhere', async () => {
    expect((await census()).length).toBeGreaterThan(0);
    // A bounded stream: the user (as themselves, as their known device, and a device identified
    // during the erasure) and a bystander, one request every few milliseconds, with the DELETE and an
    // aggregation of the same days in the middle of it.
    const answers: { batch: Event[]; answer: Answer }[] = [];
    let deletion: { status: number; body: Record<string, unknown> } | undefined;
    let aggregation: Promise<unknown> | undefined;
    for (let round = 0; round < STREAM_ROUNDS; round += 1) {
      const batch = [
        round % 3 === 0 ? userPage() : anonPage(),
        bystanderPage(),
        ...(round === 12 ? [event({ type: 'identify', anonymousId: LATE_ANON, userId: USER })] : []),
        ...(round === 13 ? [event({ type: 'page', name: 'Cart', anonymousId: LATE_ANON })] : []),
      ];
      answers.push({ batch, answer: await sendCounting(batch) });
      if (round === 10) {
        deletion = await requestErasure();
        aggregation = Promise.all(DAYS.map((day) => aggregateDay(stack.clients, config, day)));
      }
    }
    // The stream ended inside the job (it waits ERASURE_SETTLE_MS at least twice: the new device
    // makes a second pass), so everything the user sent after the DELETE was sent while it ran.
    expect((await erasureStatus()).status).not.toBe('done');
    expect(deletion?.status).toBe(202);
    expect(deletion?.body).toMatchObject({ site: SITE, erased: false });
    await aggregation;
    const ended = await untilEnded();
    expect(ended).toMatchObject({ status: 'done', erased: true });

    // Every event of the user sent after the DELETE was answered came back refused, with its reason:
    // the identify of a new device too (its userId is the user's), and so the device's next event.
    for (const { batch, answer } of answers.slice(11)) {
      const refused = answer.rejected.filter((r) => r.reason === 'user_erasure_in_progress');
      const ofUser = batch.filter(
        (e) => e.userId === USER || e.anonymousId === ANON || e.anonymousId === LATE_ANON,
      );
      expect(refused.map((r) => r.messageId).sort()).toEqual(ofUser.map((e) => e.messageId).sort());
    }
    // The bystander lost nothing, and counts once.
    const archived = (await stack.archivedEvents(SITE)).map((e) => e.messageId);
    expect(archived.filter((id) => bystanderAcknowledged.has(id)).sort()).toEqual(
      [...bystanderAcknowledged].sort(),
    );
    expect(new Set(archived).size).toBe(archived.length);

    // The census: archive, rejected/, partials/, indexes/, reports/, journeys, links, jobs.
    expect(await census()).toEqual([]);
    for (const day of DAYS) await aggregateDay(stack.clients, config, day);
    expect(await census()).toEqual([]);
  }, 120_000);

  it('a job that fails half-way says so and keeps refusing the user; the retry finishes it', async () => {
    // The user comes back after the first erasure, on both days, as a device of theirs.
    await send([
      userPage(),
      anonPage(),
      event({ type: 'identify', anonymousId: ANON, userId: USER }),
      userPage(),
    ]);
    for (const day of DAYS) await aggregateDay(stack.clients, config, day);
    expect((await census()).length).toBeGreaterThan(0);

    // The archive rewrites fail after the first one.
    const faults = injectFaults(stack.clients);
    faults.add({ service: 's3', command: 'PutObjectCommand', skip: 1, times: 1_000, kind: 'server' });
    faults.add({ service: 's3', command: 'DeleteObjectsCommand', skip: 1, times: 1_000, kind: 'server' });
    expect((await requestErasure()).status).toBe(202);
    const failed = await untilEnded();
    faults.clear();
    expect(failed).toMatchObject({ status: 'failed', erased: false });
    expect(String(failed.error)).toMatch(/injected/);
    expect((await census()).length).toBeGreaterThan(0);
    // Still refused, as themselves and as their device.
    const refused = await send([userPage(), anonPage()]);
    expect(refused.accepted).toBe(0);
    expect(refused.rejected.map((r) => r.reason)).toEqual([
      'user_erasure_in_progress',
      'user_erasure_in_progress',
    ]);

    const retried = await requestErasure();
    expect(retried.status).toBe(202);
    expect(await untilEnded()).toMatchObject({ status: 'done', erased: true });
    expect(await census()).toEqual([]);

    // Done: the user's new events are accepted again.
    expect((await send([userPage()])).accepted).toBe(1);
  }, 120_000);
});
