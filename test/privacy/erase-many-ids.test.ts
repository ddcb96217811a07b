/**
 * A user's ids have no bound a client cannot push: every identify from a new device links one more, and
 * the write key is public. An erasure keeps the ids it refuses in as many DynamoDB items as they need
 * (shared/storage/erasure-jobs.ts), each under 400 KB in UTF-8 bytes, as the local store enforces
 * (shared/storage/local-limits.ts); one item would fail in AWS and leave the user behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryPrefix } from '../../shared/storage/dynamo';
import { itemBytes } from '../../shared/storage/item-size';
import { SITE_ITEM_PREFIXES, sitePartition } from '../../shared/storage/keys';
import { rotateSiteKey } from '../../shared/storage/site-admin';
import { dumpBucket, occurrences, scanTable } from '../helpers/dump-stores';
import { basicAuth, startTestStack, type TestStack } from '../helpers/local-stack';

const SITE = 'many-devices';
const USER = 'user-many-devices';
const DEVICES = 1_500;
/** 250 characters of 3 bytes in UTF-8 (the id limit is 256 characters): 1.1 MB of ids in all. */
const anonymousIdOf = (device: number) => `${String(device).padStart(6, '0')}${'端'.repeat(244)}`;

let stack: TestStack;
let writeKey: string;
let adminKey: string;

beforeAll(async () => {
  stack = await startTestStack();
  ({ writeKey } = await stack.createSite({ site: SITE, timezone: 'UTC' }));
  adminKey = (await rotateSiteKey(stack.clients, SITE, 'admin', 0, new Date())).key;
  const events = Array.from({ length: DEVICES }, (_, device) => [
    {
      type: 'page',
      messageId: `page-${device}`,
      anonymousId: anonymousIdOf(device),
      timestamp: '2026-11-20T10:00:00.000Z',
    },
    {
      type: 'identify',
      messageId: `identify-${device}`,
      anonymousId: anonymousIdOf(device),
      userId: USER,
      timestamp: '2026-11-20T10:01:00.000Z',
    },
  ]).flat();
  // 300 events of about 850 bytes a request: under the 500 KB request limit.
  for (let offset = 0; offset < events.length; offset += 300) {
    const response = await fetch(`${stack.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
      body: JSON.stringify({ batch: events.slice(offset, offset + 300) }),
    });
    expect(await response.json()).toMatchObject({ accepted: 300, rejected: [] });
  }
}, 120_000);
afterAll(async () => {
  await stack.stop();
});

async function eraseAndWait(): Promise<Record<string, unknown>> {
  const path = `/v1/sites/${SITE}/users/${USER}`;
  const headers = { authorization: `Bearer ${adminKey}` };
  expect((await fetch(`${stack.url}${path}`, { method: 'DELETE', headers })).status).toBe(202);
  for (let attempt = 0; attempt < 1_200; attempt += 1) {
    const body = (await (await fetch(`${stack.url}${path}/erasure`, { headers })).json()) as Record<
      string,
      unknown
    >;
    if (body.status === 'done' || body.status === 'failed') return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the erasure did not end within 120 s');
}

describe('erasing a user linked to 1,500 devices (1.1 MB of ids)', () => {
  it('refuses their ids from items under 400 KB, finishes, and leaves none of them behind', async () => {
    // The parts' sizes, read while the job runs (one read at a time): every erasing item the collectors read.
    const erasingItems = () => queryPrefix(stack.clients, sitePartition(SITE), SITE_ITEM_PREFIXES.erasing);
    const refusedWhileRunning: number[] = [];
    let running = true;
    const watching = (async () => {
      while (running) {
        for (const item of await erasingItems()) refusedWhileRunning.push(itemBytes(item));
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    let summary: Record<string, unknown>;
    try {
      summary = await eraseAndWait();
    } finally {
      running = false;
      await watching;
    }

    expect(summary).toMatchObject({
      status: 'done',
      erased: true,
      anonymousIds: DEVICES,
      eventsRemoved: 2 * DEVICES,
    });
    expect(refusedWhileRunning.length).toBeGreaterThan(0);
    expect(Math.max(...refusedWhileRunning)).toBeLessThanOrEqual(400 * 1024);

    // `done` is recorded before the ids are accepted again: then the erasing item and its parts go.
    for (let attempt = 0; attempt < 100 && (await erasingItems()).length > 0; attempt += 1)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await erasingItems()).map((item) => item.sk)).toEqual([]);
    const items = await scanTable(stack.clients);
    const needles = [USER, anonymousIdOf(0), anonymousIdOf(DEVICES - 1), '端'.repeat(244)];
    expect(occurrences(items, await dumpBucket(stack.clients), needles)).toEqual([]);
    expect(await stack.archivedEvents(SITE)).toEqual([]);
  }, 180_000);
});
