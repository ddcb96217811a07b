/**
 * Archive retention by site (site config `retentionDays`): the events/ and rejected/ partitions of days
 * older than the cut-off are deleted. Days are found by listing the `dt=` prefixes (S3 delimiter
 * listing), not by reading objects.
 */
import { ListObjectsCommand } from '@aws-sdk/client-s3';
import type { SiteConfig } from '../config/site';
import { addDays, localDate } from '../time';
import { deleteObjects, listObjects } from './archive';
import type { StorageClients } from './clients';

/** The first day kept: today (site-local) minus retentionDays. */
export function retentionCutoff(config: Pick<SiteConfig, 'timezone' | 'retentionDays'>, now: Date): string {
  return addDays(localDate(now.getTime(), config.timezone), -config.retentionDays);
}

/** `dt=` days directly under a prefix such as `events/site=S/`. */
async function listDays(clients: StorageClients, prefix: string): Promise<string[]> {
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
  return days.sort();
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
  for (const root of ['events', 'rejected']) {
    const base = `${root}/site=${config.site}/`;
    for (const day of await listDays(clients, base)) {
      if (day >= cutoff) continue;
      const objects = await listObjects(clients, `${base}dt=${day}/`);
      await deleteObjects(
        clients,
        objects.map((object) => object.key),
      );
      summary.objectsDeleted += objects.length;
      pruned.add(day);
    }
  }
  summary.days = [...pruned].sort();
  return summary;
}
