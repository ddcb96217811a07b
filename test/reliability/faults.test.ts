/**
 * Fault injection: S3 or DynamoDB failing or timing out mid-request (an SDK middleware, a stopped server,
 * a proxy that swallows requests). The collector answers 503 + Retry-After and never 2xx for data it did
 * not archive; after recovery the client's retry stores everything exactly once. The aggregator
 * interrupted mid-day leaves the served figures intact and completes on the next run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollectorHandler } from '../../functions/collector/handler';
import { logger } from '../../functions/common/http';
import { type LocalStores, startLocalStores } from '../../infra/local/stores';
import { aggregateDay, runScheduledAggregation } from '../../shared/app/aggregate/aggregate';
import { type SiteConfig, siteConfigWithDefaults } from '../../shared/config/site';
import type { FiguresDocument } from '../../shared/metrics/figures';
import { getJson, reportKeyFor } from '../../shared/storage/archive';
import {
  createStorageClients,
  type StorageClients,
  type StorageSettings,
} from '../../shared/storage/clients';
import { keys } from '../../shared/storage/keys';
import { applySiteConfig } from '../../shared/storage/site-admin';
import { createSiteCache } from '../../shared/storage/site-cache';
import { getJourneyEntries, getLinks, listMarkedDays, MARK_REFRESH_MS } from '../../shared/storage/table';
import { localDate } from '../../shared/time';
import { archiveCensus } from '../helpers/archive-census';
import {
  type FaultKind,
  type FaultRule,
  injectFaults,
  shortenRequestTimeout,
  startHangingProxy,
} from '../helpers/faults';
import {
  basicAuthHeader,
  type HttpHandler,
  httpEvent,
  invoke,
  type ParsedResult,
} from '../helpers/http-event';

const SEED = 8_2026;
const counts = { requests: 0, faults: 0, answers503: 0, eventsChecked: 0 };

let dataDir: string;
let stores: LocalStores;
let base: StorageClients;

beforeAll(async () => {
  // Every injected fault logs a warning by design; the assertions here are on the answers.
  logger.setLogLevel('ERROR');
  dataDir = mkdtempSync(join(tmpdir(), 'roxtrail-faults-'));
  stores = await startLocalStores({ dataDir });
  base = createStorageClients(stores.settings);
});
afterAll(async () => {
  await stores.close();
  rmSync(dataDir, { recursive: true, force: true });
  console.info(
    `fault injection: ${counts.faults} faults injected, ${counts.requests} requests (${counts.answers503} answered 503), ${counts.eventsChecked} events checked in the archive`,
  );
});

async function createSite(site: string, extra: Partial<SiteConfig> = {}, clients = base): Promise<string> {
  const result = await applySiteConfig(
    clients,
    siteConfigWithDefaults({ site, timezone: 'Europe/Rome', ...extra }),
    new Date(),
  );
  if (!result.created) throw new Error(`site ${site} exists`);
  return result.writeKey;
}

interface TestEvent {
  type: 'track' | 'page' | 'identify';
  messageId: string;
  anonymousId: string;
  userId?: string;
  event?: string;
  name?: string;
  timestamp: string;
}

function batchRequest(writeKey: string, batch: readonly TestEvent[]) {
  return httpEvent({
    path: '/v1/batch',
    headers: { authorization: basicAuthHeader(writeKey) },
    body: JSON.stringify({ batch }),
  });
}

async function call(handler: HttpHandler, event: ReturnType<typeof httpEvent>): Promise<ParsedResult> {
  const result = await invoke(handler, event);
  counts.requests += 1;
  if (result.status === 503) counts.answers503 += 1;
  return result;
}

function expectRetryLater(result: ParsedResult): void {
  expect(result.status).toBe(503);
  expect(Number(result.headers['retry-after'])).toBeGreaterThan(0);
  expect(result.body).toMatchObject({ success: false, error: 'storage_unavailable' });
}

/** Every event is in the archive exactly once, and in its actor's journey exactly once. */
async function expectStoredExactlyOnce(site: string, batch: readonly TestEvent[]): Promise<void> {
  const census = await archiveCensus(base, `events/site=${site}/`);
  for (const event of batch) expect(census.copies.get(event.messageId), event.messageId).toBe(1);
  expect(census.copies.size).toBe(batch.length);
  counts.eventsChecked += batch.length;
  const byActor = new Map<string, string[]>();
  for (const event of batch) {
    const actor = event.userId ?? event.anonymousId;
    byActor.set(actor, [...(byActor.get(actor) ?? []), event.messageId]);
  }
  for (const [actor, messageIds] of byActor) {
    const entries = await getJourneyEntries(base, site, actor);
    expect(entries.map((entry) => entry.m).sort(), actor).toEqual([...messageIds].sort());
  }
  const identifies = batch.filter((event) => event.userId !== undefined);
  const links = await getLinks(
    base,
    site,
    identifies.map((event) => event.anonymousId),
  );
  for (const event of identifies) expect(links.has(event.anonymousId)).toBe(true);
}

