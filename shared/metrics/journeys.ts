/** Journey, session, touchpoint and channel rules for single events (metrics.md §2). */
import type { IdentityLinks, NormalizedEvent } from '../events/types';
import { stringField } from './properties';

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
  return stringField(event.properties, 'touchpoint') ?? stringField(event.context, 'touchpoint');
}

export const UNKNOWN_CHANNEL = 'unknown';

/** Channel (metrics.md §2): `context.channel`, else `"unknown"`. */
export function channelOf(event: NormalizedEvent): string {
  return stringField(event.context, 'channel') ?? UNKNOWN_CHANNEL;
}

/**
 * Session split (metrics.md §2): between two consecutive activity events of one journey and day, a new
 * session starts when the gap exceeds `sessionGapMinutes` — a gap of exactly the limit stays in the
 * session. Day boundaries are handled by the caller, which only ever sessionizes one day.
 */
export function startsNewSession(previousTime: number, time: number, gapMinutes: number): boolean {
  return time - previousTime > gapMinutes * 60_000;
}
