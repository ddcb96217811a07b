import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  actorHash,
  actorHashesOf,
  decodeActorIndex,
  encodeActorIndex,
  indexMayContain,
  unionOfHashes,
} from '../../../shared/events/actor-index';

describe('day actor index', () => {
  it('finds every id of every field erasure matches on: userId, anonymousId, previousId', () => {
    const index = actorHashesOf([
      { userId: 'user-1', anonymousId: 'anon-1' },
      { anonymousId: 'anon-2' },
      { userId: 'user-3', previousId: 'anon-old' },
    ]);
    for (const id of ['user-1', 'anon-1', 'anon-2', 'user-3', 'anon-old']) {
      expect(indexMayContain(index, [id]), id).toBe(true);
    }
    expect(indexMayContain(index, ['user-2', 'anon-3'])).toBe(false);
    expect(indexMayContain(index, ['nobody', 'anon-2'])).toBe(true);
    expect(indexMayContain(actorHashesOf([]), ['user-1'])).toBe(false);
  });

  it('survives encoding: the decoded index answers as the built one, for any ids', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 40 }), { maxLength: 300 }), fc.string(), (ids, probe) => {
        const built = actorHashesOf(ids.map((id) => ({ anonymousId: id })));
        const decoded = decodeActorIndex(encodeActorIndex(built));
        expect([...decoded]).toEqual([...built]);
        for (const id of ids.filter(Boolean)) expect(indexMayContain(decoded, [id])).toBe(true);
        expect(indexMayContain(decoded, [probe])).toBe(indexMayContain(built, [probe]));
      }),
    );
  });

  it('keeps the extreme hashes (0 and 2^32 − 1) and rejects what is not an index', () => {
    const extremes = Uint32Array.from([0, 1, 0x7fffffff, 0xfffffffe, 0xffffffff]);
    expect([...decodeActorIndex(encodeActorIndex(extremes))]).toEqual([...extremes]);
    expect(() => decodeActorIndex(new TextEncoder().encode('{"not":"an index"}'))).toThrow('RXA1');
    const truncated = encodeActorIndex(extremes).subarray(0, 10);
    expect(() => decodeActorIndex(truncated)).toThrow('truncated');
  });

  it('stores a busy day in about 2–3 bytes an actor after gzip, and matches a stranger rarely', () => {
    const actors = 650_000;
    const ids = Array.from({ length: actors }, (_, i) => ({
      anonymousId: `anon-${i}-${(i * 7919) % 104729}`,
    }));
    const index = actorHashesOf(ids);
    // 32-bit hashes of 650,000 ids: a few collide, never many.
    expect(index.length).toBeGreaterThan(actors - 200);
    const stored = gzipSync(encodeActorIndex(index)).length;
    expect(stored / actors).toBeLessThan(3);
    const strangers = Array.from({ length: 20_000 }, (_, i) => `stranger-${i}`);
    const falseMatches = strangers.filter((id) => indexMayContain(index, [id])).length;
    // Expected 20,000 × 650,000 / 2^32 ≈ 3.
    expect(falseMatches).toBeLessThan(20);
  });

  it('hashes the same id the same way in every process (FNV-1a, 32 bits)', () => {
    expect(actorHash('')).toBe(0x811c9dc5);
    expect(actorHash('a')).toBe(0xe40c292c);
    expect(actorHash('foobar')).toBe(0xbf9cf968);
  });
});

describe('a day’s index from its hour partials', () => {
  it('is the sorted distinct union of the hours’ hashes: the same as hashing the whole day at once', () => {
    const hour = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ({
        anonymousId: `anon-${from + i}`,
        userId: 'user-shared',
      }));
    const hours = [hour(0, 500), hour(400, 900), hour(850, 1200), []];
    const union = unionOfHashes(hours.map((events) => actorHashesOf(events)));
    expect([...union]).toEqual([...actorHashesOf(hours.flat())]);
    expect(union.length).toBe(1201);
    expect([...unionOfHashes([])]).toEqual([]);
  });
});
