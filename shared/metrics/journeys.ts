/** Journey, session, touchpoint and channel rules for single events (metrics.md §2). */
import type { IdentityLinks, NormalizedEvent } from '../events/types';

/**
 * Journey id (metrics.md §2): `userId` if present; else the user id linked to the `anonymousId` (links
 * from all events received so far, of any day — the caller passes them); else the `anonymousId`.
 * An event with neither id (not accepted at ingest) falls back to `previousId`, then its own messageId,
 * so it never merges with other events.
 */
export function journeyIdOf(event: NormalizedEvent, links: IdentityLinks): string {
  if (event.userId) return event.userId;
  const { anonymousId } = event;
  if (anonymousId) return links.get(anonymousId) ?? anonymousId;
  return event.previousId || `message:${event.messageId}`;
}

/** Touchpoint (metrics.md §2): `properties.touchpoint`, else `context.touchpoint`, else none. */
export function touchpointOf(event: NormalizedEvent): string | undefined {
  // Named reads (not stringField's keyed ones): this runs for every event of the day.
  const fromProperties = event.properties?.touchpoint;
  if (typeof fromProperties === 'string' && fromProperties !== '') return fromProperties;
  const fromContext = event.context?.touchpoint;
  return typeof fromContext === 'string' && fromContext !== '' ? fromContext : undefined;
}

export const UNKNOWN_CHANNEL = 'unknown';

/**
 * Channel (metrics.md §2): `context.channel`, else `"unknown"`. The collector fills `context.channel` in
 * for an event that names none, from its top-level `channel` or its SDK (shared/events/channel.ts).
 */
export function channelOf(event: NormalizedEvent): string {
  const channel = event.context?.channel;
  return typeof channel === 'string' && channel !== '' ? channel : UNKNOWN_CHANNEL;
}

/**
 * Session split (metrics.md §2): between two consecutive activity events of one journey and day, a new
 * session starts when the gap exceeds `sessionGapMinutes` — a gap of exactly the limit stays in the
 * session. Day boundaries are handled by the caller, which only ever sessionizes one day.
 */
export function startsNewSession(previousTime: number, time: number, gapMinutes: number): boolean {
  return time - previousTime > gapMinutes * 60_000;
}