/* ------------------------------------------------------------------ the collector under injected faults */

const FAULT_TARGETS = [
  ['s3', 'PutObjectCommand'],
  ['dynamo', 'GetItemCommand'],
  ['dynamo', 'PutItemCommand'],
  ['dynamo', 'BatchWriteItemCommand'],
  ['dynamo', 'UpdateItemCommand'],
] as const;

const faultRule: fc.Arbitrary<FaultRule> = fc
  .record({
    target: fc.constantFrom(...FAULT_TARGETS),
    skip: fc.nat(3),
    times: fc.integer({ min: 1, max: 6 }),
    kind: fc.constantFrom<FaultKind>('network', 'timeout', 'server'),
  })
  .map(({ target, skip, times, kind }) => ({ service: target[0], command: target[1], skip, times, kind }));

/** 2 to 40 events over three days and many hours (several archive objects per request), some identifies. */
const batchSpecs = fc.array(
  fc.record({
    kind: fc.constantFrom('track', 'page', 'identify'),
    actor: fc.nat(5),
    minute: fc.integer({ min: 0, max: 3 * 24 * 60 - 1 }),
  }),
  { minLength: 2, maxLength: 40 },
);

function batchOf(
  run: number,
  specs: readonly { kind: string; actor: number; minute: number }[],
): TestEvent[] {
  return specs.map(({ kind, actor, minute }, index): TestEvent => {
    const timestamp = new Date(Date.parse('2026-11-10T00:00:00Z') + minute * 60_000).toISOString();
    const common = { messageId: `r${run}-m${index}`, anonymousId: `r${run}-anon-${actor}`, timestamp };
    if (kind === 'identify') return { type: 'identify', userId: `r${run}-user-${actor}`, ...common };
    if (kind === 'page') return { type: 'page', name: 'Home', ...common };
    return { type: 'track', event: 'Product Viewed', ...common };
  });
}

describe('the collector with S3 or DynamoDB failing mid-request', () => {
  it('answers 503 + Retry-After until the stores recover, never 2xx before archiving; the retry stores each event once', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        batchSpecs,
        fc.array(faultRule, { minLength: 1, maxLength: 3 }),
        async (specs, rules) => {
          run += 1;
          const batch = batchOf(run, specs);
          const site = `faults-${run}`;
          const writeKey = await createSite(site);
          const clients = createStorageClients(stores.settings);
          const faults = injectFaults(clients);
          for (const rule of rules) faults.add(rule);
          let clock = Date.parse('2026-11-20T09:00:00Z');
          const collector = createCollectorHandler({
            clients,
            sites: createSiteCache(clients, 0),
            now: () => (clock += 1_000),
          });
          let accepted = false;
          for (let attempt = 0; attempt < 12 && !accepted; attempt += 1) {
            const result = await call(collector, batchRequest(writeKey, batch));
            if (result.status === 503) {
              expectRetryLater(result);
              continue;
            }
            expect(result.status).toBe(200);
            expect(result.body).toMatchObject({ success: true, accepted: batch.length, rejected: [] });
            // A 2xx means archived: every event is in S3 at the moment of the answer.
            const census = await archiveCensus(base, `events/site=${site}/`);
            for (const event of batch) expect(census.copies.get(event.messageId) ?? 0).toBeGreaterThan(0);
            accepted = true;
          }
          expect(accepted).toBe(true);
          counts.faults += faults.injected;
          await expectStoredExactlyOnce(site, batch);
          // Every site-local day the batch touches is marked for recomputation.
          const marked = (await listMarkedDays(base, site)).map((mark) => mark.date);
          for (const event of batch)
            expect(marked).toContain(localDate(Date.parse(event.timestamp), 'Europe/Rome'));
        },
      ),
      { seed: SEED, numRuns: 20, endOnFailure: true },
    );
  }, 120_000);
});

