import { describe, expect, it } from 'vitest';
import { archiveDigestOf, validateAndNormalize } from '../../../shared/events/ingest';
import {
  eventTimeMs,
  FUTURE_CLAMP_MS,
  type NormalizeContext,
  normalizeEvent,
} from '../../../shared/events/normalize';
import type { IncomingEvent } from '../../../shared/events/schema';
import type { JsonObject } from '../../../shared/events/types';

const RECEIVED = '2026-10-25T12:00:00.000Z';
const RECEIVED_MS = Date.parse(RECEIVED);
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const ctx = (extra: Partial<NormalizeContext> = {}): NormalizeContext => ({
  site: 'shop',
  receivedAtMs: RECEIVED_MS,
  fallbackMessageId: () => 'fallback-id',
  ...extra,
});

const iso = (ms: number): string => new Date(ms).toISOString();

describe('eventTimeMs', () => {
  it('corrects clock skew: receivedAt − (sentAt − timestamp) for a client clock behind the server', () => {
    // The client clock is one hour behind; the event happened 10 s before the client sent it.
    const time = eventTimeMs(RECEIVED_MS, '2026-10-25T11:00:00.000Z', '2026-10-25T11:00:10.000Z');

    expect(iso(time)).toBe('2026-10-25T11:59:50.000Z');
  });

  it('corrects clock skew for a client clock ahead of the server', () => {
    const time = eventTimeMs(RECEIVED_MS, '2026-10-25T13:00:00.000Z', '2026-10-25T13:00:30.000Z');

    expect(iso(time)).toBe('2026-10-25T11:59:30.000Z');
  });

  it('handles timestamps with zone offsets', () => {
    const time = eventTimeMs(RECEIVED_MS, '2026-10-25T13:00:00+02:00', '2026-10-25T11:00:05Z');

    expect(iso(time)).toBe('2026-10-25T11:59:55.000Z');
  });

  it('uses the client timestamp as is when there is no sentAt', () => {
    expect(iso(eventTimeMs(RECEIVED_MS, '2026-10-24T08:15:00.000Z'))).toBe('2026-10-24T08:15:00.000Z');
  });

  it('uses receivedAt when there is no client timestamp', () => {
    expect(eventTimeMs(RECEIVED_MS)).toBe(RECEIVED_MS);
  });

  it('uses receivedAt when there is only a sentAt', () => {
    expect(eventTimeMs(RECEIVED_MS, undefined, '2026-10-25T08:00:00.000Z')).toBe(RECEIVED_MS);
  });

  it('uses receivedAt for an unparseable timestamp and ignores an unparseable sentAt', () => {
    expect(eventTimeMs(RECEIVED_MS, 'garbage', '2026-10-25T08:00:00.000Z')).toBe(RECEIVED_MS);
    expect(iso(eventTimeMs(RECEIVED_MS, '2026-10-25T08:00:00.000Z', 'garbage'))).toBe(
      '2026-10-25T08:00:00.000Z',
    );
  });

  it('keeps an event time exactly five minutes ahead of receivedAt', () => {
    expect(iso(eventTimeMs(RECEIVED_MS, '2026-10-25T12:05:00.000Z'))).toBe('2026-10-25T12:05:00.000Z');
  });

  it('clamps an event time more than five minutes ahead to receivedAt', () => {
    expect(eventTimeMs(RECEIVED_MS, '2026-10-25T12:05:00.001Z')).toBe(RECEIVED_MS);
    expect(eventTimeMs(RECEIVED_MS, '2027-01-01T00:00:00.000Z')).toBe(RECEIVED_MS);
  });

  it('clamps after skew correction (timestamp 10 min after the client sentAt)', () => {
    expect(eventTimeMs(RECEIVED_MS, '2026-10-25T09:10:00.000Z', '2026-10-25T09:00:00.000Z')).toBe(
      RECEIVED_MS,
    );
    expect(eventTimeMs(RECEIVED_MS, '2026-10-25T09:05:00.000Z', '2026-10-25T09:00:00.000Z')).toBe(
      RECEIVED_MS + FUTURE_CLAMP_MS,
    );
  });

  it('never clamps past event times', () => {
    expect(iso(eventTimeMs(RECEIVED_MS, '2020-01-01T00:00:00.000Z'))).toBe('2020-01-01T00:00:00.000Z');
  });
});

