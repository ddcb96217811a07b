/** Collector benchmarks: CPU throughput in memory, end to end over HTTP, and the local stores' own ceilings. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createCollectorHandler } from '../functions/collector/handler';
import { logger } from '../functions/common/http';
import { startLocalStores } from '../infra/local/stores';
import { siteConfigWithDefaults } from '../shared/config/site';
import type { Measured } from '../shared/cost/model';
import { createStorageClients, type StorageClients } from '../shared/storage/clients';
import { applySiteConfig } from '../shared/storage/site-admin';
import { createSiteCache, type SiteCache } from '../shared/storage/site-cache';
import type { StoredSite } from '../shared/storage/table';
import { runCli, startCli } from './cli';
import { createMemoryStorage } from './memory-storage';
import { sampleBatch, seededRandom } from './sample-events';
import type { BenchRow } from './table';

const BATCH_SIZE = 10;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function trackingEvent(body: string, writeKey: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /v1/{type}',
    rawPath: '/v1/batch',
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
    },
    requestContext: {
      accountId: 'bench',
      apiId: 'bench',
      domainName: 'bench',
      domainPrefix: 'bench',
      http: {
        method: 'POST',
        path: '/v1/batch',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'bench',
      },
      requestId: 'bench',
      routeKey: 'POST /v1/{type}',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    body,
    isBase64Encoded: false,
  };
}

interface CpuRun {
  eventsPerSecond: number;
  cpuShare: number;
  s3PutsPer1000: number;
  writeUnitsPer1000: number;
  archiveBytesPerEvent: number;
  tableBytesPerEvent: number;
  cpuMsPerRequest: number;
  /** CPU time (user + system, all threads) per request, from process.cpuUsage. */
  cpuTimeMsPerRequest: number;
  /** Bytes the handler wrote to stdout and stderr (its logs) per request. */
  logBytesPerRequest: number;
}

/** Counts the bytes written to stdout and stderr until `stop`, which restores both streams. */
function countOutputBytes(): { stop(): number } {
  let bytes = 0;
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((stream) => stream.write);
  for (const stream of streams) {
    // Counted, not forwarded: thousands of log lines a second would time the terminal, not the handler.
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      bytes +=
        typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk instanceof Uint8Array ? chunk.length : 0;
      const done = rest.find((arg) => typeof arg === 'function');
      if (typeof done === 'function') queueMicrotask(() => done());
      return true;
    }) as typeof stream.write;
  }
  return {
    stop() {
      streams.forEach((stream, index) => {
        const original = originals[index];
        if (original) stream.write = original;
      });
      return bytes;
    },
  };
}

export async function collectorCpuRun(seconds: number, viaSdk: boolean): Promise<CpuRun> {
  const { clients, counts } = createMemoryStorage({ viaSdk });
  const NO_ERASURES: ReadonlyMap<string, string> = new Map();
  const site: StoredSite = {
    config: siteConfigWithDefaults({ site: 'bench', timezone: 'Europe/Rome' }),
    piiSalt: 'bench-salt',
    createdAt: '',
    updatedAt: '',
  };
  // A warm container answers key and config look-ups from its cache; so does this one.
  const sites: SiteCache = {
    siteForKey: async () => 'bench',
    site: async () => site,
    config: async () => site.config,
    erasingIds: async () => NO_ERASURES,
  };
  const handler = createCollectorHandler({ clients, sites });
  const random = seededRandom(7);
  const bodies = Array.from({ length: 2000 }, (_, i) =>
    JSON.stringify({
      batch: sampleBatch(random, BATCH_SIZE, `cpu-${i}`, Date.now() - i * 20_000),
      sentAt: new Date().toISOString(),
    }),
  );
  const events = bodies.map((body) => trackingEvent(body, 'rxw_bench'));
  for (const event of events.slice(0, 300)) await handler(event, {} as never);

  const start = { ...counts };
  let requests = 0;
  let logBytes = 0;
  const output = countOutputBytes();
  const began = performance.now();
  const cpuBefore = process.cpuUsage();
  try {
    while (performance.now() - began < seconds * 1000) {
      const response = await handler(events[requests % events.length] as APIGatewayProxyEventV2, {} as never);
      if (response.statusCode !== 200) throw new Error(`collector answered ${response.statusCode}`);
      requests += 1;
    }
  } finally {
    logBytes = output.stop();
  }
  const elapsed = (performance.now() - began) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const eventsDone = requests * BATCH_SIZE;
  return {
    eventsPerSecond: eventsDone / elapsed,
    cpuShare: (cpu.user + cpu.system) / 1e6 / elapsed,
    s3PutsPer1000: ((counts.s3Puts - start.s3Puts) / eventsDone) * 1000,
    writeUnitsPer1000: ((counts.writeUnits - start.writeUnits) / eventsDone) * 1000,
    archiveBytesPerEvent: (counts.s3Bytes - start.s3Bytes) / eventsDone,
    tableBytesPerEvent: (counts.itemBytes - start.itemBytes) / eventsDone,
    cpuMsPerRequest: (elapsed * 1000) / requests,
    cpuTimeMsPerRequest: (cpu.user + cpu.system) / 1000 / requests,
    logBytesPerRequest: logBytes / requests,
  };
}

