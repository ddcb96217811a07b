import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  batchBody,
  isRetryable,
  nextBatch,
  type QueuedEvent,
  retryAfterMs,
  retryDelayMs,
  utf8Bytes,
} from '../../../web/tracker/src/delivery';

function queued(id: number, size: number, char = 'a'): QueuedEvent {
  const json = JSON.stringify({ messageId: `m${id}`, p: char.repeat(size) });
  return { messageId: `m${id}`, json, bytes: utf8Bytes(json) };
}

describe('batches', () => {
  it('split any queue into requests within both limits, in order and without loss', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ size: fc.integer({ min: 0, max: 3000 }), wide: fc.boolean() }), {
          maxLength: 80,
        }),
        fc.integer({ min: 1, max: 30 }),
        (specs, maxEvents) => {
          let rest = specs.map((spec, i) => queued(i, spec.size, spec.wide ? 'é' : 'a'));
          const all = rest.map((e) => e.messageId);
          const sent: string[] = [];
          while (rest.length > 0) {
            const batch = nextBatch(rest, 'wk', { maxEvents, maxBytes: 8000 });
            expect(batch.length).toBeGreaterThan(0);
            expect(batch.length).toBeLessThanOrEqual(maxEvents);
            const body = batchBody(batch, 'wk', new Date().toISOString());
            expect(utf8Bytes(body)).toBeLessThanOrEqual(8000);
            JSON.parse(body);
            sent.push(...batch.map((e) => e.messageId));
            rest = rest.slice(batch.length);
          }
          expect(sent).toEqual(all);
        },
      ),
    );
  });

  it('count bytes, not characters', () => {
    const wide = queued(1, 1000, '€');
    expect(wide.bytes).toBeGreaterThan(3000);
    expect(nextBatch([wide, wide], 'wk', { maxEvents: 10, maxBytes: 5000 })).toHaveLength(1);
  });
});

describe('retry policy', () => {
  it('retries 408, 429 and 5xx only', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryable)).toBe(true);
    expect([400, 401, 403, 404, 413, 415].some(isRetryable)).toBe(false);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-20T10:00:00Z');
    expect(retryAfterMs('5', now)).toBe(5000);
    expect(retryAfterMs('Fri, 20 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it('doubles up to the ceiling, jitters within the upper half, and never undercuts Retry-After', () => {
    const policy = { baseMs: 1000, maxMs: 60_000 };
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, policy, 1))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3].map((n) => retryDelayMs(n, policy, 0))).toEqual([500, 1000, 2000]);
    expect(retryDelayMs(20, policy, 1)).toBe(60_000);
    expect(retryDelayMs(1, policy, 0.5, 5000)).toBe(5000);
    expect(retryDelayMs(1, policy, 0.5, 10 * 86_400_000)).toBe(3_600_000);
  });
});