/* ------------------------------------------------------------------ stopped servers */

describe('the collector with a stopped server', () => {
  const batch = (prefix: string): TestEvent[] => [
    {
      type: 'page',
      name: 'Home',
      messageId: `${prefix}-1`,
      anonymousId: `${prefix}-anon`,
      timestamp: '2026-11-12T08:00:00.000Z',
    },
    {
      type: 'identify',
      messageId: `${prefix}-2`,
      anonymousId: `${prefix}-anon`,
      userId: `${prefix}-user`,
      timestamp: '2026-11-12T08:05:00.000Z',
    },
    {
      type: 'track',
      event: 'Product Viewed',
      messageId: `${prefix}-3`,
      anonymousId: `${prefix}-anon`,
      timestamp: '2026-11-13T19:00:00.000Z',
    },
  ];

  it('S3 stopped: 503 while down, then exactly once', async () => {
    const writeKey = await createSite('stopped-s3');
    const collector = createCollectorHandler({ clients: base, sites: createSiteCache(base, 0) });
    await stores.stopS3();
    try {
      expectRetryLater(await call(collector, batchRequest(writeKey, batch('s3'))));
      expectRetryLater(await call(collector, batchRequest(writeKey, batch('s3'))));
      counts.faults += 1;
    } finally {
      await stores.restartS3();
    }
    expect((await archiveCensus(base, 'events/site=stopped-s3/')).copies.size).toBe(0);
    expect((await call(collector, batchRequest(writeKey, batch('s3')))).status).toBe(200);
    await expectStoredExactlyOnce('stopped-s3', batch('s3'));
  });

  it('DynamoDB stopped before the key lookup: 503, not 401 (a client must not drop its events)', async () => {
    const writeKey = await createSite('stopped-dynamo-cold');
    const collector = createCollectorHandler({ clients: base, sites: createSiteCache(base, 0) });
    await stores.stopDynamo();
    try {
      expectRetryLater(await call(collector, batchRequest(writeKey, batch('cold'))));
      counts.faults += 1;
    } finally {
      await stores.restartDynamo();
    }
    expect((await call(collector, batchRequest(writeKey, batch('cold')))).status).toBe(200);
    await expectStoredExactlyOnce('stopped-dynamo-cold', batch('cold'));
  });

  it('DynamoDB stopped after the archive write (warm key cache): 503, then the retry completes the projections once', async () => {
    const writeKey = await createSite('stopped-dynamo-warm');
    const collector = createCollectorHandler({ clients: base, sites: createSiteCache(base, 60_000) });
    const warmUp: TestEvent[] = [
      {
        type: 'page',
        name: 'Home',
        messageId: 'warm-0',
        anonymousId: 'warm-anon',
        timestamp: '2026-11-12T07:00:00.000Z',
      },
    ];
    expect((await call(collector, batchRequest(writeKey, warmUp))).status).toBe(200);
    await stores.stopDynamo();
    try {
      expectRetryLater(await call(collector, batchRequest(writeKey, batch('warm'))));
      counts.faults += 1;
    } finally {
      await stores.restartDynamo();
    }
    // Archived but not acknowledged: the retry rewrites the same objects and items.
    expect((await archiveCensus(base, 'events/site=stopped-dynamo-warm/')).copies.get('warm-1')).toBe(1);
    expect((await call(collector, batchRequest(writeKey, batch('warm')))).status).toBe(200);
    await expectStoredExactlyOnce('stopped-dynamo-warm', [...warmUp, ...batch('warm')]);
  });
});

