import { describe, expect, it } from 'vitest';
import { betterLink, linkPairsOf, linksFromEvents } from '../../../shared/metrics/links';
import { alias, figuresOf, identify, page, track } from './fixtures';

describe('betterLink (metrics.md §2)', () => {
  it.each([
    {
      a: { userId: 'u2', time: 1 },
      b: { userId: 'u1', time: 2 },
      better: true,
      why: 'an earlier event wins',
    },
    { a: { userId: 'u1', time: 2 }, b: { userId: 'u2', time: 1 }, better: false, why: 'a later event loses' },
    {
      a: { userId: 'u1', time: 5 },
      b: { userId: 'u2', time: 5 },
      better: true,
      why: 'on a tie the smaller userId wins',
    },
    {
      a: { userId: 'u2', time: 5 },
      b: { userId: 'u1', time: 5 },
      better: false,
      why: 'on a tie the larger userId loses',
    },
    {
      a: { userId: 'u1', time: 5 },
      b: { userId: 'u1', time: 5 },
      better: false,
      why: 'the same link is not better',
    },
  ])('$why', ({ a, b, better }) => {
    expect(betterLink(a, b)).toBe(better);
  });
});

describe('linksFromEvents (metrics.md §2)', () => {
  it('links an anonymous id from any event carrying both ids, and from an alias', () => {
    const links = linksFromEvents([
      identify({ at: '2026-10-24T10:00', anon: 'a1', user: 'u1' }),
      track('Product Viewed', { at: '2026-10-24T10:00', anon: 'a2', user: 'u2' }),
      alias('a3', 'u3', '2026-10-24T10:00'),
      page({ at: '2026-10-24T10:00', anon: 'a4' }),
    ]);
    expect(links).toEqual(
      new Map([
        ['a1', 'u1'],
        ['a2', 'u2'],
        ['a3', 'u3'],
      ]),
    );
  });

  it('keeps the link with the earliest event time whatever the archive order', () => {
    const late = identify({ at: '2026-10-26T09:00', anon: 'a1', user: 'late' });
    const early = identify({ at: '2026-10-24T09:00', anon: 'a1', user: 'early' });
    expect(linksFromEvents([late, early]).get('a1')).toBe('early');
    expect(linksFromEvents([early, late]).get('a1')).toBe('early');
  });

  it('breaks an exact time tie with the lexicographically smaller userId', () => {
    const b = identify({ at: '2026-10-24T09:00', anon: 'a1', user: 'user-b' });
    const a = identify({ at: '2026-10-24T09:00', anon: 'a1', user: 'user-a' });
    expect(linksFromEvents([b, a]).get('a1')).toBe('user-a');
    expect(linksFromEvents([a, b]).get('a1')).toBe('user-a');
  });

  it('links both the anonymousId and the previousId of an alias that carries both', () => {
    const event = { ...alias('old-anon', 'u1', '2026-10-24T09:00'), anonymousId: 'device-anon' };
    expect(linkPairsOf(event)).toEqual([
      ['device-anon', 'u1'],
      ['old-anon', 'u1'],
    ]);
  });
});

describe('anonymous → identified journeys in the figures', () => {
  it('counts anonymous browsing and the identified order as one journey', () => {
    const events = [
      page({ at: '2026-10-24T10:00', anon: 'a1' }),
      identify({ at: '2026-10-24T10:05', anon: 'a1', user: 'u1' }),
      track('Order Completed', {
        at: '2026-10-24T10:10',
        user: 'u1',
        props: { order_id: 'o1', revenue: 10 },
      }),
    ];
    const figures = figuresOf(events);
    expect(figures.traffic).toMatchObject({ journeys: 1, sessions: 1, events: 2 });
    expect(figures.sales.customers).toBe(1);
  });

  it("uses a link made by a later day's identify for an earlier day's anonymous events", () => {
    const events = [
      page({ at: '2026-10-24T10:00', anon: 'a1' }),
      page({ at: '2026-10-24T10:02', user: 'u1' }),
      identify({ at: '2026-10-26T08:00', anon: 'a1', user: 'u1' }),
    ];
    expect(figuresOf(events).traffic.journeys).toBe(1);
    expect(figuresOf(events, { links: new Map() }).traffic.journeys).toBe(2);
  });

  it('does not count a journey whose only events of the day are identify/alias/group', () => {
    const events = [
      identify({ at: '2026-10-24T10:00', anon: 'a1', user: 'u1' }),
      page({ at: '2026-10-24T10:00', anon: 'a2' }),
    ];
    expect(figuresOf(events).traffic).toMatchObject({ events: 1, journeys: 1 });
  });
});
