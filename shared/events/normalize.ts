/** Normalization of an accepted event (metrics.md §1): identity, receivedAt, skew-corrected event time. */
import type { IncomingEvent } from './schema';
import type { JsonObject, NormalizedEvent } from './types';

/** Event times more than this far ahead of the server clock are clamped to receivedAt. */
export const FUTURE_CLAMP_MS = 5 * 60 * 1000;

export interface NormalizeContext {
  site: string;
  receivedAtMs: number;
  /** Batch-level `sentAt`, used when an event carries none of its own. */
  batchSentAt?: string;
  /** Batch-level `context`, merged under each event's own context. */
  batchContext?: JsonObject;
  /** Used as messageId when the client sent none; derived from the request so a retry gets the same id. */
  fallbackMessageId: string;
}

/**
 * Event time: receivedAt − (sentAt − timestamp) when the client sent both (Segment's clock-skew
 * correction), else the client timestamp, else receivedAt; clamped to receivedAt when more than five
 * minutes in the future.
 */
export function eventTimeMs(receivedAtMs: number, clientTimestamp?: string, sentAt?: string): number {
  const clientMs = clientTimestamp === undefined ? Number.NaN : Date.parse(clientTimestamp);
  const sentMs = sentAt === undefined ? Number.NaN : Date.parse(sentAt);
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
  const { writeKey: _writeKey, userId, anonymousId, previousId, groupId, ...rest } = event;
  const sentAt = event.sentAt ?? ctx.batchSentAt;
  const context =
    ctx.batchContext || event.context ? { ...(ctx.batchContext ?? {}), ...(event.context ?? {}) } : undefined;
  const normalized: NormalizedEvent = {
    ...rest,
    messageId: event.messageId ?? ctx.fallbackMessageId,
    type: event.type,
    site: ctx.site,
    receivedAt: new Date(ctx.receivedAtMs).toISOString(),
    timestamp: new Date(eventTimeMs(ctx.receivedAtMs, event.timestamp, sentAt)).toISOString(),
  };
  if (event.timestamp !== undefined) normalized.originalTimestamp = event.timestamp;
  else delete normalized.originalTimestamp;
  if (sentAt !== undefined) normalized.sentAt = sentAt;
  if (context) normalized.context = context;
  const ids = { userId, anonymousId, previousId, groupId };
  for (const key of ['userId', 'anonymousId', 'previousId', 'groupId'] as const) {
    const id = idString(ids[key]);
    if (id !== undefined) normalized[key] = id;
  }
  return normalized;
}

/** A UUID v4-shaped id from a hex digest, so generated ids are stable across retries of one request. */
export function uuidFromHex(hex: string): string {
  const h = hex.padEnd(32, '0');
  const variant = ((Number.parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
