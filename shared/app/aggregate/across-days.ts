/**
 * The derived day records the across-days sections read (shared/metrics/derived.ts): which days a
 * figure day needs, building the ones that are missing or stale, and reading them for the day.
 *
 * A day's record is written by every aggregation of the day (aggregate.ts). A day that was never
 * aggregated (archived before the site's first run, replayed, erased) gets one built here, from the
 * archive like its partials, without touching its figures: final days stay frozen. A record whose
 * covariates were computed from lookback days whose activity has changed since is rebuilt too.
 */
import { createHash } from 'node:crypto';
import pMap from 'p-map';
import type { SiteConfig } from '../../config/site';
import { buildDayContext } from '../../metrics/day';
import type { CustomerLedger } from '../../metrics/derived';
import { DERIVED_FORMAT, type DerivedDay } from '../../metrics/derived';
import { derivedDayOf } from '../../metrics/derived-day';
import type { AcrossDaysInput } from '../../metrics/figures';
import { type LookbackSummary, lookbackSummaryOf } from '../../metrics/lookback';
import {
  exposureWindowOf,
  type OutcomesFigures,
  outcomesAccumulator,
  outcomesPrefixBuilder,
} from '../../metrics/outcomes';
import { type ActivityColumns, activityColumnsOf, sessionColumnsOf } from '../../metrics/session-columns';
import type { StorageClients } from '../../storage/clients';
import { encodeColumnar } from '../../storage/columnar';
import {
  getActivityPart,
  getCustomerLedger,
  getLedgerPart,
  getLookbackSummary,
  getOutcomesPrefix,
  getSessionsPart,
  listArchiveDays,
  listLedgerParts,
  putCustomerLedger,
  putDerivedParts,
  putLookbackSummary,
  putOutcomesPrefix,
  type StoredLedgerPart,
} from '../../storage/derived';
import { addDays } from '../../time';

const READS_IN_FLIGHT = 16;

function digestOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}

/** The days whose activity the lookback of `date`'s sessions can reach, most recent first. */
export function lookbackDaysOf(date: string, config: SiteConfig): string[] {
  const days: string[] = [];
  for (let back = 1; back <= config.outcomes.lookbackDays + 1; back += 1) days.push(addDays(date, -back));
  return config.outcomes.lookbackDays === 0 ? [] : days;
}

/** What a record's covariates were computed from: the lookback days' activity digests. */
export function lookbackDigestOf(
  date: string,
  config: SiteConfig,
  parts: ReadonlyMap<string, Pick<StoredLedgerPart, 'activityDigest'>>,
): string {
  return digestOf(lookbackDaysOf(date, config).map((day) => [day, parts.get(day)?.activityDigest ?? null]));
}

/** The digest of columns (session-columns.ts) by their encoding: hashing JSON of them cost seconds. */
function columnsDigestOf(columns: unknown): string {
  return createHash('sha256').update(encodeColumnar(columns)).digest('hex').slice(0, 32);
}

/** The stored form of a derived record, with its digests. */
export function storedPartsOf(
  derived: DerivedDay,
  config: SiteConfig,
  parts: ReadonlyMap<string, Pick<StoredLedgerPart, 'activityDigest'>>,
) {
  const sessionColumns = sessionColumnsOf(derived.sessions);
  const activityColumns = activityColumnsOf(derived.activity);
  const activityDigest = columnsDigestOf(activityColumns);
  const ledgerDigest = digestOf([derived.orders, derived.responses]);
  const lookbackDigest = lookbackDigestOf(derived.date, config, parts);
  const build = digestOf([activityDigest, ledgerDigest, lookbackDigest, columnsDigestOf(sessionColumns)]);
  const ledger: StoredLedgerPart = {
    format: derived.format,
    site: derived.site,
    date: derived.date,
    lookbackDays: derived.lookbackDays,
    build,
    activityDigest,
    lookbackDigest,
    ledgerDigest,
    orders: derived.orders,
    responses: derived.responses,
  };
  const sessions = {
    format: derived.format,
    site: derived.site,
    date: derived.date,
    build,
    sessions: sessionColumns,
    activity: activityColumns,
  };
  return { ledger, sessions };
}

/** Whether a stored record still holds for the config and the lookback days as they are now. */
function isCurrentPart(
  part: StoredLedgerPart | undefined,
  config: SiteConfig,
  parts: ReadonlyMap<string, StoredLedgerPart>,
): part is StoredLedgerPart {
  return (
    part !== undefined &&
    part.lookbackDays === config.outcomes.lookbackDays &&
    part.lookbackDigest === lookbackDigestOf(part.date, config, parts)
  );
}

