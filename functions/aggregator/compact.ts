/**
 * Compaction of settled hour partitions: the collector writes one small object per request, and every
 * hourly run would read them all again. Gzip members concatenate into a valid gzip stream, so a
 * partition's objects become one without recompressing; the originals are then deleted.
 */
import { createHash } from 'node:crypto';
import { deleteObjects, putObjects } from '../../shared/storage/archive';
import type { StorageClients } from '../../shared/storage/clients';
import { localDateHour } from '../../shared/time';

/** Partitions this far in the past are settled enough: late events make a small new object, merged next time. */
export const SETTLE_AFTER_MS = 2 * 3_600_000;
/** Compacted objects stay at most this large (compressed). */
const MAX_COMPACTED_BYTES = 64 * 1024 * 1024;

export interface ReadObject {
  key: string;
  compressed: Uint8Array;
}

/** `events/site=S/dt=D/hh=H/` of an archive key. */
function partitionOf(key: string): { prefix: string; date: string; hour: string } | undefined {
  const match = /^(events\/site=[^/]+\/dt=(\d{4}-\d{2}-\d{2})\/hh=(\d{2})\/)[^/]+$/.exec(key);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { prefix: match[1], date: match[2], hour: match[3] };
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
  await putObjects(clients, [{ key, body }]);
  await deleteObjects(
    clients,
    sorted.map((object) => object.key).filter((k) => k !== key),
  );
  return { key, size: body.length };
}
