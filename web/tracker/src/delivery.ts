/** Delivery rules: request limits (api.md, browser keepalive), batching, and the retry policy. */

/** The collector rejects a larger event (api.md: 32 KB per event). */
export const MAX_EVENT_BYTES = 32 * 1024;
/**
 * Browsers cap the bodies of in-flight `keepalive` fetches and beacons at 64 KiB per page, so one request
 * stays below that, far under the collector's 500 KB.
 */
export const MAX_REQUEST_BYTES = 63 * 1024;
/** The collector's own limit per batch. */
export const MAX_BATCH_EVENTS = 2500;

const encoder = new TextEncoder();

export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

export interface QueuedEvent {
  messageId: string;
  /** The event as JSON, serialized once when tracked and sent unchanged on every attempt. */
  json: string;
  bytes: number;
}

/** The request body: one string per attempt, with a fresh `sentAt` so the server corrects clock skew. */
export function batchBody(events: readonly QueuedEvent[], writeKey: string, sentAt: string): string {
  return `{"batch":[${events.map((e) => e.json).join(',')}],"sentAt":"${sentAt}","writeKey":${JSON.stringify(writeKey)}}`;
}

/** The leading events that fit one request: at most `maxEvents`, and the body within `maxBytes`. */
export function nextBatch(
  events: readonly QueuedEvent[],
  writeKey: string,
  limits: { maxEvents: number; maxBytes: number },
): QueuedEvent[] {
  let bytes = utf8Bytes(batchBody([], writeKey, new Date(0).toISOString()));
  const batch: QueuedEvent[] = [];
  for (const event of events) {
    const added = event.bytes + (batch.length > 0 ? 1 : 0);
    if (batch.length >= limits.maxEvents || bytes + added > limits.maxBytes) break;
    batch.push(event);
    bytes += added;
  }
  return batch;
}

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
}

/** 408, 429 and 5xx are worth retrying; other 4xx (400, 401, 403, 413, 415) would fail the same way again. */
export function isRetryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from `nowMs`. */
export function retryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

const LONGEST_WAIT_MS = 3_600_000;

/**
 * Exponential backoff with jitter (half fixed, half random, so clients spread out), never sooner than the
 * server's `Retry-After`. `attempt` counts failures so far, from 1.
 */
export function retryDelayMs(
  attempt: number,
  policy: RetryPolicy,
  random: number,
  retryAfter?: number,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = ceiling / 2 + (ceiling / 2) * random;
  return Math.min(LONGEST_WAIT_MS, Math.max(jittered, retryAfter ?? 0));
}