/** Parse, validate, normalize, scrub, partition, gzip and key 10-event batches on one core. */
export async function benchCollectorCpu(seconds: number, measured?: Partial<Measured>): Promise<BenchRow[]> {
  const own = await collectorCpuRun(seconds, false);
  const withSdk = await collectorCpuRun(seconds, true);
  if (measured) {
    measured.s3PutsPerRequest = (own.s3PutsPer1000 / 1000) * BATCH_SIZE;
    measured.dynamoWriteUnitsPerRequest = (own.writeUnitsPer1000 / 1000) * BATCH_SIZE;
    measured.archiveBytesPerEvent = own.archiveBytesPerEvent;
    measured.tableBytesPerEvent = own.tableBytesPerEvent;
    measured.logBytesPerRequest = own.logBytesPerRequest;
    measured.collectorCpuMsPerRequest = withSdk.cpuTimeMsPerRequest;
  }
  return [
    {
      figure: 'collector CPU throughput',
      value: own.eventsPerSecond,
      unit: 'events/s',
      target: '≥ 20,000',
      how: `real handler (middy) on one core, ${BATCH_SIZE}-event batches, storage calls answered in memory at send()`,
    },
    {
      figure: 'collector CPU throughput incl. SDK',
      value: withSdk.eventsPerSecond,
      unit: 'events/s',
      how: 'same, answered after the AWS SDK built each request (its middleware stack is real Lambda CPU too)',
    },
    {
      figure: 'S3 PUTs per 1,000 events',
      value: own.s3PutsPer1000,
      unit: 'PUTs',
      target: '≤ 110',
      how: `PutObject calls in the run above (${BATCH_SIZE} events/request, a batch's events within a minute)`,
    },
    {
      figure: 'DynamoDB write units per 1,000 events',
      value: own.writeUnitsPer1000,
      unit: 'WRU',
      target: '≤ 250',
      how: 'items written in the run above, 1 WRU per started KB (warm-container caches on)',
    },
    {
      figure: 'collector log bytes per request',
      value: own.logBytesPerRequest,
      unit: 'B',
      how: `bytes the handler wrote to stdout and stderr (Powertools JSON logs, level ${logger.getLevelName()}) per successful request in the CPU run above; process.stdout/stderr.write wrapped to count, not forward`,
    },
  ];
}

