import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../../shared/events/types';
import { added, figuresOf, order, removed, utcSite } from './fixtures';

const rome = utcSite({ timezone: 'Europe/Rome' });

describe('carts (metrics.md §4) — conversion window, looking ahead into D+1', () => {
  it.each([
    {
      orderAt: '2026-10-25T21:59',
      converted: 1,
      why: 'counts a cart converted 23h59m after its first add across midnight',
    },
    {
      orderAt: '2026-10-25T22:00',
      converted: 1,
      why: 'counts a cart converted exactly 24h after its first add',
    },
    {
      orderAt: '2026-10-25T22:01',
      converted: 0,
      why: 'does not count a cart converted 24h01m after its first add',
    },
    { orderAt: '2026-10-24T21:59', converted: 0, why: 'does not count an order before the first add' },
  ])('$why', ({ orderAt, converted }) => {
    const events = [
      added({ at: '2026-10-24T22:00', anon: 'a', props: { price: 10 } }),
      order({ at: orderAt, anon: 'a', props: { order_id: 'o1', revenue: 10 } }),
    ];
    expect(figuresOf(events).carts).toMatchObject({ created: 1, converted, abandoned: 1 - converted });
  });

  it('times the window from the first add, not the last', () => {
    const events = [
      added({ at: '2026-10-24T08:00', anon: 'a', props: { cart_id: 'c', price: 10 } }),
      added({ at: '2026-10-24T20:00', anon: 'a', props: { cart_id: 'c', price: 10 } }),
      order({ at: '2026-10-25T09:00', anon: 'a', props: { order_id: 'o', cart_id: 'c' } }),
    ];
    expect(figuresOf(events).carts).toMatchObject({ created: 1, converted: 0, abandonedValue: 20 });
  });

  it('honours conversionWindowHours and looks ahead as far as it reaches', () => {
    const events = [
      added({ at: '2026-10-24T10:00', anon: 'a', props: { price: 10 } }),
      order({ at: '2026-10-26T09:00', anon: 'a', props: { order_id: 'o' } }),
    ];
    expect(figuresOf(events).carts.converted).toBe(0);
    expect(figuresOf(events, { config: utcSite({ conversionWindowHours: 48 }) }).carts.converted).toBe(1);
  });

  it('uses the first event of an order id as the order time', () => {
    const events = [
      added({ at: '2026-10-24T10:00', anon: 'a', props: { price: 10 } }),
      order({ at: '2026-10-24T09:00', anon: 'a', props: { order_id: 'o' } }),
      order({ at: '2026-10-24T10:30', anon: 'a', props: { order_id: 'o' } }),
    ];
    expect(figuresOf(events).carts.converted).toBe(0);
  });

  it('converts across the 25-hour DST day by elapsed time', () => {
    // First add at 22:30 CEST on the 24th (20:30Z); 24 h later is 21:30 CET on the 25th (20:30Z).
    const events = (orderAt: string) => [
      added({ at: '2026-10-24T20:30', anon: 'a', props: { price: 10 } }),
      order({ at: orderAt, anon: 'a', props: { order_id: 'o' } }),
    ];
    expect(figuresOf(events('2026-10-25T20:30'), { config: rome }).carts.converted).toBe(1);
    expect(figuresOf(events('2026-10-25T20:31'), { config: rome }).carts.converted).toBe(0);
  });

  it('converts a cart with an order in a currency without a rate', () => {
    const events = [
      added({ at: '2026-10-24T10:00', anon: 'a', props: { price: 10 } }),
      order({ at: '2026-10-24T11:00', anon: 'a', props: { order_id: 'o', revenue: 500, currency: 'JPY' } }),
    ];
    expect(figuresOf(events).carts.converted).toBe(1);
  });
});

