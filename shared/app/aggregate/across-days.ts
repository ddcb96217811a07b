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
import { EMPTY_LEDGER_BASE, type LedgerBase, ledgerBaseOf } from '../../metrics/ledger-base';
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
  getLedgerBase,
  getLedgerIndex,
  getLedgerPart,
  getLookbackSummary,
  getOutcomesPrefix,
  getSessionsPart,
  type LedgerPartHeader,
  listArchiveDays,
  listLedgerParts,
  putCustomerLedger,
  putDerivedParts,
  putLedgerBase,
  putLedgerIndex,
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
function isCurrentPart<Part extends LedgerPartHeader>(
  part: Part | undefined,
  config: SiteConfig,
  parts: ReadonlyMap<string, LedgerPartHeader>,
): part is Part {
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
  /** The ledger parts of every archived day before the figure day, current, without their orders. */
  parts: Map<string, EtaggedHeader>;
  /** Days whose record was (re)built. */
  built: string[];
  /**
   * The same parts with their orders and responses: read on demand (from the customer ledger object),
   * by a run that finds no ledger base of the day stored.
   */
  withOrders: () => Promise<EtaggedPart[]>;
}

/** A ledger part as stored, with the ETag it was stored under. */
type EtaggedPart = StoredLedgerPart & { etag: string };
type EtaggedHeader = LedgerPartHeader & { etag: string };

/** Whether `copies` holds a copy of each listed day of `days` under its ETag, and no other day. */
function copiesAreCurrent(
  copies: ReadonlyMap<string, { etag: string }>,
  etags: ReadonlyMap<string, string>,
  days: readonly string[],
): boolean {
  const listed = days.filter((day) => etags.has(day));
  return (
    listed.every((day) => copies.get(day)?.etag === etags.get(day)) &&
    days.filter((day) => copies.has(day)).length === listed.length
  );
}

/**
 * The site's ledger parts as the customer ledger object and its index hold them (ledger parts whose
 * ETag changed since are read again): the index answers while every part is current; the object, with
 * every order, is read only when that is not so or the orders are asked for.
 */
function ledgerPartsReader(clients: StorageClients, site: string, etags: ReadonlyMap<string, string>) {
  const full = new Map<string, EtaggedPart>();
  /** The parts as the stored object holds them. */
  const stored = new Map<string, EtaggedPart>();
  let objectRead: Promise<void> | undefined;
  const readObject = () => {
    objectRead ??= getCustomerLedger(clients, site).then((ledger) => {
      for (const part of ledger?.parts ?? []) {
        stored.set(part.date, part);
        if (!full.has(part.date)) full.set(part.date, part);
      }
    });
    return objectRead;
  };
  return {
    full,
    stored,
    /** The parts of `days` with their orders: copies whose ETag is still the listing's, the rest read. */
    async withOrders(days: readonly string[]): Promise<Map<string, EtaggedPart | undefined>> {
      await readObject();
      const parts = new Map<string, EtaggedPart | undefined>();
      const toRead: string[] = [];
      for (const day of days) {
        const etag = etags.get(day);
        const copy = full.get(day);
        if (etag === undefined) parts.set(day, undefined);
        else if (copy && copy.etag === etag) parts.set(day, copy);
        else toRead.push(day);
      }
      await pMap(
        toRead,
        async (day) => {
          const part = await getLedgerPart(clients, site, day);
          const read = part && { ...part, etag: etags.get(day) ?? '' };
          if (read) full.set(day, read);
          parts.set(day, read);
        },
        { concurrency: READS_IN_FLIGHT },
      );
      return parts;
    },
  };
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
  build: (day: string, parts: ReadonlyMap<string, LedgerPartHeader>) => Promise<EtaggedPart>,
): Promise<PreparedDays> {
  const site = config.site;
  const archived = await listArchiveDays(clients, site);
  const days = archived.filter((day) => day < date);
  const [listed, index] = await Promise.all([listLedgerParts(clients, site), getLedgerIndex(clients, site)]);
  // The parts rebuilt below are listed under their new ETags: the orders read back are theirs.
  const etags = new Map(listed);
  const reader = ledgerPartsReader(clients, site, etags);
  const indexed = new Map((index?.parts ?? []).map((part) => [part.date, part]));
  const indexCurrent = index !== undefined && copiesAreCurrent(indexed, etags, days);
  const stored: ReadonlyMap<string, EtaggedHeader | undefined> = indexCurrent
    ? indexed
    : await reader.withOrders(days);
  const ledgerCurrent = indexCurrent || copiesAreCurrent(reader.stored, etags, days);
  const parts = new Map<string, EtaggedHeader>();
  const built: string[] = [];
  for (const day of days) {
    const part = stored.get(day);
    if (isCurrentPart(part, config, parts)) {
      parts.set(day, part);
      continue;
    }
    const rebuilt = await build(day, parts);
    etags.set(day, rebuilt.etag);
    reader.full.set(day, rebuilt);
    parts.set(day, rebuilt);
    built.push(day);
  }
  let withOrders: Promise<EtaggedPart[]> | undefined;
  const prepared: PreparedDays = {
    parts,
    built,
    withOrders: () => {
      withOrders ??= reader
        .withOrders([...parts.keys()])
        .then((found) => [...found.values()].flatMap((part) => (part ? [part] : [])));
      return withOrders;
    },
  };
  if (!ledgerCurrent || built.length > 0) {
    // The object keeps the parts of the days from `date` on too: the scheduled run computes two days,
    // and a ledger of the earlier one's days only would be written again by every run of each.
    const before = await prepared.withOrders();
    const later = [...reader.full.values()].filter(
      (part) => part.date >= date && etags.get(part.date) === part.etag,
    );
    // A cache: a run that fails to write it only makes the next one read the parts again.
    await putCustomerLedger(clients, { format: DERIVED_FORMAT, site, parts: [...before, ...later] }).catch(
      () => undefined,
    );
  } else if (!indexCurrent) {
    // A ledger stored before its index existed: indexed as it is.
    await putLedgerIndex(clients, { format: DERIVED_FORMAT, site, parts: [...reader.stored.values()] }).catch(
      () => undefined,
    );
  }
  return prepared;
}