describe('normalizeEvent', () => {
  it('produces the archive line for a track event', () => {
    const event: IncomingEvent = {
      type: 'track',
      event: 'Order Completed',
      messageId: 'msg-1',
      anonymousId: 'anon-1',
      properties: { total: 42 },
      timestamp: '2026-10-25T11:00:00.000Z',
      sentAt: '2026-10-25T11:00:10.000Z',
    };

    expect(normalizeEvent(event, ctx())).toEqual({
      type: 'track',
      event: 'Order Completed',
      messageId: 'msg-1',
      anonymousId: 'anon-1',
      properties: { total: 42 },
      site: 'shop',
      receivedAt: RECEIVED,
      originalTimestamp: '2026-10-25T11:00:00.000Z',
      timestamp: '2026-10-25T11:59:50.000Z',
      sentAt: '2026-10-25T11:00:10.000Z',
    });
  });

  it('keeps originalTimestamp exactly as sent and writes timestamp as UTC ISO with milliseconds', () => {
    const event: IncomingEvent = { type: 'page', anonymousId: 'a', timestamp: '2026-10-25T13:00:00+02:00' };

    const normalized = normalizeEvent(event, ctx());

    expect(normalized.originalTimestamp).toBe('2026-10-25T13:00:00+02:00');
    expect(normalized.timestamp).toBe('2026-10-25T11:00:00.000Z');
  });

  it('keeps the sent timestamp as originalTimestamp even when the event time is clamped', () => {
    const event: IncomingEvent = { type: 'page', anonymousId: 'a', timestamp: '2026-10-25T13:00:00.000Z' };

    const normalized = normalizeEvent(event, ctx());

    expect(normalized.originalTimestamp).toBe('2026-10-25T13:00:00.000Z');
    expect(normalized.timestamp).toBe(RECEIVED);
  });

  it('uses receivedAt as timestamp and has no originalTimestamp when the client sent no time at all', () => {
    const event: IncomingEvent = { type: 'page', anonymousId: 'a' };

    const normalized = normalizeEvent(event, ctx());

    expect(normalized.timestamp).toBe(RECEIVED);
    expect(normalized).not.toHaveProperty('originalTimestamp');
  });

  it('takes RudderStack’s originalTimestamp as the client event time when timestamp is absent', () => {
    const event: IncomingEvent = {
      type: 'page',
      anonymousId: 'a',
      originalTimestamp: '2026-10-25T11:00:00.000Z',
    };

    const normalized = normalizeEvent(event, ctx());

    expect(normalized.timestamp).toBe('2026-10-25T11:00:00.000Z');
    expect(normalized.originalTimestamp).toBe('2026-10-25T11:00:00.000Z');
  });

  it('applies the batch-level sentAt to an event without its own sentAt', () => {
    const event: IncomingEvent = { type: 'page', anonymousId: 'a', timestamp: '2026-10-25T08:00:00.000Z' };

    const normalized = normalizeEvent(event, ctx({ batchSentAt: '2026-10-25T08:00:20.000Z' }));

    expect(normalized.timestamp).toBe('2026-10-25T11:59:40.000Z');
    expect(normalized.sentAt).toBe('2026-10-25T08:00:20.000Z');
  });

  it("prefers the event's own sentAt over the batch-level sentAt", () => {
    const event: IncomingEvent = {
      type: 'page',
      anonymousId: 'a',
      timestamp: '2026-10-25T08:00:00.000Z',
      sentAt: '2026-10-25T08:00:01.000Z',
    };

    const normalized = normalizeEvent(event, ctx({ batchSentAt: '2026-10-25T08:00:20.000Z' }));

    expect(normalized.timestamp).toBe('2026-10-25T11:59:59.000Z');
    expect(normalized.sentAt).toBe('2026-10-25T08:00:01.000Z');
  });

  it('has no sentAt when neither the event nor the batch sent one', () => {
    expect(normalizeEvent({ type: 'page', anonymousId: 'a' }, ctx())).not.toHaveProperty('sentAt');
  });

  it('strips the writeKey', () => {
    const event: IncomingEvent = { type: 'page', anonymousId: 'a', writeKey: 'wk_secret' };

    const normalized = normalizeEvent(event, ctx());

    expect(normalized).not.toHaveProperty('writeKey');
    expect(JSON.stringify(normalized)).not.toContain('wk_secret');
  });

  it('overrides client-sent site and receivedAt with server values', () => {
    const event: IncomingEvent = {
      type: 'page',
      anonymousId: 'a',
      site: 'other-shop',
      receivedAt: '2000-01-01T00:00:00.000Z',
    };

    const normalized = normalizeEvent(event, ctx());

    expect(normalized.site).toBe('shop');
    expect(normalized.receivedAt).toBe(RECEIVED);
  });

  it('merges the batch context under the event context, the event winning per key', () => {
    const batchContext: JsonObject = { library: { name: 'analytics.js' }, locale: 'it-IT', ip: '1.1.1.1' };
    const event: IncomingEvent = {
      type: 'page',
      anonymousId: 'a',
      context: { locale: 'en-US', page: { path: '/cart' } },
    };

    const normalized = normalizeEvent(event, ctx({ batchContext }));

    expect(normalized.context).toEqual({
      library: { name: 'analytics.js' },
      locale: 'en-US',
      ip: '1.1.1.1',
      page: { path: '/cart' },
      // Inferred from the merged context's library (shared/events/channel.ts).
      channel: 'web',
    });
    expect(batchContext).toEqual({ library: { name: 'analytics.js' }, locale: 'it-IT', ip: '1.1.1.1' });
  });

  it('uses a copy of the batch context when the event has none', () => {
    const batchContext: JsonObject = { locale: 'it-IT' };

    const normalized = normalizeEvent({ type: 'page', anonymousId: 'a' }, ctx({ batchContext }));

    expect(normalized.context).toEqual({ locale: 'it-IT' });
    expect(normalized.context).not.toBe(batchContext);
  });

  it('has no context when neither the event nor the batch has one', () => {
    expect(normalizeEvent({ type: 'page', anonymousId: 'a' }, ctx())).not.toHaveProperty('context');
  });

  it('stores every id as a string and drops empty ids', () => {
    const event: IncomingEvent = {
      type: 'group',
      userId: 42,
      anonymousId: '',
      previousId: 0,
      groupId: 'g-1',
    };

    const normalized = normalizeEvent(event, ctx());

    expect(normalized.userId).toBe('42');
    expect(normalized.previousId).toBe('0');
    expect(normalized.groupId).toBe('g-1');
    expect(normalized).not.toHaveProperty('anonymousId');
  });

  it("keeps the client's messageId and uses the fallback only when there is none", () => {
    expect(normalizeEvent({ type: 'page', anonymousId: 'a', messageId: 'm-1' }, ctx()).messageId).toBe('m-1');
    expect(normalizeEvent({ type: 'page', anonymousId: 'a' }, ctx()).messageId).toBe('fallback-id');
  });

  it('does not mutate the incoming event', () => {
    const event: IncomingEvent = {
      type: 'page',
      anonymousId: 'a',
      userId: 5,
      writeKey: 'wk',
      context: { x: 1 },
    };
    const before = structuredClone(event);

    normalizeEvent(event, ctx({ batchContext: { y: 2 }, batchSentAt: RECEIVED }));

    expect(event).toEqual(before);
  });
});

