/**
 * Erasure of one user of a site (api.md, "Privacy"): the user's anonymous ids, journey items, identity
 * links, and every archived or rejected event of theirs. S3 has no partial update, so each archive
 * object holding such events is read, filtered and written back under the same key (deleted when
 * nothing is left). The affected figure days are marked for recomputation and recomputed.
 */

import pMap, { pMapSkip } from 'p-map';
import { journeyRetentionDaysOf, type SiteConfig } from '../config/site';
import { indexMayContain } from '../events/actor-index';
import type { JourneyEntry } from '../events/ingest';
import type { NormalizedEvent } from '../events/types';
import { addDays, localDate } from '../time';
import { deleteActorIndexes, getActorIndex } from './actor-index';
import {
  dayOfKey,
  deleteObjects,
  getObjectBytes,
  type ListedObject,
  listObjects,
  partitionPrefix,
  putObjects,
  toNdjsonGzip,
} from './archive';
import { parseNdjsonGzip } from './archive-reader';
import type { StorageClients } from './clients';
import { deleteDerivedDays } from './derived';
import { batchWrite, type Item, keyOf, partitionItems, type WriteRequest } from './dynamo';
import {
  clearErasingIds,
  type ErasureJob,
  erasingHashesOfJob,
  erasingIdsOfJob,
  erasureUserKey,
  getErasureJob,
  requestErasureJob,
  setErasingHashes,
  setErasingIds,
  updateErasureJob,
} from './erasure-jobs';
import { erasureSettleMsOf } from './erasure-timing';
import { keys, reverseLinkPartition } from './keys';
import { withDayLeases } from './leases';
import { deletePartials } from './partials';
import {
  getFiguresRevision,
  getJourneyEntries,
  getLinks,
  getSite,
  markDayForRecomputation,
  type StoredSite,
} from './table';

export interface EraseOptions {
  now?: Date;
  /**
   * Read every day of the site's archive, not only the days the journey items point to. Slower, and
   * complete even when a projection write was lost (the archive is the source of truth).
   */
  allDays?: boolean;
  /** Recomputes figure days (the caller's aggregator: shared/ does not import functions/). */
  recompute?: (days: readonly string[]) => Promise<void>;
  /**
   * How long a change to the refused ids takes to reach every collector and the archive.
   * @default erasureSettleMsOf(clients) (collectors that cache nothing, as in tests, allow less)
   */
  settleMs?: number;
}

/** What an erasure removed: counts and dates only, so it can be logged and printed as it is. */
export interface EraseSummary {
  anonymousIds: number;
  eventsRemoved: number;
  objectsRewritten: number;
  objectsDeleted: number;
  rejectedRemoved: number;
  journeyItemsDeleted: number;
  journeyItemsRewritten: number;
  identityLinksDeleted: number;
  /** Hour partials of the changed days, deleted (the next aggregation rebuilds them). */
  partialsDeleted: number;
  /** Site-local days whose archive partitions changed. */
  days: string[];
  /** Figure days marked for recomputation (and recomputed when they had figures). */
  recomputedDays: string[];
}

/** The identity fields of an event that tie it to a person. */
function belongsTo(event: NormalizedEvent, userId: string, anonymousIds: ReadonlySet<string>): boolean {
  return (
    event.userId === userId ||
    (event.anonymousId !== undefined && anonymousIds.has(event.anonymousId)) ||
    (event.previousId !== undefined && (event.previousId === userId || anonymousIds.has(event.previousId)))
  );
}

/** `sha256:` values (hashed PII) anywhere in an event's traits, properties and context. */
function hashedValues(value: unknown, into: Set<string>, depth = 0): void {
  if (depth > 40) return;
  if (typeof value === 'string') {
    if (value.startsWith('sha256:')) into.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) hashedValues(item, into, depth + 1);
  } else if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) hashedValues(item, into, depth + 1);
  }
}

