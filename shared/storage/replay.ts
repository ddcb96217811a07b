/** Rebuilds the DynamoDB projections (journey items, identity links) from the archive, idempotently. */
import { journeyExpiresAt, type SiteConfig } from '../config/site';
import { identityLinksOf } from '../events/ingest';
import { datesBetween } from '../time';
import { listDayObjects, readObjects } from './archive-reader';
import type { StorageClients } from './clients';
import { linkIdentity, putJourneySegments } from './table';

export interface ReplaySummary {
  days: number;
  objects: number;
  events: number;
  journeyObjects: number;
  linksWritten: number;
}

/**
 * Journey items are keyed by archive object and links are conditional writes (earliest event wins),
 * so replaying any range any number of times converges on what the collector wrote.
 */
export async function replayProjections(
  clients: StorageClients,
  config: SiteConfig,
  from: string,
  to: string,
  onProgress?: (done: number, total: number) => void,
): Promise<ReplaySummary> {
  const dates = datesBetween(from, to);
  const objects = await listDayObjects(clients, config.site, dates);
  const summary: ReplaySummary = {
    days: dates.length,
    objects: objects.length,
    events: 0,
    journeyObjects: 0,
    linksWritten: 0,
  };
  const writes: Promise<void>[] = [];
  await readObjects(
    clients,
    objects,
    (events, object) => {
      summary.events += events.length;
      if (events.length === 0) return;
      const firstReceivedMs = Math.min(...events.map((event) => Date.parse(event.receivedAt)));
      const expiresAt = journeyExpiresAt(config, firstReceivedMs);
      summary.journeyObjects += 1;
      writes.push(
        (async () => {
          await putJourneySegments(clients, config.site, [{ key: object.key, events }], expiresAt);
          for (const link of identityLinksOf(events)) {
            if (await linkIdentity(clients, config.site, link)) summary.linksWritten += 1;
          }
        })(),
      );
    },
    { onProgress: (progress) => onProgress?.(progress.objectsRead, progress.objectsTotal) },
  );
  await Promise.all(writes);
  return summary;
}
