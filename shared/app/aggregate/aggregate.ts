/** Daily aggregation: archive → metric core → figures in S3 and DynamoDB (metrics.md §5, §6). */

import { performance } from 'node:perf_hooks';
import pMap from 'p-map';
import type { SiteConfig } from '../../config/site';
import { unionOfHashes } from '../../events/actor-index';
import type { NormalizedEvent } from '../../events/types';
import { type EarlierCopies, earlierCopiesOf } from '../../metrics/dedup';
import { type FiguresDocument, figuresOfPreparedDay, prepareFigureDay } from '../../metrics/figures';
import { type LinkSnapshot, planLookups, snapshotsToStore, storedLinksOf } from '../../metrics/link-snapshot';
import { keepBetterLink, type LinkCandidate } from '../../metrics/links';
import { type HourPartial, isCurrent, mergePartials } from '../../metrics/partial';
import { createInterner } from '../../metrics/slim';
import { dayStatus } from '../../metrics/status';
import { daysToRead } from '../../metrics/windows';
import { putActorIndex } from '../../storage/actor-index';
import { putJson, reportKeyFor } from '../../storage/archive';
import { countRejected, listDayObjects } from '../../storage/archive-reader';
import type { StorageClients } from '../../storage/clients';
import { getLedgerPart, type LedgerPartHeader, putDerivedParts } from '../../storage/derived';
import { type LeaseOptions, withDayLeases } from '../../storage/leases';
import {
  getCopiesDigest,
  getCurrentCopiesDigest,
  getLinkSnapshot,
  getPartial,
  listPartialHours,
  putLinkSnapshot,
} from '../../storage/partials';
import {
  assertFiguresStorable,
  clearDayMark,
  getFiguresRevision,
  getLinks,
  getSite,
  listMarkedDays,
  listProvisionalDays,
  listSites,
  MARK_REFRESH_MS,
  markDayForRecomputation,
  putFigures,
} from '../../storage/table';
import { addDays, localDate, localDayBounds } from '../../time';
import { triggerAlertEvaluation } from '../alerts/trigger';
import { logger } from '../logger';
import {
  acrossDaysInput,
  buildDerivedRecord,
  outcomesOfWindow,
  type PreparedDays,
  prepareDerivedDays,
  storedPartsOf,
} from './across-days';
import type { CompactionSummary } from './compact';
import {
  type BuiltPartition,
  groupByPartition,
  inProcessBuilder,
  type PartialBuilder,
  type PartitionToBuild,
} from './partials';

/**
 * anonymousId → userId for the events read: the stored links (written by the collector from every
 * event received so far) merged with the links the read events make themselves, by the same rule.
 */
export function resolveLinks(
  eventLinks: ReadonlyMap<string, LinkCandidate>,
  stored: ReadonlyMap<string, LinkCandidate>,
): Map<string, string> {
  const candidates = new Map<string, LinkCandidate>(stored);
  for (const [anonymousId, candidate] of eventLinks) keepBetterLink(candidates, anonymousId, candidate);
  const links = new Map<string, string>();
  for (const [anonymousId, candidate] of candidates) links.set(anonymousId, candidate.userId);
  return links;
}

/**
 * Stored links of the anonymous ids met without a user id (by partition date): each id looked up once
 * for the whole window, or, for a `cached` run, only ids the dates' link snapshots do not answer yet;
 * the snapshots are then brought up to date. A snapshot that cannot be written costs a later look-up.
 */
async function lookUpStoredLinks(
  clients: StorageClients,
  site: string,
  idsByDate: ReadonlyMap<string, ReadonlySet<string>>,
  mode: 'fresh' | 'cached',
  progress: PartialsProgress,
): Promise<Map<string, LinkCandidate>> {
  const snapshots = new Map<string, LinkSnapshot>();
  await Promise.all(
    [...idsByDate.keys()].map(async (date) => {
      const snapshot = await getLinkSnapshot(clients, site, date);
      if (snapshot) snapshots.set(date, snapshot);
    }),
  );
  const { known, missing } = planLookups(idsByDate, snapshots, mode);
  // Every id answered by a snapshot: nothing new to look up or to keep.
  if (missing.size === 0) return storedLinksOf(known);
  progress.lookups += missing.size;
  const found = await getLinks(clients, site, missing);
  for (const id of missing) {
    const link = found.get(id);
    known.set(id, link ? { userId: link.userId, time: link.eventTimeMs } : null);
  }
  await Promise.all(
    snapshotsToStore(site, idsByDate, snapshots, known).map((snapshot) =>
      putLinkSnapshot(clients, snapshot).catch((error: unknown) =>
        logger.warn('link snapshot not stored', {
          site,
          date: snapshot.date,
          error: error instanceof Error ? error.message : String(error),
        }),
      ),
    ),
  );
  return storedLinksOf(known);
}

