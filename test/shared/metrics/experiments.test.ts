import { describe, expect, it } from 'vitest';
import { added, figuresOf, order, track } from './fixtures';

const viewed = (at: string, anon: string, experiment_id: string, variation_id: string) =>
  track('Experiment Viewed', { at, anon, props: { experiment_id, variation_id } });

describe('experiments (metrics.md §4)', () => {
  it('assigns a journey to the variant of its earliest exposure in D', () => {
    const events = [
      viewed('2026-10-24T12:00', 'a', 'exp', 'b'),
      viewed('2026-10-24T09:00', 'a', 'exp', 'a'),
      viewed('2026-10-24T10:00', 'x', 'exp', 'b'),
      viewed('2026-10-23T08:00', 'x', 'exp', 'a'),
    ];
    const [experiment] = figuresOf(events).experiments;
    expect(experiment?.variants.map((v) => [v.variationId, v.journeys])).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
  });

  it('counts only orders after the exposure', () => {
    const events = [
      order({ at: '2026-10-24T08:00', anon: 'a', props: { order_id: 'before', revenue: 1000 } }),
      viewed('2026-10-24T09:00', 'a', 'exp', 'a'),
      order({ at: '2026-10-24T09:00', anon: 'a', props: { order_id: 'same-instant', revenue: 500 } }),
      order({ at: '2026-10-24T10:00', anon: 'a', props: { order_id: 'after', revenue: 30 } }),
      order({
        at: '2026-10-24T11:00',
        anon: 'a',
        props: { order_id: 'after-2', revenue: 10, currency: 'JPY' },
      }),
      viewed('2026-10-24T09:00', 'b', 'exp', 'a'),
      order({ at: '2026-10-25T10:00', anon: 'b', props: { order_id: 'next-day', revenue: 70 } }),
    ];
    expect(figuresOf(events).experiments).toEqual([
      {
        experimentId: 'exp',
        variants: [
          {
            variationId: 'a',
            journeys: 2,
            orders: 2,
            conversionRate: 0.5,
            revenuePerJourney: 15,
            cartAbandonmentRate: null,
          },
        ],
      },
    ]);
  });

  it('computes the cart abandonment of carts started after the exposure', () => {
    const events = [
      added({ at: '2026-10-24T08:00', anon: 'a', props: { cart_id: 'early', price: 5 } }),
      viewed('2026-10-24T09:00', 'a', 'exp', 'a'),
      added({ at: '2026-10-24T10:00', anon: 'a', props: { cart_id: 'c1', price: 5 } }),
      added({ at: '2026-10-24T10:05', anon: 'a', props: { cart_id: 'c2', price: 5 } }),
      order({ at: '2026-10-25T09:00', anon: 'a', props: { order_id: 'o', cart_id: 'c1' } }),
    ];
    const variant = figuresOf(events).experiments[0]?.variants[0];
    expect(variant).toMatchObject({ orders: 0, conversionRate: 0, cartAbandonmentRate: 0.5 });
  });

  it('sorts experiments and variants by id and keeps experiments independent', () => {
    const events = [
      viewed('2026-10-24T09:00', 'a', 'search-rank', 'semantic'),
      viewed('2026-10-24T09:00', 'a', 'checkout-v2', 'b'),
      viewed('2026-10-24T09:00', 'b', 'search-rank', 'control'),
      viewed('2026-10-24T09:00', 'c', 'checkout-v2', 'a'),
    ];
    const experiments = figuresOf(events).experiments.map((e) => [
      e.experimentId,
      e.variants.map((v) => v.variationId),
    ]);
    expect(experiments).toEqual([
      ['checkout-v2', ['a', 'b']],
      ['search-rank', ['control', 'semantic']],
    ]);
  });

  it('ignores exposures without experiment_id or variation_id', () => {
    const events = [track('Experiment Viewed', { at: '2026-10-24T09:00', props: { experiment_id: 'exp' } })];
    expect(figuresOf(events).experiments).toEqual([]);
  });
});
