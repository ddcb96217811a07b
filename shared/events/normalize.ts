/**
 * Normalization of an accepted event (metrics.md §1): identity, receivedAt, skew-corrected event time,
 * and the channel when the client named none in `context.channel` (./channel.ts).
 */
import { inferredChannelOf } from './channel';
import { defineOwn } from './privacy';
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
  /** Gives the messageId when the client sent none. */
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
  const text = typeof value === 'string' ? value : String(value);
  return text.length > 0 ? text : undefined;
}

/** Fields normalization places itself; every other field of the event is copied as sent. */
const PLACED_FIELDS: ReadonlySet<string> = new Set([
  'writeKey',
  'originalTimestamp',
  'messageId',
  'type',
  'timestamp',
  'sentAt',
  'context',
  'userId',
  'anonymousId',
  'previousId',
  'groupId',
]);

export function normalizeEvent(event: IncomingEvent, ctx: NormalizeContext): NormalizedEvent {
  // The client's event time: Segment sends `timestamp`, RudderStack `originalTimestamp`.
  const clientTimestamp = event.timestamp ?? event.originalTimestamp;
  const sentAt = event.sentAt ?? ctx.batchSentAt;
  // Built by adding fields only, in the archive's field order: messageId, type, the client's other
  // fields as sent, then the server's. `delete` would drop V8 into slow dictionary-mode objects.
  const normalized = {
    messageId: event.messageId ?? ctx.fallbackMessageId(),
    type: event.type,
  } as NormalizedEvent;
  for (const key in event) {
    if (Object.hasOwn(event, key) && !PLACED_FIELDS.has(key)) defineOwn(normalized, key, event[key]);
  }
  normalized.site = ctx.site;
  normalized.receivedAt = ctx.receivedAt ?? new Date(ctx.receivedAtMs).toISOString();
  normalized.timestamp = new Date(eventTimeMs(ctx.receivedAtMs, clientTimestamp, sentAt)).toISOString();
  if (clientTimestamp !== undefined) normalized.originalTimestamp = clientTimestamp;
  if (sentAt !== undefined) normalized.sentAt = sentAt;
  const ownContext = event.context;
  if (ctx.batchContext) normalized.context = { ...ctx.batchContext, ...(ownContext ?? {}) };
  else if (ownContext) normalized.context = ownContext;
  const channel = inferredChannelOf(event.channel, normalized.context);
  if (channel !== undefined) normalized.context = { ...normalized.context, channel };
  const userId = idString(event.userId);
  if (userId !== undefined) normalized.userId = userId;
  const anonymousId = idString(event.anonymousId);
  if (anonymousId !== undefined) normalized.anonymousId = anonymousId;
  const previousId = idString(event.previousId);
  if (previousId !== undefined) normalized.previousId = previousId;
  const groupId = idString(event.groupId);
  if (groupId !== undefined) normalized.groupId = groupId;
  return normalized;
}