export interface AggregateOptions {
  now?: Date;
  onProgress?: (progress: PartialsProgress) => void;
  /**
   * `fresh` (default) looks every anonymous id's stored link up again; `cached` looks up only ids the
   * days' link snapshots have not answered before. The scheduled runs of today and yesterday use
   * `cached`: a link made inside the window comes from the window's own events, one made by an earlier
   * event was stored before the id was first looked up, and later events fall inside the window until
   * the day is two days old (only a late-arriving identify of an earlier day can be missed until a
   * fresh run).
   */
  links?: 'fresh' | 'cached';
  /** Where partials are built (default: in this thread, or fanned out by the handler's choice). */
  builder?: PartialBuilder;
  /** How the days' leases are waited for. */
  lease?: LeaseOptions;
}

export interface PartialsProgress {
  partitions: number;
  reused: number;
  built: number;
  /** Anonymous ids whose stored link was looked up (once each per run). */
  lookups: number;
}

export interface DayResult {
  site: string;
  date: string;
  figures: FiguresDocument;
  objects: number;
  eventsRead: number;
  /** False when a concurrent run stored a newer revision first. */
  stored: boolean;
  /**
   * Later provisional days marked for recomputation because this day's derived record changed (their
   * `outcomes` and `customers` read it).
   */
  laterDays: string[];
  /** Earlier days whose derived record this run had to build (missing, or its lookback changed). */
  derivedDaysBuilt: string[];
  /**
   * Exposure days this run folded into the day's `outcomes` prefix (across-days.ts): the window's
   * days before D−h when the stored prefix was missing or folded from other data, else 0.
   */
  exposureDaysFolded: number;
  /** Settled hour partitions merged into one object each by this run. */
  compaction: CompactionSummary;
  /** Hour partitions in the window: partials reused from earlier runs and (re)built by this one. */
  partials: PartialsProgress;
  /**
   * Milliseconds spent listing and loading stored partials, building the missing ones, resolving
   * links, merging and computing, writing.
   */
  timings: { read: number; build: number; links: number; compute: number; write: number };
}

const PARTIAL_LOADS_IN_FLIGHT = 3;

/** Stored partials that still describe their partition, by partition id (`date`T`hour`). */
async function currentPartials(
  clients: StorageClients,
  site: string,
  dates: readonly string[],
  partitions: readonly PartitionToBuild[],
): Promise<Map<string, HourPartial>> {
  const storedHours = new Map<string, Set<string>>();
  await Promise.all(
    dates.map(async (date) => storedHours.set(date, await listPartialHours(clients, site, date))),
  );
  const wanted = partitions.filter((partition) => storedHours.get(partition.date)?.has(partition.hour));
  const found = new Map<string, HourPartial>();
  // Decoding is CPU work in this thread: more downloads in flight would only hold more bytes at once.
  await pMap(
    wanted,
    async (partition) => {
      const partial = await getPartial(clients, site, partition.date, partition.hour);
      if (partial && isCurrent(partial, partition.objects))
        found.set(`${partition.date}T${partition.hour}`, partial);
    },
    { concurrency: PARTIAL_LOADS_IN_FLIGHT },
  );
  return found;
}

/** Current copies digests of the day before's partitions, by hour. */
async function currentCopiesDigests(
  clients: StorageClients,
  site: string,
  partitions: readonly PartitionToBuild[],
): Promise<Map<string, Float64Array>> {
  const found = new Map<string, Float64Array>();
  await pMap(
    partitions,
    async (partition) => {
      const digest = await getCurrentCopiesDigest(
        clients,
        site,
        partition.date,
        partition.hour,
        partition.objects,
      );
      if (digest) found.set(partition.hour, digest);
    },
    { concurrency: 8 },
  );
  return found;
}

/**
 * Computes and stores a day's figures. It holds the leases (shared/storage/leases.ts) of every day
 * whose partitions it reads, since building their partials compacts them: a concurrent run of the same
 * days, or an erasure rewriting one, waits for it.
 */