/** Anonymous ids the collector linked to the user (reverse link items); the archive scan adds more. */
async function anonymousIdsOf(clients: StorageClients, site: string, userId: string): Promise<Set<string>> {
  const reverse = await partitionItems(clients, reverseLinkPartition(site, userId));
  return new Set(reverse.map((item) => String(item.anonymousId)));
}

interface Scan {
  eventsRemoved: number;
  objectsRewritten: number;
  objectsDeleted: number;
  days: Set<string>;
  /** messageIds removed, by the actor whose journey holds them (userId, else anonymousId). */
  removedByActor: Map<string, Set<string>>;
  hashes: Set<string>;
  /**
   * Records a day and the hashed PII met before the day's objects change: a retry after a failure
   * must still rebuild that day and scrub those hashes from rejected events.
   */
  remember(day: string, hashes: ReadonlySet<string>): Promise<void>;
}

/** Rewrites the given events/ objects without the user's events; returns newly met anonymous ids. */
async function rewriteObjects(
  clients: StorageClients,
  site: string,
  objects: readonly ListedObject[],
  userId: string,
  anonymousIds: Set<string>,
  scan: Scan,
): Promise<Set<string>> {
  const discovered = new Set<string>();
  const byDay = new Map<string, ListedObject[]>();
  for (const object of objects) {
    const day = dayOfKey(object.key) ?? '';
    byDay.set(day, [...(byDay.get(day) ?? []), object]);
  }
  // One day at a time under its lease: no aggregation compacts or reads the day while it is rewritten.
  // The day is listed again once the lease is held: a compaction between the caller's listing and the
  // lease replaced some of the listed objects.
  for (const [day, dayObjects] of byDay) {
    await withDayLeases(clients, site, [day], async () => {
      const current = day === '' ? dayObjects : await listObjects(clients, partitionPrefix(site, day));
      await rewriteDayObjects(clients, current, userId, anonymousIds, scan, discovered);
    });
  }
  return discovered;
}

async function rewriteDayObjects(
  clients: StorageClients,
  objects: readonly ListedObject[],
  userId: string,
  anonymousIds: Set<string>,
  scan: Scan,
  discovered: Set<string>,
): Promise<void> {
  for (const object of objects) {
    const { records } = parseNdjsonGzip<NormalizedEvent>(await getObjectBytes(clients, object.key));
    // Ids met alongside the user in this object count before filtering it (an identify links them).
    for (const event of records) {
      if (event.userId !== userId) continue;
      for (const id of [event.anonymousId, event.previousId]) {
        if (id !== undefined && id !== userId && !anonymousIds.has(id)) {
          anonymousIds.add(id);
          discovered.add(id);
        }
      }
    }
    const kept = records.filter((event) => !belongsTo(event, userId, anonymousIds));
    const removed = records.length - kept.length;
    if (removed === 0) continue;
    for (const event of records) {
      if (!belongsTo(event, userId, anonymousIds)) continue;
      hashedValues([event.traits, event.properties, event.context], scan.hashes);
      const actor = event.userId ?? event.anonymousId;
      if (actor !== undefined) {
        const ids = scan.removedByActor.get(actor) ?? new Set<string>();
        ids.add(event.messageId);
        scan.removedByActor.set(actor, ids);
      }
    }
    const date = dayOfKey(object.key);
    if (date) {
      scan.days.add(date);
      await scan.remember(date, scan.hashes);
    }
    scan.eventsRemoved += removed;
    if (kept.length === 0) {
      await deleteObjects(clients, [object.key]);
      scan.objectsDeleted += 1;
    } else {
      await putObjects(clients, [{ key: object.key, body: toNdjsonGzip(kept) }]);
      scan.objectsRewritten += 1;
    }
  }
}

/** Site-local days of the journey entries of these actors: where their archived events are. */
async function journeyDays(
  clients: StorageClients,
  config: SiteConfig,
  actors: Iterable<string>,
): Promise<Set<string>> {
  const days = new Set<string>();
  for (const actor of actors) {
    const entries: JourneyEntry[] = await getJourneyEntries(clients, config.site, actor);
    for (const entry of entries) days.add(localDate(entry.t, config.timezone));
  }
  return days;
}