/* ------------------------------------------------------------------ hung stores: the SDK's own timeout */

describe('the collector with a store that stops answering', () => {
  it.each([
    ['S3', 's3' as const],
    ['DynamoDB', 'dynamo' as const],
  ])(
    '%s hung: 503 within the request timeout, then exactly once',
    async (_label, hung) => {
      const site = `hung-${hung}`;
      const writeKey = await createSite(site);
      const s3Proxy = await startHangingProxy(stores.settings.s3Endpoint ?? '');
      const dynamoProxy = await startHangingProxy(stores.settings.dynamodbEndpoint ?? '');
      const settings: StorageSettings = {
        ...stores.settings,
        s3Endpoint: s3Proxy.url,
        dynamodbEndpoint: dynamoProxy.url,
      };
      const clients = createStorageClients(settings);
      shortenRequestTimeout(clients, 300);
      const collector = createCollectorHandler({ clients, sites: createSiteCache(clients, 60_000) });
      try {
        // Warm the key cache, so a hung DynamoDB is met only after the archive write.
        expect((await call(collector, batchRequest(writeKey, batch(`${hung}-warm`)))).status).toBe(200);
        const proxy = hung === 's3' ? s3Proxy : dynamoProxy;
        proxy.hang = true;
        const started = performance.now();
        expectRetryLater(await call(collector, batchRequest(writeKey, batch(hung))));
        expect(performance.now() - started).toBeLessThan(10_000);
        expect(proxy.swallowed).toBeGreaterThan(0);
        counts.faults += proxy.swallowed;
        proxy.hang = false;
        expect((await call(collector, batchRequest(writeKey, batch(hung)))).status).toBe(200);
        await expectStoredExactlyOnce(site, [...batch(`${hung}-warm`), ...batch(hung)]);
      } finally {
        await s3Proxy.close();
        await dynamoProxy.close();
      }
    },
    30_000,
  );

  function batch(prefix: string): TestEvent[] {
    return [
      {
        type: 'page',
        name: 'Home',
        messageId: `${prefix}-1`,
        anonymousId: `${prefix}-anon`,
        timestamp: '2026-11-12T08:00:00.000Z',
      },
      {
        type: 'identify',
        messageId: `${prefix}-2`,
        anonymousId: `${prefix}-anon`,
        userId: `${prefix}-user`,
        timestamp: '2026-11-12T09:05:00.000Z',
      },
    ];
  }
});

/* ------------------------------------------------------------------ the aggregator interrupted */