export async function aggregateDay(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
  options: AggregateOptions = {},
): Promise<DayResult> {
  const prepared = await prepareDerivedDays(clients, config, date, (day, parts) =>
    buildDerivedDay(clients, config, day, parts, options),
  );
  return withDayLeases(
    clients,
    config.site,
    daysReadFor(date, config),
    () => computeDay(clients, config, date, options, prepared),
    options.lease,
  );
}

/**
 * Builds and stores one day's derived record from the archive (its partials), under the leases of the
 * days it reads, without computing or storing its figures. `parts`: the ledger parts of the days before.
 */
export function buildDerivedDay(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
  parts: ReadonlyMap<string, LedgerPartHeader>,
  options: AggregateOptions = {},
) {
  return withDayLeases(
    clients,
    config.site,
    daysReadFor(date, config),
    () =>
      buildDerivedRecord(
        clients,
        config,
        date,
        async (day) => {
          // Links as the hourly runs look them up: a day computed before answers from its snapshot.
          const read = await readDayEvents(clients, config, day, {
            ...options,
            links: 'cached',
            onProgress: undefined,
          });
          return { events: read.events, links: read.links, earlierCopies: read.earlierCopies };
        },
        parts,
      ),
    options.lease,
  );
}

/** The days an aggregation of `date` reads, and so holds the leases of. */
function daysReadFor(date: string, config: SiteConfig): string[] {
  return [addDays(date, -1), ...daysToRead(date, config)];
}

interface DayEvents {
  events: NormalizedEvent[];
  links: Map<string, string>;
  earlierCopies: EarlierCopies | undefined;
  objects: number;
  /** Hashes of the ids the day's events tie to a person (the day's actor index). */
  dayActors: Uint32Array;
  built: BuiltPartition[];
  progress: PartialsProgress;
  timings: { read: number; build: number; links: number };
}

/**
 * A day's events as its figures read them: the partials of D and the days its windows reach (reused,
 * or built from the archive), merged, with the links resolved and the day before's copies digests.
 */
async function readDayEvents(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
  options: AggregateOptions,
): Promise<DayEvents> {
  const now = options.now ?? new Date();
  const site = config.site;
  let lap = performance.now();
  const elapsed = () => {
    const at = performance.now();
    const ms = at - lap;
    lap = at;
    return ms;
  };
  const dates = daysToRead(date, config);
  // The day before is read for its copies digests only: copies of D's events received there first.
  const dayBefore = addDays(date, -1);
  const objects = await listDayObjects(clients, site, [dayBefore, ...dates]);
  const allPartitions = groupByPartition(objects);
  const partitions = allPartitions.filter((partition) => partition.date !== dayBefore);
  const before = allPartitions.filter((partition) => partition.date === dayBefore);
  const [reused, copies] = await Promise.all([
    currentPartials(clients, site, dates, partitions),
    currentCopiesDigests(clients, site, before),
  ]);
  const read = elapsed();

  const stale = [
    ...before.filter((partition) => !copies.has(partition.hour)),
    ...partitions.filter((partition) => !reused.has(`${partition.date}T${partition.hour}`)),
  ];
  const builder = options.builder ?? inProcessBuilder(clients);
  const progress = {
    partitions: partitions.length + before.length,
    reused: reused.size + copies.size,
    built: 0,
    lookups: 0,
  };
  options.onProgress?.({ ...progress });
  const built = await builder(stale, { site, timeZone: config.timezone, nowMs: now.getTime() }, () => {
    progress.built += 1;
    options.onProgress?.({ ...progress });
  });
  const partials = [...reused.values()];
  for (const result of built) {
    if (result.date === dayBefore) {
      // Just built (and perhaps compacted, so no longer named by the listed objects): current.
      const digest =
        result.copies ?? (await getCopiesDigest(clients, site, result.date, result.hour))?.digest;
      if (!digest) throw new Error(`the copies digest of ${result.date} ${result.hour}h was not stored`);
      copies.set(result.hour, digest);
      result.partial = undefined;
      continue;
    }
    const partial = result.partial ?? (await getPartial(clients, site, result.date, result.hour));
    if (!partial) throw new Error(`the partial of ${result.date} ${result.hour}h was not stored`);
    partials.push(partial);
  }
  const earlierCopies = earlierCopiesOf([...copies.values()]);
  copies.clear();
  const build = elapsed();

  // Erasure finds the user's days through this once their journey items have expired.
  const dayActors = unionOfHashes(
    partials.filter((partial) => partial.date === date).map((partial) => partial.actorHashes),
  );
  const merged = mergePartials(partials, createInterner(), date);
  // The events the merge left out (of the days after D) need not outlive it.
  partials.length = 0;
  reused.clear();
  for (const result of built) result.partial = undefined;
  const storedLinks = await lookUpStoredLinks(
    clients,
    site,
    merged.anonymousOnlyByDate,
    options.links ?? 'fresh',
    progress,
  );
  const links = resolveLinks(merged.eventLinks, storedLinks);
  return {
    events: merged.events,
    links,
    earlierCopies,
    objects: objects.length,
    dayActors,
    built,
    progress,
    timings: { read, build, links: elapsed() },
  };
}

