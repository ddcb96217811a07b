/**
 * A messageId counts once, on the day of its first received copy, however its copies' event times
 * straddle midnight (metrics.md §1): through the collector and the aggregator, which reads the day
 * before's copies digests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateDay } from '../../shared/app/aggregate/aggregate';
import { type SiteConfig, siteConfigWithDefaults } from '../../shared/config/site';
import { decodeCopiesDigest, encodeCopiesDigest } from '../../shared/storage/partials';
import { sendAt } from '../helpers/clocked-collector';
import { startTestStack, type TestStack } from '../helpers/local-stack';

const config: SiteConfig = siteConfigWithDefaults({ site: 'midnight', timezone: 'UTC' });
const NOW = new Date('2026-11-12T12:00:00Z');

let stack: TestStack;
let writeKey: string;

beforeAll(async () => {
  stack = await startTestStack();
  ({ writeKey } = await stack.createSite(config));
});
afterAll(async () => {
  await stack.stop();
});

const view = (messageId: string, timestamp: string) => ({
  type: 'track',
  event: 'Product Viewed',
  messageId,
  anonymousId: `visitor-${messageId}`,
  timestamp,
  properties: { product_id: 'p1' },
});

async function eventsAndDuplicates(date: string): Promise<[number, number]> {
  const { figures } = await aggregateDay(stack.clients, config, date, { now: NOW });
  return [figures.traffic.events, figures.quality.duplicates];
}

describe('a retry that straddles midnight', () => {
  it('counts once, on the day of the copy received first (that copy on the earlier day)', async () => {
    await sendAt(stack.clients, writeKey, Date.parse('2026-11-11T00:00:05Z'), [
      view('straddle-1', '2026-11-10T23:59:59.990Z'),
    ]);
    await sendAt(stack.clients, writeKey, Date.parse('2026-11-11T00:00:06Z'), [
      view('straddle-1', '2026-11-11T00:00:00.010Z'),
    ]);
    // Either day computed first: the later one reads the other's partitions.
    expect(await eventsAndDuplicates('2026-11-11')).toEqual([0, 0]);
    expect(await eventsAndDuplicates('2026-11-10')).toEqual([1, 1]);
    expect(await eventsAndDuplicates('2026-11-11')).toEqual([0, 0]);
  });

  it('counts once, on the later day, when the copy received first carries the later time', async () => {
    await sendAt(stack.clients, writeKey, Date.parse('2026-11-12T00:00:05Z'), [
      view('straddle-2', '2026-11-12T00:00:00.010Z'),
    ]);
    await sendAt(stack.clients, writeKey, Date.parse('2026-11-12T00:00:09Z'), [
      view('straddle-2', '2026-11-11T23:59:59.990Z'),
    ]);
    expect(await eventsAndDuplicates('2026-11-12')).toEqual([1, 1]);
    expect(await eventsAndDuplicates('2026-11-11')).toEqual([0, 0]);
  });
});

describe('copies digests', () => {
  it('read back what was stored, and refuse bytes that are not a digest', () => {
    const digest = Float64Array.from([1234567890123, Date.parse('2026-11-11T00:00:05Z'), 42, 7]);
    const sources = [{ key: 'events/site=s/dt=2026-11-11/hh=00/a.ndjson.gz', size: 120 }];
    const decoded = decodeCopiesDigest(encodeCopiesDigest({ sources, digest }));
    expect(decoded?.sources).toEqual(sources);
    expect(Array.from(decoded?.digest ?? [])).toEqual(Array.from(digest));
    expect(decodeCopiesDigest(Buffer.from('not a digest'))).toBeUndefined();
    expect(decodeCopiesDigest(encodeCopiesDigest({ sources, digest }).subarray(0, 30))).toBeUndefined();
  });
});
