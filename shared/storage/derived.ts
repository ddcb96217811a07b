/**
 * Derived day records in S3 (shared/metrics/derived.ts):
 * - `derived/site=<site>/dt=<day>/ledger.json.gz` — the day's orders and NPS responses with the
 *   digests that say what the record was built from; small, read for every day of the site;
 * - `derived/site=<site>/dt=<day>/sessions.columns.gz` — its sessions; read for the days of an
 *   exposure window only;
 * - `derived/site=<site>/dt=<day>/activity.columns.gz` — its journeys' activity; read by the lookback
 *   of the days after it;
 * - `derived/site=<site>/dt=<day>/outcomes-prefix.columns.gz` — the folded exposure days of that day's
 *   `outcomes` window (shared/metrics/outcomes-window.ts), with the digest of what it was folded from:
 *   a cache the day's later runs start from, dropped with any erasure;
 * - `derived/site=<site>/dt=<day>/lookback.columns.gz` — what the lookback covariates of that day's
 *   sessions read of the days before it (shared/metrics/lookback.ts), with the digest of the activity it
 *   was summarised from: a cache like the prefix, and dropped like it;
 * - `derived/site=<site>/ledger.columns.gz` — the customer ledger: every day's ledger part in one object,
 *   each with the ETag of the part it copies, so a run reads one object and one listing instead of one
 *   object per day; parts whose ETag changed are read again.
 * The `.columns.gz` objects are gzipped columnar records (columnar.ts): read in every hourly run,
 * and what JSON cost there was parsing millions of numbers. The sessions object is written first: a ledger part names the sessions build it belongs to. Erasure
 * and retention remove a day's parts with the day (and the customer ledger with any of them).
 */
import { gzipSync } from 'node:zlib';
import { ListObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DERIVED_FORMAT, type LedgerOrder, type LedgerResponse } from '../metrics/derived';
import type { LedgerBase } from '../metrics/ledger-base';
import type { LookbackSummary } from '../metrics/lookback';
import type { OutcomesPrefix } from '../metrics/outcomes-window';
import { isJsonObject } from '../metrics/properties';
import type { ActivityColumns, NumberColumn, SessionColumns } from '../metrics/session-columns';
import { deleteObjects, findObjectBytes, listObjects } from './archive';
import type { StorageClients } from './clients';
import { decodeColumnar, encodeColumnar } from './columnar';
import { gunzipWhole } from './gzip';

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
  /** As columns (shared/metrics/session-columns.ts): compact to store and quick to read. */
  sessions: SessionColumns;
  activity: ActivityColumns;
}

type Stored<T> = Omit<StoredSessionsPart, 'sessions' | 'activity'> & T;

export const DERIVED_ROOT = 'derived';

export function ledgerPartKeyFor(site: string, date: string): string {
  return `${DERIVED_ROOT}/site=${site}/dt=${date}/ledger.json.gz`;
}

export function sessionsPartKeyFor(site: string, date: string): string {
  return `${DERIVED_ROOT}/site=${site}/dt=${date}/sessions.columns.gz`;
}

export function activityPartKeyFor(site: string, date: string): string {
  return `${DERIVED_ROOT}/site=${site}/dt=${date}/activity.columns.gz`;
}

const OUTCOMES_PREFIX_NAME = 'outcomes-prefix.columns.gz';

export function outcomesPrefixKeyFor(site: string, date: string): string {
  return `${DERIVED_ROOT}/site=${site}/dt=${date}/${OUTCOMES_PREFIX_NAME}`;
}

export function lookbackSummaryKeyFor(site: string, date: string): string {
  return `${DERIVED_ROOT}/site=${site}/dt=${date}/lookback.columns.gz`;
}

export function customerLedgerKeyFor(site: string): string {
  return `${DERIVED_ROOT}/site=${site}/ledger.columns.gz`;
}

export function ledgerIndexKeyFor(site: string): string {
  return `${DERIVED_ROOT}/site=${site}/ledger-index.json.gz`;
}

export function ledgerBaseKeyFor(site: string, date: string): string {
  return `${DERIVED_ROOT}/site=${site}/dt=${date}/ledger-base.columns.gz`;
}

/** Where the customer ledger was kept as JSON (DERIVED_FORMAT ≤ 5): dropped with it. */
export function legacyCustomerLedgerKeysFor(site: string): string[] {
  return [`${DERIVED_ROOT}/site=${site}/ledger.json.gz`];
}

