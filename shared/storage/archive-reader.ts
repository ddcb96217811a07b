/** Reads a site's archived events back: the partitions of given days, gzip NDJSON, bounded concurrency. */

import pMap from 'p-map';
import type { NormalizedEvent } from '../events/types';
import { getObjectBytes, type ListedObject, listObjects, partitionPrefix } from './archive';
import { isStorageFault, type StorageClients } from './clients';
import { gunzipWhole } from './gzip';

/** Objects of the given days' partitions (all hours), in key order per day. */
export async function listDayObjects(
  clients: StorageClients,
  site: string,
  dates: readonly string[],
): Promise<ListedObject[]> {
  const perDay = await Promise.all(dates.map((date) => listObjects(clients, partitionPrefix(site, date))));
  return perDay.flat();
}

/** Lines of one gzip NDJSON object, parsed; a line that does not parse is skipped and counted. */
export function parseNdjsonGzip<T>(bytes: Uint8Array): { records: T[]; unreadable: number } {
  const text = gunzipWhole(bytes).toString('utf8');
  const records: T[] = [];
  let unreadable = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end > start) {
      try {
        records.push(JSON.parse(text.slice(start, end)) as T);
      } catch {
        unreadable += 1;
      }
    }
    start = end + 1;
  }
  return { records, unreadable };
}

export interface ReadProgress {
  objectsRead: number;
  objectsTotal: number;
  events: number;
}

/**
 * Reads objects with at most `concurrency` requests in flight and hands each object's events to
 * `onObject` in key order, so callers can reduce as they go instead of holding raw lines.
 */
export async function readObjects(
  clients: StorageClients,
  objects: readonly ListedObject[],
  onObject: (events: NormalizedEvent[], object: ListedObject, compressed: Uint8Array) => void,
  options: { concurrency?: number; onProgress?: (progress: ReadProgress) => void } = {},
): Promise<{ events: number; unreadable: number }> {
  const concurrency = options.concurrency ?? 8;
  const pending = new Map<number, { events: NormalizedEvent[]; compressed: Uint8Array }>();
  let nextToDeliver = 0;
  let events = 0;
  let unreadable = 0;
  const deliver = () => {
    for (let ready = pending.get(nextToDeliver); ready; ready = pending.get(nextToDeliver)) {
      pending.delete(nextToDeliver);
      const object = objects[nextToDeliver];
      if (object) onObject(ready.events, object, ready.compressed);
      nextToDeliver += 1;
      options.onProgress?.({ objectsRead: nextToDeliver, objectsTotal: objects.length, events });
    }
  };
  await pMap(
    objects,
    async (object, index) => {
      const compressed = await getWithRetries(clients, object.key);
      const parsed = parseNdjsonGzip<NormalizedEvent>(compressed);
      events += parsed.records.length;
      unreadable += parsed.unreadable;
      pending.set(index, { events: parsed.records, compressed });
      deliver();
    },
    { concurrency },
  );
  return { events, unreadable };
}

/** S3 answers the odd 500 under load; a day's aggregation should not fail for one of them. */
async function getWithRetries(clients: StorageClients, key: string, attempts = 5): Promise<Uint8Array> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await getObjectBytes(clients, key);
    } catch (error) {
      if (attempt >= attempts || !isStorageFault(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}

export interface RejectedCount {
  reason: string;
}

/** Ingest rejections received on a site-local day, by reason (quality.rejected). */
export async function countRejected(
  clients: StorageClients,
  site: string,
  date: string,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const objects = await listObjects(clients, `rejected/site=${site}/dt=${date}/`);
  for (const object of objects) {
    const { records } = parseNdjsonGzip<RejectedCount>(await getObjectBytes(clients, object.key));
    for (const record of records) counts[record.reason] = (counts[record.reason] ?? 0) + 1;
  }
  return counts;
}
