import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../../shared/events/types';
import type { EarlierCopies } from '../../../shared/metrics/dedup';
import { copiesDigestOf, deduplicate, earlierCopiesOf, messageIdKey } from '../../../shared/metrics/dedup';
import { computeFigures } from '../../../shared/metrics/figures';
import { linksFromEvents } from '../../../shared/metrics/links';
import { figuresOf, page, track, utcSite } from './fixtures';

function computeWith(events: NormalizedEvent[], earlierCopies: EarlierCopies | undefined) {
  return computeFigures({
    config: utcSite(),
    date: '2026-10-25',
    events,
    links: linksFromEvents(events),
    earlierCopies,
    status: 'provisional',
    revision: 1,
    computedAt: '2026-10-26T01:00:00.000Z',
  });
}

describe('deduplicate (metrics.md §1)', () => {
  it('keeps one event per messageId, in archive order', () => {
    const a = page({ at: '2026-10-24T10:00', messageId: 'a' });
    const b = page({ at: '2026-10-24T10:01', messageId: 'b' });
    const result = deduplicate([a, b, { ...a }, { ...b }, { ...a }]);
    expect(result.events).toEqual([a, b]);
    expect(result.duplicates).toBe(3);
    expect([...result.duplicateCounts]).toEqual([
      [0, 2],
      [1, 1],
    ]);
  });

  it.each([
    {
      behaviour: 'keeps the copy received first even when it comes later in the archive',
      receivedAt: ['2026-10-24T10:05', '2026-10-24T10:03'],
      keptIndex: 1,
    },
    {
      behaviour: 'keeps the first copy in archive order when both were received at the same instant',
      receivedAt: ['2026-10-24T10:03', '2026-10-24T10:03'],
      keptIndex: 0,
    },
    {
      behaviour: 'keeps the earlier-received copy when it comes first',
      receivedAt: ['2026-10-24T10:01', '2026-10-24T10:03'],
      keptIndex: 0,
    },
  ])('$behaviour', ({ receivedAt, keptIndex }) => {
    const copies = receivedAt.map((received, i) =>
      page({ at: `2026-10-24T10:0${i}`, receivedAt: received, messageId: 'same' }),
    );
    const result = deduplicate(copies);
    expect(result.events).toEqual([copies[keptIndex]]);
    expect(result.duplicates).toBe(1);
  });

  it('treats equal messageIds of different sites as different events', () => {
    const a = page({ at: '2026-10-24T10:00', messageId: 'x', site: 'shop-a' });
    const b = page({ at: '2026-10-24T10:00', messageId: 'x', site: 'shop-b' });
    expect(deduplicate([a, b]).events).toEqual([a, b]);
  });

  it('keeps de-duplicating within each site once a second site shows up', () => {
    const a = page({ at: '2026-10-24T10:00', messageId: 'x', site: 'shop-a' });
    const b = page({ at: '2026-10-24T10:00', messageId: 'x', site: 'shop-b' });
    const c = page({ at: '2026-10-24T10:00', messageId: 'y', site: 'shop-a' });
    const result = deduplicate([a, { ...a }, b, { ...b }, { ...a }, c]);
    expect(result.events).toEqual([a, b, c]);
    expect([...result.duplicateCounts]).toEqual([
      [0, 2],
      [1, 1],
    ]);
  });

  it('is idempotent: de-duplicated events have no duplicates', () => {
    const events = [
      page({ at: '2026-10-24T10:00', messageId: 'a' }),
      page({ at: '2026-10-24T10:00', messageId: 'a' }),
    ];
    const once = deduplicate(events).events;
    expect(deduplicate(once)).toEqual({ events: once, duplicateCounts: new Map(), duplicates: 0 });
  });
});