/** Reads one day's events the way its aggregation does (aggregate.ts readDayEvents), for a build here. */
export type DayReader = (
  date: string,
) => Promise<Pick<Parameters<typeof buildDayContext>[0], 'events' | 'links' | 'earlierCopies'>>;

/** The activity of the lookback days of `date` from their stored activity parts. */
async function lookbackActivity(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
): Promise<ActivityColumns[]> {
  const found = await Promise.all(
    lookbackDaysOf(date, config).map((day) => getActivityPart(clients, config.site, day)),
  );
  return found.flatMap((part) => (part ? [part.activity] : []));
}

/** What a lookback summary of `date` is summarised from: the rules and the lookback days' activity. */
function lookbackSummaryDigestOf(
  date: string,
  config: SiteConfig,
  parts: ReadonlyMap<string, Pick<StoredLedgerPart, 'activityDigest'>>,
): string {
  return digestOf([
    DERIVED_FORMAT,
    config.timezone,
    config.outcomes.lookbackDays,
    lookbackDigestOf(date, config, parts),
  ]);
}

/**
 * The lookback of `date`'s sessions (metrics/lookback.ts): summarised from the lookback days'
 * activity by the day's first run and stored, read as it is by the day's later runs.
 */
async function lookbackOf(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
  parts: ReadonlyMap<string, Pick<StoredLedgerPart, 'activityDigest'>>,
): Promise<LookbackSummary> {
  const site = config.site;
  const digest = lookbackSummaryDigestOf(date, config, parts);
  const stored = await getLookbackSummary(clients, site, date, digest);
  if (stored) return stored;
  const summary = lookbackSummaryOf(await lookbackActivity(clients, config, date), {
    date,
    timeZone: config.timezone,
    lookbackDays: config.outcomes.lookbackDays,
  });
  // A cache: a run that fails to write it only makes the next one summarise again.
  await putLookbackSummary(clients, { format: DERIVED_FORMAT, site, date, digest, summary }).catch(
    () => undefined,
  );
  return summary;
}

export interface PreparedDays {
  /** The ledger parts of every archived day before the figure day, current. */
  parts: Map<string, StoredLedgerPart>;
  /** Days whose record was (re)built. */
  built: string[];
}

/** A ledger part as stored, with the ETag it was stored under. */
type EtaggedPart = StoredLedgerPart & { etag: string };

/**
 * The ledger parts of `days`: copied from the customer ledger where its ETag is still the part's,
 * read where it changed, undefined where the day has none.
 */
async function currentLedgerParts(
  clients: StorageClients,
  site: string,
  days: readonly string[],
): Promise<{ stored: Map<string, EtaggedPart | undefined>; ledgerCurrent: boolean }> {
  const [etags, ledger] = await Promise.all([
    listLedgerParts(clients, site),
    getCustomerLedger(clients, site),
  ]);
  const cached = new Map((ledger?.parts ?? []).map((part) => [part.date, part]));
  const stored = new Map<string, EtaggedPart | undefined>();
  const toRead: string[] = [];
  for (const day of days) {
    const etag = etags.get(day);
    const copy = cached.get(day);
    if (etag === undefined) stored.set(day, undefined);
    else if (copy && copy.etag === etag) stored.set(day, copy);
    else toRead.push(day);
  }
  await pMap(
    toRead,
    async (day) => {
      const part = await getLedgerPart(clients, site, day);
      stored.set(day, part && { ...part, etag: etags.get(day) ?? '' });
    },
    { concurrency: READS_IN_FLIGHT },
  );
  const ledgerCurrent =
    ledger !== undefined &&
    toRead.length === 0 &&
    ledger.parts.length === days.filter((day) => etags.has(day)).length;
  return { stored, ledgerCurrent };
}

/**
 * Makes sure every archived day before `date` has a current derived record, building the missing and
 * stale ones in date order (`build` holds each one's leases), and brings the customer ledger up to
 * date. Runs before the figure day's own leases are taken.
 */
