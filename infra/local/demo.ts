/**
 * The demo site's story, loaded on first start: 120 days of simulated traffic ending now —
 * enough for the across-days figures (metrics.md §7 outcomes over a 28-day window followed for 7
 * days; §8 retention over 30 and 90 days, monthly cohorts, what promoters spend) — with a checkout
 * outage four days ago (abandonment spikes, volume drops, the alert rules fire), and tracking lost
 * from 11:00 to 13:00 today (the default hourly rule tracking-broken fires and resolves; the same
 * hours yesterday when the demo starts before 15:00, so the episode is over by then). Only the last 60
 * days carry full traffic (the windows of the recent days' outcomes and experience value); the older
 * days are lighter, which keeps the first start quick. Sent in the background through the HTTP API,
 * then the figures of each day computed in date order. The causal story (a chat that pays, a product
 * video that only looks like it does, promoters who come back) is shared/simulate/story.ts.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deliverEntries } from '../../shared/app/alerts/evaluator';
import { evaluateHourlyAlerts, type HourSource, storageHourSource } from '../../shared/app/alerts/hourly';
import type { AlertsConfig } from '../../shared/config/runtime';
import type { SiteConfig } from '../../shared/config/site';
import {
  createStorageClients,
  type StorageClients,
  type StorageSettings,
} from '../../shared/storage/clients';
import { addDays, localDate, localDayBounds, localHourSlots } from '../../shared/time';
import { runSimulation, type SimulationPlan } from './simulate';

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
/**
 * Today's lost tracking, site-local hours [from, to): late morning, the first hours whose usual
 * events clear tracking-broken's `minBaseline` (100 in two hours) at the demo's scale (DEMO_SCALE). A broken
 * checkout would not do: the demo's morning has fewer than checkout-broken's 15 carts in two hours.
 */
export const DEMO_TRACKING_LOST_HOURS = { from: 11, to: 13 } as const;
/**
 * Hours after the loss ends before the demo shows it on the day itself: the default rules (two-hour
 * windows) fire within it and resolve in the hour or two after it.
 */
export const DEMO_TRACKING_LOST_SETTLE_HOURS = 2;

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

/**
 * About 2,000 activity events a normal recent day: enough that two late-morning hours clear the
 * default tracking-broken rule's minBaseline (100 events); at 0.65 they hover around it.
 */
export const DEMO_SCALE = 1;

/** `ROXTRAIL_DEMO_SCALE` makes the demo lighter or heavier, e.g. 0.3 on a slow machine. */
export function demoScaleFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.ROXTRAIL_DEMO_SCALE ?? DEMO_SCALE);
  return Number.isFinite(value) && value > 0 && value <= 10 ? value : DEMO_SCALE;
}

/**
 * When the demo's tracking is lost, relative to `now`: 11:00–13:00 site-local today once 15:00 has
 * passed (so the episode has fired and resolved), else the same hours yesterday. Hour slots, so a DST
 * day's wall clock is followed.
 */
export function demoTrackingLost(
  config: Pick<SiteConfig, 'timezone'>,
  now: Date,
): { from: string; to: string } {
  const at = (date: string, hour: number) =>
    localHourSlots(date, config.timezone).find((slot) => Number(slot.hour) === hour)?.start ??
    localDayBounds(date, config.timezone).start + hour * 3_600_000;
  const today = localDate(now.getTime(), config.timezone);
  const { from, to } = DEMO_TRACKING_LOST_HOURS;
  const settled = at(today, to) + DEMO_TRACKING_LOST_SETTLE_HOURS * 3_600_000 <= now.getTime();
  const date = settled ? today : addDays(today, -1);
  return { from: new Date(at(date, from)).toISOString(), to: new Date(at(date, to)).toISOString() };
}

export function demoPlan(
  config: Pick<SiteConfig, 'timezone'>,
  now: Date,
  scale = DEMO_SCALE,
): SimulationPlan {
  // Up to now: today so far is simulated too (the simulation never reaches past `now`).
  const endDate = localDate(now.getTime(), config.timezone);
  return {
    days: DEMO_DAYS,
    endDate,
    seed: DEMO_SEED,
    incidentDate: addDays(endDate, -DEMO_INCIDENT_DAYS_AGO),
    trackingLost: demoTrackingLost(config, now),
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
  /** Where the alerts of the loaded days go. @default the site's webhooks only */
  alerts?: AlertsConfig;
  config: SiteConfig;
  plan: SimulationPlan;
  log: (line: string) => void;
  /** The clock the demo is loaded at (tests inject a fixed instant). @default the real clock */
  now?: () => Date;
}

/**
 * The demo's events arrive now, all at once; the scheduler would have seen each of them moments after
 * it happened. Replayed evaluations read them as received a minute after their time.
 */
function receivedOnTime(source: HourSource): HourSource {
  return {
    async hoursOf(date, hours) {
      const { events, links } = await source.hoursOf(date, hours);
      return {
        links,
        events: events.map((event) => ({
          ...event,
          receivedAt: new Date(Date.parse(event.timestamp) + 60_000).toISOString(),
        })),
      };
    },
  };
}

/**
 * What the hourly scheduler would have done had it run through the demo's recent hours: the hourly
 * rules evaluated at every full hour from `fromMs` to `nowMs`, oldest first, notifications delivered
 * (printed, alerts.ndjson) and stored in the alert history.
 */
export async function replayHourlyAlerts(
  clients: StorageClients,
  config: SiteConfig,
  range: { fromMs: number; nowMs: number },
): Promise<number> {
  const HOUR = 3_600_000;
  const source = receivedOnTime(storageHourSource(clients, config.site));
  let notified = 0;
  for (let at = Math.ceil(range.fromMs / HOUR) * HOUR; at <= range.nowMs; at += HOUR) {
    const result = await evaluateHourlyAlerts(clients, config, {
      now: new Date(at),
      source,
      deliver: async (entries) => {
        await deliverEntries(clients, config, entries);
      },
    });
    notified += result.notifications.length;
  }
  return notified;
}

const number = new Intl.NumberFormat('en-US');

/** Loads the plan and records it as done; progress goes to `log`, one line at a time. */
export async function loadDemoTraffic(load: DemoLoad): Promise<void> {
  const { plan, log } = load;
  const now = load.now ?? (() => new Date());
  const started = Date.now();
  let nextReport = 0.25;
  const summary = await runSimulation(
    {
      url: load.url,
      writeKey: load.writeKey,
      clients: createStorageClients(load.storage, load.alerts),
      config: load.config,
    },
    plan,
    {
      now,
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
  if (plan.trackingLost) {
    const replayStarted = Date.now();
    const date = localDate(Date.parse(plan.trackingLost.from), load.config.timezone);
    const notified = await replayHourlyAlerts(createStorageClients(load.storage, load.alerts), load.config, {
      fromMs: localDayBounds(date, load.config.timezone).start,
      nowMs: now().getTime(),
    });
    log(
      `demo: hourly rules replayed from ${date} 00:00 to now in ${((Date.now() - replayStarted) / 1000).toFixed(1)} s ` +
        `(${notified} notification(s); tracking lost ${plan.trackingLost.from} – ${plan.trackingLost.to})`,
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
