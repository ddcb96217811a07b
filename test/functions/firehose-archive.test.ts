/**
 * Firehose archive mode end to end on the local stack: the collector puts records to the Firehose
 * stand-in, which writes the `events/site=/dt=/hh=` layout into real s3rver; the aggregator reads days
 * written directly, through the stand-in and both mixed, and computes the figures direct mode gives.
 */
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollectorHandler } from '../../functions/collector/handler';
import {
  createFirehoseStandin,
  type FirehoseStandin,
  serveFirehoseStandin,
} from '../../infra/local/firehose-standin';
import { aggregateDay } from '../../shared/app/aggregate/aggregate';
import { type SiteConfig, siteConfigWithDefaults } from '../../shared/config/site';
import type { NormalizedEvent } from '../../shared/events/types';
import { generateTraffic, type SimulatedMessage, simulatedDates } from '../../shared/simulate/traffic';
import { getObjectBytes, listObjects } from '../../shared/storage/archive';
import { parseNdjsonGzip } from '../../shared/storage/archive-reader';
import {
  archiveSinkFor,
  type FirehoseRecordsClient,
  firehoseArchiveSink,
} from '../../shared/storage/archive-sink';
import { createStorageClients } from '../../shared/storage/clients';
import { createSiteCache } from '../../shared/storage/site-cache';
import { localDate } from '../../shared/time';
import { compareFigures } from '../helpers/compare-figures';
import { basicAuthHeader, httpEvent } from '../helpers/http-event';
import { startTestStack, type TestStack } from '../helpers/local-stack';

let stack: TestStack;
let standin: FirehoseStandin;

const SHOP = {
  name: 'Shop',
  timezone: 'Europe/Rome',
  currency: 'EUR',
  currencyRates: { USD: 0.92 },
  touchpoints: { live_chat: { dailyCost: 120, team: 'support' }, size_guide: { dailyCost: 15 } },
};
const END = '2026-11-10';
const DATES = simulatedDates(3, END);
/** Long after the simulated days: every day is final and every hour settled. */
const LATER = new Date('2026-11-20T12:00:00Z');

type Handler = ReturnType<typeof createCollectorHandler>;

beforeAll(async () => {
  stack = await startTestStack();
  // Small buffers: partitions are written in several objects, as a busy stream's would be.
  standin = createFirehoseStandin({ clients: stack.clients, bufferBytes: 8 * 1024, bufferMs: 3_600_000 });
}, 30_000);
afterAll(async () => {
  await standin.stop();
  await stack.stop();
});

const clock = { ms: 0 };
const collector = (archive?: ReturnType<typeof firehoseArchiveSink>): Handler =>
  createCollectorHandler({
    clients: stack.clients,
    sites: createSiteCache(stack.clients, 0),
    now: () => clock.ms,
    archive,
  });

async function post(handler: Handler, writeKey: string, batch: unknown[]) {
  const response = await handler(
    httpEvent({
      path: '/v1/batch',
      headers: { 'content-type': 'application/json', authorization: basicAuthHeader(writeKey) },
      body: JSON.stringify({ batch }),
    }),
    {} as never,
  );
  return response;
}

/** Batches of up to 20 messages delivered on the same site-local day, in delivery order. */
function batchesOf(messages: readonly SimulatedMessage[], timezone: string) {
  const batches: { day: string; atMs: number; messages: SimulatedMessage[] }[] = [];
  for (const message of messages) {
    const day = localDate(message.deliverAtMs, timezone);
    const last = batches[batches.length - 1];
    if (last && last.day === day && last.messages.length < 20) {
      last.messages.push(message);
      last.atMs = message.deliverAtMs;
    } else batches.push({ day, atMs: message.deliverAtMs, messages: [message] });
  }
  return batches;
}

async function keysOf(site: string, date: string): Promise<string[]> {
  return (await listObjects(stack.clients, `events/site=${site}/dt=${date}/`)).map((o) => o.key);
}

const FIREHOSE_NAME = /\/roxtrail-local-archive-1-\d{4}(-\d{2}){5}-[0-9a-f-]{36}\.ndjson\.gz$/;
const DIRECT_NAME = /\/[0-9a-f]{40}\.ndjson\.gz$/;

