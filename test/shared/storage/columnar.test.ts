import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeColumnar, encodeColumnar } from '../../../shared/storage/columnar';

/** The decoded value with its typed arrays turned back into arrays, to compare with the input. */
function plain(value: unknown): unknown {
  if (value instanceof Int32Array || value instanceof Float64Array) return Array.from(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, plain(field)]));
  return value;
}

// JSON has no −0: the records never hold one.
const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => (value === 0 ? 0 : value));
const column = fc.oneof(
  fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 0, maxLength: 300 }),
  fc.array(finite, { minLength: 0, maxLength: 300 }),
  fc.array(fc.integer({ min: 1.7e12, max: 1.8e12 }), { minLength: 60, maxLength: 300 }),
);
const record = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    finite,
    fc.boolean(),
    fc.constant(null),
    column,
    fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 100 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('the columnar encoding of derived records', () => {
  it('gives back every value it was given, numbers bit for bit', () => {
    fc.assert(
      fc.property(record, (value) => {
        expect(plain(decodeColumnar(encodeColumnar(value)))).toEqual(value);
      }),
      { numRuns: 300, seed: 20261203 },
    );
  });

  it('stores long number arrays as typed columns, int32 where every value is one', () => {
    const times = Array.from({ length: 1000 }, (_, i) => 1.76e12 + i * 1000.5);
    const offsets = Array.from({ length: 1000 }, (_, i) => i * 3);
    const decoded = decodeColumnar(encodeColumnar({ times, offsets, few: [1, 2, 3] })) as Record<
      string,
      unknown
    >;
    expect(decoded.times).toBeInstanceOf(Float64Array);
    expect(decoded.offsets).toBeInstanceOf(Int32Array);
    expect(decoded.few).toEqual([1, 2, 3]);
    // 8 bytes a time, 4 an offset, and a small header: far below the JSON text of the same numbers.
    expect(encodeColumnar({ times, offsets }).length).toBeLessThan(1000 * 12 + 256);
  });

  it('reads a record whose bytes do not start 8-byte aligned', () => {
    const bytes = encodeColumnar({ values: Array.from({ length: 100 }, (_, i) => i / 3) });
    const shifted = Buffer.alloc(bytes.length + 3);
    bytes.copy(shifted, 3);
    const decoded = decodeColumnar(shifted.subarray(3)) as { values: Float64Array };
    expect(Array.from(decoded.values)).toEqual(Array.from({ length: 100 }, (_, i) => i / 3));
  });

  it('refuses bytes that are not a columnar record, and a truncated one', () => {
    expect(() => decodeColumnar(Buffer.from('{"format":3}'))).toThrow('not a columnar record');
    const bytes = encodeColumnar({ values: Array.from({ length: 100 }, (_, i) => i) });
    expect(() => decodeColumnar(bytes.subarray(0, bytes.length - 8))).toThrow('truncated');
  });
});