async function computeDay(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
  options: AggregateOptions,
  prepared: PreparedDays,
): Promise<DayResult> {
  const now = options.now ?? new Date();
  const site = config.site;
  const day = await readDayEvents(clients, config, date, options);
  const { events, links, earlierCopies, built, progress } = day;
  let lap = performance.now();
  const elapsed = () => {
    const at = performance.now();
    const ms = at - lap;
    lap = at;
    return ms;
  };
  const [rejected, previousRevision, acrossDays, previousPart] = await Promise.all([
    countRejected(clients, site, date),
    getFiguresRevision(clients, site, date),
    acrossDaysInput(clients, config, date, prepared),
    getLedgerPart(clients, site, date),
  ]);
  const linksMs = day.timings.links + elapsed();
  const figuresInput = {
    config,
    date,
    events,
    links,
    earlierCopies,
    rejected,
    acrossDays,
    status: dayStatus(date, config, now),
    revision: previousRevision + 1,
    computedAt: now.toISOString(),
  };
  const figureDay = prepareFigureDay(figuresInput);
  const outcomes = await outcomesOfWindow(clients, config, date, prepared.parts, figureDay.ledger);
  const figures = figuresOfPreparedDay(figuresInput, figureDay, outcomes.figures);
  const derived = figureDay.derived;
  const parts = storedPartsOf(derived, config, prepared.parts);
  const compute = elapsed();
  // Sized before anything is written: a day DynamoDB cannot store fails the run (and its alarm), and
  // leaves report and served figures as they were.
  assertFiguresStorable(site, figures);
  // The report is written first: an interrupted run leaves the previous DynamoDB figures in place.
  await Promise.all([
    putJson(clients, reportKeyFor(site, date), figures),
    putActorIndex(clients, site, date, day.dayActors),
    putDerivedParts(clients, parts.ledger, parts.sessions),
  ]);
  const stored = await putFigures(clients, site, figures);
  // metrics.md §8, last paragraph: the later days whose windows read this one change with it.
  const changed =
    previousPart?.ledgerDigest !== parts.ledger.ledgerDigest ||
    previousPart.activityDigest !== parts.ledger.activityDigest;
  const laterDays = changed ? await markLaterProvisionalDays(clients, config, date, now) : [];
  const compaction = built.reduce(
    (sum, result) => ({
      partitions: sum.partitions + result.compaction.partitions,
      objectsMerged: sum.objectsMerged + result.compaction.objectsMerged,
    }),
    { partitions: 0, objectsMerged: 0 },
  );
  const timings = {
    read: day.timings.read,
    build: day.timings.build,
    links: linksMs,
    compute,
    write: elapsed(),
  };
  // api.md "Alerts": every (re)computation of an ended day is evaluated; a run that lost to a newer
  // revision leaves that to the run that stored it.
  if (stored && now.getTime() >= localDayBounds(date, config.timezone).end) {
    await triggerAlertEvaluation(clients, { site, date }, { config, figures, now });
  }
  return {
    site,
    date,
    figures,
    objects: day.objects,
    eventsRead: events.length,
    stored,
    laterDays,
    derivedDaysBuilt: prepared.built,
    exposureDaysFolded: outcomes.folded,
    timings,
    compaction,
    partials: progress,
  };
}

/**
 * Computes a day for a caller that had every event of it acknowledged before it started (a simulation,
 * after its sends) and clears the day's recomputation mark, so the next scheduled run does not compute
 * the day again. A mark refreshed while the day was being computed stays.
 */
