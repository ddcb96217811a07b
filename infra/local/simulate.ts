/**
 * Simulated traffic into a running stack: generate (shared/simulate), send through the HTTP API with
 * the official Segment client, then compute the figures of the simulated days in date order, so each
 * ended day's alert rules are evaluated against the days before it. Used by `roxtrail simulate`, the
 * demo loaded on first start, and tests.
 */
import { aggregateSentDay } from '../../shared/app/aggregate/aggregate';
import { inProcessBuilder } from '../../shared/app/aggregate/partials';
import type { SiteConfig } from '../../shared/config/site';
import type { FiguresDocument } from '../../shared/metrics/figures';
import { type SendProgress, sendSimulatedMessages } from '../../shared/simulate/send';
import { generateTraffic, type SimulatedTraffic } from '../../shared/simulate/traffic';
import type { StorageClients } from '../../shared/storage/clients';
import { addDays, localDate } from '../../shared/time';

export interface SimulationPlan {
  days: number;
  /** Last simulated day (site-local). */
  endDate: string;
  seed: number | string;
  /** A checkout-outage day, if any. */
  incidentDate?: string;
  /** Tracking lost for some hours (ISO instants, [from, to)), if ever: shared/simulate/traffic.ts. */
  trackingLost?: { from: string; to: string };
  /** Visitors multiplier (1 ≈ 2,000 activity events a normal day). */
  scale?: number;
  /** Only the last `recentDays` days get the full scale, earlier ones `olderScale` × it (shared/simulate/traffic.ts). */
  recentDays?: number;
  olderScale?: number;
}

export interface SimulationTarget {
  /** Base URL of the running stack's HTTP API. */
  url: string;
  writeKey: string;
  clients: StorageClients;
  config: SiteConfig;
}

export interface SimulationHooks {
  onGenerated?: (traffic: SimulatedTraffic) => void;
  onSendProgress?: (progress: SendProgress) => void;
  /** Called before each day is computed (index from 0). */
  onAggregate?: (date: string, index: number, total: number) => void;
  now?: () => Date;
}

export interface SimulationSummary {
  traffic: SimulatedTraffic['counts'];
  delivered: number;
  failed: number;
  errors: string[];
  figures: FiguresDocument[];
  /** Milliseconds spent sending and computing. */
  sendMs: number;
  aggregateMs: number;
}

/** Hour partitions built at once while the simulated days are computed. */
const PARTITIONS_IN_FLIGHT = 8;

/** The last complete site-local day before `now`. */
export function yesterdayOf(config: Pick<SiteConfig, 'timezone'>, now: Date): string {
  return addDays(localDate(now.getTime(), config.timezone), -1);
}

export async function runSimulation(
  target: SimulationTarget,
  plan: SimulationPlan,
  hooks: SimulationHooks = {},
): Promise<SimulationSummary> {
  const now = hooks.now ?? (() => new Date());
  const traffic = generateTraffic({
    config: target.config,
    days: plan.days,
    endDate: plan.endDate,
    seed: plan.seed,
    incident: plan.incidentDate ? { date: plan.incidentDate, kind: 'checkout-outage' } : undefined,
    scale: plan.scale,
    recentDays: plan.recentDays,
    olderScale: plan.olderScale,
    trackingLost: plan.trackingLost && {
      from: Date.parse(plan.trackingLost.from),
      to: Date.parse(plan.trackingLost.to),
    },
    // A simulation never reaches into the future: the collector would clamp such times anyway.
    notAfterMs: now().getTime(),
  });
  hooks.onGenerated?.(traffic);

  const sendStarted = Date.now();
  const sent = await sendSimulatedMessages(traffic.messages, {
    url: target.url,
    writeKey: target.writeKey,
    onProgress: hooks.onSendProgress,
  });
  const sendMs = Date.now() - sendStarted;

  const aggregateStarted = Date.now();
  const figures: FiguresDocument[] = [];
  const dates = traffic.days.map((day) => day.date);
  // A simulated day's hour partitions are small: building them waits on the stores, not the CPU.
  const builder = inProcessBuilder(target.clients, PARTITIONS_IN_FLIGHT);
  for (const [index, date] of dates.entries()) {
    hooks.onAggregate?.(date, index, dates.length);
    // aggregateDay evaluates the alert rules of every ended day it stores (functions/alerts/trigger).
    const result = await aggregateSentDay(target.clients, target.config, date, { now: now(), builder });
    figures.push(result.figures);
  }
  return {
    traffic: traffic.counts,
    delivered: sent.delivered,
    failed: sent.failed,
    errors: sent.errors,
    figures,
    sendMs,
    aggregateMs: Date.now() - aggregateStarted,
  };
}