describe('the aggregator interrupted mid-day', () => {
  const SITE = 'agg-faults';
  const DAY = '2026-11-10';
  let writeKey: string;
  let config: SiteConfig;
  const now = new Date('2026-11-20T12:00:00Z');
  // Stores of its own: the scheduled run below visits every site of its table.
  let aggStores: LocalStores;
  let agg: StorageClients;

  const dayEvents = (prefix: string, count: number, hourOffset: number): TestEvent[] =>
    Array.from({ length: count }, (_, i) => ({
      type: 'track',
      event: i % 3 === 0 ? 'Product Added' : 'Product Viewed',
      messageId: `${prefix}-${i}`,
      anonymousId: `${prefix}-anon-${i % 4}`,
      timestamp: new Date(Date.parse(`${DAY}T00:00:00Z`) + (hourOffset + i) * 3_600_000).toISOString(),
    }));

  async function served(): Promise<{ item: unknown; report: FiguresDocument | undefined }> {
    const response = await agg.dynamo.send(
      new GetCommand({ TableName: agg.settings.tableName, Key: keys.day(SITE, DAY), ConsistentRead: true }),
    );
    return { item: response.Item, report: await getJson<FiguresDocument>(agg, reportKeyFor(SITE, DAY)) };
  }

  afterAll(async () => {
    await aggStores.close();
  });

  beforeAll(async () => {
    aggStores = await startLocalStores();
    agg = createStorageClients(aggStores.settings);
    writeKey = await createSite(SITE, { timezone: 'UTC' }, agg);
    config = siteConfigWithDefaults({ site: SITE, timezone: 'UTC' });
    const collector = createCollectorHandler({ clients: agg, sites: createSiteCache(agg) });
    for (let request = 0; request < 4; request++)
      expect(
        (await call(collector, batchRequest(writeKey, dayEvents(`first${request}`, 5, request * 5)))).status,
      ).toBe(200);
    await aggregateDay(agg, config, DAY, { now });
    // Late events for the same day: the next run must count them.
    for (let request = 0; request < 2; request++)
      expect(
        (await call(collector, batchRequest(writeKey, dayEvents(`late${request}`, 4, request * 4)))).status,
      ).toBe(200);
  });

  it.each<[string, FaultRule]>([
    ['listing the archive', { service: 's3', command: 'ListObjectsCommand', times: 1_000, kind: 'network' }],
    [
      'reading the third object',
      { service: 's3', command: 'GetObjectCommand', skip: 2, times: 1_000, kind: 'timeout' },
    ],
    [
      'fetching identity links',
      { service: 'dynamo', command: 'BatchGetItemCommand', times: 1_000, kind: 'server' },
    ],
    [
      'reading the previous revision',
      { service: 'dynamo', command: 'GetItemCommand', times: 1_000, kind: 'network' },
    ],
    ['writing the report', { service: 's3', command: 'PutObjectCommand', times: 1_000, kind: 'server' }],
  ])(
    'fails while %s and leaves the previous figures (DynamoDB item and report) unchanged',
    async (_label, rule) => {
      const before = await served();
      expect(before.report?.revision).toBe(1);
      const clients = createStorageClients(aggStores.settings);
      const faults = injectFaults(clients);
      faults.add(rule);
      await expect(aggregateDay(clients, config, DAY, { now })).rejects.toThrow();
      counts.faults += faults.injected;
      expect(faults.injected).toBeGreaterThan(0);
      expect(await served()).toEqual(before);
    },
  );

  it('fails while storing the figures in DynamoDB: the served figures stay; the report is overwritten by the next run', async () => {
    const before = await served();
    const clients = createStorageClients(aggStores.settings);
    const faults = injectFaults(clients);
    // The figures item only: the day's leases are put items too.
    faults.add({
      service: 'dynamo',
      command: 'PutItemCommand',
      bodyIncludes: `"DAY#${DAY}"`,
      times: 1_000,
      kind: 'network',
    });
    await expect(aggregateDay(clients, config, DAY, { now })).rejects.toThrow();
    counts.faults += faults.injected;
    expect(faults.injected).toBeGreaterThan(0);
    const after = await served();
    expect(after.item).toEqual(before.item);
    // The report is written first (S3 then DynamoDB, no transaction across them): it may run one
    // revision ahead of the served figures until the next run rewrites both.
    expect(after.report?.revision).toBe(2);
  });

  it('a scheduled run under a persistent fault keeps the day marked; the next run completes it', async () => {
    const before = await served();
    const clients = createStorageClients(aggStores.settings);
    const faults = injectFaults(clients);
    faults.add({ service: 's3', command: 'GetObjectCommand', skip: 1, times: 1_000, kind: 'network' });
    // Wall-clock runs: a mark is cleared only when no event arrived after the run started (minus the
    // collector's re-mark interval), and the late events above arrived just now.
    const failed = await runScheduledAggregation(clients, { now: new Date() });
    counts.faults += faults.injected;
    expect(failed.failures.map((failure) => failure.date)).toContain(DAY);
    expect((await served()).item).toEqual(before.item);
    expect((await listMarkedDays(agg, SITE)).map((mark) => mark.date)).toContain(DAY);

    const completed = await runScheduledAggregation(agg, { now: new Date(Date.now() + 2 * MARK_REFRESH_MS) });
    expect(completed.failures).toEqual([]);
    const after = await served();
    const figures = (after.item as { figures: FiguresDocument }).figures;
    expect(figures.revision).toBe(2);
    expect(figures.traffic.events).toBe(4 * 5 + 2 * 4);
    expect(after.report).toEqual(figures);
    expect((await listMarkedDays(agg, SITE)).map((mark) => mark.date)).not.toContain(DAY);
  });
});
