import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../../shared/events/types';
import {
  convertedLineValue,
  convertedOrderValue,
  lineValue,
  orderValue,
} from '../../../shared/metrics/money';
import { utcSite } from './fixtures';

describe('orderValue (metrics.md §3)', () => {
  it.each([
    { why: 'revenue first', properties: { revenue: 80, total: 90, products: [{ price: 5 }] }, value: 80 },
    { why: 'a revenue of 0 as 0', properties: { revenue: 0, total: 90 }, value: 0 },
    { why: 'total without revenue', properties: { total: 90, products: [{ price: 5 }] }, value: 90 },
    {
      why: 'Σ price × quantity of the products without revenue or total',
      properties: { products: [{ price: 5, quantity: 3 }, { price: 2.5 }, { quantity: 4 }] },
      value: 17.5,
    },
    { why: '0 with nothing to go by', properties: { order_id: 'x' }, value: 0 },
    { why: '0 for an empty product list', properties: { products: [] }, value: 0 },
  ])('takes $why', ({ properties, value }) => {
    expect(orderValue(properties)).toBe(value);
  });
});

describe('lineValue (metrics.md §3)', () => {
  it.each([
    { properties: { price: 12.5, quantity: 2 }, value: 25 },
    { properties: { price: 12.5 }, value: 12.5 },
    { properties: { price: 12.5, quantity: 0 }, value: 0 },
    { properties: { quantity: 3 }, value: 0 },
  ])('$properties is worth $value', ({ properties, value }) => {
    expect(lineValue(properties)).toBe(value);
  });
});

describe('currency conversion (metrics.md §3)', () => {
  const config = utcSite({ currency: 'EUR', currencyRates: { USD: 0.5 } });
  const event = (properties: Record<string, unknown>): NormalizedEvent => ({
    messageId: 'm',
    type: 'track',
    site: 'test-shop',
    receivedAt: '2026-10-24T10:00:00.000Z',
    timestamp: '2026-10-24T10:00:00.000Z',
    properties,
  });

  it.each([
    { why: 'keeps the site currency as is', properties: { revenue: 40 }, value: 40 },
    { why: 'keeps an explicit site currency as is', properties: { revenue: 40, currency: 'EUR' }, value: 40 },
    { why: 'multiplies by the configured rate', properties: { revenue: 40, currency: 'USD' }, value: 20 },
    {
      why: 'leaves a currency without a rate unconverted (null)',
      properties: { revenue: 40, currency: 'JPY' },
      value: null,
    },
  ])('$why', ({ properties, value }) => {
    expect(convertedOrderValue(event(properties), config)).toBe(value);
  });

  it('counts a product line in a currency without a rate as 0', () => {
    expect(convertedLineValue(event({ price: 10, quantity: 2, currency: 'JPY' }), config)).toBe(0);
    expect(convertedLineValue(event({ price: 10, quantity: 2, currency: 'USD' }), config)).toBe(10);
  });
});