/** The site's customer ledger objects: the ledger, its index and where it was kept before. */
export function siteLedgerKeysFor(site: string): string[] {
  return [customerLedgerKeyFor(site), ledgerIndexKeyFor(site), ...legacyCustomerLedgerKeysFor(site)];
}

type Encoding = 'json' | 'columnar';

async function putGzip(
  clients: StorageClients,
  key: string,
  value: unknown,
  encoding: Encoding = 'json',
): Promise<{ bytes: number; etag: string }> {
  const body = gzipSync(encoding === 'json' ? JSON.stringify(value) : encodeColumnar(value), { level: 1 });
  const response = await clients.s3.send(
    new PutObjectCommand({
      Bucket: clients.settings.bucketName,
      Key: key,
      Body: body,
      ContentType: encoding === 'json' ? 'application/json' : 'application/octet-stream',
      ContentEncoding: 'gzip',
    }),
  );
  return { bytes: body.length, etag: response.ETag ?? '' };
}

/** The stored record; undefined when there is none, or it is unreadable or of another format. */
async function getGzip(
  clients: StorageClients,
  key: string,
  encoding: Encoding = 'json',
): Promise<Record<string, unknown> | undefined> {
  const bytes = await findObjectBytes(clients, key);
  if (!bytes) return undefined;
  try {
    const raw = gunzipWhole(bytes);
    const value: unknown = encoding === 'json' ? JSON.parse(raw.toString('utf8')) : decodeColumnar(raw);
    return isJsonObject(value) && value.format === DERIVED_FORMAT ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Writes both parts, sessions first: the bytes written (compressed) and the ledger part's ETag. */
export async function putDerivedParts(
  clients: StorageClients,
  ledger: StoredLedgerPart,
  sessions: StoredSessionsPart,
): Promise<{ bytes: number; ledgerEtag: string }> {
  const { sessions: sessionColumns, activity, ...header } = sessions;
  const [written, activityWritten] = await Promise.all([
    putGzip(
      clients,
      sessionsPartKeyFor(sessions.site, sessions.date),
      { ...header, sessions: sessionColumns },
      'columnar',
    ),
    putGzip(clients, activityPartKeyFor(sessions.site, sessions.date), { ...header, activity }, 'columnar'),
  ]);
  const part = await putGzip(clients, ledgerPartKeyFor(ledger.site, ledger.date), ledger);
  return { bytes: written.bytes + activityWritten.bytes + part.bytes, ledgerEtag: part.etag };
}

/** The ETag of every stored ledger part of the site, by day (one listing). */
export async function listLedgerParts(clients: StorageClients, site: string): Promise<Map<string, string>> {
  const parts = new Map<string, string>();
  let marker: string | undefined;
  for (;;) {
    const page = await clients.s3.send(
      new ListObjectsCommand({
        Bucket: clients.settings.bucketName,
        Prefix: `${DERIVED_ROOT}/site=${site}/dt=`,
        Marker: marker,
      }),
    );
    for (const item of page.Contents ?? []) {
      const day = /\/dt=(\d{4}-\d{2}-\d{2})\/ledger\.json\.gz$/.exec(item.Key ?? '')?.[1];
      if (day) parts.set(day, item.ETag ?? '');
    }
    const last = page.Contents?.at(-1)?.Key;
    if (!page.IsTruncated || !last) break;
    marker = last;
  }
  return parts;
}

export interface CustomerLedgerObject {
  format: typeof DERIVED_FORMAT;
  site: string;
  parts: (StoredLedgerPart & { etag: string })[];
}

/** A part's orders and responses as columns: the ledger holds every order of the site. */
interface PackedLedger {
  orderId: (string | null)[];
  orderJourney: string[];
  orderTime: NumberColumn;
  orderValue: NumberColumn;
  responseJourney: string[];
  responseTime: NumberColumn;
  responseScore: NumberColumn;
}

function packLedger(part: Pick<StoredLedgerPart, 'orders' | 'responses'>): PackedLedger {
  return {
    orderId: part.orders.map((order) => order.orderId ?? null),
    orderJourney: part.orders.map((order) => order.journeyId),
    orderTime: part.orders.map((order) => order.time),
    orderValue: part.orders.map((order) => order.value),
    responseJourney: part.responses.map((response) => response.journeyId),
    responseTime: part.responses.map((response) => response.time),
    responseScore: part.responses.map((response) => response.score),
  };
}

function unpackLedger(packed: PackedLedger): Pick<StoredLedgerPart, 'orders' | 'responses'> {
  const orders: LedgerOrder[] = [];
  for (let i = 0; i < packed.orderJourney.length; i += 1) {
    const orderId = packed.orderId[i];
    const order = {
      journeyId: packed.orderJourney[i] ?? '',
      time: packed.orderTime[i] ?? 0,
      value: packed.orderValue[i] ?? 0,
    };
    orders.push(orderId === null || orderId === undefined ? order : { orderId, ...order });
  }
  const responses: LedgerResponse[] = [];
  for (let i = 0; i < packed.responseJourney.length; i += 1)
    responses.push({
      journeyId: packed.responseJourney[i] ?? '',
      time: packed.responseTime[i] ?? 0,
      score: packed.responseScore[i] ?? 0,
    });
  return { orders, responses };
}

type PackedPart = Omit<StoredLedgerPart, 'orders' | 'responses'> & { etag: string; ledger: PackedLedger };

export async function getCustomerLedger(
  clients: StorageClients,
  site: string,
): Promise<CustomerLedgerObject | undefined> {
  const value = await getGzip(clients, customerLedgerKeyFor(site), 'columnar');
  if (!value || !Array.isArray(value.parts)) return undefined;
  const parts = (value.parts as PackedPart[]).map(({ ledger, ...part }) => ({
    ...part,
    ...unpackLedger(ledger),
  }));
  return { format: DERIVED_FORMAT, site, parts };
}

/**
 * Stores the customer ledger, its orders and responses as columns, then its index: the parts without
 * their orders, which is all a run reads of it while the parts are current and the day's ledger base
 * (`getLedgerBase`) is stored.
 */
export async function putCustomerLedger(
  clients: StorageClients,
  ledger: CustomerLedgerObject,
): Promise<number> {
  const parts: PackedPart[] = ledger.parts.map(({ orders, responses, ...part }) => ({
    ...part,
    ledger: packLedger({ orders, responses }),
  }));
  const written = await putGzip(clients, customerLedgerKeyFor(ledger.site), { ...ledger, parts }, 'columnar');
  await putLedgerIndex(clients, ledger);
  return written.bytes;
}

/** Stores the index of the customer ledger `ledger` (stored as it is). */
export async function putLedgerIndex(clients: StorageClients, ledger: CustomerLedgerObject): Promise<void> {
  const index: LedgerIndex = {
    format: DERIVED_FORMAT,
    site: ledger.site,
    parts: ledger.parts.map(({ orders, responses, ...header }) => header),
  };
  await putGzip(clients, ledgerIndexKeyFor(ledger.site), index);
}

/** A ledger part without its orders and responses: what says whether it is current. */
export type LedgerPartHeader = Omit<StoredLedgerPart, 'orders' | 'responses'>;

export interface LedgerIndex {
  format: typeof DERIVED_FORMAT;
  site: string;
  parts: (LedgerPartHeader & { etag: string })[];
}

/** The index of the customer ledger (`putCustomerLedger`); undefined when there is none or it is unreadable. */
export async function getLedgerIndex(
  clients: StorageClients,
  site: string,
): Promise<LedgerIndex | undefined> {
  const value = await getGzip(clients, ledgerIndexKeyFor(site));
  return value && Array.isArray(value.parts) ? (value as unknown as LedgerIndex) : undefined;
}

export interface StoredLedgerBase {
  format: typeof DERIVED_FORMAT;
  site: string;
  date: string;
  /** What it was merged from (shared/app/aggregate/across-days.ts `ledgerBaseDigestOf`). */
  digest: string;
  base: LedgerBase;
}

export async function putLedgerBase(clients: StorageClients, stored: StoredLedgerBase): Promise<void> {
  await putGzip(clients, ledgerBaseKeyFor(stored.site, stored.date), stored, 'columnar');
}

/** The ledger of the days before `date` when it was merged from what `digest` names; otherwise undefined. */
export async function getLedgerBase(
  clients: StorageClients,
  site: string,
  date: string,
  digest: string,
): Promise<LedgerBase | undefined> {
  const base = await getDigested(clients, ledgerBaseKeyFor(site, date), digest, 'base');
  return base && Array.isArray(base.journeys) && typeof base.ids === 'string'
    ? (base as unknown as LedgerBase)
    : undefined;
}

/** A cache's `field` when the cache was made from what `digest` names; otherwise undefined. */
async function getDigested(
  clients: StorageClients,
  key: string,
  digest: string,
  field: string,
): Promise<{ [key: string]: unknown } | undefined> {
  const value = await getGzip(clients, key, 'columnar');
  const held = value?.digest === digest ? value[field] : undefined;
  return isJsonObject(held) ? held : undefined;
}

export interface StoredOutcomesPrefix {
  format: typeof DERIVED_FORMAT;
  site: string;
  date: string;
  /** What it was folded from (shared/app/aggregate/across-days.ts `prefixDigestOf`). */
  digest: string;
  prefix: OutcomesPrefix;
}

export async function putOutcomesPrefix(
  clients: StorageClients,
  stored: StoredOutcomesPrefix,
): Promise<number> {
  return (await putGzip(clients, outcomesPrefixKeyFor(stored.site, stored.date), stored, 'columnar')).bytes;
}

/** The day's folded prefix when it was folded from what `digest` names; otherwise undefined. */
export async function getOutcomesPrefix(
  clients: StorageClients,
  site: string,
  date: string,
  digest: string,
): Promise<OutcomesPrefix | undefined> {
  const prefix = await getDigested(clients, outcomesPrefixKeyFor(site, date), digest, 'prefix');
  return prefix && isJsonObject(prefix.pending) && Array.isArray(prefix.pending.journeys)
    ? (prefix as unknown as OutcomesPrefix)
    : undefined;
}

export interface StoredLookbackSummary {
  format: typeof DERIVED_FORMAT;
  site: string;
  date: string;
  /** What it was summarised from (shared/app/aggregate/across-days.ts `lookbackSummaryDigestOf`). */
  digest: string;
  summary: LookbackSummary;
}

export async function putLookbackSummary(
  clients: StorageClients,
  stored: StoredLookbackSummary,
): Promise<void> {
  await putGzip(clients, lookbackSummaryKeyFor(stored.site, stored.date), stored, 'columnar');
}

/** The day's lookback summary when it was summarised from what `digest` names; otherwise undefined. */
export async function getLookbackSummary(
  clients: StorageClients,
  site: string,
  date: string,
  digest: string,
): Promise<LookbackSummary | undefined> {
  const summary = await getDigested(clients, lookbackSummaryKeyFor(site, date), digest, 'summary');
  return summary && Array.isArray(summary.journeys) ? (summary as unknown as LookbackSummary) : undefined;
}

/** The site's derived day objects, by day; any name, so objects of an earlier format go too. */
async function derivedDayKeys(
  clients: StorageClients,
  site: string,
): Promise<{ day: string; key: string }[]> {
  return (await listObjects(clients, `${DERIVED_ROOT}/site=${site}/dt=`)).flatMap((object) => {
    const day = /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(object.key)?.[1];
    return day === undefined ? [] : [{ day, key: object.key }];
  });
}

/**
 * Whether the key names a cache that copies other days: a folded prefix (units of any day of its
 * window), a lookback summary (the activity of the days before its own) or a ledger base (their
 * orders).
 */
const isAcrossDaysCache = (key: string) => /\/(outcomes-prefix|lookback|ledger-base)\.[a-z]+\.gz$/.test(key);

/**
 * Drops every folded prefix, lookback summary and ledger base of the site (retention: they copy
 * pruned days).
 */
export async function deleteAcrossDaysCaches(clients: StorageClients, site: string): Promise<void> {
  const keys = await derivedDayKeys(clients, site);
  await deleteObjects(
    clients,
    keys.filter(({ key }) => isAcrossDaysCache(key)).map(({ key }) => key),
  );
}

/**
 * Drops the days' derived objects, the customer ledger, every folded prefix and lookback summary
 * (erasure: they hold the erased user's ids, orders and units).
 */
export async function deleteDerivedDays(
  clients: StorageClients,
  site: string,
  days: readonly string[],
): Promise<number> {
  const erased = new Set(days);
  const keys = [
    ...siteLedgerKeysFor(site),
    ...(await derivedDayKeys(clients, site))
      .filter(({ day, key }) => erased.has(day) || isAcrossDaysCache(key))
      .map(({ key }) => key),
  ];
  await deleteObjects(clients, keys);
  return keys.length;
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
): Promise<Stored<{ sessions: SessionColumns }> | undefined> {
  const value = await getGzip(clients, sessionsPartKeyFor(site, date), 'columnar');
  return value && isJsonObject(value.sessions)
    ? (value as unknown as Stored<{ sessions: SessionColumns }>)
    : undefined;
}

export async function getActivityPart(
  clients: StorageClients,
  site: string,
  date: string,
): Promise<Stored<{ activity: ActivityColumns }> | undefined> {
  const value = await getGzip(clients, activityPartKeyFor(site, date), 'columnar');
  return value && isJsonObject(value.activity)
    ? (value as unknown as Stored<{ activity: ActivityColumns }>)
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
