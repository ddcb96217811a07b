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
export function deduplicate(events: readonly NormalizedEvent[], earlierCopies?: EarlierCopies): Deduplicated {
  const within = deduplicateWithin(events);
  return earlierCopies ? againstEarlierCopies(within, earlierCopies) : within;
}

function deduplicateWithin(events: readonly NormalizedEvent[]): Deduplicated {
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

/**
 * Copies of message ids archived under the day before the events read (metrics.md §1: a messageId is
 * one event however its copies' times straddle midnight). `firstReceivedAtMs` is the earliest
 * receivedAt among them, `copies` how many there are.
 */
export type EarlierCopies = (messageId: string) => { firstReceivedAtMs: number; copies: number } | undefined;

/**
 * The copies of the day before come first in archive order: an event whose id was received there first
 * (or at the same instant) is that day's, and leaves these events with its copies; otherwise the
 * earlier day's copies are duplicates of the one kept here.
 */
function againstEarlierCopies(within: Deduplicated, earlierCopies: EarlierCopies): Deduplicated {
  const events: NormalizedEvent[] = [];
  const duplicateCounts = new Map<number, number>();
  let duplicates = 0;
  for (const [index, event] of within.events.entries()) {
    const own = within.duplicateCounts.get(index) ?? 0;
    const earlier = earlierCopies(event.messageId);
    if (earlier !== undefined && earlier.firstReceivedAtMs <= receivedMs(event)) continue;
    const copies = own + (earlier?.copies ?? 0);
    if (copies > 0) duplicateCounts.set(events.length, copies);
    duplicates += copies;
    events.push(event);
  }
  return { events, duplicateCounts, duplicates };
}

/** A 53-bit FNV-1a hash of a messageId: a safe integer, so it keys a Map and fits a Float64Array. */
export function messageIdKey(messageId: string): number {
  // Two 32-bit FNV-1a lanes with different offsets; 21 bits of one and 32 of the other.
  let high = 0x811c9dc5;
  let low = 0x050c5d1f;
  for (let index = 0; index < messageId.length; index += 1) {
    const unit = messageId.charCodeAt(index);
    high = Math.imul(high ^ unit, 0x01000193);
    low = Math.imul(low ^ unit, 0x01000193);
  }
  return (high >>> 11) * 2 ** 32 + (low >>> 0);
}

/**
 * A partition's copies digest: (messageIdKey, receivedAt ms) for each of its events, in pairs. What a
 * later day's de-duplication needs of it, at 16 bytes an event instead of the whole partial.
 */
export function copiesDigestOf(
  events: readonly Pick<NormalizedEvent, 'messageId' | 'receivedAt'>[],
): Float64Array {
  const digest = new Float64Array(events.length * 2);
  for (const [index, event] of events.entries()) {
    digest[index * 2] = messageIdKey(event.messageId);
    const received = parseInstant(event.receivedAt);
    digest[index * 2 + 1] = Number.isNaN(received) ? Number.POSITIVE_INFINITY : received;
  }
  return digest;
}

/** The earlier copies the digests of the day before describe, looked up by messageId. */
export function earlierCopiesOf(digests: readonly Float64Array[]): EarlierCopies | undefined {
  const byKey = new Map<number, { firstReceivedAtMs: number; copies: number }>();
  for (const digest of digests) {
    for (let index = 0; index + 1 < digest.length; index += 2) {
      const key = digest[index] ?? 0;
      const received = digest[index + 1] ?? Number.POSITIVE_INFINITY;
      const known = byKey.get(key);
      if (known === undefined) byKey.set(key, { firstReceivedAtMs: received, copies: 1 });
      else {
        known.copies += 1;
        if (received < known.firstReceivedAtMs) known.firstReceivedAtMs = received;
      }
    }
  }
  if (byKey.size === 0) return undefined;
  return (messageId) => byKey.get(messageIdKey(messageId));
}
