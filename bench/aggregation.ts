/** Aggregation benchmark: one day of 1,000,000 events from the local archive, against DuckDB on the same files. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startLocalStores } from '../infra/local/stores';
import { siteConfigWithDefaults } from '../shared/config/site';
import type { Measured } from '../shared/cost/model';
import type { FiguresDocument } from '../shared/metrics/figures';
import { createStorageClients } from '../shared/storage/clients';
import { applySiteConfig } from '../shared/storage/site-admin';
import { generateDay } from './day-generator';
import { type ComparableFigures, duckdbFigures } from './duckdb-figures';
import type { BenchRow } from './table';

const SITE = 'bench-day';
const DATE = '2026-11-02';

interface ChildResult {
  ms: number;
  maxRssMb: number;
  eventsRead: number;
  objects: number;
  timings: { read: number; links: number; compute: number; write: number };
  figures: FiguresDocument;
}

function runChild(settings: unknown): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'aggregate-child.ts'),
        JSON.stringify(settings),
        SITE,
        DATE,
      ],
      {
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`aggregation child failed: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout) as ChildResult);
      },
    );
  });
}

function comparable(f: FiguresDocument): ComparableFigures {
  return {
    events: f.traffic.events,
    journeys: f.traffic.journeys,
    sessions: f.traffic.sessions,
    pageviews: f.traffic.pageviews,
    orders: f.sales.orders,
    revenue: f.sales.revenue,
    cartsCreated: f.carts.created,
    cartsConverted: f.carts.converted,
  };
}

export async function benchAggregation(
  events = 1_000_000,
  measured?: Partial<Measured>,
): Promise<BenchRow[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roxtrail-aggbench-'));
  const stores = await startLocalStores({ dataDir });
  try {
    const clients = createStorageClients(stores.settings);
    await applySiteConfig(clients, siteConfigWithDefaults({ site: SITE, timezone: 'UTC' }), new Date());
    const setupStarted = performance.now();
    const day = generateDay({ site: SITE, date: DATE, events, seed: 42 });
    let next = 0;
    const put = async () => {
      while (next < day.objects.length) {
        const index = next++;
        const object = day.objects[index];
        if (!object) continue;
        await clients.s3.send(
          new PutObjectCommand({
            Bucket: stores.settings.bucketName,
            Key: `events/site=${SITE}/dt=${DATE}/hh=${object.hour}/bench-${String(index).padStart(5, '0')}.ndjson.gz`,
            Body: gzipSync(`${object.lines.join('\n')}\n`, { level: 3 }),
            ContentEncoding: 'gzip',
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: 16 }, put));
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    const ours = await runChild(stores.settings);
    if (measured) measured.aggregationEventsPerSecond = ours.eventsRead / (ours.ms / 1000);
    const files = join(
      dataDir,
      's3',
      stores.settings.bucketName,
      `events/site=${SITE}/dt=${DATE}/*/*._S3rver_object`,
    );
    const duck = await duckdbFigures(files, DATE);
    const mine = comparable(ours.figures);
    const differences = (Object.keys(mine) as (keyof ComparableFigures)[]).filter(
      (key) => Math.abs(mine[key] - duck.figures[key]) > 1e-6 * Math.max(1, Math.abs(mine[key])),
    );
    const agree = differences.length === 0;
    return [
      {
        figure: 'aggregation throughput (1 day)',
        value: ours.eventsRead / (ours.ms / 1000),
        unit: 'events/s',
        how: `${ours.eventsRead.toLocaleString('en-US')} archived events in ${ours.objects} objects of ~1,000 (setup ${setupSeconds.toFixed(1)} s), aggregateDay from s3rver in a fresh process: ${(ours.ms / 1000).toFixed(2)} s`,
      },
      {
        figure: 'aggregation phases',
        value: ours.ms / 1000,
        unit: 's',
        how: `read+parse ${(ours.timings.read / 1000).toFixed(1)} s, identity-link look-ups ${(ours.timings.links / 1000).toFixed(1)} s (BatchGetItem on dynalite), compute ${(ours.timings.compute / 1000).toFixed(1)} s, write ${(ours.timings.write / 1000).toFixed(1)} s`,
      },
      {
        figure: 'aggregation peak RSS',
        value: ours.maxRssMb,
        unit: 'MB',
        target: '≤ 1,024',
        how: 'maxRSS of that process',
      },
      {
        figure: 'DuckDB on the same files',
        value: ours.eventsRead / duck.seconds,
        unit: 'events/s',
        how: `@duckdb/node-api read_json over the same gzip NDJSON files on disk: ${duck.seconds.toFixed(2)} s (traffic, sales, carts)`,
      },
      {
        figure: 'aggregation speed vs DuckDB',
        value: duck.seconds / (ours.ms / 1000),
        unit: '×',
        target: '≥ 0.5',
        how: 'DuckDB time / our time (higher is better)',
      },
      {
        figure: 'figures equal to DuckDB',
        value: agree ? 1 : 0,
        unit: agree
          ? '(yes)'
          : `(no: ${differences.map((k) => `${k} ${mine[k]} vs ${duck.figures[k]}`).join(', ')})`,
        how: 'events, journeys, sessions, pageviews, orders, revenue, carts created and converted',
      },
    ];
  } finally {
    await stores.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
