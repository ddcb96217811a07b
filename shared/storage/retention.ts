/**
 * Archive retention by site (site config `retentionDays`): the events/, rejected/, partials/, derived/ and indexes/ prefixes of days
 * older than the cut-off are deleted. Days come from the listed keys (`…/dt=<day>/…`); no object is read.
 * (A delimiter listing of the `dt=` prefixes would list less, but s3rver answers it only one level deep.)
 */
import type { SiteConfig } from '../config/site';
import { addDays, localDate } from '../time';
import { ACTOR_INDEX_ROOT } from './actor-index';
import { dayOfKey, deleteObjects, listObjects } from './archive';
import type { StorageClients } from './clients';
import { DERIVED_ROOT, deleteAcrossDaysCaches, siteLedgerKeysFor } from './derived';

/** The first day kept: today (site-local) minus retentionDays. */
export function retentionCutoff(config: Pick<SiteConfig, 'timezone' | 'retentionDays'>, now: Date): string {
  return addDays(localDate(now.getTime(), config.timezone), -config.retentionDays);
}

export interface ArchivePruneSummary {
  cutoff: string;
  /** Days whose partitions were deleted (events/ or rejected/). */
  days: string[];
  objectsDeleted: number;
}

/**
 * Deletes every archived and rejected event of a day before the cut-off. In AWS the bucket's lifecycle
 * rule expires objects by age for the whole stack; this applies each site's own retention, by the day
 * the events belong to (objects rewritten by compaction or erasure do not reset the clock).
 */
export async function pruneArchive(
  clients: StorageClients,
  config: Pick<SiteConfig, 'site' | 'timezone' | 'retentionDays'>,
  now: Date,
): Promise<ArchivePruneSummary> {
  const cutoff = retentionCutoff(config, now);
  const summary: ArchivePruneSummary = { cutoff, days: [], objectsDeleted: 0 };
  const pruned = new Set<string>();
  for (const root of ['events', 'rejected', 'partials', DERIVED_ROOT, ACTOR_INDEX_ROOT]) {
    const expired: string[] = [];
    for (const object of await listObjects(clients, `${root}/site=${config.site}/`)) {
      const day = dayOfKey(object.key);
      if (day === undefined || day >= cutoff) continue;
      expired.push(object.key);
      pruned.add(day);
    }
    await deleteObjects(clients, expired);
    summary.objectsDeleted += expired.length;
  }
  // The customer ledger copies the pruned days' orders, folded prefixes their units: rebuilt from
  // the parts that remain.
  if (pruned.size > 0) {
    await deleteObjects(clients, siteLedgerKeysFor(config.site));
    await deleteAcrossDaysCaches(clients, config.site);
  }
  summary.days = [...pruned].sort();
  return summary;
}
