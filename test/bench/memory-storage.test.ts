import { marshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { itemSize, plainItemSize } from '../../bench/memory-storage';

/** Values the document client marshals: what the collector writes, and a little more. */
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.string({ unit: 'grapheme' }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 }),
  ),
}));
const item = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), value, { maxKeys: 6 });

describe('plainItemSize', () => {
  it('sizes a plain item exactly as itemSize sizes its marshalled form', () => {
    fc.assert(
      fc.property(item, (plain) => {
        expect(plainItemSize(plain)).toBe(itemSize(marshall(plain, { removeUndefinedValues: true })));
      }),
      { numRuns: 2_000 },
    );
  });

  it('sizes a journey item the collector writes', () => {
    const journey = {
      pk: 'SITE#bench#J#anon-1',
      sk: '001761355800000#0123456789abcdef',
      entries: [{ m: 'm-1', t: 1761355800000, y: 'track', n: 'Order Completed', ch: 'web' }],
      expiresAt: 1769131800,
    };
    expect(plainItemSize(journey)).toBe(itemSize(marshall(journey)));
  });
});
