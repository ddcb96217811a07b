import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateDay } from '../../functions/aggregator/aggregate';
import { compactionPlan } from '../../functions/aggregator/compact';
import { siteConfigWithDefaults } from '../../shared/config/site';
import type { FiguresDocument } from '../../shared/metrics/figures';
import { basicAuth, startTestStack, type TestStack } from '../helpers/local-stack';

describe('compactionPlan', () => {
  const key = (date: string, hour: string, name: string) =>
    `events/site=s/dt=${date}/hh=${hour}/${name}.ndjson.gz`;
  const object = (k: string) => ({ key: k, compressed: new Uint8Array(10) });
  const now = Date.parse('2026-11-10T12:30:00Z');

  it('merges settled partitions with several objects and leaves recent or single-object ones alone', () => {
    const plan = compactionPlan(
      [
        object(key('2026-11-10', '09', 'a')),
        object(key('2026-11-10', '09', 'b')),
        object(key('2026-11-10', '08', 'only')),
        object(key('2026-11-10', '11', 'recent-a')),
        object(key('2026-11-10', '11', 'recent-b')),
      ],
      'UTC',
      now,
    );
    expect(plan.map((group) => group.map((o) => o.key))).toEqual([
      [key('2026-11-10', '09', 'a'), key('2026-11-10', '09', 'b')],
    ]);
  });
});

describe('compaction in the aggregator, against s3rver', () => {
  let stack: TestStack;
  let writeKey: string;
  const config = siteConfigWithDefaults({ site: 'compact-shop', timezone: 'UTC' });

  beforeAll(async () => {
    stack = await startTestStack();
    ({ writeKey } = await stack.createSite(config));
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('merges a settled hour into one object, loses no event, and the next run gives the same figures', async () => {
    for (let request = 0; request < 5; request++) {
      const batch = Array.from({ length: 4 }, (_, i) => ({
        type: 'track',
        event: i === 0 ? 'Product Added' : 'Product Viewed',
        anonymousId: `visitor-${request}`,
        messageId: `c-${request}-${i}`,
        timestamp: `2026-11-03T10:${String(request * 10 + i).padStart(2, '0')}:00Z`,
        properties: { price: 10, cart_id: `cart-${request}` },
      }));
      const response = await fetch(`${stack.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
        body: JSON.stringify({ batch }),
      });
      expect(response.status).toBe(200);
    }
    const prefix = 'events/site=compact-shop/dt=2026-11-03/hh=10/';
    expect(await stack.archivedKeys(prefix)).toHaveLength(5);

    const first = await aggregateDay(stack.clients, config, '2026-11-03');
    expect(first.compaction).toEqual({ partitions: 1, objectsMerged: 5 });
    const keys = await stack.archivedKeys(prefix);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/compacted-[0-9a-f]{40}\.ndjson\.gz$/);
    const archived = (await stack.archivedEvents('compact-shop')).map((e) => e.messageId).sort();
    expect(archived).toHaveLength(20);
    expect(new Set(archived).size).toBe(20);

    const second = await aggregateDay(stack.clients, config, '2026-11-03');
    expect(second.compaction.partitions).toBe(0);
    const strip = ({ revision: _r, computedAt: _c, ...rest }: FiguresDocument) => rest;
    expect(strip(second.figures)).toEqual(strip(first.figures));
    expect(second.figures.traffic.events).toBe(20);
    expect(second.figures.quality.duplicates).toBe(0);
  });
});
