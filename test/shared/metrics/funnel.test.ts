import { describe, expect, it } from 'vitest';
import { figuresOf, page, track } from './fixtures';

const steps = (...sessions: number[]) =>
  ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed'].map((event, i) => ({
    event,
    sessions: sessions[i] ?? 0,
  }));

/** One session of events named by their step, at the given minutes past 10:00. */
function session(spec: Array<[string, number]>) {
  return spec.map(([name, minute]) =>
    name === 'page'
      ? page({ at: `2026-10-24T10:${String(minute).padStart(2, '0')}` })
      : track(name, {
          at: `2026-10-24T10:${String(minute).padStart(2, '0')}`,
          props: { order_id: `o${minute}` },
        }),
  );
}

describe('funnel (metrics.md §4) — closed, per session', () => {
  it.each([
    {
      why: 'counts a session through every step in order',
      events: [
        ['Product Viewed', 1],
        ['Product Added', 2],
        ['Checkout Started', 3],
        ['Order Completed', 4],
      ],
      reached: [1, 1, 1, 1],
    },
    {
      why: 'does not count a step whose only event comes before the previous step',
      events: [
        ['Product Added', 1],
        ['Product Viewed', 2],
        ['Checkout Started', 3],
      ],
      reached: [1, 0, 0, 0],
    },
    {
      why: 'counts a step at the very time of the previous step ("at or after")',
      events: [
        ['Product Viewed', 5],
        ['Product Added', 5],
        ['Checkout Started', 5],
        ['Order Completed', 5],
      ],
      reached: [1, 1, 1, 1],
    },
    {
      why: 'counts same-time steps whatever their archive order',
      events: [
        ['Order Completed', 5],
        ['Checkout Started', 5],
        ['Product Added', 5],
        ['Product Viewed', 5],
      ],
      reached: [1, 1, 1, 1],
    },
    {
      why: 'matches the earliest qualifying event, so a later view does not reset the funnel',
      events: [
        ['Product Viewed', 1],
        ['Product Added', 2],
        ['Product Viewed', 3],
        ['Checkout Started', 4],
      ],
      reached: [1, 1, 1, 0],
    },
    {
      why: 'uses a later step-k event when the earliest one precedes step k−1',
      events: [
        ['Product Added', 1],
        ['Product Viewed', 2],
        ['Product Added', 3],
        ['Checkout Started', 4],
      ],
      reached: [1, 1, 1, 0],
    },
    {
      why: 'is closed: skipping a step stops the session there',
      events: [
        ['Product Viewed', 1],
        ['Checkout Started', 2],
        ['Order Completed', 3],
      ],
      reached: [1, 0, 0, 0],
    },
    {
      why: 'stops at a checkout started after the order',
      events: [
        ['Product Viewed', 1],
        ['Product Added', 2],
        ['Order Completed', 3],
        ['Checkout Started', 4],
      ],
      reached: [1, 1, 1, 0],
    },
  ] as const)('$why', ({ events, reached }) => {
    const { funnel } = figuresOf(session(events.map(([name, minute]) => [name, minute])));
    expect(funnel.steps).toEqual(steps(...reached));
  });

  it('counts each session separately, including two sessions of one journey', () => {
    const events = [
      track('Product Viewed', { at: '2026-10-24T09:00' }),
      track('Product Added', { at: '2026-10-24T09:05' }),
      track('Product Viewed', { at: '2026-10-24T11:00' }),
      track('Product Added', { at: '2026-10-24T11:05' }),
    ];
    expect(figuresOf(events).funnel.steps).toEqual(steps(2, 2, 0, 0));
  });

  it('does not carry a step over from an earlier session of the same journey', () => {
    const events = [
      track('Product Viewed', { at: '2026-10-24T09:00' }),
      track('Product Added', { at: '2026-10-24T11:00' }),
    ];
    expect(figuresOf(events).funnel.steps).toEqual(steps(1, 0, 0, 0));
  });

  it('computes conversionRate over all sessions, counting sessions with any order', () => {
    const events = [
      track('Order Completed', { at: '2026-10-24T09:00', anon: 'direct', props: { order_id: 'x' } }),
      page({ at: '2026-10-24T09:00', anon: 'browser' }),
      page({ at: '2026-10-24T09:00', anon: 'other' }),
      page({ at: '2026-10-24T12:00', anon: 'other' }),
    ];
    const { funnel } = figuresOf(events);
    expect(funnel.steps).toEqual(steps(0, 0, 0, 0));
    expect(funnel.conversionRate).toBe(1 / 4);
  });

  it('gives a null conversionRate without sessions', () => {
    expect(figuresOf([]).funnel).toEqual({ steps: steps(0, 0, 0, 0), conversionRate: null });
  });
});
