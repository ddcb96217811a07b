/**
 * Hour partials against s3rver and dynalite: built once, reused while their partition is unchanged,
 * rebuilt when it changes, and the same figures however the building is spread (threads, invocations).
 */
import type { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAggregator } from '../../functions/aggregator/handler';
import { lambdaFanOutBuilder } from '../../functions/aggregator/lambda-builder';
import { threadBuilder } from '../../infra/local/thread-builder';
import { aggregateDay } from '../../shared/app/aggregate/aggregate';
import { siteConfigWithDefaults } from '../../shared/config/site';
import type { FiguresDocument } from '../../shared/metrics/figures';
import { basicAuth, startTestStack, type TestStack } from '../helpers/local-stack';

const DAY = '2026-11-04';
const now = new Date('2026-11-06T12:00:00Z');
const strip = ({ revision: _r, computedAt: _c, ...rest }: FiguresDocument) => rest;

describe('hour partials', () => {
  let stack: TestStack;
  let writeKey: string;
  const config = siteConfigWithDefaults({ site: 'partial-shop', timezone: 'UTC' });
  let sent = 0;

  async function send(hour: number, count: number, extra: Record<string, unknown> = {}) {
    const batch = Array.from({ length: count }, (_, i) => {
      sent += 1;
      return {
        type: 'track',
        event: i % 2 === 0 ? 'Product Viewed' : 'Product Added',
        anonymousId: `visitor-${sent % 7}`,
        messageId: `p-${sent}`,
        timestamp: `${DAY}T${String(hour).padStart(2, '0')}:${String(i).padStart(2, '0')}:00Z`,
        properties: { price: 5, cart_id: `cart-${sent % 5}` },
        ...extra,
      };
    });
    const response = await fetch(`${stack.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
      body: JSON.stringify({ batch }),
    });
    expect(response.status).toBe(200);
  }

  beforeAll(async () => {
    stack = await startTestStack();
    ({ writeKey } = await stack.createSite(config));
    await send(8, 6);
    await send(8, 4);
    await send(12, 5);
    // The visitor identifies in the evening: its morning events join the user's journey.
    await send(19, 1, { type: 'identify', anonymousId: 'visitor-1', userId: 'user-1' });
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('are built on the first run, reused by the next, and rebuilt only where an object arrived', async () => {
    const first = await aggregateDay(stack.clients, config, DAY, { now });
    // Visitors 0-6 browse anonymously (visitor-1 identifies later): each looked up once, not once per hour.
    expect(first.partials).toMatchObject({ partitions: 3, reused: 0, built: 3, lookups: 7 });
    expect((await stack.archivedKeys(`partials/site=partial-shop/dt=${DAY}/`)).sort()).toEqual([
      `partials/site=partial-shop/dt=${DAY}/hh=08.copies.bin`,
      `partials/site=partial-shop/dt=${DAY}/hh=08.json.gz`,
      `partials/site=partial-shop/dt=${DAY}/hh=12.copies.bin`,
      `partials/site=partial-shop/dt=${DAY}/hh=12.json.gz`,
      `partials/site=partial-shop/dt=${DAY}/hh=19.copies.bin`,
      `partials/site=partial-shop/dt=${DAY}/hh=19.json.gz`,
      `partials/site=partial-shop/dt=${DAY}/links.json.gz`,
    ]);

    const again = await aggregateDay(stack.clients, config, DAY, { now });
    expect(again.partials).toMatchObject({ partitions: 3, reused: 3, built: 0, lookups: 7 });
    expect(strip(again.figures)).toEqual(strip(first.figures));
    const cached = await aggregateDay(stack.clients, config, DAY, { now, links: 'cached' });
    expect(cached.partials.lookups).toBe(0);
    expect(strip(cached.figures)).toEqual(strip(first.figures));

    await send(12, 2);
    const later = await aggregateDay(stack.clients, config, DAY, { now });
    expect(later.partials).toMatchObject({ partitions: 3, reused: 2, built: 1 });
    expect(later.figures.traffic.events).toBe(first.figures.traffic.events + 2);
  });

  it('use the links the day’s snapshot holds, or look them up again on a fresh run', async () => {
    // A link made on another day (outside the window) joins visitor-3 to user-1's journey; only a fresh
    // look-up sees it.
    await send(9, 1, {
      type: 'identify',
      anonymousId: 'visitor-3',
      userId: 'user-1',
      timestamp: '2026-11-01T09:00:00Z',
    });
    const cached = await aggregateDay(stack.clients, config, DAY, { now, links: 'cached' });
    const fresh = await aggregateDay(stack.clients, config, DAY, { now, links: 'fresh' });
    expect(fresh.figures.traffic.journeys).toBe(cached.figures.traffic.journeys - 1);
  });

  it('give the same figures built on worker threads or fanned out over Lambda invocations', async () => {
    const inProcess = await aggregateDay(stack.clients, config, DAY, { now });
    const dropPartials = async () => {
      const keys = await stack.archivedKeys(`partials/site=partial-shop/dt=${DAY}/`);
      const { deleteObjects } = await import('../../shared/storage/archive');
      await deleteObjects(stack.clients, keys);
    };

    await dropPartials();
    const threaded = await aggregateDay(stack.clients, config, DAY, {
      now,
      builder: threadBuilder(stack.clients, 2, 0),
    });
    expect(threaded.partials.built).toBe(3);
    expect(strip(threaded.figures)).toEqual(strip(inProcess.figures));

    // The Lambda service's part played by the handler itself: each invocation is a call to it.
    const handler = createAggregator(stack.clients, {});
    const invocations: unknown[] = [];
    const lambda = {
      send: async (command: InvokeCommand) => {
        const request: unknown = JSON.parse(new TextDecoder().decode(command.input.Payload as Uint8Array));
        invocations.push(request);
        return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(await handler(request))) };
      },
    } as unknown as LambdaClient;
    await dropPartials();
    const fannedOut = await aggregateDay(stack.clients, config, DAY, {
      now,
      builder: lambdaFanOutBuilder(stack.clients, 'roxtrail-aggregator', lambda, 1),
    });
    expect(invocations).toHaveLength(3);
    expect(fannedOut.partials.built).toBe(3);
    expect(strip(fannedOut.figures)).toEqual(strip(inProcess.figures));
  });
});

describe('chunkPartitions', () => {
  it('fills chunks up to the byte budget in partition order and never splits a partition', async () => {
    const { chunkPartitions } = await import('../../shared/app/aggregate/partials');
    const partition = (hour: string, ...sizes: number[]) => ({
      date: DAY,
      hour,
      objects: sizes.map((size, i) => ({ key: `k${hour}-${i}`, size })),
    });
    const chunks = chunkPartitions(
      [
        partition('00', 25, 15),
        partition('01', 30),
        partition('02', 120),
        partition('03', 10),
        partition('04', 20),
      ],
      100,
    );
    expect(chunks.map((chunk) => chunk.map((p) => p.hour))).toEqual([['00', '01'], ['02'], ['03', '04']]);
  });
});