export async function aggregateSentDay(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
  options: AggregateOptions = {},
): Promise<DayResult> {
  const startedMs = Date.now();
  const result = await aggregateDay(clients, config, date, options);
  await clearDayMark(clients, config.site, date, startedMs);
  return result;
}

/**
 * Marks the days after `date` that are stored and still provisional (metrics.md §5): their `outcomes`
 * and `customers` read `date`. Final days stay as they are.
 */
async function markLaterProvisionalDays(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
  now: Date,
): Promise<string[]> {
  const later = (await listProvisionalDays(clients, config.site, LAST_DATE)).filter(
    (day) => day > date && dayStatus(day, config, now) === 'provisional',
  );
  for (const day of later) await markDayForRecomputation(clients, config.site, day, now.getTime());
  return later;
}

const LAST_DATE = '9999-12-31';

export interface ScheduledRunResult {
  results: DayResult[];
  failures: { site: string; date: string; error: string }[];
}

export interface RunOptions {
  now?: Date;
  afterDay?: (result: DayResult, config: SiteConfig) => Promise<void>;
  builder?: PartialBuilder;
}

/** A day a run computes, with how its links are looked up and what to do once it is stored. */
interface PlannedDay {
  date: string;
  links: 'fresh' | 'cached';
  done?: () => Promise<void>;
}

/** Computes the planned days of every site in date order; a failed day is reported, the others go on. */
async function runForEverySite(
  clients: StorageClients,
  options: RunOptions,
  plan: (site: string, config: SiteConfig, now: Date) => Promise<PlannedDay[]>,
): Promise<ScheduledRunResult> {
  const now = options.now ?? new Date();
  const results: DayResult[] = [];
  const failures: ScheduledRunResult['failures'] = [];
  for (const siteId of await listSites(clients)) {
    const stored = await getSite(clients, siteId);
    if (!stored) continue;
    const config = stored.config;
    const queue = await plan(siteId, config, now);
    const planned = new Set(queue.map((day) => day.date));
    for (let day = queue.shift(); day !== undefined; day = queue.shift()) {
      try {
        const result = await aggregateDay(clients, config, day.date, {
          now,
          builder: options.builder,
          links: day.links,
        });
        results.push(result);
        await options.afterDay?.(result, config);
        await day.done?.();
        // Later days this one changed are computed in this run, in date order (their marks are cleared).
        for (const later of result.laterDays) {
          if (planned.has(later)) continue;
          planned.add(later);
          queue.push({
            date: later,
            links: 'fresh',
            done: async () => {
              await clearDayMark(clients, siteId, later, now.getTime() - MARK_REFRESH_MS);
            },
          });
        }
        queue.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.push({ site: siteId, date: day.date, error: message });
      }
    }
  }
  return { results, failures };
}

/**
 * The scheduled entry: for every site, today (provisional), yesterday, and every day the collector
 * marked for recomputation; then clears the marks it handled.
 */
export function runScheduledAggregation(
  clients: StorageClients,
  options: RunOptions = {},
): Promise<ScheduledRunResult> {
  return runForEverySite(clients, options, async (site, config, now) => {
    const today = localDate(now.getTime(), config.timezone);
    const yesterday = addDays(today, -1);
    const marked = new Set((await listMarkedDays(clients, site)).map((mark) => mark.date));
    return [...new Set([yesterday, today, ...marked])].sort().map((date) => ({
      date,
      links: date >= yesterday ? 'cached' : 'fresh',
      done: marked.has(date)
        ? async () => {
            await clearDayMark(clients, site, date, now.getTime() - MARK_REFRESH_MS);
          }
        : undefined,
    }));
  });
}

/**
 * The daily finalization (metrics.md §5): every day still stored as provisional whose
 * `finalizeAfterHours` have passed is computed once more, from the archive as it is now (late events,
 * identity links made since, erasures), and stored as `final`.
 */
export function runFinalization(
  clients: StorageClients,
  options: RunOptions = {},
): Promise<ScheduledRunResult> {
  return runForEverySite(clients, options, async (site, config, now) => {
    const lastCandidate = localDate(now.getTime() - config.finalizeAfterHours * 3_600_000, config.timezone);
    const provisional = await listProvisionalDays(clients, site, lastCandidate);
    return provisional
      .filter((date) => dayStatus(date, config, now) === 'final')
      .map((date) => ({ date, links: 'fresh' }));
  });
}
