/**
 * Derived day records in S3 (shared/metrics/derived.ts), beside the day's partials so that whatever
 * drops a day's partials (erasure) drops them too:
 * - `partials/site=<site>/dt=<day>/ledger.json.gz` — the day's orders and NPS responses with the
 *   digests that say what the record was built from; small, read for every day of the site;
 * - `partials/site=<site>/dt=<day>/sessions.json.gz` — its sessions and journey activity; read for the
 *   days of an exposure window only.
 * The sessions object is written first: a ledger object names the sessions build it belongs to, so a
 * run interrupted between the two writes, or two runs crossing, are seen as stale and rebuilt.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { ListObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  DERIVED_FORMAT,
  type JourneyActivity,
  type LedgerOrder,
  type LedgerResponse,
  type OutcomeSession,
} from '../metrics/derived';
import { isJsonObject } from '../metrics/properties';
import { findObjectBytes } from './archive';
import type { StorageClients } from './clients';

export interface StoredLedgerPart {
  format: typeof DERIVED_FORMAT;
  site: string;
  date: string;
  lookbackDays: number;
  /** Identifies the sessions object written with it. */
  build: string;
  /** Digest of the day's `activity` (what later days' lookback reads). */
  activityDigest: string;
  /** Digest of the lookback days' activity digests this record's covariates were computed from. */
  lookbackDigest: string;
  /** Digest of `orders` and `responses`. */
  ledgerDigest: string;
  orders: LedgerOrder[];
  responses: LedgerResponse[];
}

export interface StoredSessionsPart {
  format: typeof DERIVED_FORMAT;
  site: string;
  date: string;
  build: string;
  sessions: OutcomeSession[];
  activity: JourneyActivity[];
}

export function ledgerPartKeyFor(site: string, date: string): string {
  return `partials/site=${site}/dt=${date}/ledger.json.gz`;
}

export function sessionsPartKeyFor(site: string, date: string): string {
  return `partials/site=${site}/dt=${date}/sessions.json.gz`;
}

async function putGzip(clients: StorageClients, key: string, value: unknown): Promise<number> {
  const body = gzipSync(JSON.stringify(value), { level: 1 });
  await clients.s3.send(
    new PutObjectCommand({
      Bucket: clients.settings.bucketName,
      Key: key,
      Body: body,
      ContentType: 'application/json',
      ContentEncoding: 'gzip',
    }),
  );
  return body.length;
}

async function getGzip(clients: StorageClients, key: string): Promise<Record<string, unknown> | undefined> {
  const bytes = await findObjectBytes(clients, key);
  if (!bytes) return undefined;
  try {
    const value: unknown = JSON.parse(gunzipSync(bytes).toString('utf8'));
    return isJsonObject(value) && value.format === DERIVED_FORMAT ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Writes both parts, sessions first; the bytes written (compressed). */
export async function putDerivedParts(
  clients: StorageClients,
  ledger: StoredLedgerPart,
  sessions: StoredSessionsPart,
): Promise<number> {
  const sessionBytes = await putGzip(clients, sessionsPartKeyFor(sessions.site, sessions.date), sessions);
  return sessionBytes + (await putGzip(clients, ledgerPartKeyFor(ledger.site, ledger.date), ledger));
}

/** The day's ledger part; undefined when there is none, or it is of another format or unreadable. */
export async function getLedgerPart(
  clients: StorageClients,
  site: string,
  date: string,
): Promise<StoredLedgerPart | undefined> {
  const value = await getGzip(clients, ledgerPartKeyFor(site, date));
  return value && Array.isArray(value.orders) && Array.isArray(value.responses)
    ? (value as unknown as StoredLedgerPart)
    : undefined;
}

export async function getSessionsPart(
  clients: StorageClients,
  site: string,
  date: string,
): Promise<StoredSessionsPart | undefined> {
  const value = await getGzip(clients, sessionsPartKeyFor(site, date));
  return value && Array.isArray(value.sessions) && Array.isArray(value.activity)
    ? (value as unknown as StoredSessionsPart)
    : undefined;
}

/** The site-local days that hold archived events (one `dt=` prefix each), ascending. */
export async function listArchiveDays(clients: StorageClients, site: string): Promise<string[]> {
  const prefix = `events/site=${site}/`;
  const days: string[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await clients.s3.send(
      new ListObjectsCommand({
        Bucket: clients.settings.bucketName,
        Prefix: prefix,
        Delimiter: '/',
        Marker: marker,
      }),
    );
    for (const common of page.CommonPrefixes ?? []) {
      const day = /dt=(\d{4}-\d{2}-\d{2})\/$/.exec(common.Prefix ?? '')?.[1];
      if (day) days.push(day);
    }
    const last = page.NextMarker ?? page.CommonPrefixes?.at(-1)?.Prefix;
    if (!page.IsTruncated || !last) break;
    marker = last;
  }
  return [...new Set(days)].sort();
}
