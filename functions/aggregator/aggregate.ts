/** Daily aggregation: archive → metric core → figures in S3 and DynamoDB (metrics.md §5, §6). */
import { performance } from 'node:perf_hooks';
import type { SiteConfig } from '../../shared/config/site';
import type { NormalizedEvent } from '../../shared/events/types';
import { computeFigures, type FiguresDocument } from '../../shared/metrics/figures';
import { betterLink, type LinkCandidate, linkPairsOf } from '../../shared/metrics/links';
import { createInterner, slimForFigures } from '../../shared/metrics/slim';
import { dayStatus } from '../../shared/metrics/status';
import { putJson, reportKeyFor } from '../../shared/storage/archive';
import {
  countRejected,
  listDayObjects,
  type ReadProgress,
  readObjects,
} from '../../shared/storage/archive-reader';
import type { StorageClients } from '../../shared/storage/clients';
import {
  clearDayMark,
  getFiguresRevision,
  getLinks,
  getSite,
  listMarkedDays,
  listSites,
  MARK_REFRESH_MS,
  putFigures,
} from '../../shared/storage/table';
import { addDays, localDate, localDayBounds } from '../../shared/time';
import { triggerAlertEvaluation } from '../alerts/trigger';
import { logger } from '../common/http';
import { type CompactionSummary, compactPartitions, type ReadObject } from './compact';

/** D itself and every day the conversion window can reach from D's last instant. */
export function daysToRead(
  date: string,
  config: Pick<SiteConfig, 'timezone' | 'conversionWindowHours'>,
): string[] {
  const { end } = localDayBounds(date, config.timezone);
  const lastDay = localDate(end - 1 + config.conversionWindowHours * 3_600_000, config.timezone);
  const days = [date];
  for (let day = addDays(date, 1); day <= lastDay; day = addDays(day, 1)) days.push(day);
  return days;
}

/**
 * anonymousId → userId for the events read: the stored links (written by the collector from every
 * event received so far) merged with the links the read events make themselves, by the same rule.
 */
export async function resolveLinks(
  clients: StorageClients,
  site: string,
  events: readonly NormalizedEvent[],
): Promise<Map<string, string>> {
  const candidates = new Map<string, LinkCandidate>();
  const anonymousOnly = new Set<string>();
  for (const event of events) {
    if (!event.userId && event.anonymousId) anonymousOnly.add(event.anonymousId);
    for (const [anonymousId, userId] of linkPairsOf(event)) {
      const candidate = { userId, time: Date.parse(event.timestamp) };
      const current = candidates.get(anonymousId);
      if (!current || betterLink(candidate, current)) candidates.set(anonymousId, candidate);
    }
  }
  for (const stored of (await getLinks(clients, site, anonymousOnly)).values()) {
    const candidate = { userId: stored.userId, time: stored.eventTimeMs };
    const current = candidates.get(stored.anonymousId);
    if (!current || betterLink(candidate, current)) candidates.set(stored.anonymousId, candidate);
  }
  const links = new Map<string, string>();
  for (const [anonymousId, candidate] of candidates) links.set(anonymousId, candidate.userId);
  return links;
}

export interface AggregateOptions {
  now?: Date;
  onProgress?: (progress: ReadProgress) => void;
}

export interface DayResult {
  site: string;
  date: string;
  figures: FiguresDocument;
  objects: number;
  eventsRead: number;
  /** False when a concurrent run stored a newer revision first. */
  stored: boolean;
  /** Settled hour partitions merged into one object each after this run. */
  compaction: CompactionSummary;
  /** Milliseconds spent listing and reading the archive, resolving links, computing, writing. */
  timings: { read: number; links: number; compute: number; write: number };
}

export async function aggregateDay(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
  options: AggregateOptions = {},
): Promise<DayResult> {
  const now = options.now ?? new Date();
  const site = config.site;
  let lap = performance.now();
  const elapsed = () => {
    const at = performance.now();
    const ms = at - lap;
    lap = at;
    return ms;
  };
  const objects = await listDayObjects(clients, site, daysToRead(date, config));
  const events: NormalizedEvent[] = [];
  const compressedObjects: ReadObject[] = [];
  const intern = createInterner();
  await readObjects(
    clients,
    objects,
    (objectEvents, object, compressed) => {
      for (const event of objectEvents) events.push(slimForFigures(event, intern));
      compressedObjects.push({ key: object.key, compressed });
    },
    { onProgress: options.onProgress },
  );
  const read = elapsed();
  const [links, rejected, previousRevision] = await Promise.all([
    resolveLinks(clients, site, events),
    countRejected(clients, site, date),
    getFiguresRevision(clients, site, date),
  ]);
  const linksMs = elapsed();
  const figures = computeFigures({
    config,
    date,
    events,
    links,
    rejected,
    status: dayStatus(date, config, now),
    revision: previousRevision + 1,
    computedAt: now.toISOString(),
  });
  const compute = elapsed();
  // The report is written first: an interrupted run leaves the previous DynamoDB figures in place.
  await putJson(clients, reportKeyFor(site, date), figures);
  const stored = await putFigures(clients, site, figures);
  // After the figures are safe: a compaction failure costs only a slower next run.
  const compaction = await compactPartitions(
    clients,
    compressedObjects,
    config.timezone,
    now.getTime(),
  ).catch((error: unknown) => {
    logger.warn('compaction failed', {
      site,
      date,
      error: error instanceof Error ? error.message : String(error),
    });
    return { partitions: 0, objectsMerged: 0 };
  });
  const timings = { read, links: linksMs, compute, write: elapsed() };
  // api.md "Alerts": every (re)computation of an ended day is evaluated; a run that lost to a newer
  // revision leaves that to the run that stored it.
  if (stored && now.getTime() >= localDayBounds(date, config.timezone).end) {
    await triggerAlertEvaluation(clients, { site, date }, { config, figures, now });
  }
  return {
    site,
    date,
    figures,
    objects: objects.length,
    eventsRead: events.length,
    stored,
    timings,
    compaction,
  };
}

export interface ScheduledRunResult {
  results: DayResult[];
  failures: { site: string; date: string; error: string }[];
}

/**
 * The scheduled entry: for every site, today (provisional), yesterday, and every day the collector
 * marked for recomputation; then clears the marks it handled.
 */
export async function runScheduledAggregation(
  clients: StorageClients,
  options: { now?: Date; afterDay?: (result: DayResult, config: SiteConfig) => Promise<void> } = {},
): Promise<ScheduledRunResult> {
  const now = options.now ?? new Date();
  const results: DayResult[] = [];
  const failures: ScheduledRunResult['failures'] = [];
  for (const siteId of await listSites(clients)) {
    const stored = await getSite(clients, siteId);
    if (!stored) continue;
    const config = stored.config;
    const today = localDate(now.getTime(), config.timezone);
    const marks = await listMarkedDays(clients, siteId);
    const days = [...new Set([addDays(today, -1), today, ...marks.map((mark) => mark.date)])].sort();
    for (const date of days) {
      try {
        const result = await aggregateDay(clients, config, date, { now });
        results.push(result);
        await options.afterDay?.(result, config);
        if (marks.some((mark) => mark.date === date)) {
          await clearDayMark(clients, siteId, date, now.getTime() - MARK_REFRESH_MS);
        }
      } catch (error) {
        failures.push({ site: siteId, date, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }
  return { results, failures };
}
