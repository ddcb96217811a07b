/** Collector benchmarks: CPU throughput in memory, end to end over HTTP, and the local stores' own ceilings. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createCollectorHandler } from '../functions/collector/handler';
import { siteConfigWithDefaults } from '../shared/config/site';
import type { Measured } from '../shared/cost/model';
import { createStorageClients, type StorageClients } from '../shared/storage/clients';
import type { SiteCache } from '../shared/storage/site-cache';
import type { StoredSite } from '../shared/storage/table';
import { runCli, startCli } from '../test/helpers/cli';
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
}

export async function collectorCpuRun(seconds: number, viaSdk: boolean): Promise<CpuRun> {
  const { clients, counts } = createMemoryStorage({ viaSdk });
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
  const began = performance.now();
  const cpuBefore = process.cpuUsage();
  while (performance.now() - began < seconds * 1000) {
    const response = await handler(events[requests % events.length] as APIGatewayProxyEventV2, {} as never);
    if (response.statusCode !== 200) throw new Error(`collector answered ${response.statusCode}`);
    requests += 1;
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
    return [
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
    ];
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
