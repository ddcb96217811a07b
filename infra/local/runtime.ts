/** `roxtrail start`: the whole pipeline on one machine, with the same handlers as in AWS. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logger } from '../../functions/common/http';
import { DEFAULT_HOURLY_RULES } from '../../shared/alerts/rules';
import {
  type AlertsConfig,
  provideRuntimeConfig,
  type RuntimeConfig,
  runtimeConfigFromEnv,
} from '../../shared/config/runtime';
import { siteConfigWithDefaults } from '../../shared/config/site';
import { createStorageClients, type StorageSettings } from '../../shared/storage/clients';
import { erasureSettleMsOf } from '../../shared/storage/erasure-timing';
import { applySiteConfig } from '../../shared/storage/site-admin';
import { dataDirFromEnv, removeEndpoints, runningStack, writeEndpoints } from './data-dir';
import { loadDemoTraffic, pendingDemoTraffic } from './demo';
import { startLocalFirehose } from './firehose-standin';
import { startLocalHttpServer } from './http-adapter';
import { localRoutes } from './routes';
import { startLocalScheduler } from './scheduler';
import type { SimulationPlan } from './simulate';
import { startLocalStores } from './stores';

export interface StartOptions {
  port: number;
  host: string;
  dataDir: string;
  demo: boolean;
  /** Run the hourly aggregation (and once at start-up). */
  schedule: boolean;
}

export interface RunningStack {
  url: string;
  dataDir: string;
  storage: StorageSettings;
  demoKeys?: DemoKeys;
  /** Simulated demo traffic still to load (first start, or a load stopped half-way). */
  demoTraffic?: SimulationPlan;
  /** Loads `demoTraffic`, then lets the scheduler run; call it once the banner is out. */
  loadDemo?: (log: (line: string) => void) => Promise<void>;
  stop(): Promise<void>;
}

export interface DemoKeys {
  site: string;
  writeKey: string;
  readKey: string;
}

/**
 * The handler modules take their configuration when they load, as in Lambda: locally the stores'
 * settings (over what the environment says otherwise) and the local alerts file, provided instead of
 * written to process.env.
 */
export function provideLocalRuntimeConfig(dataDir: string, storage: StorageSettings): RuntimeConfig {
  const fromEnv = runtimeConfigFromEnv(process.env);
  const config = {
    ...fromEnv,
    storage: { ...fromEnv.storage, ...storage },
    alerts: localAlerts(dataDir, fromEnv.alerts),
  };
  provideRuntimeConfig(config);
  // Locally the handlers' logs are warnings and errors only, unless POWERTOOLS_LOG_LEVEL says otherwise.
  if (!process.env.POWERTOOLS_LOG_LEVEL) logger.setLogLevel('WARN');
  return config;
}

/**
 * Local alert delivery (api.md, "Alerts"): each alert is printed and appended to `alerts.ndjson` in
 * the data directory, unless ROXTRAIL_ALERTS_FILE names another file.
 */
export function localAlerts(dataDir: string, alerts: AlertsConfig): AlertsConfig {
  return { ...alerts, file: alerts.file ?? join(dataDir, 'alerts.ndjson') };
}

