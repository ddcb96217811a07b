import { describe, expect, it } from 'vitest';
import { figuresOf, order, track } from './fixtures';

const started = (at: string, anon = 'a') => track('Checkout Started', { at, anon });

describe('checkouts (metrics.md §4) — per journey', () => {
  it.each([
    {
      orderAt: '2026-10-24T10:00',
      completed: 1,
      why: 'completes with an order at the first Checkout Started',
    },
    { orderAt: '2026-10-25T09:59', completed: 1, why: 'completes with an order the next day within 24h' },
    { orderAt: '2026-10-25T10:00', completed: 1, why: 'completes with an order exactly 24h later' },
    { orderAt: '2026-10-25T10:01', completed: 0, why: 'does not complete with an order after 24h' },
    { orderAt: '2026-10-24T09:59', completed: 0, why: 'does not complete with an order before the checkout' },
  ])('$why', ({ orderAt, completed }) => {
    const events = [started('2026-10-24T10:00'), order({ at: orderAt, anon: 'a', props: { order_id: 'o' } })];
    expect(figuresOf(events).checkouts).toEqual({ started: 1, completed, abandonmentRate: 1 - completed });
  });

  it('counts a journey once however many checkouts it starts, timed from the first', () => {
    const events = [
      started('2026-10-24T08:00'),
      started('2026-10-24T20:00'),
      order({ at: '2026-10-25T09:00', anon: 'a', props: { order_id: 'o' } }),
    ];
    expect(figuresOf(events).checkouts).toEqual({ started: 1, completed: 0, abandonmentRate: 1 });
  });

  it('needs an order of the same journey', () => {
    const events = [
      started('2026-10-24T10:00', 'a'),
      started('2026-10-24T10:00', 'b'),
      order({ at: '2026-10-24T11:00', anon: 'b', props: { order_id: 'o' } }),
    ];
    expect(figuresOf(events).checkouts).toEqual({ started: 2, completed: 1, abandonmentRate: 0.5 });
  });

  it('gives a null abandonment rate without checkouts', () => {
    expect(figuresOf([]).checkouts).toEqual({ started: 0, completed: 0, abandonmentRate: null });
  });
});
