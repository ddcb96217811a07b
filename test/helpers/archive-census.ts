/** Counts what the archive holds, by messageId: the ground truth of "stored exactly once". */

import type { NormalizedEvent } from '../../shared/events/types';
import { getObjectBytes, listObjects } from '../../shared/storage/archive';
import { parseNdjsonGzip } from '../../shared/storage/archive-reader';
import type { StorageClients } from '../../shared/storage/clients';

export interface ArchiveCensus {
  /** messageId → copies in events/ objects. */
  copies: Map<string, number>;
  events: NormalizedEvent[];
  objects: number;
}

export async function archiveCensus(clients: StorageClients, prefix: string): Promise<ArchiveCensus> {
  const copies = new Map<string, number>();
  const events: NormalizedEvent[] = [];
  const objects = await listObjects(clients, prefix);
  for (const object of objects) {
    const { records } = parseNdjsonGzip<NormalizedEvent>(await getObjectBytes(clients, object.key));
    for (const event of records) {
      copies.set(event.messageId, (copies.get(event.messageId) ?? 0) + 1);
      events.push(event);
    }
  }
  return { copies, events, objects: objects.length };
}