describe('carts — matching an order to a cart (metrics.md §4)', () => {
  const cases: Array<{
    why: string;
    cart: Record<string, unknown>;
    orderAnon: string;
    orderProps: Record<string, unknown>;
    converted: number;
  }> = [
    {
      why: 'same cart_id, same journey',
      cart: { cart_id: 'c1' },
      orderAnon: 'a',
      orderProps: { cart_id: 'c1' },
      converted: 1,
    },
    {
      why: 'same cart_id, another journey',
      cart: { cart_id: 'c1' },
      orderAnon: 'b',
      orderProps: { cart_id: 'c1' },
      converted: 1,
    },
    {
      why: 'another cart_id, same journey',
      cart: { cart_id: 'c1' },
      orderAnon: 'a',
      orderProps: { cart_id: 'c2' },
      converted: 0,
    },
    {
      why: 'order without cart_id, same journey',
      cart: { cart_id: 'c1' },
      orderAnon: 'a',
      orderProps: {},
      converted: 1,
    },
    {
      why: 'order without cart_id, another journey',
      cart: { cart_id: 'c1' },
      orderAnon: 'b',
      orderProps: {},
      converted: 0,
    },
    {
      why: 'cart without cart_id, order with one, same journey',
      cart: {},
      orderAnon: 'a',
      orderProps: { cart_id: 'c9' },
      converted: 1,
    },
    {
      why: 'cart without cart_id, order without, same journey',
      cart: {},
      orderAnon: 'a',
      orderProps: {},
      converted: 1,
    },
    { why: 'cart without cart_id, another journey', cart: {}, orderAnon: 'b', orderProps: {}, converted: 0 },
  ];
  it.each(cases)('$why → converted $converted', ({ cart, orderAnon, orderProps, converted }) => {
    const events = [
      added({ at: '2026-10-24T10:00', anon: 'a', props: { price: 10, ...cart } }),
      order({ at: '2026-10-24T11:00', anon: orderAnon, props: { order_id: 'o', ...orderProps } }),
    ];
    expect(figuresOf(events).carts.converted).toBe(converted);
  });

  it('keys carts by cart_id, else by journey', () => {
    const events = [
      added({ at: '2026-10-24T10:00', anon: 'a', props: { cart_id: 'c1', price: 1 } }),
      added({ at: '2026-10-24T10:01', anon: 'a', props: { cart_id: 'c1', price: 1 } }),
      added({ at: '2026-10-24T10:02', anon: 'a', props: { cart_id: 'c2', price: 1 } }),
      added({ at: '2026-10-24T10:03', anon: 'a', props: { price: 1 } }),
      added({ at: '2026-10-24T10:04', anon: 'a', props: { price: 1 } }),
      added({ at: '2026-10-24T10:05', anon: 'b', props: { price: 1 } }),
      added({ at: '2026-10-24T10:06', anon: 'b', props: { cart_id: 'c1', price: 1 } }),
    ];
    expect(figuresOf(events).carts).toMatchObject({ created: 4, converted: 0, abandonedValue: 7 });
  });

  it('gives a cart shared by two journeys the journey of its first add', () => {
    const events = [
      added({ at: '2026-10-24T10:00', anon: 'a', props: { cart_id: 'c1', price: 1 } }),
      added({ at: '2026-10-24T10:05', anon: 'b', props: { cart_id: 'c1', price: 1 } }),
      order({ at: '2026-10-24T11:00', anon: 'b', props: { order_id: 'o' } }),
    ];
    expect(figuresOf(events).carts.converted).toBe(0);
  });
});

describe('carts — abandoned value (metrics.md §4)', () => {
  const cart = (...more: NormalizedEvent[]) => [
    added({ at: '2026-10-24T10:00', anon: 'a', props: { cart_id: 'c', price: 20, quantity: 2 } }),
    added({ at: '2026-10-24T10:01', anon: 'a', props: { cart_id: 'c', price: 5 } }),
    ...more,
  ];

  it.each([
    { why: 'sums the added lines', events: cart(), value: 45 },
    {
      why: 'subtracts removed products',
      events: cart(removed({ at: '2026-10-24T10:02', anon: 'a', props: { cart_id: 'c', price: 20 } })),
      value: 25,
    },
    {
      why: 'never goes below zero when more was removed than added',
      events: cart(removed({ at: '2026-10-24T10:02', anon: 'a', props: { cart_id: 'c', price: 100 } })),
      value: 0,
    },
    {
      why: 'subtracts only removals of the same cart key',
      events: cart(removed({ at: '2026-10-24T10:02', anon: 'a', props: { cart_id: 'other', price: 20 } })),
      value: 45,
    },
    {
      why: 'subtracts removals of the day made before the first add',
      events: cart(removed({ at: '2026-10-24T09:00', anon: 'a', props: { cart_id: 'c', price: 5 } })),
      value: 40,
    },
    {
      why: 'ignores removals of the next day',
      events: cart(removed({ at: '2026-10-25T09:00', anon: 'a', props: { cart_id: 'c', price: 5 } })),
      value: 45,
    },
    {
      why: 'converts lines in another currency and counts lines without a rate as 0',
      events: cart(
        added({ at: '2026-10-24T10:03', anon: 'a', props: { cart_id: 'c', price: 10, currency: 'USD' } }),
        added({ at: '2026-10-24T10:04', anon: 'a', props: { cart_id: 'c', price: 10, currency: 'JPY' } }),
      ),
      value: 50,
    },
    {
      why: 'counts a line without price as 0',
      events: cart(added({ at: '2026-10-24T10:05', anon: 'a', props: { cart_id: 'c', quantity: 3 } })),
      value: 45,
    },
  ])('$why', ({ events, value }) => {
    expect(figuresOf(events).carts).toEqual({
      created: 1,
      converted: 0,
      abandoned: 1,
      abandonmentRate: 1,
      abandonedValue: value,
    });
  });

  it('leaves converted carts out of the abandoned value', () => {
    const events = [
      ...cart(),
      added({ at: '2026-10-24T10:00', anon: 'b', props: { price: 7 } }),
      order({ at: '2026-10-24T12:00', anon: 'b', props: { order_id: 'o' } }),
    ];
    expect(figuresOf(events).carts).toEqual({
      created: 2,
      converted: 1,
      abandoned: 1,
      abandonmentRate: 0.5,
      abandonedValue: 45,
    });
  });

  it('gives a null abandonment rate without carts', () => {
    expect(figuresOf([]).carts).toEqual({
      created: 0,
      converted: 0,
      abandoned: 0,
      abandonmentRate: null,
      abandonedValue: 0,
    });
  });
});
