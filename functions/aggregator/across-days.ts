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
import type { SiteConfig } from '../../shared/config/site';
import { buildDayContext } from '../../shared/metrics/day';
import type { DerivedDay, JourneyActivity, OutcomeSession } from '../../shared/metrics/derived';
import { derivedDayOf } from '../../shared/metrics/derived-day';
import type { AcrossDaysInput } from '../../shared/metrics/figures';
import { exposureWindowOf } from '../../shared/metrics/outcomes';
import type { StorageClients } from '../../shared/storage/clients';
import {
  getLedgerPart,
  getSessionsPart,
  listArchiveDays,
  putDerivedParts,
  type StoredLedgerPart,
} from '../../shared/storage/derived';
import { addDays } from '../../shared/time';

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

/** The stored form of a derived record, with its digests. */
export function storedPartsOf(
  derived: DerivedDay,
  config: SiteConfig,
  parts: ReadonlyMap<string, Pick<StoredLedgerPart, 'activityDigest'>>,
) {
  const activityDigest = digestOf(derived.activity);
  const ledgerDigest = digestOf([derived.orders, derived.responses]);
  const lookbackDigest = lookbackDigestOf(derived.date, config, parts);
  const build = digestOf([activityDigest, ledgerDigest, lookbackDigest, digestOf(derived.sessions)]);
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
    sessions: derived.sessions,
    activity: derived.activity,
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

/** The activity of the lookback days of `date` from their stored sessions parts. */
async function lookbackActivity(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
): Promise<JourneyActivity[][]> {
  const found = await Promise.all(
    lookbackDaysOf(date, config).map((day) => getSessionsPart(clients, config.site, day)),
  );
  return found.flatMap((part) => (part ? [part.activity] : []));
}

export interface PreparedDays {
  /** The ledger parts of every archived day before the figure day, current. */
  parts: Map<string, StoredLedgerPart>;
  /** Days whose record was (re)built. */
  built: string[];
}

/**
 * Makes sure every archived day before `date` has a current derived record, building the missing and
 * stale ones in date order (each under its own leases, held by `withLeases`). Runs before the figure
 * day's own leases are taken.
 */
export async function prepareDerivedDays(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
  build: (day: string, parts: ReadonlyMap<string, StoredLedgerPart>) => Promise<StoredLedgerPart>,
): Promise<PreparedDays> {
  const days = (await listArchiveDays(clients, config.site)).filter((day) => day < date);
  const stored = new Map<string, StoredLedgerPart | undefined>();
  await pMap(days, async (day) => stored.set(day, await getLedgerPart(clients, config.site, day)), {
    concurrency: READS_IN_FLIGHT,
  });
  const parts = new Map<string, StoredLedgerPart>();
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
  return { parts, built };
}

/** Builds and stores one day's record from its events; the ledger part stored. */
export async function buildDerivedRecord(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
  read: DayReader,
  parts: ReadonlyMap<string, StoredLedgerPart>,
): Promise<StoredLedgerPart> {
  const input = await read(date);
  const day = buildDayContext({ config, date, ...input });
  const derived = derivedDayOf(day, await lookbackActivity(clients, config, date));
  const stored = storedPartsOf(derived, config, parts);
  await putDerivedParts(clients, stored.ledger, stored.sessions);
  return stored.ledger;
}

/** What the figure day reads of the other days: its ledger parts, the exposure days, the lookback. */
export async function acrossDaysInput(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
  parts: ReadonlyMap<string, StoredLedgerPart>,
): Promise<AcrossDaysInput> {
  const { from, to } = exposureWindowOf(date, config);
  const exposureDates: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) if (parts.has(day)) exposureDates.push(day);
  // In date order, whatever order the reads finish in: the sums come out the same, to the last bit.
  const exposureDays: OutcomeSession[][] = await pMap(
    exposureDates,
    async (day) => (await getSessionsPart(clients, config.site, day))?.sessions ?? [],
    { concurrency: 4 },
  );
  return {
    ledgerParts: [...parts.values()],
    exposureDays,
    lookback: await lookbackActivity(clients, config, date),
  };
}
