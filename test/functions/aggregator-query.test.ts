import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../bench/cli';
import { aggregateDay, runScheduledAggregation } from '../../shared/app/aggregate/aggregate';
import { siteConfigWithDefaults } from '../../shared/config/site';
import type { FiguresDocument } from '../../shared/metrics/figures';
import { getJson, reportKeyFor } from '../../shared/storage/archive';
import { keys } from '../../shared/storage/keys';
import { basicAuth, startTestStack, type TestStack } from '../helpers/local-stack';

let stack: TestStack;
let shopKeys: { writeKey: string; readKey: string };
let otherKeys: { writeKey: string; readKey: string };
const SHOP = { site: 'handshop', timezone: 'UTC', currency: 'EUR' };
const DAY = '2026-11-10';

beforeAll(async () => {
  stack = await startTestStack();
  shopKeys = await stack.createSite(SHOP);
  otherKeys = await stack.createSite({ site: 'othershop' });
});
afterAll(async () => {
  await stack.stop();
});

async function send(batch: unknown[], writeKey = shopKeys.writeKey): Promise<void> {
  const response = await fetch(`${stack.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
    body: JSON.stringify({ batch }),
  });
  expect(response.status).toBe(200);
}

async function getFigures(from: string, to: string, readKey = shopKeys.readKey, site = SHOP.site) {
  return fetch(`${stack.url}/v1/sites/${site}/figures?from=${from}&to=${to}`, {
    headers: readKey ? { authorization: `Bearer ${readKey}` } : {},
  });
}

const at = (time: string) => `${DAY}T${time}:00.000Z`;

/** A small day whose figures are computed by hand below. */
const handDay = [
  { type: 'page', name: 'Home', anonymousId: 'a1', messageId: 'h1', timestamp: at('10:00') },
  {
    type: 'track',
    event: 'Product Viewed',
    anonymousId: 'a1',
    messageId: 'h2',
    timestamp: at('10:05'),
    properties: { product_id: 'p1', price: 20 },
  },
  {
    type: 'track',
    event: 'Product Added',
    anonymousId: 'a1',
    messageId: 'h3',
    timestamp: at('10:10'),
    properties: { cart_id: 'c1', product_id: 'p1', price: 20, quantity: 2 },
  },
  { type: 'track', event: 'Checkout Started', anonymousId: 'a1', messageId: 'h4', timestamp: at('10:15') },
  {
    type: 'track',
    event: 'Order Completed',
    anonymousId: 'a1',
    messageId: 'h5',
    timestamp: at('10:20'),
    properties: { order_id: 'o1', revenue: 40, cart_id: 'c1' },
  },
  { type: 'page', name: 'Home', anonymousId: 'b1', messageId: 'h6', timestamp: at('11:00') },
  {
    type: 'track',
    event: 'Product Added',
    anonymousId: 'b1',
    messageId: 'h7',
    timestamp: at('11:05'),
    properties: { product_id: 'p2', price: 15 },
  },
  { type: 'page', name: 'Home', userId: 'u3', messageId: 'h8', timestamp: at('12:00') },
];

describe('aggregation and the query API', () => {
  it('computes a hand-computed day with `roxtrail aggregate` and serves it from the query API', async () => {
    await send(handDay);
    const cli = await runCli(['aggregate', '--site', SHOP.site, '--date', DAY], {
      ROXTRAIL_DATA_DIR: stack.dataDir,
    });
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/2026-11-10\s+final r1\s+8\s+3\s+1\s+40\.00 EUR\s+50\.0%/);

    const response = await getFigures(DAY, DAY);
    expect(response.status).toBe(200);
    const [figures] = ((await response.json()) as { figures: FiguresDocument[] }).figures;
    expect(figures?.traffic).toEqual({
      events: 8,
      journeys: 3,
      sessions: 3,
      pageviews: 3,
      bounceRate: 1 / 3,
      byChannel: { unknown: { events: 8, journeys: 3 } },
    });
    expect(figures?.funnel.steps.map((s) => s.sessions)).toEqual([1, 1, 1, 1]);
    expect(figures?.funnel.conversionRate).toBe(1 / 3);
    expect(figures?.sales).toMatchObject({ orders: 1, revenue: 40, aov: 40, customers: 1 });
    expect(figures?.carts).toEqual({
      created: 2,
      converted: 1,
      abandoned: 1,
      abandonmentRate: 0.5,
      abandonedValue: 15,
    });
    expect(figures?.checkouts).toEqual({ started: 1, completed: 1, abandonmentRate: 0 });
    // The same document is in S3.
    const report = await getJson<FiguresDocument>(stack.clients, reportKeyFor(SHOP.site, DAY));
    expect(report?.carts).toEqual(figures?.carts);
  }, 60_000);

  it('gives identical figures when a day is recomputed on unchanged data, bumping only the revision', async () => {
    const config = siteConfigWithDefaults(SHOP);
    const first = await aggregateDay(stack.clients, config, '2026-11-10');
    const second = await aggregateDay(stack.clients, config, '2026-11-10');
    expect(second.figures.revision).toBe(first.figures.revision + 1);
    const strip = ({ revision: _r, computedAt: _c, ...rest }: FiguresDocument) => rest;
    expect(strip(second.figures)).toEqual(strip(first.figures));
  });

  it('recomputes a day when late events arrive: the scheduled run picks the mark up and clears it', async () => {
    const config = siteConfigWithDefaults(SHOP);
    const before = await aggregateDay(stack.clients, config, '2026-11-05');
    expect(before.figures.traffic.events).toBe(0);
    await send([
      {
        type: 'page',
        name: 'Late',
        anonymousId: 'late-1',
        messageId: 'late-1',
        timestamp: '2026-11-05T09:00:00Z',
      },
    ]);
    const mark = () =>
      stack.clients.dynamo.send(
        new GetCommand({
          TableName: stack.clients.settings.tableName,
          Key: keys.dirtyDay(SHOP.site, '2026-11-05'),
        }),
      );
    expect((await mark()).Item).toBeDefined();

    const run = await runScheduledAggregation(stack.clients, { now: new Date(Date.now() + 5 * 60_000) });
    expect(run.failures).toEqual([]);
    const recomputed = run.results.find((r) => r.site === SHOP.site && r.date === '2026-11-05');
    expect(recomputed?.figures.traffic.events).toBe(1);
    expect(recomputed?.figures.revision).toBe(before.figures.revision + 1);
    expect((await mark()).Item).toBeUndefined();
  });

  it('answers 401 without or with a wrong read key, 403 with another site’s key, 400 for bad dates', async () => {
    expect((await getFigures(DAY, DAY, '')).status).toBe(401);
    expect((await getFigures(DAY, DAY, 'rxr_wrong')).status).toBe(401);
    expect((await getFigures(DAY, DAY, shopKeys.writeKey)).status).toBe(401);
    const forbidden = await getFigures(DAY, DAY, otherKeys.readKey);
    expect(forbidden.status).toBe(403);
    expect((await forbidden.json()).message).toContain(SHOP.site);
    expect((await getFigures('2026-13-01', DAY)).status).toBe(400);
    expect((await getFigures(DAY, '2026-11-01')).status).toBe(400);
    const tooLong = await getFigures('2025-01-01', '2026-06-01');
    expect(tooLong.status).toBe(400);
    expect((await tooLong.json()).error).toBe('range_too_long');
  });

  it('returns a journey in time order across the anonymous ids linked to the user', async () => {
    await send([
      {
        type: 'page',
        name: 'Home',
        anonymousId: 'j-anon',
        messageId: 'j1',
        timestamp: '2026-11-12T08:00:00Z',
      },
      {
        type: 'track',
        event: 'Product Viewed',
        anonymousId: 'j-anon',
        messageId: 'j2',
        timestamp: '2026-11-12T08:01:00Z',
      },
    ]);
    await send([
      {
        type: 'identify',
        anonymousId: 'j-anon',
        userId: 'j-user',
        messageId: 'j3',
        timestamp: '2026-11-12T08:02:00Z',
      },
      {
        type: 'track',
        event: 'Order Completed',
        userId: 'j-user',
        messageId: 'j4',
        timestamp: '2026-11-12T08:03:00Z',
        properties: { order_id: 'jo' },
      },
    ]);
    const response = await fetch(`${stack.url}/v1/sites/${SHOP.site}/journeys/j-user?limit=3`, {
      headers: { authorization: `Bearer ${shopKeys.readKey}` },
    });
    expect(response.status).toBe(200);
    const page = (await response.json()) as {
      total: number;
      events: { messageId: string }[];
      nextCursor: string;
    };
    expect(page.total).toBe(4);
    expect(page.events.map((e) => e.messageId)).toEqual(['j1', 'j2', 'j3']);
    const next = await fetch(
      `${stack.url}/v1/sites/${SHOP.site}/journeys/j-user?limit=3&cursor=${page.nextCursor}`,
      {
        headers: { authorization: `Bearer ${shopKeys.readKey}` },
      },
    );
    expect(
      ((await next.json()) as { events: { messageId: string }[] }).events.map((e) => e.messageId),
    ).toEqual(['j4']);
  });

  it('rebuilds journeys and links with replay, idempotently', async () => {
    const first = await runCli(
      ['replay', '--site', SHOP.site, '--from', '2026-11-10', '--to', '2026-11-12', '--json'],
      {
        ROXTRAIL_DATA_DIR: stack.dataDir,
      },
    );
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout) as { events: number; objects: number };
    expect(summary.events).toBe(handDay.length + 4);
    const again = await runCli(
      ['replay', '--site', SHOP.site, '--from', '2026-11-10', '--to', '2026-11-12', '--json'],
      {
        ROXTRAIL_DATA_DIR: stack.dataDir,
      },
    );
    expect(JSON.parse(again.stdout)).toMatchObject({ events: summary.events, linksWritten: 0 });
    const journey = await fetch(`${stack.url}/v1/sites/${SHOP.site}/journeys/j-user`, {
      headers: { authorization: `Bearer ${shopKeys.readKey}` },
    });
    expect(((await journey.json()) as { total: number }).total).toBe(4);
  }, 60_000);
});
