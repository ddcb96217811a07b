/**
 * A shop page on its own loopback origin that runs a vendor's browser SDK from its npm build (bundled
 * here with esbuild, no CDN), plus what the SDK browser tests assert once the page has sent its events.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { expect } from 'vitest';
import { aggregateDay } from '../../shared/app/aggregate/aggregate';
import { type SiteConfigInput, siteConfigWithDefaults } from '../../shared/config/site';
import type { NormalizedEvent } from '../../shared/events/types';
import type { FiguresDocument } from '../../shared/metrics/figures';
import type { TestStack } from './local-stack';
import type { RecordedRequest, RecordingProxy } from './recording-proxy';

/** The instant the page's and the collector's clocks start at: the figures day is 2026-11-20 (UTC). */
export const SHOP_CLOCK_START = '2026-11-20T10:00:00.000Z';
export const SHOP_DAY = '2026-11-20';

/** A clock that starts at SHOP_CLOCK_START and runs at the real pace: the collector's receivedAt. */
export function shopClock(): () => number {
  const offset = Date.parse(SHOP_CLOCK_START) - Date.now();
  return () => Date.now() + offset;
}

/** `export ... from '<package>'` bundled as an ES module for the browser, as a shop's build would. */
export async function bundleForBrowser(entry: string): Promise<string> {
  const result = await build({
    stdin: { contents: entry, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    write: false,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild produced no bundle');
  return output.text;
}

export interface ShopServer {
  origin: string;
  close(): Promise<void>;
}

/** Serves `/shop.html` (loading `/sdk.js` as a module and exposing its exports as `window.sdk`) and `/sdk.js`. */
export async function startShopServer(title: string, bundle: string): Promise<ShopServer> {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body><h1>${title}</h1>
<script type="module">
  import * as sdk from '/sdk.js';
  window.sdk = sdk;
  window.sdkReady = true;
</script></body></html>`;
  const server: Server = createServer((request, response) => {
    const path = request.url?.split('?')[0];
    if (path === '/shop.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(html);
    } else if (path === '/sdk.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      response.end(bundle);
    } else if (path === '/favicon.ico') {
      response.writeHead(204).end();
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

interface PostedBody {
  writeKey?: string;
  messageId?: string;
  batch?: { messageId?: string }[];
}

/** The POSTs of tracking requests for this write key (Basic auth, `?writeKey=` or in the body) that the proxy forwarded. */
export function sitePosts(proxy: RecordingProxy, writeKey: string): RecordedRequest[] {
  const basic = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  return proxy.forwarded().filter((request) => {
    if (request.url.startsWith('/v1/m')) return false;
    return (
      request.headers.authorization === basic ||
      new URL(request.url, 'http://proxy').searchParams.get('writeKey') === writeKey ||
      (JSON.parse(request.text) as PostedBody).writeKey === writeKey
    );
  });
}

/** The messageIds of the events in those requests, one per event sent (a resent event twice). */
export function postedMessageIds(proxy: RecordingProxy, writeKey: string): string[] {
  const ids: string[] = [];
  for (const request of sitePosts(proxy, writeKey)) {
    const body = JSON.parse(request.text) as PostedBody;
    for (const event of body.batch ?? [body])
      if (typeof event.messageId === 'string') ids.push(event.messageId);
  }
  return ids;
}

/** The site's tracking POSTs once they carry `count` events and each has been answered (or after a timeout). */
export async function answeredPosts(
  proxy: RecordingProxy,
  writeKey: string,
  count: number,
): Promise<RecordedRequest[]> {
  await eventually(
    async () => sitePosts(proxy, writeKey),
    (posts) => postedMessageIds(proxy, writeKey).length >= count && posts.every((post) => post.status !== 0),
  );
  return sitePosts(proxy, writeKey);
}

/** Archived events of the site, once `count` distinct messageIds are there (or after a timeout). */
export async function archivedOnce(
  stack: TestStack,
  site: string,
  count: number,
): Promise<NormalizedEvent[]> {
  await eventually(
    () => stack.archivedEvents(site),
    (events) => new Set(events.map((event) => event.messageId)).size >= count,
  );
  // Time for a duplicate (a retry, a second beacon) to land before counting.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return stack.archivedEvents(site);
}

export function countsById(ids: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const id of ids) counts[id] = (counts[id] ?? 0) + 1;
  return counts;
}

/** The journey API's view of a user: the messageIds of its events (merged over linked anonymous ids). */
export async function journeyMessageIds(
  stack: TestStack,
  site: string,
  readKey: string,
  journeyId: string,
): Promise<string[]> {
  const response = await fetch(`${stack.url}/v1/sites/${site}/journeys/${encodeURIComponent(journeyId)}`, {
    headers: { authorization: `Bearer ${readKey}` },
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { total: number; events: { messageId: string }[] };
  expect(body.total).toBe(body.events.length);
  return body.events.map((event) => event.messageId);
}

/** Computes the shop's day as the scheduler would, the morning after. */
export async function figuresOfShopDay(stack: TestStack, site: SiteConfigInput): Promise<FiguresDocument> {
  const result = await aggregateDay(stack.clients, siteConfigWithDefaults(site), SHOP_DAY, {
    now: new Date('2026-11-21T01:00:00.000Z'),
  });
  return result.figures;
}

/**
 * What every SDK test's session gives on its day: 2 page views, Product Viewed, Product Added, Checkout
 * Started, identify, Order Completed (cart c-1, 60 EUR) and an NPS 9 survey, one visitor on the web.
 */
export function expectSessionFigures(figures: FiguresDocument): void {
  expect(figures.traffic).toMatchObject({
    events: 7,
    journeys: 1,
    sessions: 1,
    pageviews: 2,
    byChannel: { web: { events: 7, journeys: 1 } },
  });
  expect(Object.keys(figures.traffic.byChannel)).toEqual(['web']);
  expect(figures.funnel.steps.map((step) => step.sessions)).toEqual([1, 1, 1, 1]);
  expect(figures.sales).toMatchObject({ orders: 1, revenue: 60, customers: 1 });
  expect(figures.carts).toMatchObject({ created: 1, converted: 1, abandoned: 0 });
  expect(figures.checkouts).toMatchObject({ started: 1, completed: 1 });
  expect(figures.experience.nps).toEqual({
    responses: 1,
    promoters: 1,
    passives: 0,
    detractors: 0,
    score: 100,
  });
  expect(figures.quality.duplicates).toBe(0);
}
