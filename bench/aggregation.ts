/** Aggregation benchmark: one day of 1,000,000 events from the local archive, against DuckDB on the same files. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { heapLimitMb } from '../infra/cdk/bundling';
import { startLocalStores } from '../infra/local/stores';
import type { PartialsProgress } from '../shared/app/aggregate/aggregate';
import { DEPLOYED } from '../shared/config/deploy-defaults';
import { siteConfigWithDefaults } from '../shared/config/site';
import type { Measured } from '../shared/cost/model';
import type { FiguresDocument } from '../shared/metrics/figures';
import { listObjects } from '../shared/storage/archive';
import { createStorageClients } from '../shared/storage/clients';
import { applySiteConfig } from '../shared/storage/site-admin';
import { measureLedger, seedHistory } from './across-days';
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
  partials: PartialsProgress;
  timings: { read: number; build: number; links: number; compute: number; write: number };
  exposureDaysFolded: number;
  figures: FiguresDocument;
}

/** V8's heap limit in a 1,024 MB function as the stack deploys it (RoxtrailFunction). */
const ONE_GB_FUNCTION_HEAP_MB = heapLimitMb(1024);
/** …and in the aggregator as deployed by default. */
const DEFAULT_FUNCTION_HEAP_MB = heapLimitMb(DEPLOYED.aggregatorMemoryMb);