/**
 * Archive days older than the journey items can vouch for: journey items expire
 * `journeyRetentionDays` (90 by default) after they were received, the archive keeps `retentionDays`
 * (400). Empty when a site keeps both as long. Two days of margin cover DynamoDB's TTL and late events.
 */
async function daysBeyondJourneys(clients: StorageClients, config: SiteConfig, now: Date): Promise<string[]> {
  const journeyDaysKept = journeyRetentionDaysOf(config);
  if (journeyDaysKept >= config.retentionDays) return [];
  const horizon = addDays(localDate(now.getTime(), config.timezone), -journeyDaysKept + 2);
  const days = new Set<string>();
  for (const object of await listObjects(clients, `events/site=${config.site}/`)) {
    const day = dayOfKey(object.key);
    if (day !== undefined && day < horizon) days.add(day);
  }
  return [...days].sort();
}

/** Index reads in flight: an index of a busy day is about 1 MB gzipped, 2.6 MB decoded. */
const INDEX_READS_IN_FLIGHT = 8;

/**
 * Of `days`, those whose actor index (shared/events/actor-index.ts) may hold one of `actors`, and those
 * without an index (days never aggregated since indexes exist): both must be read.
 */
async function indexedDays(
  clients: StorageClients,
  site: string,
  days: readonly string[],
  actors: ReadonlySet<string>,
): Promise<string[]> {
  const matches = await pMap(
    days,
    async (day) => {
      const index = await getActorIndex(clients, site, day);
      return !index || indexMayContain(index, actors) ? day : pMapSkip;
    },
    { concurrency: INDEX_READS_IN_FLIGHT },
  );
  return matches;
}

/** Rejected events are kept without ids, but may carry the user's ids elsewhere or their hashed PII. */
async function scrubRejected(
  clients: StorageClients,
  site: string,
  tokens: readonly string[],
): Promise<{ removed: number; rewritten: number; deleted: number }> {
  const result = { removed: 0, rewritten: 0, deleted: 0 };
  if (tokens.length === 0) return result;
  const quoted = tokens.map((token) => JSON.stringify(token));
  for (const object of await listObjects(clients, `rejected/site=${site}/`)) {
    const { records } = parseNdjsonGzip<unknown>(await getObjectBytes(clients, object.key));
    const kept = records.filter((record) => {
      const text = JSON.stringify(record);
      return !quoted.some((token) => text.includes(token));
    });
    if (kept.length === records.length) continue;
    result.removed += records.length - kept.length;
    if (kept.length === 0) {
      await deleteObjects(clients, [object.key]);
      result.deleted += 1;
    } else {
      await putObjects(clients, [{ key: object.key, body: toNdjsonGzip(kept) }]);
      result.rewritten += 1;
    }
  }
  return result;
}

/** Every journey item of the erased actors goes; other actors' items lose only the removed entries. */
async function eraseJourneys(
  clients: StorageClients,
  site: string,
  actors: ReadonlySet<string>,
  removedByActor: ReadonlyMap<string, ReadonlySet<string>>,
): Promise<{ deleted: number; rewritten: number }> {
  const result = { deleted: 0, rewritten: 0 };
  const requests: WriteRequest[] = [];
  const partitions = new Set([...actors, ...removedByActor.keys()]);
  for (const actor of partitions) {
    const items = await partitionItems(clients, keys.journey(site, actor));
    for (const item of items) {
      const key = keyOf(item);
      if (actors.has(actor)) {
        requests.push({ DeleteRequest: { Key: key } });
        result.deleted += 1;
        continue;
      }
      const removed = removedByActor.get(actor) ?? new Set<string>();
      const entries = (Array.isArray(item.entries) ? item.entries : []) as JourneyEntry[];
      const kept = entries.filter((entry) => !removed.has(entry.m));
      if (kept.length === entries.length) continue;
      if (kept.length === 0) {
        requests.push({ DeleteRequest: { Key: key } });
        result.deleted += 1;
      } else {
        requests.push({ PutRequest: { Item: { ...item, entries: kept } } });
        result.rewritten += 1;
      }
    }
  }
  await batchWrite(clients, requests);
  return result;
}

