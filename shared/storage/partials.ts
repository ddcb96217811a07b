/**
 * Hour partials in S3 (shared/metrics/partial.ts): `partials/site=<site>/dt=<day>/hh=<HH>.json.gz`, one
 * per archive partition, rewritten whenever the partition's objects change; and beside them the day's
 * link snapshot (shared/metrics/link-snapshot.ts), `partials/site=<site>/dt=<day>/links.json.gz`.
 * Derived data: losing one costs only a rebuild from the archive or a look-up.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { LINK_SNAPSHOT_FORMAT, type LinkSnapshot } from '../metrics/link-snapshot';
import { type HourPartial, PARTIAL_FORMAT } from '../metrics/partial';
import { isJsonObject } from '../metrics/properties';
import { deleteObjects, findObjectBytes, listObjects } from './archive';
import type { StorageClients } from './clients';

export function partialKeyFor(site: string, date: string, hour: string): string {
  return `partials/site=${site}/dt=${date}/hh=${hour}.json.gz`;
}

export function linkSnapshotKeyFor(site: string, date: string): string {
  return `partials/site=${site}/dt=${date}/links.json.gz`;
}

function encodeJson(value: HourPartial | LinkSnapshot): Buffer {
  return gzipSync(JSON.stringify(value), { level: 1 });
}

export function encodePartial(partial: HourPartial): Buffer {
  return encodeJson(partial);
}

function decodeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(gunzipSync(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The partial, or undefined when the bytes are not a partial of the current format. */
export function decodePartial(bytes: Uint8Array): HourPartial | undefined {
  const partial = decodeJson(bytes);
  return isJsonObject(partial) &&
    partial.format === PARTIAL_FORMAT &&
    Array.isArray(partial.events) &&
    Array.isArray(partial.actorHashes)
    ? (partial as unknown as HourPartial)
    : undefined;
}

/** The snapshot, or undefined when the bytes are not a link snapshot of the current format. */
export function decodeLinkSnapshot(bytes: Uint8Array): LinkSnapshot | undefined {
  const snapshot = decodeJson(bytes);
  return isJsonObject(snapshot) && snapshot.format === LINK_SNAPSHOT_FORMAT && Array.isArray(snapshot.entries)
    ? (snapshot as unknown as LinkSnapshot)
    : undefined;
}

async function putGzipJson(clients: StorageClients, key: string, value: HourPartial | LinkSnapshot) {
  await clients.s3.send(
    new PutObjectCommand({
      Bucket: clients.settings.bucketName,
      Key: key,
      Body: encodeJson(value),
      ContentType: 'application/json',
      ContentEncoding: 'gzip',
    }),
  );
}

export async function putPartial(clients: StorageClients, partial: HourPartial): Promise<void> {
  await putGzipJson(clients, partialKeyFor(partial.site, partial.date, partial.hour), partial);
}

/** The stored partial of a partition; undefined when there is none or it cannot be read back. */
export async function getPartial(
  clients: StorageClients,
  site: string,
  date: string,
  hour: string,
): Promise<HourPartial | undefined> {
  const bytes = await findObjectBytes(clients, partialKeyFor(site, date, hour));
  return bytes && decodePartial(bytes);
}

export async function putLinkSnapshot(clients: StorageClients, snapshot: LinkSnapshot): Promise<void> {
  await putGzipJson(clients, linkSnapshotKeyFor(snapshot.site, snapshot.date), snapshot);
}

/** The day's link snapshot; undefined when there is none or it cannot be read back. */
export async function getLinkSnapshot(
  clients: StorageClients,
  site: string,
  date: string,
): Promise<LinkSnapshot | undefined> {
  const bytes = await findObjectBytes(clients, linkSnapshotKeyFor(site, date));
  return bytes && decodeLinkSnapshot(bytes);
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

/** Drops a day's partials and link snapshot (after erasure: they hold the erased user's ids until rebuilt). */
export async function deletePartials(clients: StorageClients, site: string, date: string): Promise<number> {
  const keys = (await listObjects(clients, `partials/site=${site}/dt=${date}/`)).map((object) => object.key);
  await deleteObjects(clients, keys);
  return keys.length;
}