describe('generated messageIds (validateAndNormalize)', () => {
  const options = { site: 'shop', receivedAtMs: RECEIVED_MS };
  const events = [
    { type: 'page', anonymousId: 'a' },
    { type: 'page', anonymousId: 'a' },
    { type: 'track', event: 'E', anonymousId: 'a', messageId: 'client-id' },
  ];

  function messageIds(): string[] {
    const { accepted, rejected } = validateAndNormalize({ events }, options);
    expect(rejected).toEqual([]);
    return accepted.map((a) => a.event.messageId);
  }

  it('generates UUID-v4 ids for events without a messageId and keeps the client ones', () => {
    const [first, second, third] = messageIds();

    expect(first).toMatch(UUID_V4);
    expect(second).toMatch(UUID_V4);
    expect(third).toBe('client-id');
  });

  it('generates new ids for an identical request, as Segment does: two requests are two events', () => {
    const [first, second] = messageIds();
    const [again, againSecond] = messageIds();

    expect(first).not.toBe(second);
    expect(again).not.toBe(first);
    expect(againSecond).not.toBe(second);
  });

  it('takes the ids from the given generator', () => {
    let next = 0;
    const { accepted } = validateAndNormalize(
      { events: ['not an event', { type: 'page', anonymousId: 'a' }] },
      { ...options, newMessageId: () => `generated-${next++}` },
    );

    expect(accepted.map((a) => [a.index, a.event.messageId])).toEqual([[1, 'generated-0']]);
  });
});

describe('archiveDigestOf', () => {
  const body = '{"batch":[{"type":"page","anonymousId":"a"}]}';
  const normalize = (messageId?: string) =>
    validateAndNormalize(
      { events: [{ type: 'page', anonymousId: 'a', ...(messageId ? { messageId } : {}) }] },
      { site: 'shop', receivedAtMs: RECEIVED_MS },
    ).accepted;

  it('is the same for a retry of a request whose events carry their ids (it overwrites its own object)', () => {
    expect(archiveDigestOf('shop', body, normalize('m-1'))).toBe(
      archiveDigestOf('shop', body, normalize('m-1')),
    );
  });

  it('differs for identical requests without ids (neither overwrites the other)', () => {
    expect(archiveDigestOf('shop', body, normalize())).not.toBe(archiveDigestOf('shop', body, normalize()));
  });

  it('differs for another site or body', () => {
    const accepted = normalize('m-1');
    expect(archiveDigestOf('other', body, accepted)).not.toBe(archiveDigestOf('shop', body, accepted));
    expect(archiveDigestOf('shop', `${body} `, accepted)).not.toBe(archiveDigestOf('shop', body, accepted));
  });
});

describe('validateAndNormalize', () => {
  const options = { site: 'shop', receivedAtMs: RECEIVED_MS };

  it('normalizes accepted events with the batch sentAt and context', () => {
    const { accepted } = validateAndNormalize(
      {
        events: [{ type: 'page', anonymousId: 'a', timestamp: '2026-10-25T10:00:00.000Z', writeKey: 'wk' }],
        batchSentAt: '2026-10-25T10:00:30.000Z',
        batchContext: { library: { name: 'analytics-node' } },
      },
      options,
    );
    const [only] = accepted;
    if (!only) throw new Error('expected one accepted event');

    expect(only.event.timestamp).toBe('2026-10-25T11:59:30.000Z');
    expect(only.event.context).toEqual({ library: { name: 'analytics-node' }, channel: 'server' });
    expect(only.event).not.toHaveProperty('writeKey');
    expect(only.event.site).toBe('shop');
  });
});
