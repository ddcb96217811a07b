/**
 * The demo site's story, loaded on first start: 120 days of simulated traffic ending yesterday —
 * enough for the across-days figures (metrics.md §7 outcomes over a 28-day window followed for 7
 * days; §8 retention over 30 and 90 days, monthly cohorts, what promoters spend) — with a checkout
 * outage four days ago (abandonment spikes, volume drops, the alert rules fire). Only the last 60
 * days carry full traffic (the windows of the recent days' outcomes and experience value); the older
 * days are lighter, which keeps the first start quick. Sent in the background through the HTTP API,
 * then the figures of each day computed in date order. The causal story (a chat that pays, a product
 * video that only looks like it does, promoters who come back) is shared/simulate/story.ts.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SiteConfig } from '../../shared/config/site';
import { createStorageClients, type StorageSettings } from '../../shared/storage/clients';
import { addDays } from '../../shared/time';
import { runSimulation, type SimulationPlan, yesterdayOf } from './simulate';

export const DEMO_DAYS = 120;
/**
 * The last 60 days at full traffic: the latest days' outcomes windows (D−34 … D−7, with a week of
 * lookback) and their experience value (NPS answers of D−59 … D−30, followed for 30 days).
 */
export const DEMO_RECENT_DAYS = 60;
/**
 * Newcomers on the older days (there for the 90-day retention and the monthly cohorts), relative to
 * the recent ones; they grow into the recent days over three weeks.
 */
export const DEMO_OLDER_SCALE = 0.2;
export const DEMO_SEED = 2026;
/** The incident is this many days before today (site-local). */
export const DEMO_INCIDENT_DAYS_AGO = 4;

interface DemoTrafficState extends SimulationPlan {
  status: 'loading' | 'done';
  startedAt: string;
  finishedAt?: string;
}

function stateFile(dataDir: string): string {
  return join(dataDir, 'demo-traffic.json');
}

function readState(dataDir: string): DemoTrafficState | undefined {
  const file = stateFile(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DemoTrafficState;
  } catch {
    return undefined;
  }
}

function writeState(dataDir: string, state: DemoTrafficState): void {
  writeFileSync(stateFile(dataDir), `${JSON.stringify(state, null, 2)}\n`);
}

/** About 1,200 activity events a normal recent day, 86,000 messages in all. */
export const DEMO_SCALE = 0.65;

/** `ROXTRAIL_DEMO_SCALE` makes the demo lighter or heavier, e.g. 0.3 on a slow machine. */
export function demoScaleFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.ROXTRAIL_DEMO_SCALE ?? DEMO_SCALE);
  return Number.isFinite(value) && value > 0 && value <= 10 ? value : DEMO_SCALE;
}

export function demoPlan(
  config: Pick<SiteConfig, 'timezone'>,
  now: Date,
  scale = DEMO_SCALE,
): SimulationPlan {
  const endDate = yesterdayOf(config, now);
  return {
    days: DEMO_DAYS,
    endDate,
    seed: DEMO_SEED,
    incidentDate: addDays(endDate, 1 - DEMO_INCIDENT_DAYS_AGO),
    scale,
    recentDays: DEMO_RECENT_DAYS,
    olderScale: DEMO_OLDER_SCALE,
  };
}

/**
 * The demo traffic still to load: a new plan when the demo site was just created, the recorded plan
 * when a previous start was stopped half-way (sending the same plan again is idempotent: the same
 * messageIds), else nothing.
 */
export function pendingDemoTraffic(
  dataDir: string,
  siteCreated: boolean,
  config: Pick<SiteConfig, 'timezone'>,
  now: Date,
): SimulationPlan | undefined {
  if (siteCreated) {
    const plan = demoPlan(config, now, demoScaleFromEnv());
    writeState(dataDir, { ...plan, status: 'loading', startedAt: now.toISOString() });
    return plan;
  }
  const state = readState(dataDir);
  if (state?.status !== 'loading') return undefined;
  const { status: _status, startedAt: _startedAt, finishedAt: _finishedAt, ...plan } = state;
  return plan;
}

export interface DemoLoad {
  dataDir: string;
  url: string;
  writeKey: string;
  readKey: string;
  storage: StorageSettings;
  config: SiteConfig;
  plan: SimulationPlan;
  log: (line: string) => void;
}

const number = new Intl.NumberFormat('en-US');

/** Loads the plan and records it as done; progress goes to `log`, one line at a time. */
export async function loadDemoTraffic(load: DemoLoad): Promise<void> {
  const { plan, log } = load;
  const started = Date.now();
  let nextReport = 0.25;
  const summary = await runSimulation(
    {
      url: load.url,
      writeKey: load.writeKey,
      clients: createStorageClients(load.storage),
      config: load.config,
    },
    plan,
    {
      onGenerated: (traffic) =>
        log(
          `demo: sending ${number.format(traffic.counts.messages)} simulated events for ${plan.days} days ` +
            `(${plan.endDate} back; checkout outage on ${plan.incidentDate}) through the Segment client`,
        ),
      onSendProgress: (progress) => {
        const done = (progress.delivered + progress.failed) / Math.max(1, progress.total);
        if (done >= nextReport && nextReport <= 1) {
          log(`demo: ${Math.round(done * 100)}% sent (${number.format(progress.delivered)} events)`);
          while (nextReport <= done) nextReport += 0.25;
        }
      },
      onAggregate: (_date, index, total) => {
        if (index === 0)
          log(`demo: computing the figures of ${total} days, oldest first (alerts evaluated per day)`);
      },
    },
  );
  if (summary.failed > 0) {
    throw new Error(
      `${summary.failed} of ${summary.traffic.messages} demo events were not delivered: ${summary.errors.join('; ')}`,
    );
  }
  writeState(load.dataDir, {
    ...plan,
    status: 'done',
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date().toISOString(),
  });
  log(
    `demo: ready in ${((Date.now() - started) / 1000).toFixed(0)} s — open ${load.url}/dashboard ` +
      `(site ${load.config.site}, read key ${load.readKey})`,
  );
}
