/** Amounts sent as numeric strings (issue 15): stored as numbers, other strings rejected with the field. */
import { describe, expect, it } from 'vitest';
import { AMOUNT_FIELDS, amountFromText, withNumericAmounts } from '../../../shared/events/amounts';
import { REJECTION_REASONS } from '../../../shared/events/reasons';
import { validateEvent } from '../../../shared/events/schema';
import type { JsonObject } from '../../../shared/events/types';
import { lineValue, orderValue } from '../../../shared/metrics/money';

const order = (properties: JsonObject): JsonObject => ({
  type: 'track',
  event: 'Order Completed',
  anonymousId: 'anon-1',
  properties,
});

function propertiesOf(raw: JsonObject): JsonObject | undefined {
  const result = validateEvent(raw);
  if (!result.ok) throw new Error(`rejected: ${result.rejection.message}`);
  return result.event.properties;
}

describe('amountFromText', () => {
  it.each([
    ['50.00', 50],
    ['50', 50],
    ['-5.5', -5.5],
    ['+7', 7],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['2.5E-1', 0.25],
    ['0', 0],
  ])('reads %j as %d', (text, value) => {
    expect(amountFromText(text)).toBe(value);
  });

  it.each([
    '',
    ' ',
    ' 50',
    '50 ',
    '50,00',
    '1,000.00',
    '$50',
    '50 EUR',
    'fifty',
    '0x10',
    'Infinity',
    'NaN',
    '1e400',
    '.',
    '-',
    '1e',
  ])('reads no number in %j', (text) => {
    expect(amountFromText(text)).toBeUndefined();
  });
});

describe('validateEvent: amounts', () => {
  it('stores a numeric-string revenue as its number', () => {
    expect(propertiesOf(order({ order_id: 'o-1', revenue: '50.00', currency: 'EUR' }))).toEqual({
      order_id: 'o-1',
      revenue: 50,
      currency: 'EUR',
    });
  });

  it.each(AMOUNT_FIELDS)('converts a numeric string in properties.%s', (field) => {
    expect(propertiesOf(order({ [field]: '12.5' }))?.[field]).toBe(12.5);
  });

  it('converts price and quantity in every product line, keeping the lines that need nothing', () => {
    const properties = propertiesOf(
      order({ products: [{ product_id: 'p1', price: '12.50', quantity: '2' }, { price: 3 }, 'odd line'] }),
    );

    expect(properties).toEqual({
      products: [{ product_id: 'p1', price: 12.5, quantity: 2 }, { price: 3 }, 'odd line'],
    });
  });

  it('keeps the order of the properties as sent', () => {
    expect(Object.keys(propertiesOf(order({ a: 1, revenue: '5', b: 2 })) ?? {})).toEqual([
      'a',
      'revenue',
      'b',
    ]);
  });

  it('never modifies the event as sent', () => {
    const line = { price: '12.50' };
    const raw = order({ revenue: '50.00', products: [line] });

    validateEvent(raw);

    expect(raw.properties).toEqual({ revenue: '50.00', products: [{ price: '12.50' }] });
    expect(line.price).toBe('12.50');
  });

  it.each([
    ['revenue', 'fifty'],
    ['total', '50,00'],
    ['price', '$12'],
    ['quantity', 'two'],
    ['value', ''],
    ['tax', 'Infinity'],
  ])('rejects properties.%s = %j with invalid_field, naming the field', (field, value) => {
    expect(validateEvent(order({ [field]: value }))).toEqual({
      ok: false,
      rejection: {
        reason: 'invalid_field',
        message:
          `${REJECTION_REASONS.invalid_field} (properties.${field}: an amount must be a number or a numeric ` +
          `string such as "50.00", got ${JSON.stringify(value)})`,
      },
    });
  });

  it('names the product line of a price that is no number', () => {
    const result = validateEvent(order({ products: [{ price: 5 }, { price: 'free' }] }));

    if (result.ok) throw new Error('accepted');
    expect(result.rejection.message).toContain('(properties.products[1].price: an amount must be a number');
  });

  it('cuts a long value in the message', () => {
    const result = validateEvent(order({ revenue: 'x'.repeat(5_000) }));

    if (result.ok) throw new Error('accepted');
    expect(result.rejection.message).toContain(`got "${'x'.repeat(40)}…")`);
  });

  it('applies to every event type that carries properties', () => {
    const page = validateEvent({ type: 'page', anonymousId: 'a', properties: { price: 'n/a' } });

    expect(page.ok ? 'accepted' : page.rejection.reason).toBe('invalid_field');
  });

  it('leaves numbers, null, booleans and objects in amount fields as they are', () => {
    const properties = { revenue: 10, total: null, price: true, value: { min: 1 } };

    expect(propertiesOf(order(properties))).toEqual(properties);
    expect(withNumericAmounts(properties)).toEqual({ ok: true, properties });
  });

  it('returns the same properties object when there is nothing to convert', () => {
    const properties = { revenue: 10, products: [{ price: 2 }] };

    const result = withNumericAmounts(properties);

    expect(result.ok && result.properties).toBe(properties);
  });
});

describe('the figures read numeric strings as numbers (events archived before ingest converted them)', () => {
  it('takes a numeric-string revenue as the order value', () => {
    expect(orderValue({ revenue: '50.00', total: 90 })).toBe(50);
  });

  it('falls back to total when revenue is not numeric, as a query TRY_CAST does', () => {
    expect(orderValue({ revenue: 'fifty', total: '90' })).toBe(90);
  });

  it('multiplies numeric-string prices and quantities', () => {
    expect(lineValue({ price: '12.50', quantity: '2' })).toBe(25);
    expect(orderValue({ products: [{ price: '12.50', quantity: '2' }, { price: 'free' }] })).toBe(25);
  });
});