describe('firehose archive mode over the stand-in and s3rver', () => {
  let direct: SiteConfig;
  let mixed: SiteConfig;
  let sent = 0;

  beforeAll(async () => {
    const directKeys = await stack.createSite({ ...SHOP, site: 'directshop' });
    const mixedKeys = await stack.createSite({ ...SHOP, site: 'mixedshop' });
    direct = siteConfigWithDefaults({ ...SHOP, site: 'directshop' });
    mixed = siteConfigWithDefaults({ ...SHOP, site: 'mixedshop' });
    const traffic = generateTraffic({ config: direct, days: 3, endDate: END, seed: 'firehose', scale: 0.12 });
    const viaDirect = collector();
    const viaFirehose = collector(firehoseArchiveSink(standin, standin.streamName));
    const [day1, day2] = DATES;
    let index = 0;
    for (const batch of batchesOf(traffic.messages, SHOP.timezone)) {
      const messages = batch.messages.map((m) => m.message);
      clock.ms = batch.atMs;
      // The mixed site: day 1 direct, day 2 (and day 2's events delivered later) through Firehose, day 3
      // alternating.
      const mode =
        batch.day === day1
          ? viaDirect
          : batch.day === day2 || batch.messages.some((m) => m.date === day2)
            ? viaFirehose
            : index++ % 2 === 0
              ? viaDirect
              : viaFirehose;
      const [a, b] = await Promise.all([
        post(viaDirect, directKeys.writeKey, messages),
        post(mode, mixedKeys.writeKey, messages),
      ]);
      expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
      sent += messages.length;
    }
    expect(standin.bufferedLines()).toBeGreaterThan(0);
    await standin.flush();
    expect(standin.bufferedLines()).toBe(0);
  }, 30_000);

  it('writes the same events/site=/dt=/hh= layout, Firehose objects named as Firehose names them', async () => {
    expect(sent).toBeGreaterThan(300);
    const [day1, day2, day3] = await Promise.all(DATES.map((date) => keysOf('mixedshop', date)));
    expect(day1?.some((key) => DIRECT_NAME.test(key))).toBe(true);
    expect(day2?.length).toBeGreaterThan(0);
    expect(day2?.every((key) => FIREHOSE_NAME.test(key))).toBe(true);
    expect(day3?.some((key) => DIRECT_NAME.test(key))).toBe(true);
    expect(day3?.some((key) => FIREHOSE_NAME.test(key))).toBe(true);
    // Size-bounded buffers: some hour of day 2 took more than one object.
    const perHour = new Map<string, number>();
    for (const key of day2 ?? []) {
      const hour = key.slice(0, key.lastIndexOf('/'));
      perHour.set(hour, (perHour.get(hour) ?? 0) + 1);
    }
    expect(Math.max(...perHour.values())).toBeGreaterThan(1);
  });

  it('stores gzip NDJSON whose lines carry the dt and hh of their key, and the same events as direct mode', async () => {
    const eventsOf = async (site: string) => {
      const all: NormalizedEvent[] = [];
      for (const object of await listObjects(stack.clients, `events/site=${site}/`)) {
        const bytes = await getObjectBytes(stack.clients, object.key);
        expect(bytes[0] === 0x1f && bytes[1] === 0x8b, object.key).toBe(true);
        const { records, unreadable } = parseNdjsonGzip<NormalizedEvent>(bytes);
        expect(unreadable).toBe(0);
        if (FIREHOSE_NAME.test(object.key)) {
          expect(gunzipSync(bytes).toString('utf8').endsWith('}\n')).toBe(true);
          const [, dt, hh] = /\/dt=([^/]+)\/hh=([^/]+)\//.exec(object.key) ?? [];
          for (const record of records) expect(record).toMatchObject({ site, dt, hh });
        }
        all.push(...records);
      }
      return all;
    };
    // Without the partition fields and the site, and with PII digests masked (each site has its own salt).
    const comparable = ({ dt: _dt, hh: _hh, site: _site, ...rest }: NormalizedEvent) =>
      JSON.stringify(rest).replace(/sha256:[0-9a-f]{64}/g, 'sha256:…');
    const [fromDirect, fromMixed] = await Promise.all([eventsOf('directshop'), eventsOf('mixedshop')]);
    expect(fromMixed.length).toBe(fromDirect.length);
    expect(fromMixed.map(comparable).sort()).toEqual(fromDirect.map(comparable).sort());
  });

  it('lets aggregateDay read both layouts together and give the figures direct mode gives, before and after compaction', async () => {
    for (const round of [1, 2]) {
      for (const date of DATES) {
        const expected = await aggregateDay(stack.clients, direct, date, { now: LATER });
        const actual = await aggregateDay(stack.clients, mixed, date, { now: LATER });
        expect(actual.eventsRead, `${date} round ${round}`).toBe(expected.eventsRead);
        expect(expected.figures.traffic.events, date).toBeGreaterThan(0);
        expect(
          compareFigures(expected.figures, actual.figures, { ignore: ['site'] }),
          `${date} round ${round}`,
        ).toEqual([]);
      }
    }
    // Compaction merged settled hours, Firehose and direct objects alike, into one object each.
    for (const date of DATES) {
      const keys = await keysOf('mixedshop', date);
      const hours = new Set(keys.map((key) => key.slice(0, key.lastIndexOf('/'))));
      expect(keys.length, date).toBe(hours.size);
    }
  }, 30_000);
});

