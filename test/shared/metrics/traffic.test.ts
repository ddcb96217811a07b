import { describe, expect, it } from 'vitest';
import { alias, figuresOf, identify, page, screen, track, utcSite } from './fixtures';

const rome = utcSite({ timezone: 'Europe/Rome' });

describe('traffic (metrics.md §4)', () => {
  it('counts activity events, page + screen views, journeys, sessions and bounces', () => {
    const events = [
      page({ at: '2026-10-24T10:00', anon: 'a', ctx: { channel: 'web' } }),
      track('Product Viewed', { at: '2026-10-24T10:05', anon: 'a', ctx: { channel: 'web' } }),
      screen({ at: '2026-10-24T11:00', anon: 'a', ctx: { channel: 'app' } }),
      page({ at: '2026-10-24T12:00', anon: 'b' }),
      identify({ at: '2026-10-24T12:01', anon: 'b', user: 'u-b', ctx: { channel: 'web' } }),
      alias('b', 'u-b', '2026-10-24T12:01'),
      { ...page({ at: '2026-10-24T12:02', anon: 'c' }), type: 'group' as const },
    ];

    const { traffic } = figuresOf(events);

    expect(traffic).toEqual({
      events: 4,
      journeys: 2,
      sessions: 3,
      pageviews: 3,
      bounceRate: 2 / 3,
      byChannel: {
        app: { events: 1, journeys: 1 },
        unknown: { events: 1, journeys: 1 },
        web: { events: 2, journeys: 1 },
      },
    });
  });

  it('counts a journey once per channel it used', () => {
    const events = [
      page({ at: '2026-10-24T10:00', anon: 'a', ctx: { channel: 'web' } }),
      page({ at: '2026-10-24T10:01', anon: 'a', ctx: { channel: 'web' } }),
      page({ at: '2026-10-24T10:02', anon: 'a', ctx: { channel: 'store' } }),
      page({ at: '2026-10-24T10:03', anon: 'b', ctx: { channel: 'web' } }),
    ];
    expect(figuresOf(events).traffic.byChannel).toEqual({
      store: { events: 1, journeys: 1 },
      web: { events: 3, journeys: 2 },
    });
  });

  it('gives a null bounce rate and empty byChannel on a day without sessions', () => {
    expect(figuresOf([identify({ at: '2026-10-24T10:00', anon: 'a', user: 'u' })]).traffic).toEqual({
      events: 0,
      journeys: 0,
      sessions: 0,
      pageviews: 0,
      bounceRate: null,
      byChannel: {},
    });
  });
});

describe('site-local days and DST (metrics.md §1)', () => {
  // Europe/Rome leaves summer time on 2026-10-25: 03:00 CEST becomes 02:00 CET, the day lasts 25 hours.
  it.each([
    { at: '2026-10-24T21:59:59', date: '2026-10-24', why: '23:59:59 CEST on the 24th' },
    { at: '2026-10-24T22:00:00', date: '2026-10-25', why: '00:00 CEST, the first instant of the 25th' },
    { at: '2026-10-25T00:30:00', date: '2026-10-25', why: 'the first 02:30 (CEST)' },
    { at: '2026-10-25T01:30:00', date: '2026-10-25', why: 'the second 02:30 (CET)' },
    { at: '2026-10-25T22:59:59', date: '2026-10-25', why: '23:59:59 CET, the 25th hour' },
    { at: '2026-10-25T23:00:00', date: '2026-10-26', why: '00:00 CET on the 26th' },
  ])('puts $why on $date', ({ at, date }) => {
    const events = [page({ at })];
    for (const day of ['2026-10-24', '2026-10-25', '2026-10-26']) {
      expect(figuresOf(events, { config: rome, date: day }).traffic.events).toBe(day === date ? 1 : 0);
    }
  });

  it('counts all 25 hours of the autumn DST day', () => {
    const events = Array.from({ length: 25 }, (_, hour) =>
      page({ at: new Date(Date.UTC(2026, 9, 24, 22 + hour, 15)).toISOString(), anon: `a${hour}` }),
    );
    expect(figuresOf(events, { config: rome, date: '2026-10-25' }).traffic.events).toBe(25);
    expect(figuresOf(events, { config: rome, date: '2026-10-26' }).traffic.events).toBe(0);
  });

  it('counts only 23 hours on the spring DST day', () => {
    // 2026-03-29: 02:00 CET jumps to 03:00 CEST; the day runs 2026-03-28T23:00Z .. 2026-03-29T22:00Z.
    const events = Array.from({ length: 25 }, (_, hour) =>
      page({ at: new Date(Date.UTC(2026, 2, 28, 23 + hour, 15)).toISOString(), anon: `a${hour}` }),
    );
    expect(figuresOf(events, { config: rome, date: '2026-03-29' }).traffic.events).toBe(23);
  });

  it('measures the session gap in real time across the repeated hour', () => {
    // 02:50 CEST and 02:10 CET read as 40 minutes backwards on the wall clock, but are 20 minutes apart.
    const events = [page({ at: '2026-10-25T00:50' }), page({ at: '2026-10-25T01:10' })];
    expect(figuresOf(events, { config: rome, date: '2026-10-25' }).traffic.sessions).toBe(1);
  });

  it('splits a session at local midnight, not at UTC midnight', () => {
    const events = [page({ at: '2026-10-24T21:50' }), page({ at: '2026-10-24T22:10' })];
    expect(figuresOf(events, { config: rome, date: '2026-10-24' }).traffic.sessions).toBe(1);
    expect(figuresOf(events, { config: rome, date: '2026-10-25' }).traffic.sessions).toBe(1);
    expect(figuresOf(events, { date: '2026-10-24' }).traffic.sessions).toBe(1);
  });
});
