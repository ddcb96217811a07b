import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateDay } from '../../shared/app/aggregate/aggregate';
import { compactionPlan } from '../../shared/app/aggregate/compact';
import { siteConfigWithDefaults } from '../../shared/config/site';
import type { FiguresDocument } from '../../shared/metrics/figures';
import { createStorageClients } from '../../shared/storage/clients';
import { eraseUser } from '../../shared/storage/erase';
import { injectFaults } from '../helpers/faults';
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

  /** Five requests of four events each into the 10:00 hour of `date`, from `${visitor}-0` to `-4`. */
  async function sendHour(date: string, visitor = 'visitor'): Promise<void> {
    for (let request = 0; request < 5; request++) {
      const batch = Array.from({ length: 4 }, (_, i) => ({
        type: 'track',
        event: i === 0 ? 'Product Added' : 'Product Viewed',
        anonymousId: `${visitor}-${request}`,
        messageId: `c-${date}-${request}-${i}`,
        timestamp: `${date}T10:${String(request * 10 + i).padStart(2, '0')}:00Z`,
        properties: { price: 10, cart_id: `cart-${request}` },
      }));
      const response = await fetch(`${stack.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
        body: JSON.stringify({ batch }),
      });
      expect(response.status).toBe(200);
    }
  }

  it('merges a settled hour into one object, loses no event, and the next run gives the same figures', async () => {
    await sendHour('2026-11-03');
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

  it('finishes a compaction that died after writing the merged object: no event is read twice', async () => {
    await sendHour('2026-11-05');
    const prefix = 'events/site=compact-shop/dt=2026-11-05/hh=10/';
    // The run dies between writing the merged object and deleting the originals.
    const crashing = createStorageClients(stack.stores.settings);
    injectFaults(crashing).add({
      service: 's3',
      command: 'DeleteObjectsCommand',
      times: 100,
      kind: 'network',
    });
    await aggregateDay(crashing, config, '2026-11-05');
    expect(await stack.archivedKeys(prefix)).toHaveLength(6);

    const next = await aggregateDay(stack.clients, config, '2026-11-05');
    expect(next.figures.quality.duplicates).toBe(0);
    expect(next.figures.traffic.events).toBe(20);
    const keys = await stack.archivedKeys(prefix);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/compacted-[0-9a-f]{40}\.ndjson\.gz$/);
    expect(await stack.archivedKeys('partials/site=compact-shop/dt=2026-11-05/hh=10.compaction')).toEqual([]);
  });

  it('lets two aggregations of one day run at once: both finish, with the same figures', async () => {
    await sendHour('2026-11-07');
    const [one, two] = await Promise.all([
      aggregateDay(stack.clients, config, '2026-11-07'),
      aggregateDay(stack.clients, config, '2026-11-07'),
    ]);
    const strip = ({ revision: _r, computedAt: _c, ...rest }: FiguresDocument) => rest;
    expect(strip(one.figures)).toEqual(strip(two.figures));
    expect(one.figures.traffic.events).toBe(20);
    expect(one.figures.quality.duplicates).toBe(0);
    expect([one.figures.revision, two.figures.revision].sort()).toEqual([1, 2]);
    expect(await stack.archivedKeys('events/site=compact-shop/dt=2026-11-07/hh=10/')).toHaveLength(1);
  });

  it('lets an erasure and an aggregation of the same day run at once: both finish, nothing of the user left', async () => {
    const day = '2026-11-09';
    await sendHour(day, 'erasure-visitor');
    // erasure-visitor-0 signs in: its four events become the user's.
    const identify = {
      type: 'identify',
      userId: 'leaver',
      anonymousId: 'erasure-visitor-0',
      messageId: `c-${day}-identify`,
      timestamp: `${day}T10:59:00Z`,
    };
    const response = await fetch(`${stack.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
      body: JSON.stringify({ batch: [identify] }),
    });
    expect(response.status).toBe(200);

    const [aggregated, erased] = await Promise.all([
      aggregateDay(stack.clients, config, day),
      eraseUser(stack.clients, config, 'leaver', {
        settleMs: 0,
        recompute: async (days) => {
          for (const recomputed of days) await aggregateDay(stack.clients, config, recomputed);
        },
      }),
    ]);
    expect(aggregated.figures.quality.duplicates).toBe(0);
    expect(erased.eventsRemoved).toBe(5);
    const left = (await stack.archivedEvents('compact-shop'))
      .filter((event) => event.timestamp.startsWith(day))
      .map((event) => event.anonymousId ?? event.userId);
    expect(left).toHaveLength(16);
    expect(left).not.toContain('erasure-visitor-0');
    const after = await aggregateDay(stack.clients, config, day);
    expect(after.figures.traffic.events).toBe(16);
    expect(after.figures.quality.duplicates).toBe(0);
  });
});