/** Forward links of the anonymous ids that point to the user, and every reverse link of the user. */
async function eraseLinks(
  clients: StorageClients,
  site: string,
  userId: string,
  anonymousIds: ReadonlySet<string>,
): Promise<number> {
  const forward = await getLinks(clients, site, anonymousIds);
  const requests: { DeleteRequest: { Key: Item } }[] = [];
  for (const link of forward.values()) {
    if (link.userId === userId) requests.push({ DeleteRequest: { Key: keys.link(site, link.anonymousId) } });
  }
  const reverse = await partitionItems(clients, reverseLinkPartition(site, userId));
  for (const item of reverse) requests.push({ DeleteRequest: { Key: keyOf(item) } });
  await batchWrite(clients, requests);
  return requests.length;
}

/**
 * Figure days whose computation reads an archive day that changed: D reads D up to the end of its
 * conversion window, so a change on day E touches D = E − window … E.
 */
function affectedFigureDays(changed: ReadonlySet<string>, config: SiteConfig): string[] {
  const reach = Math.ceil(config.conversionWindowHours / 24) + 1;
  const days = new Set<string>();
  for (const day of changed) for (let back = 0; back <= reach; back += 1) days.add(addDays(day, -back));
  return [...days].sort();
}

/**
 * One pass over the archive: rewrites every object holding the user's events (userId, or one of
 * `anonymousIds`, which grows with the ids met alongside the user) on the days the journey items and
 * actor indexes point to — or on every day (`allDays`).
 */
async function scanPass(
  clients: StorageClients,
  config: SiteConfig,
  userId: string,
  anonymousIds: Set<string>,
  scan: Scan,
  options: { allDays: boolean; now: Date },
): Promise<void> {
  const site = config.site;
  if (options.allDays) {
    // Twice: ids first met late in the archive have events in objects read before them.
    const discovered = await rewriteObjects(
      clients,
      site,
      await listObjects(clients, `events/site=${site}/`),
      userId,
      anonymousIds,
      scan,
    );
    if (discovered.size > 0) {
      const objects = await listObjects(clients, `events/site=${site}/`);
      await rewriteObjects(clients, site, objects, userId, anonymousIds, scan);
    }
    return;
  }
  // The journey items say on which days the actors' events are, the days' actor indexes where the
  // items have expired; ids met on the way add their days.
  const visited = new Set<string>();
  const oldDays = await daysBeyondJourneys(clients, config, options.now);
  let actors = new Set([userId, ...anonymousIds]);
  while (actors.size > 0) {
    const candidates = new Set([
      ...(await journeyDays(clients, config, actors)),
      ...(await indexedDays(
        clients,
        site,
        oldDays.filter((day) => !visited.has(day)),
        actors,
      )),
    ]);
    const days = [...candidates].filter((day) => !visited.has(day));
    for (const day of days) visited.add(day);
    const objects = (
      await Promise.all(days.sort().map((day) => listObjects(clients, partitionPrefix(site, day))))
    ).flat();
    actors = await rewriteObjects(clients, site, objects, userId, anonymousIds, scan);
    if (actors.size > 0) {
      // Objects already read may hold events of the newly met ids.
      const again = (
        await Promise.all([...visited].sort().map((day) => listObjects(clients, partitionPrefix(site, day))))
      ).flat();
      await rewriteObjects(clients, site, again, userId, anonymousIds, scan);
    }
  }
}