describe('duplicates in the figures', () => {
  it('counts duplicates on the day of the kept event and ignores them everywhere else', () => {
    const order = track('Order Completed', {
      at: '2026-10-24T10:00',
      messageId: 'o1',
      props: { order_id: 'A', revenue: 50 },
    });
    const nextDay = page({ at: '2026-10-25T10:00', messageId: 'p2' });
    const events = [order, { ...order }, { ...order }, nextDay, { ...nextDay }];

    const figures = figuresOf(events);

    expect(figures.quality.duplicates).toBe(2);
    expect(figures.traffic.events).toBe(1);
    expect(figures.sales).toMatchObject({ orders: 1, revenue: 50 });
    expect(figuresOf(events, { date: '2026-10-25' }).quality.duplicates).toBe(1);
  });

  it('counts a duplicate whose earlier-received copy has a time on another day on that other day', () => {
    // A retried request: the copy received first carries 23:59:59 (skew-corrected), the retry 00:00:01.
    const first = page({ at: '2026-10-24T23:59:59', receivedAt: '2026-10-25T00:00:05', messageId: 'r' });
    const retry = page({ at: '2026-10-25T00:00:01', receivedAt: '2026-10-25T00:00:07', messageId: 'r' });

    expect(figuresOf([retry, first]).traffic.events).toBe(1);
    expect(figuresOf([retry, first]).quality.duplicates).toBe(1);
    expect(figuresOf([retry, first], { date: '2026-10-25' }).traffic.events).toBe(0);
    expect(figuresOf([retry, first], { date: '2026-10-25' }).quality.duplicates).toBe(0);
  });
});

describe('copies on the day before (the aggregator reads them from its copies digests)', () => {
  // The retry of one request straddles midnight: 23:59:59.990 on 10-24, 00:00:00.010 on 10-25.
  const onDayBefore = page({
    at: '2026-10-24T23:59:59.990',
    receivedAt: '2026-10-25T00:00:05',
    messageId: 'r',
  });
  const retry = page({ at: '2026-10-25T00:00:00.010', receivedAt: '2026-10-25T00:00:06', messageId: 'r' });
  const other = page({ at: '2026-10-25T09:00', messageId: 'other' });

  it('drops an event whose copy on the day before was received first, with its own copies', () => {
    const earlier = earlierCopiesOf([copiesDigestOf([onDayBefore])]);
    const result = deduplicate([retry, { ...retry }, other], earlier);
    expect(result.events).toEqual([other]);
    expect(result.duplicates).toBe(0);
    const figures = figuresOf([retry, other], { date: '2026-10-25' });
    expect(figures.traffic.events).toBe(2);
    expect(
      computeWith([retry, other], earlier).traffic.events,
      'the figures of 10-25 count the retry once, on 10-24',
    ).toBe(1);
  });

  it('drops it too when both copies were received at the same instant (the day before comes first)', () => {
    const sameInstant = { ...onDayBefore, receivedAt: retry.receivedAt };
    expect(deduplicate([retry], earlierCopiesOf([copiesDigestOf([sameInstant])])).events).toEqual([]);
  });

  it('keeps an event received before its copies on the day before, and counts those as its duplicates', () => {
    const late = { ...onDayBefore, receivedAt: '2026-10-25T00:10:00.000Z' };
    const result = deduplicate([retry, other], earlierCopiesOf([copiesDigestOf([late, { ...late }])]));
    expect(result.events).toEqual([retry, other]);
    expect(result.duplicates).toBe(2);
    expect([...result.duplicateCounts]).toEqual([[0, 2]]);
  });

  it('has nothing to say when the day before has no copies', () => {
    expect(earlierCopiesOf([copiesDigestOf([])])).toBeUndefined();
    expect(deduplicate([retry, other], earlierCopiesOf([copiesDigestOf([other])])).events).toEqual([retry]);
  });

  it('keys message ids by a 53-bit hash: a safe integer, the same in every process', () => {
    const key = messageIdKey('2b1f0c3e-6a4d-4f5e-9c1b-7d8e9f0a1b2c');
    expect(Number.isSafeInteger(key)).toBe(true);
    expect(messageIdKey('2b1f0c3e-6a4d-4f5e-9c1b-7d8e9f0a1b2c')).toBe(key);
    const keys = new Set(Array.from({ length: 100_000 }, (_, i) => messageIdKey(`m-${i}`)));
    expect(keys.size).toBe(100_000);
  });
});
