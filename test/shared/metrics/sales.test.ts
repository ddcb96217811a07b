import { describe, expect, it } from 'vitest';
import { figuresOf, order, track } from './fixtures';

describe('sales (metrics.md §4)', () => {
  it('counts an order repeated with one order_id once, at its earliest event', () => {
    const events = [
      order({ at: '2026-10-24T10:00:05', anon: 'a', props: { order_id: 'o1', revenue: 100 } }),
      order({ at: '2026-10-24T10:00:00', anon: 'a', props: { order_id: 'o1', revenue: 999 } }),
      order({ at: '2026-10-24T10:00:09', anon: 'a', props: { order_id: 'o1', revenue: 100 } }),
    ];
    expect(figuresOf(events).sales).toEqual({
      orders: 1,
      revenue: 999,
      aov: 999,
      customers: 1,
      refunds: 0,
      refundedValue: 0,
      netRevenue: 999,
    });
  });

  it('counts each order without order_id on its own', () => {
    const events = [
      order({ at: '2026-10-24T10:00', props: { revenue: 10 } }),
      order({ at: '2026-10-24T10:00', props: { revenue: 10 } }),
    ];
    expect(figuresOf(events).sales).toMatchObject({ orders: 2, revenue: 20, customers: 1 });
  });

  it('counts a repeat of yesterday’s order id on neither day but the first', () => {
    const events = [
      order({ at: '2026-10-24T23:59', props: { order_id: 'o1', revenue: 10 } }),
      order({ at: '2026-10-25T00:01', props: { order_id: 'o1', revenue: 10 } }),
    ];
    expect(figuresOf(events).sales.orders).toBe(1);
    expect(figuresOf(events, { date: '2026-10-25' }).sales.orders).toBe(0);
  });

  it('converts foreign currencies and leaves an order without a rate out of every money figure', () => {
    const events = [
      order({ at: '2026-10-24T10:00', anon: 'eur', props: { order_id: 'e', revenue: 100 } }),
      order({ at: '2026-10-24T11:00', anon: 'usd', props: { order_id: 'u', revenue: 100, currency: 'USD' } }),
      order({
        at: '2026-10-24T12:00',
        anon: 'jpy',
        props: { order_id: 'j', revenue: 9000, currency: 'JPY' },
      }),
    ];
    const figures = figuresOf(events);
    expect(figures.sales).toEqual({
      orders: 3,
      revenue: 150,
      aov: 75, // revenue / orders with a converted value
      customers: 3,
      refunds: 0,
      refundedValue: 0,
      netRevenue: 150,
    });
    expect(figures.quality.unconvertedOrders).toBe(1);
  });

  it('gives a null aov when no order has a converted value', () => {
    const events = [
      order({ at: '2026-10-24T10:00', props: { order_id: 'j', revenue: 10, currency: 'JPY' } }),
    ];
    expect(figuresOf(events).sales).toMatchObject({ orders: 1, revenue: 0, aov: null, customers: 1 });
  });

  it('takes the order value from revenue, else total, else products', () => {
    const events = [
      order({ at: '2026-10-24T10:00', props: { order_id: '1', revenue: 10, total: 99 } }),
      order({ at: '2026-10-24T10:01', props: { order_id: '2', total: 20 } }),
      order({
        at: '2026-10-24T10:02',
        props: { order_id: '3', products: [{ price: 5, quantity: 2 }, { price: 3 }] },
      }),
    ];
    expect(figuresOf(events).sales.revenue).toBe(43);
  });

  it('counts distinct journeys with an order as customers', () => {
    const events = [
      order({ at: '2026-10-24T10:00', anon: 'a', props: { order_id: '1', revenue: 1 } }),
      order({ at: '2026-10-24T11:00', anon: 'a', props: { order_id: '2', revenue: 1 } }),
      order({ at: '2026-10-24T12:00', user: 'u', props: { order_id: '3', revenue: 1 } }),
    ];
    expect(figuresOf(events).sales).toMatchObject({ orders: 3, customers: 2 });
  });

  it('subtracts refunds, de-duplicated by order_id and converted like orders', () => {
    const events = [
      order({ at: '2026-10-24T10:00', props: { order_id: '1', revenue: 100 } }),
      track('Order Refunded', { at: '2026-10-24T12:00', props: { order_id: '1', revenue: 30 } }),
      track('Order Refunded', { at: '2026-10-24T12:01', props: { order_id: '1', revenue: 30 } }),
      track('Order Refunded', {
        at: '2026-10-24T13:00',
        props: { order_id: '2', revenue: 10, currency: 'USD' },
      }),
      track('Order Refunded', {
        at: '2026-10-24T14:00',
        props: { order_id: '3', revenue: 10, currency: 'JPY' },
      }),
    ];
    expect(figuresOf(events).sales).toEqual({
      orders: 1,
      revenue: 100,
      aov: 100,
      customers: 1,
      refunds: 3,
      refundedValue: 35,
      netRevenue: 65,
    });
  });
});
