/**
 * Compaction of settled hour partitions: the collector writes one small object per request, and every
 * hourly run would read them all again. Gzip members concatenate into a valid gzip stream, so a
 * partition's objects become one without recompressing; the originals are then deleted.
 *
 * Crash-safe: a manifest naming the merged object and its sources is written first and deleted last.
 * A run that dies between writing the merged object and deleting the sources leaves the manifest, and
 * the next build of the partition finishes the job (`finishInterruptedCompaction`) instead of reading
 * every event twice. Runs of one day never overlap (shared/storage/leases.ts).
 */
import { createHash } from 'node:crypto';
import {
  deleteObject,
  deleteObjects,
  getJson,
  type ListedObject,
  putJson,
  putObjects,
} from '../../storage/archive';
import type { StorageClients } from '../../storage/clients';
import { compactionManifestKeyFor } from '../../storage/partials';
import { localDateHour } from '../../time';

/** Partitions this far in the past are settled enough: late events make a small new object, merged next time. */
export const SETTLE_AFTER_MS = 2 * 3_600_000;
/** Compacted objects stay at most this large (compressed). */
const MAX_COMPACTED_BYTES = 64 * 1024 * 1024;

export interface ReadObject {
  key: string;
  compressed: Uint8Array;
}

/** `events/site=S/dt=D/hh=H/` of an archive key. */
function partitionOf(key: string): { prefix: string; site: string; date: string; hour: string } | undefined {
  const match = /^(events\/site=([^/]+)\/dt=(\d{4}-\d{2}-\d{2})\/hh=(\d{2})\/)[^/]+$/.exec(key);
  if (!match?.[1] || !match[2] || !match[3] || !match[4]) return undefined;
  return { prefix: match[1], site: match[2], date: match[3], hour: match[4] };
}

interface CompactionManifest {
  merged: string;
  sources: string[];
}

function manifestKeyOf(partition: { site: string; date: string; hour: string }): string {
  return compactionManifestKeyFor(partition.site, partition.date, partition.hour);
}

/**
 * Finishes a compaction of this partition that a crash interrupted: when its merged object exists, the
 * sources it holds are deleted (they would count every event twice); otherwise nothing was merged.
 * Returns the partition's objects as they are afterwards.
 */
export async function finishInterruptedCompaction(
  clients: StorageClients,
  partition: { site: string; date: string; hour: string },
  objects: readonly ListedObject[],
): Promise<ListedObject[]> {
  // A crash leaves a merged object beside others: without both there is nothing to finish.
  if (objects.length < 2 || !objects.some((object) => /\/compacted-[^/]+$/.test(object.key)))
    return [...objects];
  const manifestKey = manifestKeyOf(partition);
  const manifest = await getJson<CompactionManifest>(clients, manifestKey);
  if (!manifest) return [...objects];
  let remaining = [...objects];
  if (objects.some((object) => object.key === manifest.merged)) {
    const merged = new Set(manifest.sources.filter((key) => key !== manifest.merged));
    await deleteObjects(
      clients,
      objects.filter((object) => merged.has(object.key)).map((object) => object.key),
    );
    remaining = objects.filter((object) => !merged.has(object.key));
  }
  await deleteObject(clients, manifestKey);
  return remaining;
}

/** Partitions worth merging: settled, more than one object, not too large together. */
export function compactionPlan(
  objects: readonly ReadObject[],
  timeZone: string,
  nowMs: number,
): ReadObject[][] {
  const settled = localDateHour(nowMs - SETTLE_AFTER_MS, timeZone);
  const settledLabel = `${settled.date}T${settled.hour}`;
  const byPartition = new Map<string, ReadObject[]>();
  for (const object of objects) {
    const partition = partitionOf(object.key);
    if (!partition || `${partition.date}T${partition.hour}` >= settledLabel) continue;
    const group = byPartition.get(partition.prefix);
    if (group) group.push(object);
    else byPartition.set(partition.prefix, [object]);
  }
  return [...byPartition.values()].filter(
    (group) =>
      group.length > 1 && group.reduce((sum, o) => sum + o.compressed.length, 0) <= MAX_COMPACTED_BYTES,
  );
}

export interface CompactionSummary {
  partitions: number;
  objectsMerged: number;
}

/**
 * Merges one partition's objects (key order) into one and deletes them; the merged object is written
 * before anything is deleted, so a failure never loses events. Returns the merged object.
 */
export async function compactPartition(
  clients: StorageClients,
  group: readonly ReadObject[],
): Promise<{ key: string; size: number } | undefined> {
  const sorted = [...group].sort((a, b) => (a.key < b.key ? -1 : 1));
  const first = sorted[0];
  const partition = first ? partitionOf(first.key) : undefined;
  if (!partition) return undefined;
  const digest = createHash('sha256');
  for (const object of sorted) digest.update(object.key).update('\n');
  const key = `${partition.prefix}compacted-${digest.digest('hex').slice(0, 40)}.ndjson.gz`;
  const body = Buffer.concat(sorted.map((object) => object.compressed));
  const sources = sorted.map((object) => object.key).filter((k) => k !== key);
  const manifest: CompactionManifest = { merged: key, sources };
  await putJson(clients, manifestKeyOf(partition), manifest);
  await putObjects(clients, [{ key, body }]);
  await deleteObjects(clients, sources);
  await deleteObject(clients, manifestKeyOf(partition));
  return { key, size: body.length };
}
