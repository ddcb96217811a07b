import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attributeValueBytes, itemBytes, splitBySize } from '../../../shared/storage/item-size';

describe('DynamoDB item sizes, as DynamoDB measures them', () => {
  it('counts strings and names in UTF-8 bytes, not characters', () => {
    expect(attributeValueBytes('abc')).toBe(3);
    expect(attributeValueBytes('é')).toBe(2);
    expect(attributeValueBytes('購物')).toBe(6);
    expect(attributeValueBytes('🛒')).toBe(4);
    expect(itemBytes({ pk: 'SITE#s', 名前: 'x' })).toBe(2 + 6 + 6 + 1);
  });

  it('counts numbers by significant digits, booleans and null as one byte', () => {
    expect(attributeValueBytes(7)).toBe(2);
    expect(attributeValueBytes(123)).toBe(3);
    expect(attributeValueBytes(1_700_000_000_000)).toBe(2);
    expect(attributeValueBytes(1_791_189_360_123)).toBe(8);
    expect(attributeValueBytes(true)).toBe(1);
    expect(attributeValueBytes(null)).toBe(1);
  });

  it('adds 3 bytes per list or map and 1 per element (and a map key’s bytes)', () => {
    expect(attributeValueBytes([])).toBe(3);
    expect(attributeValueBytes(['ab', 'c'])).toBe(3 + 1 + 2 + 1 + 1);
    expect(attributeValueBytes({ a: 'xy' })).toBe(3 + 1 + 1 + 2);
  });

  it('splits entries into items under the limit, in order, losing none', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 60 }), { maxLength: 200 }),
        fc.integer({ min: 300, max: 2000 }),
        (names, limit) => {
          const itemOf = (run: readonly string[]) => ({ pk: 'J#actor', sk: '000#digest#9', entries: run });
          const runs = splitBySize(names, itemOf, limit);
          expect(runs.flat()).toEqual(names);
          for (const run of runs) expect(itemBytes(itemOf(run))).toBeLessThanOrEqual(limit);
          if (names.length > 0) for (const run of runs) expect(run.length).toBeGreaterThan(0);
        },
      ),
    );
  });
});