/** Ids collectors tied to the user while the job ran (refused identifies from new devices). */
async function addTiedIds(
  clients: StorageClients,
  site: string,
  userId: string,
  userKey: string,
  anonymousIds: Set<string>,
): Promise<void> {
  for (const id of await erasingIdsOfJob(clients, site, userKey)) if (id !== userId) anonymousIds.add(id);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Erases a user (api.md "Privacy"), as a job recorded in the table (erasure-jobs.ts):
 * 1. the user's ids (the user id, the anonymous ids linked to it, those a failed run met) are put
 *    where every collector refuses their events, and the erasure waits until that has taken effect;
 * 2. passes over the archive rewrite every object holding their events, until a pass meets no new id
 *    (each new id is refused first, and the pass repeated after the wait);
 * 3. rejected events, journey items, then identity links (last: a retry still finds the anonymous ids
 *    through them), partials and actor indexes of the changed days go; the days are recomputed;
 * 4. the job is done and the ids are accepted again. A failure leaves the job `failed` and the ids
 *    refused: running it again finishes the job.
 */
export async function eraseUser(
  clients: StorageClients,
  config: SiteConfig,
  userId: string,
  options: EraseOptions = {},
): Promise<EraseSummary> {
  const site = config.site;
  const now = options.now ?? new Date();
  const stored = await getSite(clients, site);
  if (!stored) throw new Error(`unknown site "${site}"`);
  const userKey = erasureUserKey(stored.piiSalt, userId);
  const job = await getErasureJob(clients, site, userKey);
  // The ids a failed run met are still refused, in the erasing items: the first pass reads them back.
  const anonymousIds = await anonymousIdsOf(clients, site, userId);
  await updateErasureJob(clients, site, userKey, {
    status: 'running',
    requestedAt: job?.requestedAt ?? now.toISOString(),
    startedAt: new Date().toISOString(),
    error: undefined,
  });
  try {
    const earlier =
      job && job.status !== 'done'
        ? { days: job.days ?? [], hashes: await erasingHashesOfJob(clients, site, userKey) }
        : undefined;
    const summary = await eraseWhileRefused(clients, config, userId, userKey, anonymousIds, {
      ...options,
      now,
      ...(earlier ? { earlier } : {}),
    });
    // Done before the ids are accepted again: whoever sees `done` finds nothing of the user, and
    // what the user sends after that is new.
    await updateErasureJob(clients, site, userKey, {
      status: 'done',
      finishedAt: new Date().toISOString(),
      summary: { ...summary },
      days: undefined,
    });
    await clearErasingIds(clients, site, userKey);
    return summary;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await updateErasureJob(clients, site, userKey, { status: 'failed', error: message.slice(0, 500) }).catch(
      () => undefined,
    );
    throw error;
  }
}

async function eraseWhileRefused(
  clients: StorageClients,
  config: SiteConfig,
  userId: string,
  userKey: string,
  anonymousIds: Set<string>,
  options: EraseOptions & { now: Date; earlier?: { days: readonly string[]; hashes: readonly string[] } },
): Promise<EraseSummary> {
  const site = config.site;
  const settleMs = options.settleMs ?? erasureSettleMsOf(clients.settings);
  const remembered = { days: new Set(options.earlier?.days), hashes: new Set(options.earlier?.hashes) };
  const scan: Scan = {
    eventsRemoved: 0,
    objectsRewritten: 0,
    objectsDeleted: 0,
    days: new Set(remembered.days),
    removedByActor: new Map(),
    hashes: new Set(remembered.hashes),
    async remember(day, hashes) {
      const knownHashes = remembered.hashes.size;
      if (!remembered.days.has(day)) {
        remembered.days.add(day);
        await updateErasureJob(clients, site, userKey, { days: [...remembered.days].sort() });
      }
      for (const hash of hashes) remembered.hashes.add(hash);
      if (remembered.hashes.size > knownHashes)
        await setErasingHashes(clients, site, userKey, [...remembered.hashes]);
    },
  };
  const removed = {
    rejected: { removed: 0, rewritten: 0, deleted: 0 },
    journeys: { deleted: 0, rewritten: 0 },
  };
  let identityLinksDeleted = 0;
  let partialsDeleted = 0;
  let computed: string[] = [];
  // Until a whole round meets no new id: ids collectors tie to the user meanwhile come back here.
  for (let known = -1; known !== anonymousIds.size; ) {
    for (;;) {
      await addTiedIds(clients, site, userId, userKey, anonymousIds);
      await setErasingIds(clients, site, userKey, [userId, ...anonymousIds]);
      await sleep(settleMs);
      const before = anonymousIds.size;
      await scanPass(clients, config, userId, anonymousIds, scan, {
        allDays: options.allDays ?? false,
        now: options.now,
      });
      await addTiedIds(clients, site, userId, userKey, anonymousIds);
      // New ids are stored as refused at the top of the next pass, before it waits and scans again.
      if (anonymousIds.size === before) break;
    }
    known = anonymousIds.size;

    const rejected = await scrubRejected(clients, site, [userId, ...anonymousIds, ...scan.hashes]);
    const actors = new Set([userId, ...anonymousIds]);
    const journeys = await eraseJourneys(clients, site, actors, scan.removedByActor);
    identityLinksDeleted += await eraseLinks(clients, site, userId, anonymousIds);
    for (const field of ['removed', 'rewritten', 'deleted'] as const)
      removed.rejected[field] += rejected[field];
    removed.journeys.deleted += journeys.deleted;
    removed.journeys.rewritten += journeys.rewritten;

    // Partials hold slimmed copies of the erased events and the user's links until rebuilt; the days'
    // actor indexes hold the ids' hashes until the recomputation below writes them again.
    for (const day of scan.days) partialsDeleted += await deletePartials(clients, site, day);
    // The days' derived records and the customer ledger hold the user's journey ids, orders and
    // responses: dropped, and rebuilt without them by the next aggregation that reads them.
    if (scan.days.size > 0) await deleteDerivedDays(clients, site, [...scan.days]);
    await deleteActorIndexes(clients, site, scan.days);
    const figureDays = affectedFigureDays(scan.days, config);
    for (const day of figureDays) await markDayForRecomputation(clients, site, day, options.now.getTime());
    computed = [];
    for (const day of figureDays) if ((await getFiguresRevision(clients, site, day)) > 0) computed.push(day);
    if (options.recompute && computed.length > 0) await options.recompute(computed);
    await addTiedIds(clients, site, userId, userKey, anonymousIds);
  }

  return {
    anonymousIds: anonymousIds.size,
    eventsRemoved: scan.eventsRemoved,
    objectsRewritten: scan.objectsRewritten + removed.rejected.rewritten,
    objectsDeleted: scan.objectsDeleted + removed.rejected.deleted,
    rejectedRemoved: removed.rejected.removed,
    journeyItemsDeleted: removed.journeys.deleted,
    journeyItemsRewritten: removed.journeys.rewritten,
    identityLinksDeleted,
    partialsDeleted,
    days: [...scan.days].sort(),
    recomputedDays: options.recompute ? computed : [],
  };
}

/**
 * Records an erasure request (api.md "Privacy"): the user's known ids are refused from now on, and the
 * job waits for a runner. A job that is already running is returned as it is.
 */
export async function requestErasure(
  clients: StorageClients,
  site: StoredSite,
  userId: string,
  now: Date,
): Promise<ErasureJob> {
  const siteId = site.config.site;
  const known = await anonymousIdsOf(clients, siteId, userId);
  return requestErasureJob(clients, siteId, erasureUserKey(site.piiSalt, userId), [userId, ...known], now);
}

/** The user's erasure job, if one was ever requested. */
export function erasureJobOf(
  clients: StorageClients,
  site: StoredSite,
  userId: string,
): Promise<ErasureJob | undefined> {
  return getErasureJob(clients, site.config.site, erasureUserKey(site.piiSalt, userId));
}
