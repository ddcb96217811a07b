/** Normalization of an accepted event (metrics.md §1): identity, receivedAt, skew-corrected event time. */
import { type IncomingEvent, parseIsoDateTime } from './schema';
import type { JsonObject, NormalizedEvent } from './types';

/** Event times more than this far ahead of the server clock are clamped to receivedAt. */
export const FUTURE_CLAMP_MS = 5 * 60 * 1000;

export interface NormalizeContext {
  site: string;
  receivedAtMs: number;
  /** receivedAt as ISO text, formatted once per request. */
  receivedAt?: string;
  /** Batch-level `sentAt`, used when an event carries none of its own. */
  batchSentAt?: string;
  /** Batch-level `context`, merged under each event's own context. */
  batchContext?: JsonObject;
  /** Gives the messageId when the client sent none; derived from the request so a retry gets the same id. */
  fallbackMessageId: () => string;
}

/**
 * Event time: receivedAt − (sentAt − timestamp) when the client sent both (Segment's clock-skew
 * correction), else the client timestamp, else receivedAt; clamped to receivedAt when more than five
 * minutes in the future.
 */
export function eventTimeMs(receivedAtMs: number, clientTimestamp?: string, sentAt?: string): number {
  const clientMs = clientTimestamp === undefined ? Number.NaN : parseIsoDateTime(clientTimestamp);
  const sentMs = sentAt === undefined ? Number.NaN : parseIsoDateTime(sentAt);
  let time = receivedAtMs;
  if (!Number.isNaN(clientMs)) time = Number.isNaN(sentMs) ? clientMs : receivedAtMs - (sentMs - clientMs);
  return time > receivedAtMs + FUTURE_CLAMP_MS ? receivedAtMs : time;
}

function idString(value: string | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  return text.length > 0 ? text : undefined;
}

export function normalizeEvent(event: IncomingEvent, ctx: NormalizeContext): NormalizedEvent {
  // Built by adding fields only: `delete` would drop V8 into slow dictionary-mode objects on the hot path.
  const {
    writeKey: _writeKey,
    // The client's event time: Segment sends `timestamp`, RudderStack `originalTimestamp`.
    originalTimestamp: rudderTimestamp,
    messageId,
    type,
    timestamp,
    sentAt: ownSentAt,
    context: ownContext,
    userId,
    anonymousId,
    previousId,
    groupId,
    ...rest
  } = event;
  const sentAt = ownSentAt ?? ctx.batchSentAt;
  const clientTimestamp = timestamp ?? rudderTimestamp;
  const normalized: NormalizedEvent = {
    messageId: messageId ?? ctx.fallbackMessageId(),
    type,
    ...rest,
    site: ctx.site,
    receivedAt: ctx.receivedAt ?? new Date(ctx.receivedAtMs).toISOString(),
    timestamp: new Date(eventTimeMs(ctx.receivedAtMs, clientTimestamp, sentAt)).toISOString(),
  };
  if (clientTimestamp !== undefined) normalized.originalTimestamp = clientTimestamp;
  if (sentAt !== undefined) normalized.sentAt = sentAt;
  if (ctx.batchContext) normalized.context = { ...ctx.batchContext, ...(ownContext ?? {}) };
  else if (ownContext) normalized.context = ownContext;
  const ids = [idString(userId), idString(anonymousId), idString(previousId), idString(groupId)] as const;
  if (ids[0] !== undefined) normalized.userId = ids[0];
  if (ids[1] !== undefined) normalized.anonymousId = ids[1];
  if (ids[2] !== undefined) normalized.previousId = ids[2];
  if (ids[3] !== undefined) normalized.groupId = ids[3];
  return normalized;
}

/** A UUID v4-shaped id from a hex digest, so generated ids are stable across retries of one request. */
export function uuidFromHex(hex: string): string {
  const h = hex.padEnd(32, '0');
  const variant = ((Number.parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
