/**
 * Hour partials: what the aggregator keeps of one archive partition (site, site-local day, hour) so
 * later runs need not read and parse its objects again (architecture.md "Scale notes": hourly
 * partitions are independent and their partials mergeable).
 *
 * A partial holds the partition's events slimmed to the fields the figures read (slim.ts), in archive
 * order; the stored identity links of a day's anonymous ids are kept beside them (link-snapshot.ts),
 * looked up once per run for the whole window rather than once per partition. Merging partials in
 * partition order gives exactly the events, in exactly the order, that reading every object of those
 * partitions would: de-duplication ("earliest receivedAt, then archive order", metrics.md §1) and
 * every figure come out the same whichever way the events were read.
 */
import type { NormalizedEvent } from '../events/types';
import { keepBetterLink, type LinkCandidate, linkPairsOf } from './links';
import { internSlimmed } from './slim';

/** Bumped whenever the shape or the slimming changes: partials of another format are rebuilt. */
export const PARTIAL_FORMAT = 4;

export interface PartialSource {
  key: string;
  size: number;
}

export interface HourPartial {
  format: typeof PARTIAL_FORMAT;
  site: string;
  date: string;
  hour: string;
  /** The archive objects it was built from, in key order: a partial is current while they are. */
  sources: PartialSource[];
  /** Epoch ms at which it was built. */
  builtAt: number;
  events: NormalizedEvent[];
  /**
   * Sorted distinct hashes of the ids its events tie to a person (shared/events/actor-index.ts),
   * computed once when built: a day's actor index is the union of its partials'.
   */
  actorHashes: number[];
  /** Archive lines that did not parse. */
  unreadable: number;
}

/** Whether a partial still describes a partition whose objects are now `current` (key order). */
export function isCurrent(
  partial: Pick<HourPartial, 'format' | 'sources'>,
  current: readonly PartialSource[],
): boolean {
  if (partial.format !== PARTIAL_FORMAT || partial.sources.length !== current.length) return false;
  return partial.sources.every(
    (source, index) => source.key === current[index]?.key && source.size === current[index]?.size,
  );
}

export interface MergedPartials {
  /** The events of the figure day, and of the other days those the figures read (see below). */
  events: NormalizedEvent[];
  /** The links every merged event made, before any was left out (links.ts rules). */
  eventLinks: Map<string, LinkCandidate>;
  /**
   * Anonymous ids of the merged events met without a user id (the ones whose journey depends on a
   * stored link), by the date of the partition they were met in.
   */
  anonymousOnlyByDate: Map<string, Set<string>>;
}

/**
 * Whether an event of another day than D can change D's figures (metrics/day.ts, buildDayContext):
 * orders and refunds (an order id's earliest event, the conversion look-ahead) and copies of D's own
 * events (de-duplication keeps the copy received first). Identity links are taken before this filter.
 */
export function readOutsideItsDay(event: NormalizedEvent, dayMessageIds: ReadonlySet<string>): boolean {
  if (event.type === 'track' && (event.event === 'Order Completed' || event.event === 'Order Refunded'))
    return true;
  return dayMessageIds.has(event.messageId);
}

/**
 * Concatenates partials in partition order (date, then hour), interning repeated strings so a day's
 * events share one copy of each id, name and channel. Given the figure day (the earliest date of the
 * window), events of the following days are kept only where they can change its figures, so a window
 * of D and D+1 holds little more than D.
 */
export function mergePartials(
  partials: readonly HourPartial[],
  intern: (value: string) => string = (value) => value,
  figureDay?: string,
): MergedPartials {
  const ordered = [...partials].sort((a, b) =>
    a.date === b.date ? (a.hour < b.hour ? -1 : a.hour > b.hour ? 1 : 0) : a.date < b.date ? -1 : 1,
  );
  const events: NormalizedEvent[] = [];
  const eventLinks = new Map<string, LinkCandidate>();
  const anonymousOnlyByDate = new Map<string, Set<string>>();
  const dayMessageIds = new Set<string>();
  // D's message ids are needed only to spot copies of D's events on later days (today has none yet).
  const laterDays = figureDay !== undefined && ordered.some((partial) => partial.date !== figureDay);
  for (const partial of ordered) {
    const otherDay = figureDay !== undefined && partial.date !== figureDay;
    let anonymousOnly = anonymousOnlyByDate.get(partial.date);
    if (!anonymousOnly) {
      anonymousOnly = new Set();
      anonymousOnlyByDate.set(partial.date, anonymousOnly);
    }
    for (const event of partial.events) {
      addEventLinks(eventLinks, event, intern);
      if (laterDays && !otherDay) dayMessageIds.add(event.messageId);
      if (otherDay && !readOutsideItsDay(event, dayMessageIds)) continue;
      const kept = internSlimmed(event, intern);
      events.push(kept);
      if (!kept.userId && kept.anonymousId) anonymousOnly.add(kept.anonymousId);
    }
  }
  return { events, eventLinks, anonymousOnlyByDate };
}

function addEventLinks(
  links: Map<string, LinkCandidate>,
  event: NormalizedEvent,
  intern: (value: string) => string,
): void {
  const pairs = linkPairsOf(event);
  if (pairs.length === 0) return;
  const time = Date.parse(event.timestamp);
  for (const [anonymousId, userId] of pairs)
    keepBetterLink(links, intern(anonymousId), { userId: intern(userId), time });
}