async function loadFor(
  seconds: number,
  concurrency: number,
  send: () => Promise<void>,
): Promise<{ ops: number; errors: number; latencies: number[]; elapsed: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const began = performance.now();
  const worker = async () => {
    while (performance.now() - began < seconds * 1000) {
      const t0 = performance.now();
      try {
        await send();
        latencies.push(performance.now() - t0);
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return {
    ops: latencies.length,
    errors,
    latencies: latencies.sort((a, b) => a - b),
    elapsed: (performance.now() - began) / 1000,
  };
}

/** Store ceilings: the same servers `roxtrail start` runs, hit directly with the same concurrency. */
async function storeCeilings(clients: StorageClients, seconds: number, concurrency: number) {
  let n = 0;
  const body = Buffer.alloc(2048, 7);
  const s3 = await loadFor(seconds, concurrency, async () => {
    n += 1;
    await clients.s3.send(
      new PutObjectCommand({ Bucket: clients.settings.bucketName, Key: `bench/ceiling/${n}`, Body: body }),
    );
  });
  const dynamo = await loadFor(seconds, concurrency, async () => {
    n += 1;
    await clients.dynamo.send(
      new PutCommand({
        TableName: clients.settings.tableName,
        Item: { pk: `BENCH#${n}`, sk: 'X', v: 'x'.repeat(300) },
      }),
    );
  });
  return { s3PutsPerSecond: s3.ops / s3.elapsed, dynamoWritesPerSecond: dynamo.ops / dynamo.elapsed };
}

/** Events through `roxtrail start` (HTTP adapter → handler → s3rver + dynalite), from a separate process. */
export async function benchCollectorEndToEnd(
  seconds: number,
  concurrency = 8,
  measured?: Partial<Measured>,
): Promise<BenchRow[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roxtrail-bench-'));
  const env = { ROXTRAIL_DATA_DIR: dataDir, PORT: '0' };
  const stack = await startCli(['--no-demo'], env);
  const rows: BenchRow[] = [];
  try {
    const siteFile = join(dataDir, 'site.json');
    writeFileSync(siteFile, JSON.stringify({ site: 'bench', timezone: 'Europe/Rome' }));
    const applied = await runCli(['sites', 'apply', siteFile, '--json'], env);
    const { writeKey } = JSON.parse(applied.stdout) as { writeKey: string };
    const random = seededRandom(11);
    let i = 0;
    const authorization = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
    const result = await loadFor(seconds, concurrency, async () => {
      i += 1;
      const response = await fetch(`${stack.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ batch: sampleBatch(random, BATCH_SIZE, `e2e-${i}`) }),
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(String(response.status));
    });
    const { readFileSync } = await import('node:fs');
    const endpoints = JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8')) as {
      storage: StorageClients['settings'];
    };
    const ceilings = await storeCeilings(
      createStorageClients(endpoints.storage),
      Math.max(2, seconds / 2),
      concurrency,
    );
    const requestsPerSecond = result.ops / result.elapsed;
    // The local stores answer slower than S3 and DynamoDB do: the p50 here bounds Lambda's billed time.
    if (measured) measured.collectorMsPerRequest = percentile(result.latencies, 50);
    rows.push(
      {
        figure: 'end-to-end throughput (local stack)',
        value: requestsPerSecond * BATCH_SIZE,
        unit: 'events/s',
        how: `${concurrency} concurrent clients, ${BATCH_SIZE}-event batches over HTTP to roxtrail start for ${seconds}s; errors ${result.errors}`,
      },
      {
        figure: 'load test errors',
        value: result.errors,
        unit: 'errors',
        target: '0',
        how: `non-200 answers or failed requests among ${(result.ops + result.errors).toLocaleString('en-US')} in the run above (loopback only, fixed duration)`,
      },
      {
        figure: 'end-to-end latency p50',
        value: percentile(result.latencies, 50),
        unit: 'ms',
        how: 'per request, same run',
      },
      {
        figure: 'end-to-end latency p99',
        value: percentile(result.latencies, 99),
        unit: 'ms',
        how: 'per request, same run',
      },
      {
        figure: 's3rver PUT ceiling',
        value: ceilings.s3PutsPerSecond,
        unit: 'PUTs/s',
        how: `2 KB PutObject, ${concurrency} concurrent, same servers, same run`,
      },
      {
        figure: 'dynalite write ceiling',
        value: ceilings.dynamoWritesPerSecond,
        unit: 'writes/s',
        how: `PutItem, ${concurrency} concurrent, same servers, same run`,
      },
      {
        figure: 'requests/s as share of s3rver ceiling',
        value: (requestsPerSecond / ceilings.s3PutsPerSecond) * 100,
        unit: '%',
        how: 'each request needs ≥ 1 PUT: near 100% means the store, not our code, is the limit',
      },
    );
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  // After the child has stopped, so the two never share the cores.
  const handler = await collectorHandlerDurations(seconds, concurrency);
  if (measured) measured.collectorHandlerMsPerRequest = handler.p50;
  rows.push({
    figure: 'collector handler duration p50',
    value: handler.p50,
    unit: 'ms',
    how: `wall time inside the middy handler per request (mean ${handler.mean.toFixed(1)} ms, p99 ${handler.p99.toFixed(1)} ms, ${handler.requests.toLocaleString('en-US')} requests, errors ${handler.errors}): called in-process by ${concurrency} concurrent callers for ${seconds}s with ${BATCH_SIZE}-event batches, storage in dynalite and s3rver on disk (startLocalStores, their worker thread), as roxtrail start runs them; each duration also holds waits in the stores' queues and the other callers' turns on the event loop`,
  });
  return rows;
}

interface HandlerDurations {
  p50: number;
  p99: number;
  mean: number;
  requests: number;
  errors: number;
}

/**
 * The collector handler's own wall time per request against the real local stores: `roxtrail start`
 * runs the handler in its child process, where it cannot be timed without changing the runtime, so
 * the same handler and stores are started here and the handler call itself is timed.
 */
async function collectorHandlerDurations(seconds: number, concurrency: number): Promise<HandlerDurations> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roxtrail-bench-handler-'));
  const stores = await startLocalStores({ dataDir });
  try {
    const clients = createStorageClients(stores.settings);
    const applied = await applySiteConfig(clients, { site: 'bench', timezone: 'Europe/Rome' }, new Date());
    if (!applied.created) throw new Error('the bench site already existed in a fresh data directory');
    const handler = createCollectorHandler({ clients, sites: createSiteCache(clients) });
    const random = seededRandom(13);
    let i = 0;
    const nextRequest = () => {
      i += 1;
      const body = JSON.stringify({ batch: sampleBatch(random, BATCH_SIZE, `handler-${i}`) });
      return trackingEvent(body, applied.writeKey);
    };
    // A warm container: site and key cached, SDK connections open.
    for (let warm = 0; warm < 20; warm += 1) await handler(nextRequest(), {} as never);
    const durations: number[] = [];
    const result = await loadFor(seconds, concurrency, async () => {
      const request = nextRequest();
      const t0 = performance.now();
      const response = await handler(request, {} as never);
      const ms = performance.now() - t0;
      if (response.statusCode !== 200) throw new Error(`collector answered ${response.statusCode}`);
      durations.push(ms);
    });
    durations.sort((a, b) => a - b);
    return {
      p50: percentile(durations, 50),
      p99: percentile(durations, 99),
      mean: durations.reduce((sum, ms) => sum + ms, 0) / durations.length,
      requests: durations.length,
      errors: result.errors,
    };
  } finally {
    await stores.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
