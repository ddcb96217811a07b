import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gunzipWhole } from '../../../shared/storage/gzip';

/** Compressible bytes of any length: a seeded walk over a small alphabet. */
function bytesOf(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = 97 + ((state >>> 16) % 7);
  }
  return bytes;
}

describe('gunzipWhole', () => {
  it('inflates what gzip wrote, small or large', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400_000 }), fc.integer(), (length, seed) => {
        const original = bytesOf(length, seed);
        expect(gunzipWhole(gzipSync(original)).equals(original)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('inflates every member of a multi-member object, whose trailer gives the last member’s size only', () => {
    const first = bytesOf(300_000, 1);
    const second = bytesOf(70_000, 2);
    const joined = Buffer.concat([gzipSync(first), gzipSync(second)]);
    expect(gunzipWhole(joined).equals(Buffer.concat([first, second]))).toBe(true);
  });

  it('treats the trailer as a hint: a size that lies still gives the whole output, or the same error', () => {
    const original = bytesOf(200_000, 3);
    const lying = Buffer.from(gzipSync(original));
    lying.writeUInt32LE(100_000, lying.length - 4);
    // zlib checks ISIZE itself: the lie is refused as gunzipSync refuses it, not truncated silently.
    expect(() => gunzipWhole(lying)).toThrow();
    expect(() => gunzipWhole(Buffer.from('not gzip at all, long enough for a trailer'))).toThrow();
  });
});