describe('failures and edge cases', () => {
  it('answers 503 with Retry-After when Firehose does not accept the records, and stores nothing', async () => {
    const keys = await stack.createSite({ site: 'failshop', timezone: 'UTC' });
    let calls = 0;
    const failing: FirehoseRecordsClient = {
      async send(command) {
        calls += 1;
        const records = command.input.Records ?? [];
        return {
          FailedPutCount: records.length,
          RequestResponses: records.map(() => ({ ErrorCode: 'ServiceUnavailableException' })),
          $metadata: {},
        };
      },
    };
    clock.ms = Date.parse('2026-11-12T10:00:00Z');
    const handler = collector(firehoseArchiveSink(failing, 'stream', { retryDelayMs: () => 0 }));
    const response = await post(handler, keys.writeKey, [
      {
        type: 'track',
        event: 'Order Completed',
        anonymousId: 'a',
        messageId: 'f1',
        timestamp: '2026-11-12T09:00:00Z',
      },
    ]);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBeDefined();
    expect(calls).toBe(4);
    expect(await listObjects(stack.clients, 'events/site=failshop/')).toEqual([]);
  });

  it('keeps rejected events going straight to S3 under rejected/ in firehose mode', async () => {
    const keys = await stack.createSite({ site: 'rejectshop', timezone: 'UTC' });
    clock.ms = Date.parse('2026-11-12T10:00:00Z');
    const local = createFirehoseStandin({ clients: stack.clients, bufferMs: 3_600_000 });
    const handler = collector(firehoseArchiveSink(local, local.streamName));
    const response = await post(handler, keys.writeKey, [
      {
        type: 'track',
        event: 'Product Viewed',
        anonymousId: 'a',
        messageId: 'r1',
        timestamp: '2026-11-12T09:00:00Z',
      },
      { type: 'track', anonymousId: 'a', messageId: 'r2' },
    ]);
    expect(response.statusCode).toBe(200);
    expect(await listObjects(stack.clients, 'rejected/site=rejectshop/')).toHaveLength(1);
    // Accepted by the stand-in, in S3 once its buffer is written: Firehose's own delay.
    expect(await listObjects(stack.clients, 'events/site=rejectshop/')).toEqual([]);
    await local.stop();
    const [object] = await listObjects(stack.clients, 'events/site=rejectshop/dt=2026-11-12/hh=09/');
    expect(object?.key).toMatch(FIREHOSE_NAME);
  });

  it('writes a buffer once it is old enough, without a flush', async () => {
    let now = Date.parse('2026-11-12T10:00:00Z');
    const local = createFirehoseStandin({
      clients: stack.clients,
      bufferMs: 60_000,
      checkEveryMs: 10,
      now: () => now,
    });
    const sink = firehoseArchiveSink(local, local.streamName);
    const event = {
      messageId: 'age-1',
      type: 'track',
      event: 'X',
      site: 'ageshop',
      receivedAt: '',
      timestamp: '',
    } as const;
    await sink.putPartitions('ageshop', [{ date: '2026-11-12', hour: '10', events: [event] }], 'h');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await listObjects(stack.clients, 'events/site=ageshop/')).toEqual([]);
    now += 61_000;
    await expect.poll(async () => (await listObjects(stack.clients, 'events/site=ageshop/')).length).toBe(1);
    await local.stop();
  });

  it('sends records it cannot partition, or that hold over 500 lines, to firehose-errors/', async () => {
    const local = createFirehoseStandin({
      clients: stack.clients,
      now: () => Date.parse('2026-11-12T10:00:00Z'),
    });
    const line = (i: number) => `${JSON.stringify({ site: 'errshop', dt: '2026-11-12', hh: '10', i })}\n`;
    await local.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: local.streamName,
        Records: [
          { Data: Buffer.from('{"site":"errshop","dt":"2026-11-12"}\n') },
          { Data: Buffer.from(Array.from({ length: 501 }, (_, i) => line(i)).join('')) },
          { Data: Buffer.from(line(1)) },
        ],
      }),
    );
    await local.stop();
    expect(await listObjects(stack.clients, 'events/site=errshop/')).toHaveLength(1);
    const errors = await listObjects(stack.clients, 'firehose-errors/processing-failed/2026/11/12/');
    expect(errors).toHaveLength(1);
    const { records } = parseNdjsonGzip<{ errorMessage: string }>(
      await getObjectBytes(stack.clients, errors[0]?.key ?? ''),
    );
    expect(records.map((r) => r.errorMessage)).toEqual([
      expect.stringContaining('partition keys'),
      expect.stringContaining('500'),
    ]);
  });

  it('takes up the spool a stand-in left when its process died: every acknowledged line once, not the torn one after them', async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'roxtrail-spool-'));
    const at = () => Date.parse('2026-11-12T10:00:00Z');
    const line = (i: number) => `${JSON.stringify({ site: 'spoolshop', dt: '2026-11-12', hh: '10', i })}\n`;
    try {
      // The stand-in that dies: what it acknowledged is on disk, nothing reached S3 (its buffers are an
      // hour). It is never stopped: stopping would write its buffers, which a dying process does not.
      const dying = createFirehoseStandin({ clients: stack.clients, spoolDir, bufferMs: 3_600_000, now: at });
      for (const batch of [[0, 1], [2]])
        await dying.send(
          new PutRecordBatchCommand({
            DeliveryStreamName: dying.streamName,
            Records: batch.map((i) => ({ Data: Buffer.from(line(i)) })),
          }),
        );
      const [spoolFile] = readdirSync(spoolDir);
      // It died writing a batch it never acknowledged.
      appendFileSync(join(spoolDir, spoolFile ?? ''), '{"site":"spoolshop","dt":"2026-11-12","hh":"10","i":');
      expect(await listObjects(stack.clients, 'events/site=spoolshop/')).toEqual([]);

      const next = createFirehoseStandin({ clients: stack.clients, spoolDir, bufferMs: 3_600_000, now: at });
      expect(next.recoveredLines).toBe(3);
      await next.stop();
      const objects = await listObjects(stack.clients, 'events/site=spoolshop/dt=2026-11-12/hh=10/');
      expect(objects.map((object) => object.key)).toEqual([expect.stringMatching(FIREHOSE_NAME)]);
      const bytes = await getObjectBytes(stack.clients, objects[0]?.key ?? '');
      expect(gunzipSync(bytes).toString('utf8')).toBe([0, 1, 2].map(line).join(''));
      expect(readdirSync(spoolDir)).toEqual([]);
    } finally {
      rmSync(spoolDir, { recursive: true, force: true });
    }
  });

  it('serves the collector’s real FirehoseClient over HTTP (what roxtrail start uses)', async () => {
    const keys = await stack.createSite({ site: 'httpshop', timezone: 'UTC' });
    const local = createFirehoseStandin({ clients: stack.clients, bufferMs: 3_600_000 });
    const server = await serveFirehoseStandin(local);
    try {
      const clients = createStorageClients({
        ...stack.clients.settings,
        firehoseStream: local.streamName,
        firehoseEndpoint: server.url,
      });
      const sink = archiveSinkFor(clients);
      expect(sink.mode).toBe('firehose');
      clock.ms = Date.parse('2026-11-12T10:00:00Z');
      const handler = createCollectorHandler({
        clients,
        sites: createSiteCache(clients, 0),
        now: () => clock.ms,
      });
      const response = await post(handler, keys.writeKey, [
        { type: 'page', name: 'Home', anonymousId: 'a', messageId: 'h1', timestamp: '2026-11-12T08:00:00Z' },
        { type: 'page', name: 'Cart', anonymousId: 'a', messageId: 'h2', timestamp: '2026-11-12T09:00:00Z' },
      ]);
      expect(response.statusCode).toBe(200);
      expect(local.bufferedLines()).toBe(2);
      await local.flush();
      expect((await keysOf('httpshop', '2026-11-12')).map((key) => key.split('/')[3])).toEqual([
        'hh=08',
        'hh=09',
      ]);
      // A stream the stand-in does not know is refused, as Firehose refuses it: 500, not an acknowledgement.
      const wrong = createStorageClients({ ...clients.settings, firehoseStream: 'no-such-stream' });
      const refused = await post(
        createCollectorHandler({ clients: wrong, sites: createSiteCache(wrong, 0), now: () => clock.ms }),
        keys.writeKey,
        [
          {
            type: 'page',
            name: 'Home',
            anonymousId: 'a',
            messageId: 'h3',
            timestamp: '2026-11-12T08:00:00Z',
          },
        ],
      );
      expect(refused.statusCode).toBeGreaterThanOrEqual(500);
    } finally {
      await server.close();
      await local.stop();
    }
  });
});
