/** De-duplication by messageId within a site (metrics.md §1, "De-duplication"). */
import type { NormalizedEvent } from '../events/types';
import { parseInstant } from './instant';

export interface Deduplicated {
  /** One event per (site, messageId): the one received first. In input (archive) order. */
  events: NormalizedEvent[];
  /**
   * Dropped copies per kept event: index in `events` → count. Only events that had duplicates appear,
   * so the map stays small.
   */
  duplicateCounts: ReadonlyMap<number, number>;
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
 * Idempotent: de-duplicating de-duplicated events changes nothing and counts no duplicates. One Map
 * insert per event is the whole cost.
 */
export function deduplicate(events: readonly NormalizedEvent[]): Deduplicated {
  const kept: NormalizedEvent[] = [];
  const duplicateCounts = new Map<number, number>();
  // Keyed by the bare messageId while every event is of the first event's site (the normal case: no
  // composite strings built); re-keyed by site + messageId when a second site shows up.
  const firstSite = events[0]?.site;
  let composite = false;
  let positionByKey = new Map<string, number>();
  let duplicates = 0;
  for (const event of events) {
    if (!composite && event.site !== firstSite) {
      composite = true;
      positionByKey = new Map(kept.map((keptEvent, position) => [siteAndMessageId(keptEvent), position]));
    }
    const key = composite ? siteAndMessageId(event) : event.messageId;
    const position = positionByKey.get(key);
    if (position === undefined) {
      positionByKey.set(key, kept.length);
      kept.push(event);
      continue;
    }
    duplicates++;
    duplicateCounts.set(position, (duplicateCounts.get(position) ?? 0) + 1);
    const current = kept[position];
    // Strictly earlier only: on a tie the copy seen first in archive order stays.
    if (current !== undefined && receivedMs(event) < receivedMs(current)) kept[position] = event;
  }
  return { events: kept, duplicateCounts, duplicates };
}

function siteAndMessageId(event: NormalizedEvent): string {
  return `${event.site}\u0000${event.messageId}`;
}
