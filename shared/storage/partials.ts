/**
 * Hour partials in S3 (shared/metrics/partial.ts): `partials/site=<site>/dt=<day>/hh=<HH>.json.gz`, one
 * per archive partition, rewritten whenever the partition's objects change. Derived data: losing one
 * costs only a rebuild from the archive.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, NoSuchKey, PutObjectCommand } from '@aws-sdk/client-s3';
import { type HourPartial, PARTIAL_FORMAT } from '../metrics/partial';
import { deleteObjects, listObjects } from './archive';
import type { StorageClients } from './clients';

export function partialKeyFor(site: string, date: string, hour: string): string {
  return `partials/site=${site}/dt=${date}/hh=${hour}.json.gz`;
}

export function encodePartial(partial: HourPartial): Buffer {
  return gzipSync(JSON.stringify(partial), { level: 1 });
}

/** The partial, or undefined when the bytes are not a partial of the current format. */
export function decodePartial(bytes: Uint8Array): HourPartial | undefined {
  try {
    const partial = JSON.parse(gunzipSync(bytes).toString('utf8')) as HourPartial;
    return partial.format === PARTIAL_FORMAT && Array.isArray(partial.events) ? partial : undefined;
  } catch {
    return undefined;
  }
}

export async function putPartial(clients: StorageClients, partial: HourPartial): Promise<void> {
  await clients.s3.send(
    new PutObjectCommand({
      Bucket: clients.settings.bucketName,
      Key: partialKeyFor(partial.site, partial.date, partial.hour),
      Body: encodePartial(partial),
      ContentType: 'application/json',
      ContentEncoding: 'gzip',
    }),
  );
}

/** The stored partial of a partition; undefined when there is none or it cannot be read back. */
export async function getPartial(
  clients: StorageClients,
  site: string,
  date: string,
  hour: string,
): Promise<HourPartial | undefined> {
  try {
    const response = await clients.s3.send(
      new GetObjectCommand({ Bucket: clients.settings.bucketName, Key: partialKeyFor(site, date, hour) }),
    );
    if (!response.Body) return undefined;
    return decodePartial(await response.Body.transformToByteArray());
  } catch (error) {
    if (error instanceof NoSuchKey) return undefined;
    throw error;
  }
}

/** Hours of a day that have a stored partial. */
export async function listPartialHours(
  clients: StorageClients,
  site: string,
  date: string,
): Promise<Set<string>> {
  const hours = new Set<string>();
  for (const object of await listObjects(clients, `partials/site=${site}/dt=${date}/`)) {
    const hour = /\/hh=(\d{2})\.json\.gz$/.exec(object.key)?.[1];
    if (hour) hours.add(hour);
  }
  return hours;
}

/** Drops a day's partials (after erasure: they hold the erased user's ids until rebuilt). */
export async function deletePartials(clients: StorageClients, site: string, date: string): Promise<number> {
  const keys = (await listObjects(clients, `partials/site=${site}/dt=${date}/`)).map((object) => object.key);
  await deleteObjects(clients, keys);
  return keys.length;
}
