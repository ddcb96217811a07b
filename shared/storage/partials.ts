/**
 * Hour partials in S3 (shared/metrics/partial.ts): `partials/site=<site>/dt=<day>/hh=<HH>.json.gz`, one
 * per archive partition, rewritten whenever the partition's objects change; and beside them the day's
 * link snapshot (shared/metrics/link-snapshot.ts), `partials/site=<site>/dt=<day>/links.json.gz`, and
 * each partial's copies digest (shared/metrics/dedup.ts), `partials/site=<site>/dt=<day>/hh=<HH>.copies.bin`,
 * what the next day's de-duplication reads of it.
 * Derived data: losing one costs only a rebuild from the archive or a look-up.
 */
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { LINK_SNAPSHOT_FORMAT, type LinkSnapshot } from '../metrics/link-snapshot';
import { type HourPartial, isCurrent, PARTIAL_FORMAT, type PartialSource } from '../metrics/partial';
import { isJsonObject } from '../metrics/properties';
import { deleteObjects, findObjectBytes, listObjects } from './archive';
import type { StorageClients } from './clients';
import { gunzipWhole } from './gzip';

export function partialKeyFor(site: string, date: string, hour: string): string {
  return `partials/site=${site}/dt=${date}/hh=${hour}.json.gz`;
}

export function copiesDigestKeyFor(site: string, date: string, hour: string): string {
  return `partials/site=${site}/dt=${date}/hh=${hour}.copies.bin`;
}

/** Where a compaction in progress records what it merges (shared/app/aggregate/compact.ts). */
export function compactionManifestKeyFor(site: string, date: string, hour: string): string {
  return `partials/site=${site}/dt=${date}/hh=${hour}.compaction.json`;
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
    return JSON.parse(gunzipWhole(bytes).toString('utf8'));
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

/** A partition's copies digest with the archive objects it was built from (current while they are). */
export interface StoredCopiesDigest {
  sources: PartialSource[];
  digest: Float64Array;
}

const COPIES_MAGIC = 'RXC1';

/** `RXC1`, the header's length (uint32 LE), the header (JSON: format, sources), padding to 8, the pairs. */
export function encodeCopiesDigest(stored: StoredCopiesDigest): Buffer {
  const header = Buffer.from(JSON.stringify({ format: PARTIAL_FORMAT, sources: stored.sources }), 'utf8');
  const headerEnd = 8 + header.length;
  const pairsStart = Math.ceil(headerEnd / 8) * 8;
  const bytes = Buffer.alloc(pairsStart + stored.digest.byteLength);
  bytes.write(COPIES_MAGIC, 0, 'latin1');
  bytes.writeUInt32LE(header.length, 4);
  header.copy(bytes, 8);
  Buffer.from(stored.digest.buffer, stored.digest.byteOffset, stored.digest.byteLength).copy(
    bytes,
    pairsStart,
  );
  return bytes;
}

export function decodeCopiesDigest(bytes: Uint8Array): StoredCopiesDigest | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 8 || buffer.toString('latin1', 0, 4) !== COPIES_MAGIC) return undefined;
  const headerEnd = 8 + buffer.readUInt32LE(4);
  const pairsStart = Math.ceil(headerEnd / 8) * 8;
  if (headerEnd > buffer.length || (buffer.length - pairsStart) % 16 !== 0) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(buffer.toString('utf8', 8, headerEnd));
  } catch {
    return undefined;
  }
  if (!isJsonObject(header) || header.format !== PARTIAL_FORMAT || !Array.isArray(header.sources))
    return undefined;
  // A copy: the pairs must be 8-byte aligned, which the slice of a pooled buffer need not be.
  const digest = new Float64Array((buffer.length - pairsStart) / 8);
  Buffer.from(digest.buffer).set(buffer.subarray(pairsStart));
  return { sources: header.sources as PartialSource[], digest };
}

export async function putCopiesDigest(
  clients: StorageClients,
  partial: Pick<HourPartial, 'site' | 'date' | 'hour'>,
  stored: StoredCopiesDigest,
): Promise<void> {
  await clients.s3.send(
    new PutObjectCommand({
      Bucket: clients.settings.bucketName,
      Key: copiesDigestKeyFor(partial.site, partial.date, partial.hour),
      Body: encodeCopiesDigest(stored),
      ContentType: 'application/octet-stream',
    }),
  );
}

/** The partition's stored copies digest; undefined when there is none or it cannot be read back. */
export async function getCopiesDigest(
  clients: StorageClients,
  site: string,
  date: string,
  hour: string,
): Promise<StoredCopiesDigest | undefined> {
  const bytes = await findObjectBytes(clients, copiesDigestKeyFor(site, date, hour));
  return bytes && decodeCopiesDigest(bytes);
}

/** The partition's copies digest when one is stored and still describes `current` (its objects now). */
export async function getCurrentCopiesDigest(
  clients: StorageClients,
  site: string,
  date: string,
  hour: string,
  current: readonly PartialSource[],
): Promise<Float64Array | undefined> {
  const stored = await getCopiesDigest(clients, site, date, hour);
  return stored && isCurrent({ format: PARTIAL_FORMAT, sources: stored.sources }, current)
    ? stored.digest
    : undefined;
}
