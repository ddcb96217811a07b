/**
 * Day actor indexes in S3 (shared/events/actor-index.ts): `indexes/site=<site>/dt=<day>/actors.bin.gz`,
 * written by the aggregator each time it computes the day, kept as long as the day's events
 * (retention.ts, the bucket's lifecycle), read by erasure for days older than the journey items.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { decodeActorIndex, encodeActorIndex } from '../events/actor-index';
import { deleteObjects, findObjectBytes, putObjects } from './archive';
import type { StorageClients } from './clients';

export const ACTOR_INDEX_ROOT = 'indexes';

export function actorIndexKey(site: string, date: string): string {
  return `${ACTOR_INDEX_ROOT}/site=${site}/dt=${date}/actors.bin.gz`;
}

export async function putActorIndex(
  clients: StorageClients,
  site: string,
  date: string,
  sortedHashes: Uint32Array,
): Promise<void> {
  const body = gzipSync(encodeActorIndex(sortedHashes));
  await putObjects(clients, [
    { key: actorIndexKey(site, date), body, contentType: 'application/octet-stream' },
  ]);
}

/** The day's sorted actor hashes; undefined when the day has no index (or an unreadable one). */
export async function getActorIndex(
  clients: StorageClients,
  site: string,
  date: string,
): Promise<Uint32Array | undefined> {
  const bytes = await findObjectBytes(clients, actorIndexKey(site, date));
  if (!bytes) return undefined;
  try {
    return decodeActorIndex(gunzipSync(bytes));
  } catch {
    // Treated as missing: erasure then reads the whole day, which is slower but never misses a user.
    return undefined;
  }
}

export async function deleteActorIndexes(
  clients: StorageClients,
  site: string,
  dates: Iterable<string>,
): Promise<void> {
  await deleteObjects(
    clients,
    [...dates].map((date) => actorIndexKey(site, date)),
  );
}
