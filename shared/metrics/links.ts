/** Identity links: which user id an anonymous id belongs to (metrics.md §2, "Identity links"). */
import type { NormalizedEvent } from '../events/types';
import { parseInstant } from './instant';

/** One observation "anonymous id → user id" made by an event at `time` (epoch ms). */
export interface LinkCandidate {
  readonly userId: string;
  readonly time: number;
}

/**
 * Whether candidate `a` beats the current link `b` of the same anonymous id: the earliest event time
 * wins (metrics.md §2); on an exact tie the lexicographically smaller user id wins, so the outcome never
 * depends on arrival order (the DynamoDB conditional write applies the same rule).
 */
export function betterLink(a: LinkCandidate, b: LinkCandidate): boolean {
  if (a.time !== b.time) return a.time < b.time;
  return a.userId < b.userId;
}

/** Records `candidate` for `anonymousId` unless the link already held there beats it. */
export function keepBetterLink(
  links: Map<string, LinkCandidate>,
  anonymousId: string,
  candidate: LinkCandidate,
): void {
  const current = links.get(anonymousId);
  if (current === undefined || betterLink(candidate, current)) links.set(anonymousId, candidate);
}

/**
 * The links an event makes: `anonymousId → userId` when it carries both, and for an `alias`
 * `previousId → userId`. Returns [anonymousId, userId] pairs (none for most events).
 */
export function linkPairsOf(event: NormalizedEvent): Array<[string, string]> {
  const { userId, anonymousId, previousId } = event;
  if (!userId) return [];
  const pairs: Array<[string, string]> = [];
  if (anonymousId) pairs.push([anonymousId, userId]);
  if (event.type === 'alias' && previousId && previousId !== anonymousId) pairs.push([previousId, userId]);
  return pairs;
}

/**
 * anonymousId → userId from a set of events, of any day (metrics.md §2): every event with both ids and
 * every alias links; per anonymous id the link with the earliest event time wins (`betterLink`).
 * Events whose time does not parse are ignored. Pass de-duplicated events: a dropped duplicate is
 * "ignored everywhere else" (§1) — identical copies change nothing, but a copy with another timestamp
 * could.
 *
 * The conformance data confirms each part: links made by later days' events count for earlier days
 * (links from events up to the end of D alone give 73 wrong figures), the earliest link wins (the
 * latest gives 78), and aliases link (without them, 44).
 */
export function linksFromEvents(events: Iterable<NormalizedEvent>): Map<string, string> {
  const best = new Map<string, LinkCandidate>();
  for (const event of events) {
    if (!event.userId) continue;
    const pairs = linkPairsOf(event);
    if (pairs.length === 0) continue;
    const time = parseInstant(event.timestamp);
    if (Number.isNaN(time)) continue;
    for (const [anonymousId, userId] of pairs) keepBetterLink(best, anonymousId, { userId, time });
  }
  const links = new Map<string, string>();
  for (const [anonymousId, candidate] of best) links.set(anonymousId, candidate.userId);
  return links;
}