/** Builds and stores one day's record from its events; the ledger part stored. */
export async function buildDerivedRecord(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
  read: DayReader,
  parts: ReadonlyMap<string, LedgerPartHeader>,
): Promise<EtaggedPart> {
  const input = await read(date);
  const day = buildDayContext({ config, date, ...input });
  const derived = derivedDayOf(day, await lookbackActivity(clients, config, date));
  const stored = storedPartsOf(derived, config, parts);
  const { ledgerEtag } = await putDerivedParts(clients, stored.ledger, stored.sessions);
  return { ...stored.ledger, etag: ledgerEtag };
}

/** What the ledger base of `date` is merged from: the days before it and their orders' digests. */
function ledgerBaseDigestOf(
  date: string,
  parts: ReadonlyMap<string, Pick<LedgerPartHeader, 'ledgerDigest'>>,
) {
  return digestOf([DERIVED_FORMAT, date, [...parts].map(([day, part]) => [day, part.ledgerDigest])]);
}

/**
 * The orders and responses of the days before `date`, merged (metrics/ledger-base.ts): merged by the
 * day's first run from the days' parts and stored, read as it is by the day's later runs.
 */
async function ledgerBaseOfDays(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
  prepared: PreparedDays,
): Promise<LedgerBase> {
  const site = config.site;
  if (prepared.parts.size === 0) return EMPTY_LEDGER_BASE;
  const digest = ledgerBaseDigestOf(date, prepared.parts);
  const stored = await getLedgerBase(clients, site, date, digest);
  if (stored) return stored;
  const base = ledgerBaseOf(await prepared.withOrders());
  // A cache: a run that fails to write it only makes the next one merge again.
  await putLedgerBase(clients, { format: DERIVED_FORMAT, site, date, digest, base }).catch(() => undefined);
  return base;
}

/** What the figure day reads of the other days up front: their merged ledger and its lookback summary. */
export async function acrossDaysInput(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
  prepared: PreparedDays,
): Promise<AcrossDaysInput> {
  const [ledgerBase, lookback] = await Promise.all([
    ledgerBaseOfDays(clients, config, date, prepared),
    lookbackOf(clients, config, date, prepared.parts),
  ]);
  return { ledgerBase, exposureDays: [], lookback };
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
  parts: ReadonlyMap<string, LedgerPartHeader>,
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