export const DEMO_SITE_CONFIG = {
  site: 'demo',
  name: 'Demo Shop',
  timezone: 'Europe/Rome',
  currency: 'EUR',
  currencyRates: { USD: 0.92, GBP: 1.16 },
  // Any loopback page, on any port: a shop's local storefront, the README's tracker snippet.
  origins: ['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*'],
  // live_chat truly pays, product_video only looks like it does (shared/simulate/story.ts): compared
  // with everyone (naive ROX) both earn more than they cost; like with like (metrics.md §7 adjusted)
  // the chat still does, the video earns nothing.
  touchpoints: {
    live_chat: { dailyCost: 130, team: 'support' },
    product_video: { dailyCost: 360 },
    size_guide: { dailyCost: 15 },
    store_pickup: { dailyCost: 60, team: 'stores' },
  },
  // api.md's default rules; the ones that read a day's rates wait for a day of at least 100 sessions
  // (journeys for ROX): the demo's older, lighter days (infra/local/demo.ts) are too small for a rate
  // to mean much, while the outage day of the default demo is not.
  alerts: {
    rules: [
      {
        id: 'cart-abandonment-high',
        metric: 'carts.abandonmentRate',
        above: 0.8,
        minSample: { metric: 'carts.created', atLeast: 20 },
      },
      { id: 'events-drop', metric: 'traffic.events', dropBy: 0.5, baselineDays: 7 },
      {
        id: 'conversion-drop',
        metric: 'funnel.conversionRate',
        dropBy: 0.3,
        baselineDays: 7,
        minSample: { metric: 'traffic.sessions', atLeast: 100 },
      },
      {
        id: 'nps-drop',
        metric: 'experience.nps.score',
        dropByPoints: 15,
        baselineDays: 7,
        minSample: { metric: 'traffic.sessions', atLeast: 100 },
      },
      {
        id: 'rox-negative',
        metric: 'rox.value',
        below: 0,
        minSample: { metric: 'traffic.journeys', atLeast: 100 },
      },
      // api.md's default hourly rules: tracking-broken fires on the hours the demo's tracking is lost.
      ...DEFAULT_HOURLY_RULES,
    ],
  },
};

