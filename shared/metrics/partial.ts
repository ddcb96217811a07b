/**
 * Hour partials: what the aggregator keeps of one archive partition (site, site-local day, hour) so
 * later runs need not read and parse its objects again (architecture.md "Scale notes": hourly
 * partitions are independent and their partials mergeable).
 *
 * A partial holds the partition's events slimmed to the fields the figures read (slim.ts), in archive
 * order, and the identity links stored for its anonymous ids when it was built. Merging partials in
 * partition order gives exactly the events, in exactly the order, that reading every object of those
 * partitions would: de-duplication ("earliest receivedAt, then archive order", metrics.md §1) and
 * every figure come out the same whichever way the events were read.
 */
import type { NormalizedEvent } from '../events/types';
import { betterLink, type LinkCandidate } from './links';
import { internSlimmed } from './slim';

/** Bumped whenever the shape or the slimming changes: partials of another format are rebuilt. */
export const PARTIAL_FORMAT = 1;

export interface PartialSource {
  key: string;
  size: number;
}

/** A stored identity link: anonymous id, user id, event time (epoch ms) of the event that made it. */
export type StoredLinkEntry = readonly [anonymousId: string, userId: string, eventTimeMs: number];

export interface HourPartial {
  format: typeof PARTIAL_FORMAT;
  site: string;
  date: string;
  hour: string;
  /** The archive objects it was built from, in key order: a partial is current while they are. */
  sources: PartialSource[];
  /** Epoch ms at which its stored links were looked up. */
  builtAt: number;
  events: NormalizedEvent[];
  /** Archive lines that did not parse. */
  unreadable: number;
  /** Stored links of the anonymous ids that appear without a user id in `events`. */
  storedLinks: StoredLinkEntry[];
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

/** Anonymous ids met without a user id: the ones whose journey depends on a stored link. */
export function anonymousOnlyIds(events: Iterable<NormalizedEvent>): Set<string> {
  const ids = new Set<string>();
  for (const event of events) if (!event.userId && event.anonymousId) ids.add(event.anonymousId);
  return ids;
}

export interface MergedPartials {
  events: NormalizedEvent[];
  /** The best stored link per anonymous id over all partials (earliest event time wins, links.ts). */
  storedLinks: Map<string, LinkCandidate>;
  unreadable: number;
}

/**
 * Concatenates partials in partition order (date, then hour), interning repeated strings so a day's
 * events share one copy of each id, name and channel.
 */
export function mergePartials(
  partials: readonly HourPartial[],
  intern: (value: string) => string = (value) => value,
): MergedPartials {
  const ordered = [...partials].sort((a, b) =>
    a.date === b.date ? (a.hour < b.hour ? -1 : a.hour > b.hour ? 1 : 0) : a.date < b.date ? -1 : 1,
  );
  const events: NormalizedEvent[] = [];
  const storedLinks = new Map<string, LinkCandidate>();
  let unreadable = 0;
  for (const partial of ordered) {
    for (const event of partial.events) events.push(internSlimmed(event, intern));
    unreadable += partial.unreadable;
    for (const [anonymousId, userId, time] of partial.storedLinks) {
      const candidate = { userId, time };
      const current = storedLinks.get(anonymousId);
      if (!current || betterLink(candidate, current)) storedLinks.set(intern(anonymousId), candidate);
    }
  }
  return { events, storedLinks, unreadable };
}
