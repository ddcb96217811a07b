/** De-duplication by messageId within a site (metrics.md §1, "De-duplication"). */
import type { NormalizedEvent } from '../events/types';
import { parseInstant } from './instant';

export interface Deduplicated {
  /** One event per (site, messageId): the one received first. In input (archive) order. */
  events: NormalizedEvent[];
  /** `duplicateCounts[i]` = how many copies of `events[i]` were dropped. */
  duplicateCounts: number[];
  /** Total dropped copies. */
  duplicates: number;
}

function receivedMs(event: NormalizedEvent): number {
  const ms = parseInstant(event.receivedAt);
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

/**
 * metrics.md §1: within a site, events with the same `messageId` are one event; the one received first
 * (earliest `receivedAt`, then archive order, i.e. input order) is kept. The kept event takes the input
 * position of the first copy seen, so the output stays in archive order; each dropped copy is counted
 * on the kept event (`quality.duplicates` counts them on the day of the kept event).
 *
 * Idempotent: de-duplicating de-duplicated events changes nothing and counts no duplicates.
 */
export function deduplicate(events: readonly NormalizedEvent[]): Deduplicated {
  const kept: NormalizedEvent[] = [];
  const duplicateCounts: number[] = [];
  const positionByKey = new Map<string, number>();
  let duplicates = 0;
  for (const event of events) {
    const key = `${event.site}\u0000${event.messageId}`;
    const position = positionByKey.get(key);
    if (position === undefined) {
      positionByKey.set(key, kept.length);
      kept.push(event);
      duplicateCounts.push(0);
      continue;
    }
    duplicates++;
    duplicateCounts[position] = (duplicateCounts[position] ?? 0) + 1;
    const current = kept[position];
    // Strictly earlier only: on a tie the copy seen first in archive order stays.
    if (current !== undefined && receivedMs(event) < receivedMs(current)) kept[position] = event;
  }
  return { events: kept, duplicateCounts, duplicates };
}
