import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../../shared/events/types';
import { channelOf, journeyIdOf, startsNewSession, touchpointOf } from '../../../shared/metrics/journeys';
import { figuresOf, page, track, utcSite } from './fixtures';

const base: NormalizedEvent = {
  messageId: 'm',
  type: 'track',
  site: 'test-shop',
  receivedAt: '2026-10-24T10:00:00.000Z',
  timestamp: '2026-10-24T10:00:00.000Z',
};
const links = new Map([['a-linked', 'u-linked']]);

describe('journeyIdOf (metrics.md §2)', () => {
  it.each([
    { why: 'userId when present', event: { userId: 'u1', anonymousId: 'a-linked' }, journey: 'u1' },
    { why: 'the user linked to the anonymousId', event: { anonymousId: 'a-linked' }, journey: 'u-linked' },
    { why: 'the anonymousId when it has no link', event: { anonymousId: 'a-free' }, journey: 'a-free' },
  ])('is $why', ({ event, journey }) => {
    expect(journeyIdOf({ ...base, ...event }, links)).toBe(journey);
  });
});

describe('touchpointOf (metrics.md §2)', () => {
  it.each([
    {
      why: 'properties.touchpoint first',
      event: { properties: { touchpoint: 'live_chat' }, context: { touchpoint: 'size_guide' } },
      touchpoint: 'live_chat',
    },
    {
      why: 'context.touchpoint otherwise',
      event: { properties: {}, context: { touchpoint: 'size_guide' } },
      touchpoint: 'size_guide',
    },
    {
      why: 'none without either',
      event: { properties: { price: 3 }, context: { channel: 'web' } },
      touchpoint: undefined,
    },
    { why: 'none for a non-string value', event: { properties: { touchpoint: 7 } }, touchpoint: undefined },
  ])('takes $why', ({ event, touchpoint }) => {
    expect(touchpointOf({ ...base, ...event })).toBe(touchpoint);
  });
});

describe('channelOf (metrics.md §2)', () => {
  it.each([
    { why: 'context.channel', event: { context: { channel: 'store' } }, channel: 'store' },
    { why: '"unknown" without a context', event: {}, channel: 'unknown' },
    { why: '"unknown" without context.channel', event: { context: { touchpoint: 'x' } }, channel: 'unknown' },
    { why: 'not properties.channel', event: { properties: { channel: 'app' } }, channel: 'unknown' },
  ])('is $why', ({ event, channel }) => {
    expect(channelOf({ ...base, ...event })).toBe(channel);
  });
});

describe('sessions (metrics.md §2)', () => {
  it.each([
    { gap: 30 * 60_000 - 1, newSession: false },
    { gap: 30 * 60_000, newSession: false },
    { gap: 30 * 60_000 + 1, newSession: true },
  ])('a gap of $gap ms starts a new session: $newSession', ({ gap, newSession }) => {
    expect(startsNewSession(0, gap, 30)).toBe(newSession);
  });

  it.each([
    { second: '2026-10-24T10:30:00', sessions: 1, why: 'keeps a gap of exactly 30 minutes in one session' },
    { second: '2026-10-24T10:30:01', sessions: 2, why: 'starts a new session after 30 minutes and 1 second' },
  ])('$why', ({ second, sessions }) => {
    const events = [page({ at: '2026-10-24T10:00:00' }), page({ at: second })];
    expect(figuresOf(events).traffic.sessions).toBe(sessions);
  });

  it('measures the gap from the previous event, so a session can last longer than the gap', () => {
    const events = ['10:00', '10:25', '10:50', '11:15'].map((t) => page({ at: `2026-10-24T${t}` }));
    expect(figuresOf(events).traffic.sessions).toBe(1);
  });

  it('honours sessionGapMinutes from the site config', () => {
    const events = [page({ at: '2026-10-24T10:00' }), page({ at: '2026-10-24T10:11' })];
    expect(figuresOf(events, { config: utcSite({ sessionGapMinutes: 10 }) }).traffic.sessions).toBe(2);
  });

  it('splits a session at site-local midnight: each day counts its own part', () => {
    const events = [
      page({ at: '2026-10-24T23:50' }),
      page({ at: '2026-10-24T23:59' }),
      page({ at: '2026-10-25T00:05' }),
    ];
    expect(figuresOf(events).traffic).toMatchObject({ sessions: 1, events: 2, bounceRate: 0 });
    expect(figuresOf(events, { date: '2026-10-25' }).traffic).toMatchObject({
      sessions: 1,
      events: 1,
      bounceRate: 1,
    });
  });

  it('keeps sessions of different journeys apart even when interleaved', () => {
    const events = [
      page({ at: '2026-10-24T10:00', anon: 'a' }),
      page({ at: '2026-10-24T10:10', anon: 'b' }),
      page({ at: '2026-10-24T10:20', anon: 'a' }),
      track('Product Viewed', { at: '2026-10-24T10:40', anon: 'b' }),
    ];
    expect(figuresOf(events).traffic).toMatchObject({ journeys: 2, sessions: 2 });
  });

  it('ignores identify events when splitting sessions', () => {
    const events = [
      page({ at: '2026-10-24T10:00', anon: 'a' }),
      { ...page({ at: '2026-10-24T10:25', anon: 'a' }), type: 'identify' as const, userId: 'u' },
      page({ at: '2026-10-24T10:50', anon: 'a' }),
    ];
    expect(figuresOf(events).traffic.sessions).toBe(2);
  });
});