/** The demo site's keys are kept in the data directory so the banner can show them on every start. */
async function ensureDemoSite(
  dataDir: string,
  settings: StorageSettings,
): Promise<{ keys: DemoKeys; created: boolean } | undefined> {
  const keyFile = join(dataDir, 'demo-keys.json');
  if (existsSync(keyFile))
    return { keys: JSON.parse(readFileSync(keyFile, 'utf8')) as DemoKeys, created: false };
  const result = await applySiteConfig(
    createStorageClients(settings),
    siteConfigWithDefaults(DEMO_SITE_CONFIG),
    new Date(),
  );
  if (!result.created) return undefined;
  const keys = { site: result.config.site, writeKey: result.writeKey, readKey: result.readKey };
  writeFileSync(keyFile, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return { keys, created: true };
}

export async function startStack(options: StartOptions): Promise<RunningStack> {
  const running = runningStack(options.dataDir);
  if (running)
    throw new Error(
      `a Roxtrail stack already runs on ${options.dataDir} at ${running.url} (pid ${running.pid})`,
    );
  const stores = await startLocalStores({
    dataDir: options.dataDir,
    log: (line) => console.error(`  [${new Date().toISOString()}] ${line}`),
  });
  // Firehose archive mode locally: the collector puts records to a stand-in that writes the same objects.
  const firehose =
    process.env.ROXTRAIL_ARCHIVE_MODE === 'firehose'
      ? await startLocalFirehose({
          clients: createStorageClients(stores.settings),
          spoolDir: join(options.dataDir, 'firehose-spool'),
          log: (line) => console.log(`  ${line}`),
          bufferSeconds: process.env.ROXTRAIL_FIREHOSE_BUFFER_SECONDS,
        })
      : undefined;
  const config = provideLocalRuntimeConfig(options.dataDir, { ...stores.settings, ...firehose?.settings });
  let http: Awaited<ReturnType<typeof startLocalHttpServer>>;
  try {
    http = await startLocalHttpServer(localRoutes(), options.port, options.host);
  } catch (error) {
    await firehose?.stop();
    await stores.close();
    throw error;
  }
  writeEndpoints(options.dataDir, {
    pid: process.pid,
    url: http.url,
    startedAt: new Date().toISOString(),
    storage: stores.settings,
    erasureSettleMs: erasureSettleMsOf(config.storage),
  });
  const demoSite = options.demo ? await ensureDemoSite(options.dataDir, stores.settings) : undefined;
  const demoKeys = demoSite?.keys;
  const demoTraffic = demoSite
    ? pendingDemoTraffic(options.dataDir, demoSite.created, DEMO_SITE_CONFIG, new Date())
    : undefined;
  // Scheduled runs wait for the demo load: an ended day evaluated before the older simulated days
  // would make their alert evaluations stale (alert state only moves forward in time).
  let releaseScheduler: () => void = () => undefined;
  const schedulerHold = new Promise<void>((resolve) => {
    releaseScheduler = resolve;
  });
  if (!demoTraffic) releaseScheduler();
  const scheduler = options.schedule
    ? startLocalScheduler(
        createStorageClients(stores.settings, config.alerts),
        (line) => console.log(`  [${new Date().toISOString()}] ${line}`),
        undefined,
        schedulerHold,
      )
    : undefined;
  const loadDemo =
    demoKeys && demoTraffic
      ? (log: (line: string) => void) =>
          loadDemoTraffic({
            dataDir: options.dataDir,
            url: http.url,
            writeKey: demoKeys.writeKey,
            readKey: demoKeys.readKey,
            storage: stores.settings,
            alerts: config.alerts,
            config: siteConfigWithDefaults(DEMO_SITE_CONFIG),
            plan: demoTraffic,
            log,
          }).finally(releaseScheduler)
      : undefined;
  return {
    url: http.url,
    dataDir: options.dataDir,
    storage: stores.settings,
    demoKeys,
    demoTraffic,
    loadDemo,
    async stop() {
      releaseScheduler();
      scheduler?.stop();
      await scheduler?.idle();
      await http.close();
      await firehose?.stop();
      await stores.close();
      removeEndpoints(options.dataDir);
    },
  };
}

export function banner(stack: RunningStack): string {
  const lines = [
    '',
    '  Roxtrail is running',
    '',
    `  Tracking API   ${stack.url}/v1/batch   (also /v1/track, /v1/page, /v1/identify, ...)`,
    `  Tracker        ${stack.url}/roxtrail.js   (ES module for shop pages; see README, Browser tracker)`,
    `  Data           ${stack.dataDir}   (DynamoDB: dynalite, S3: s3rver)`,
    `  Dashboard      ${stack.url}/dashboard   (figures, funnel and alerts; asks for the read key)`,
  ];
  if (stack.demoKeys) {
    lines.push(
      `  Demo site      ${stack.demoKeys.site}   write key ${stack.demoKeys.writeKey}`,
      `                       read key  ${stack.demoKeys.readKey}`,
      '',
      '  Send a first event:',
      `    curl -u ${stack.demoKeys.writeKey}: ${stack.url}/v1/track \\`,
      `      -H 'content-type: application/json' \\`,
      `      -d '{"event":"Product Viewed","anonymousId":"a1","properties":{"product_id":"p1","price":25}}'`,
    );
  }
  if (stack.demoKeys && stack.demoTraffic) {
    lines.push(
      '',
      `  Demo data      ${stack.demoTraffic.days} days of simulated traffic (${stack.demoTraffic.endDate} back, checkout`,
      `                 outage on ${stack.demoTraffic.incidentDate}) load in the background; progress below.`,
    );
  }
  lines.push(
    '',
    `  Query API      ${stack.url}/v1/sites/{site}/figures?from=YYYY-MM-DD&to=YYYY-MM-DD   (Bearer read key)`,
    '  Aggregation    hourly and now: today, yesterday and days with late events',
    '',
    '  Ctrl-C stops it; data stays in the data directory.',
    '',
  );
  return lines.join('\n');
}

export async function runStart(options: Partial<StartOptions> = {}): Promise<void> {
  const stack = await startStack({
    port: options.port ?? Number(process.env.PORT ?? 3000),
    host: options.host ?? process.env.HOST ?? '127.0.0.1',
    dataDir: options.dataDir ?? dataDirFromEnv(),
    demo: options.demo ?? true,
    schedule: options.schedule ?? true,
  });
  console.log(banner(stack));
  // In the background: the server is usable meanwhile; a load cut short by Ctrl-C resumes on the next start.
  const log = (line: string) => console.log(`  [${new Date().toISOString()}] ${line}`);
  stack
    .loadDemo?.(log)
    .catch((error: unknown) =>
      log(
        `demo: stopped (${error instanceof Error ? error.message : String(error)}); it resumes on the next start`,
      ),
    );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\n  Stopping Roxtrail...');
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