function runChild(
  settings: unknown,
  mode: 'cold' | 'warm' | 'rebuild',
  heapMb?: number,
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        ...(heapMb === undefined ? [] : [`--max-old-space-size=${heapMb}`]),
        // ROXTRAIL_BENCH_CPU_PROF=<dir>: each run's V8 CPU profile, for Chrome DevTools or speedscope.
        ...(process.env.ROXTRAIL_BENCH_CPU_PROF
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env.ROXTRAIL_BENCH_CPU_PROF}`]
          : []),
        '--import',
        'tsx',
        join(import.meta.dirname, 'aggregate-child.ts'),
        JSON.stringify(settings),
        SITE,
        DATE,
        mode,
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
    const config = siteConfigWithDefaults({
      site: SITE,
      timezone: 'UTC',
      touchpoints: {
        live_chat: { dailyCost: 200 },
        product_video: { dailyCost: 50 },
        size_guide: { dailyCost: 20 },
      },
    });
    await applySiteConfig(clients, config, new Date());
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

    const ours = await runChild(stores.settings, 'cold');
    const partialObjects = await listObjects(clients, `partials/site=${SITE}/dt=${DATE}/`);
    const partialBytes = partialObjects.reduce((sum, object) => sum + object.size, 0);
    const indexBytes = (await listObjects(clients, `indexes/site=${SITE}/dt=${DATE}/`)).reduce(
      (sum, object) => sum + object.size,
      0,
    );
    const warm = await runChild(stores.settings, 'warm');
    const capped = await runChild(stores.settings, 'warm', ONE_GB_FUNCTION_HEAP_MB);
    const files = join(
      dataDir,
      's3',
      stores.settings.bucketName,
      `events/site=${SITE}/dt=${DATE}/*/*._S3rver_object`,
    );
    const duck = await duckdbFigures(files, DATE);
    const differences = [ours, warm, capped].flatMap((run) => {
      const mine = comparable(run.figures);
      return (Object.keys(mine) as (keyof ComparableFigures)[])
        .filter((key) => Math.abs(mine[key] - duck.figures[key]) > 1e-6 * Math.max(1, Math.abs(mine[key])))
        .map((key) => `${key} ${mine[key]} vs ${duck.figures[key]}`);
    });
    const agree = differences.length === 0;
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const phases = (run: ChildResult) =>
      `list+load partials ${seconds(run.timings.read)}, build ${seconds(run.timings.build)}, links ${seconds(run.timings.links)}, compute ${seconds(run.timings.compute)}, write ${seconds(run.timings.write)}`;
    const mergeMs = warm.ms - warm.timings.build;
    if (measured) {
      measured.aggregationEventsPerSecond = warm.eventsRead / (mergeMs / 1000);
      measured.partialBuildEventsPerSecond = ours.eventsRead / (ours.timings.build / 1000);
      measured.linkLookupsPerEvent = ours.partials.lookups / ours.eventsRead;
      measured.partialBytesPerEvent = partialBytes / ours.eventsRead;
      measured.actorIndexBytesPerEvent = indexBytes / ours.eventsRead;
    }
    const projection = projectDay(10_000_000, ours, capped);
    const history = await seedHistory(clients, config, DATE);
    const historyFirst = await runChild(stores.settings, 'warm');
    const withHistory = await runChild(stores.settings, 'warm');
    const historyCapped = await runChild(stores.settings, 'warm', DEFAULT_FUNCTION_HEAP_MB);
    const prefixBytes = (
      await listObjects(clients, `derived/site=${SITE}/dt=${DATE}/outcomes-prefix`)
    ).reduce((sum, object) => sum + object.size, 0);
    const rebuild = await runChild(stores.settings, 'rebuild');
    const ledger = measureLedger(config, DATE, 1_000_000);
    const extra = withHistory.ms / warm.ms - 1;
    const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MB`;
    const acrossDays: BenchRow[] = [
      {
        figure: 'derived record of one day',
        value: (history.ledgerBytes + history.sessionsBytes) / 1024 ** 2,
        unit: 'MB',
        how: `what a 1 M-event day's run writes for the across-days sections: sessions and activity parts (gzip columns) ${mb(history.sessionsBytes)}, ledger part (gzip JSON) ${mb(history.ledgerBytes)}; ${((((history.ledgerBytes + history.sessionsBytes) / ours.eventsRead) * 1e6) / 1024 ** 2).toFixed(1)} MB per million events`,
      },
      {
        figure: 'hourly re-run with 42 days of derived data',
        value: withHistory.ms / 1000,
        unit: 's',
        target: '≤ 1.25 × the re-run without',
        how: `${(extra * 100).toFixed(0)} % more than the same re-run with no other day (${seconds(warm.ms)}): ${phases(withHistory)}; it starts from the day's folded outcomes prefix (${mb(prefixBytes)}; ${withHistory.exposureDaysFolded} exposure days folded again). The first run after the history appeared, which folded ${historyFirst.exposureDaysFolded} exposure days into it and wrote the customer ledger object, took ${seconds(historyFirst.ms)}`,
      },
      {
        figure: 'peak RSS of that re-run in the aggregator as deployed',
        value: historyCapped.maxRssMb,
        unit: 'MB',
        target: `≤ ${DEPLOYED.aggregatorMemoryMb.toLocaleString('en-US')}`,
        how: `with 42 days of derived data, heap limited as the default ${DEPLOYED.aggregatorMemoryMb} MB aggregator's (--max-old-space-size=${DEFAULT_FUNCTION_HEAP_MB}), in ${seconds(historyCapped.ms)}; the re-run without the history in a 1 GB function: ${capped.maxRssMb.toFixed(0)} MB`,
      },
      {
        figure: 'customer ledger at 1 M customers',
        value: ledger.bytes / 1024 ** 2,
        unit: 'MB',
        how: `${ledger.orders.toLocaleString('en-US')} orders over 400 days in one gzip object; read back, merged and the customers section computed in ${ledger.seconds.toFixed(1)} s`,
      },
      {
        figure: 'rebuild of 42 days of derived data from scratch',
        value: (42 * rebuild.ms) / 1000,
        unit: 's',
        how: `42 × one day's rebuild from its partials (${seconds(rebuild.ms)}, peak RSS ${rebuild.maxRssMb.toFixed(0)} MB), days built one after another as the aggregator does when they are missing; partials missing too add their build time (above)`,
      },
    ];
    return [
      {
        figure: 'aggregation throughput, first run (1 day)',
        value: ours.eventsRead / (ours.ms / 1000),
        unit: 'events/s',
        how: `${ours.eventsRead.toLocaleString('en-US')} archived events in ${ours.objects} objects of ~1,000 (setup ${setupSeconds.toFixed(1)} s), aggregateDay from s3rver in a fresh process, ${ours.partials.built} hour partials built on ${availableParallelism()} threads: ${seconds(ours.ms)}`,
      },
      {
        figure: 'aggregation phases, first run',
        value: ours.ms / 1000,
        unit: 's',
        how: `${phases(ours)}; build = read+parse+slim, ${ours.partials.lookups.toLocaleString('en-US')} identity-link look-ups (BatchGetItem on dynalite), compaction, partial written`,
      },
      {
        figure: 'aggregation peak RSS, first run',
        value: ours.maxRssMb,
        unit: 'MB',
        how: `maxRSS of that process (worker threads included), V8 free to grow its heap into this machine's ${(totalmem() / 1024 ** 3).toFixed(0)} GB: the 1 GB row below limits it`,
      },
      {
        figure: 'aggregation, hourly re-run of the same day',
        value: warm.ms / 1000,
        unit: 's',
        how: `${warm.partials.reused} partials reused, ${warm.partials.built} rebuilt (the last hour's); ${phases(warm)}; peak RSS ${warm.maxRssMb.toFixed(0)} MB`,
      },
      {
        figure: 'aggregation, hourly re-run in a 1 GB function',
        value: capped.maxRssMb,
        unit: 'MB',
        target: '≤ 1,024',
        how: `the re-run again with V8's heap limited as the stack limits a 1,024 MB function's (--max-old-space-size=${ONE_GB_FUNCTION_HEAP_MB}): peak RSS, in ${seconds(capped.ms)} (${phases(capped)})`,
      },
      {
        figure: 'DuckDB on the same files',
        value: ours.eventsRead / duck.seconds,
        unit: 'events/s',
        how: `@duckdb/node-api read_json over the same gzip NDJSON files on disk: ${duck.seconds.toFixed(2)} s (traffic, sales, carts)`,
      },
      {
        figure: 'aggregation speed vs DuckDB, first run',
        value: duck.seconds / (ours.ms / 1000),
        unit: '×',
        target: '≥ 0.5',
        how: 'DuckDB time / our time (higher is better)',
      },
      {
        figure: 'aggregation speed vs DuckDB, hourly re-run',
        value: duck.seconds / (warm.ms / 1000),
        unit: '×',
        target: '≥ 0.5',
        how: 'DuckDB time / the re-run above (what every scheduled run after the first costs)',
      },
      {
        figure: 'figures equal to DuckDB',
        value: agree ? 1 : 0,
        unit: agree ? '(yes)' : `(no: ${differences.join(', ')})`,
        how: 'all three runs: events, journeys, sessions, pageviews, orders, revenue, carts created and converted',
      },
      {
        figure: 'a 10 M-event day on Lambda (projected)',
        value: projection.fits ? 1 : 0,
        unit: projection.fits ? '(fits)' : '(does not fit)',
        how: projection.how,
      },
      ...acrossDays,
    ];
  } finally {
    await stores.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Lambda's limits: 10,240 MB of memory, 15 minutes; the aggregator's fan-out chunk (partials.ts). */
const LAMBDA_MAX_MB = 10_240;
const LAMBDA_MAX_SECONDS = 900;

/**
 * A day of `events` scaled from the two measured runs: building partials fans out (one Lambda
 * invocation per chunk of partitions), the merge runs in one invocation over D and what it keeps of D+1
 * (orders and refunds: partial.ts `readOutsideItsDay`), and its time and memory grow with the events
 * it holds.
 */
function projectDay(events: number, cold: ChildResult, warm: ChildResult): { fits: boolean; how: string } {
  // `warm`: the re-run with the heap limited as deployed, so its RSS follows what the day holds.
  const orderShare = (warm.figures.sales.orders + warm.figures.sales.refunds) / warm.eventsRead;
  const windowEvents = events * (1 + orderShare);
  const scale = windowEvents / warm.eventsRead;
  const mergeSeconds = ((warm.ms - warm.timings.build) / 1000) * scale;
  const baseMb = 120;
  const mbPerEvent = (warm.maxRssMb - baseMb) / warm.eventsRead;
  const mergeMb = baseMb + mbPerEvent * windowEvents;
  const buildSecondsPerEvent = cold.timings.build / 1000 / cold.eventsRead;
  const buildSeconds = buildSecondsPerEvent * events;
  const invocations = Math.ceil(buildSeconds / (LAMBDA_MAX_SECONDS / 3));
  const fits = mergeSeconds <= LAMBDA_MAX_SECONDS && mergeMb <= LAMBDA_MAX_MB;
  // Memory sizes come in 1 MB steps; 64 MB of headroom over the projection.
  const memoryNeeded = Math.min(LAMBDA_MAX_MB, Math.ceil((mergeMb + 64) / 64) * 64);
  const largestDefaultDay = (DEPLOYED.aggregatorMemoryMb - baseMb) / mbPerEvent / (1 + orderShare);
  return {
    fits,
    how: `building its partials: ${buildSeconds.toFixed(0)} s of work at the measured rate → fans out over ≥ ${invocations} invocation(s); merge of D and D+1's orders (${(windowEvents / 1e6).toFixed(1)} M events) in one: ~${mergeSeconds.toFixed(0)} s (limit ${LAMBDA_MAX_SECONDS}), ~${(mergeMb / 1024).toFixed(1)} GB (limit ${(LAMBDA_MAX_MB / 1024).toFixed(0)} GB), scaled linearly from the re-run in a 1 GB function: deploy with -c aggregatorMemoryMb=${memoryNeeded} (the default ${DEPLOYED.aggregatorMemoryMb} MB holds days up to ~${(largestDefaultDay / 1e6).toFixed(1)} M events)`,
  };
}
