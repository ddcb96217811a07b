import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../../shared/metrics/instant';

describe('parseInstant', () => {
  it('agrees with Date.parse on every canonical ISO instant', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }),
        (date) => {
          const text = date.toISOString();
          expect(parseInstant(text)).toBe(Date.parse(text));
        },
      ),
    );
  });

  it.each([
    ['2026-10-24T10:00:00Z', Date.UTC(2026, 9, 24, 10)],
    ['2026-10-24T12:00:00.000+02:00', Date.UTC(2026, 9, 24, 10)],
    ['2028-02-29T00:00:00.000Z', Date.UTC(2028, 1, 29)],
  ])('parses the non-canonical or edge form %s', (text, expected) => {
    expect(parseInstant(text)).toBe(expected);
  });

  it.each([
    '2026-02-30T00:00:00.000Z',
    '2026-13-01T00:00:00.000Z',
    '2026-1x-01T00:00:00.000Z',
    'yesterday',
    '',
  ])('rejects %j as NaN', (text) => {
    expect(parseInstant(text)).toBeNaN();
  });
});
