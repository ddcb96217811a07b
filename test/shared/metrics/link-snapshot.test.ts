import { describe, expect, it } from 'vitest';
import {
  LINK_SNAPSHOT_FORMAT,
  type LinkSnapshot,
  type LookedUpLink,
  planLookups,
  snapshotsToStore,
  storedLinksOf,
} from '../../../shared/metrics/link-snapshot';
import { decodeLinkSnapshot } from '../../../shared/storage/partials';

const snapshot = (date: string, entries: LookedUpLink[]): LinkSnapshot => ({
  format: LINK_SNAPSHOT_FORMAT,
  site: 's',
  date,
  entries,
});
const ids = (entries: Record<string, string[]>) =>
  new Map(Object.entries(entries).map(([date, list]) => [date, new Set(list)]));

describe('link snapshots', () => {
  const day1 = snapshot('2026-11-01', [
    ['a1', 'u1', 1_000],
    ['a2', null, null],
  ]);

  it('answer a cached run for the ids they hold, each id met once whatever the dates', () => {
    const met = ids({ '2026-11-01': ['a1', 'a2', 'a3'], '2026-11-02': ['a3', 'a4', 'a1'] });
    const { known, missing } = planLookups(met, new Map([['2026-11-01', day1]]), 'cached');
    // a1 met on both days is answered by day 1's snapshot; a3 met on both is looked up once.
    expect(missing).toEqual(new Set(['a3', 'a4']));
    expect(known).toEqual(
      new Map([
        ['a1', { userId: 'u1', time: 1_000 }],
        ['a2', null],
      ]),
    );
  });

  it('answer nothing for a fresh run: every id met is looked up again', () => {
    const met = ids({ '2026-11-01': ['a1', 'a2'] });
    const { known, missing } = planLookups(met, new Map([['2026-11-01', day1]]), 'fresh');
    expect(missing).toEqual(new Set(['a1', 'a2']));
    expect(known.size).toBe(0);
  });

  it('take the better of two days’ different answers: a link stored between their look-ups', () => {
    const met = ids({ '2026-11-01': ['a2', 'a1'], '2026-11-02': ['a2', 'a1'] });
    const day2 = snapshot('2026-11-02', [
      ['a2', 'u2', 5_000],
      ['a1', 'u0', 500],
    ]);
    const { known } = planLookups(
      met,
      new Map([
        ['2026-11-01', day1],
        ['2026-11-02', day2],
      ]),
      'cached',
    );
    expect(known.get('a2')).toEqual({ userId: 'u2', time: 5_000 });
    expect(known.get('a1')).toEqual({ userId: 'u0', time: 500 });
  });

  it('are rewritten only for dates with new or changed answers, keeping their earlier answers', () => {
    const met = ids({ '2026-11-01': ['a1', 'a2'], '2026-11-02': ['a3'], '2026-11-03': [] });
    const known = new Map([
      ['a1', { userId: 'u1', time: 1_000 }],
      ['a2', null],
      ['a3', { userId: 'u3', time: 3_000 }],
    ]);
    const written = snapshotsToStore('s', met, new Map([['2026-11-01', day1]]), known);
    expect(written).toEqual([snapshot('2026-11-02', [['a3', 'u3', 3_000]])]);

    const relinked = new Map(known).set('a2', { userId: 'u2', time: 2_000 });
    const extended = new Map(met).set('2026-11-01', new Set(['a2', 'a9']));
    const rewritten = snapshotsToStore(
      's',
      extended,
      new Map([['2026-11-01', day1]]),
      relinked.set('a9', null),
    );
    expect(rewritten.find((written) => written.date === '2026-11-01')?.entries).toEqual([
      ['a1', 'u1', 1_000],
      ['a2', 'u2', 2_000],
      ['a9', null, null],
    ]);
  });

  it('give resolveLinks only the ids that have a stored link', () => {
    expect(
      storedLinksOf(
        new Map([
          ['a1', { userId: 'u1', time: 1 }],
          ['a2', null],
        ]),
      ),
    ).toEqual(new Map([['a1', { userId: 'u1', time: 1 }]]));
  });

  it('of another format or unreadable count as missing', () => {
    expect(decodeLinkSnapshot(new Uint8Array([1, 2, 3]))).toBeUndefined();
  });
});