export async function prepareDerivedDays(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
  build: (day: string, parts: ReadonlyMap<string, StoredLedgerPart>) => Promise<EtaggedPart>,
): Promise<PreparedDays> {
  const site = config.site;
  const days = (await listArchiveDays(clients, site)).filter((day) => day < date);
  const { stored, ledgerCurrent } = await currentLedgerParts(clients, site, days);
  const parts = new Map<string, EtaggedPart>();
  const built: string[] = [];
  for (const day of days) {
    const part = stored.get(day);
    if (isCurrentPart(part, config, parts)) {
      parts.set(day, part);
      continue;
    }
    parts.set(day, await build(day, parts));
    built.push(day);
  }
  if (!ledgerCurrent || built.length > 0) {
    // A cache: a run that fails to write it only makes the next one read the parts again.
    await putCustomerLedger(clients, { format: DERIVED_FORMAT, site, parts: [...parts.values()] }).catch(
      () => undefined,
    );
  }
  return { parts, built };
}

/** Builds and stores one day's record from its events; the ledger part stored. */
export async function buildDerivedRecord(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
  read: DayReader,
  parts: ReadonlyMap<string, StoredLedgerPart>,
): Promise<EtaggedPart> {
  const input = await read(date);
  const day = buildDayContext({ config, date, ...input });
  const derived = derivedDayOf(day, await lookbackActivity(clients, config, date));
  const stored = storedPartsOf(derived, config, parts);
  const { ledgerEtag } = await putDerivedParts(clients, stored.ledger, stored.sessions);
  return { ...stored.ledger, etag: ledgerEtag };
}

/** What the figure day reads of the other days up front: their ledger parts and its lookback summary. */
export async function acrossDaysInput(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
  parts: ReadonlyMap<string, StoredLedgerPart>,
): Promise<AcrossDaysInput> {
  return {
    ledgerParts: [...parts.values()],
    exposureDays: [],
    lookback: await lookbackOf(clients, config, date, parts),
  };
}

/**
 * What D's folded prefix (metrics/outcomes-window.ts) is folded from: the rules, the sessions of the
 * exposure days, and every order before D (an order's first event can be any day's).
 */
export function prefixDigestOf(
  config: SiteConfig,
  date: string,
  parts: ReadonlyMap<string, Pick<StoredLedgerPart, 'build' | 'ledgerDigest'>>,
): string {
  const { from, to } = exposureWindowOf(date, config);
  const priced = Object.entries(config.touchpoints)
    .filter(([, touchpoint]) => touchpoint.dailyCost > 0)
    .map(([name]) => name)
    .sort();
  const sessions: (string | null)[][] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) sessions.push([day, parts.get(day)?.build ?? null]);
  const orders = [...parts].filter(([day]) => day < date).map(([day, part]) => [day, part.ledgerDigest]);
  return digestOf([DERIVED_FORMAT, date, config.timezone, config.outcomes, priced, sessions, orders]);
}

/**
 * §7 `outcomes` of `date`. The exposure days are folded once into a prefix stored beside the day's
 * record, read one day at a time while folding; every run of the day with the same history (all
 * hourly runs but the first) reads the prefix only and adds what D's orders bring its pending units.
 */
export async function outcomesOfWindow(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
  parts: ReadonlyMap<string, StoredLedgerPart>,
  ledger: CustomerLedger,
): Promise<{ figures: OutcomesFigures; folded: number }> {
  const site = config.site;
  const { from, to } = exposureWindowOf(date, config);
  const windowDays: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) if (parts.has(day)) windowDays.push(day);
  const input = { config, date, ledger };
  if (windowDays.length === 0) return { figures: outcomesAccumulator(input).finish(), folded: 0 };
  const digest = prefixDigestOf(config, date, parts);
  let prefix = await getOutcomesPrefix(clients, site, date, digest);
  const folded = prefix === undefined ? windowDays.length : 0;
  if (prefix === undefined) {
    const builder = outcomesPrefixBuilder(input);
    let next = getSessionsPart(clients, site, windowDays[0] ?? from);
    for (let index = 0; index < windowDays.length; index += 1) {
      const part = await next;
      const following = windowDays[index + 1];
      if (following !== undefined) next = getSessionsPart(clients, site, following);
      if (part) builder.add(part.sessions);
    }
    prefix = builder.finish();
    // A cache: a run that fails to write it only makes the next one fold again.
    await putOutcomesPrefix(clients, { format: DERIVED_FORMAT, site, date, digest, prefix }).catch(
      () => undefined,
    );
  }
  return { figures: outcomesAccumulator(input, prefix).finish(), folded };
}
