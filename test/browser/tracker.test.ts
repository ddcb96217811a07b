/**
 * The tracker in a real browser (Debian's Chromium through playwright-core) against a real local stack:
 * the page is served from its own origin, loads /roxtrail.js from Roxtrail, and sends through a proxy
 * that can fail requests, so retries, reloads and page-hide beacons are observed end to end.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRACKER_ROUTE_KEY } from '../../infra/local/routes';
import { handler as trackerAsset } from '../../infra/local/tracker-asset';
import type { NormalizedEvent } from '../../shared/events/types';
import type { Tracker } from '../../web/tracker/src/tracker';
import { CHROMIUM_LAUNCH, hasChromium } from '../helpers/chromium';
import { startTestStack, type TestStack } from '../helpers/local-stack';
import { type RecordingProxy, startRecordingProxy } from '../helpers/recording-proxy';

const SITE = 'browser-shop';

/** What the shop page exposes (types only: these are read inside page.evaluate). */
interface ShopWindow {
  roxtrail: Tracker;
  shown(label: string, id: string | undefined): string;
}
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

let stack: TestStack;
let proxy: RecordingProxy;
let shop: { server: Server; origin: string };
let context: BrowserContext;
let profile: string;
let writeKey: string;

/** The shop's page: loads the tracker from Roxtrail as a module and starts it with the query's settings. */
function shopPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Roxtrail test shop</title>
<style>body{font:15px system-ui;margin:2rem}li{font-family:monospace}</style></head>
<body><h1>Roxtrail test shop</h1><p>Events sent by the tracker on this page:</p><ol id="log"></ol>
<script type="module">
  import roxtrail from '${stack.url}/roxtrail.js';
  const query = new URLSearchParams(location.search);
  roxtrail.init({
    writeKey: ${JSON.stringify(writeKey)},
    endpoint: ${JSON.stringify(proxy.url)},
    site: ${JSON.stringify(SITE)},
    flushInterval: Number(query.get('flush') ?? 200),
    retry: { baseMs: Number(query.get('retry') ?? 300), maxMs: Number(query.get('retry') ?? 2000) },
  });
  const log = document.getElementById('log');
  window.shown = (label, id) => {
    const item = document.createElement('li');
    item.textContent = label + '  ' + id;
    log.append(item);
    return id;
  };
  window.trackerReady = true;
</script></body></html>`;
}

async function startShop(): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    if (request.url?.startsWith('/shop.html')) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(shopPage());
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function openShop(page: Page, query = ''): Promise<void> {
  await page.goto(`${shop.origin}/shop.html${query}`);
  await page.waitForFunction(() => (window as { trackerReady?: boolean }).trackerReady === true);
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** Archived events of the site with these messageIds, once all of them are there (or after a timeout). */
async function archived(ids: readonly string[]): Promise<NormalizedEvent[]> {
  const wanted = new Set(ids);
  await eventually(
    async () => (await stack.archivedEvents(SITE)).filter((event) => wanted.has(event.messageId)),
    (found) => new Set(found.map((event) => event.messageId)).size === wanted.size,
  );
  // Give a duplicate (a retry or a second beacon) time to land before counting.
  await new Promise((resolve) => setTimeout(resolve, 400));
  return (await stack.archivedEvents(SITE)).filter((event) => wanted.has(event.messageId));
}

function countsById(events: readonly NormalizedEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) counts[event.messageId] = (counts[event.messageId] ?? 0) + 1;
  return counts;
}

function once(ids: readonly string[]): Record<string, number> {
  return Object.fromEntries(ids.map((id) => [id, 1]));
}

function postsCarrying(ids: readonly string[]) {
  return proxy.requests.filter((r) => r.method === 'POST' && ids.some((id) => r.text.includes(id)));
}

describe.skipIf(!hasChromium)('the browser tracker in Chromium', () => {
  beforeAll(async () => {
    stack = await startTestStack(() => [{ routeKey: TRACKER_ROUTE_KEY, handler: async () => trackerAsset }]);
    proxy = await startRecordingProxy(stack.url);
    shop = await startShop();
    ({ writeKey } = await stack.createSite({ site: SITE, timezone: 'UTC', origins: [shop.origin] }));
    profile = mkdtempSync(join(tmpdir(), 'roxtrail-chromium-'));
    context = await chromium.launchPersistentContext(profile, CHROMIUM_LAUNCH);
  });

  afterAll(async () => {
    await context?.close();
    await proxy?.close();
    await new Promise((resolve) => shop?.server.close(resolve));
    await stack?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('sends page, track and identify from the page; each event is archived exactly once', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await openShop(page);

    const ids = await page.evaluate(async () => {
      const { roxtrail, shown } = window as unknown as ShopWindow;
      const sent = [
        shown('page Home', roxtrail.page('Home')),
        shown(
          'Product Viewed',
          roxtrail.productViewed({ product_id: 'p1', price: 25 }, { touchpoint: 'size_guide' }),
        ),
        shown('identify u-browser', roxtrail.identify('u-browser', { plan: 'gold' })),
        shown(
          'Product Added',
          roxtrail.productAdded({ cart_id: 'c1', product_id: 'p1', price: 25, quantity: 2 }),
        ),
        shown(
          'Order Completed',
          roxtrail.orderCompleted({ order_id: 'o1', revenue: 50, currency: 'EUR', cart_id: 'c1' }),
        ),
      ];
      await roxtrail.flush();
      return sent;
    });

    const events = await archived(ids);
    expect(countsById(events)).toEqual(once(ids));
    const byId = new Map(events.map((event) => [event.messageId, event]));
    const [pageId = '', viewedId = '', identifyId = '', addedId = '', orderId = ''] = ids;
    expect(byId.get(pageId)).toMatchObject({
      type: 'page',
      name: 'Home',
      properties: { path: '/shop.html', title: 'Roxtrail test shop' },
      context: { library: { name: 'roxtrail.js' }, channel: 'web', page: { path: '/shop.html' } },
    });
    expect(byId.get(viewedId)).toMatchObject({
      event: 'Product Viewed',
      properties: { touchpoint: 'size_guide' },
    });
    expect(byId.get(identifyId)).toMatchObject({
      type: 'identify',
      userId: 'u-browser',
      traits: { plan: 'gold' },
    });
    expect(byId.get(addedId)).toMatchObject({
      userId: 'u-browser',
      properties: { cart_id: 'c1', quantity: 2 },
    });
    expect(byId.get(orderId)?.anonymousId).toBe(byId.get(pageId)?.anonymousId);
    expect(byId.get(orderId)?.context?.userAgent).toContain('Chrome');
    // Sent with fetch keepalive as text/plain: no CORS preflight was needed.
    expect(proxy.requests.filter((r) => r.method === 'OPTIONS')).toEqual([]);
    expect(postsCarrying(ids).every((r) => r.headers['content-type']?.startsWith('text/plain'))).toBe(true);
    expect(errors).toEqual([]);

    await page.evaluate((count) => {
      const note = document.createElement('p');
      note.textContent = `All ${count} events are in the archive, each exactly once.`;
      document.body.append(note);
    }, ids.length);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'tracker.png'), fullPage: true });
    await page.close();
  });

  it('on a page whose origin the site does not list: one request, refused with a reason it reads, not retried', async () => {
    const page = await context.newPage();
    const warnings: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'warning') warnings.push(message.text());
    });
    // The same shop server under another name: http://localhost:<port> is not http://127.0.0.1:<port>.
    const foreign = shop.origin.replace('127.0.0.1', 'localhost');
    await page.goto(`${foreign}/shop.html?retry=300`);
    await page.waitForFunction(() => (window as { trackerReady?: boolean }).trackerReady === true);
    const id = String(
      await page.evaluate(() => {
        const { roxtrail } = window as unknown as ShopWindow;
        return roxtrail.track('Foreign Origin Probe', {});
      }),
    );
    await eventually(
      async () => warnings.filter((text) => text.includes('origin_not_allowed')),
      (found) => found.length > 0,
    );
    // Time for a retry to show, were there one.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(postsCarrying([id]).map((r) => r.status)).toEqual([403]);
    expect((await stack.archivedEvents(SITE)).filter((event) => event.messageId === id)).toEqual([]);
    await page.close();
  });

  it('retries a failing collector after Retry-After, with the same messageIds, and archives once', async () => {
    const page = await context.newPage();
    await openShop(page, '?retry=300');
    proxy.failNext(2, 503, 1);
    const id = await page.evaluate(() => {
      const { roxtrail } = window as unknown as ShopWindow;
      return roxtrail.checkoutStarted({ cart_id: 'c2' });
    });
    const ids = [String(id)];

    expect(countsById(await archived(ids))).toEqual(once(ids));
    const attempts = postsCarrying(ids);
    expect(attempts.map((r) => r.status)).toEqual([503, 503, 200]);
    const times = attempts.map((r) => Date.parse((JSON.parse(r.text) as { sentAt: string }).sentAt));
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(1000);
    expect((times[2] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(1000);
    await page.close();
  });

  it('keeps events queued while the collector fails across a reload and delivers them afterwards, once', async () => {
    const page = await context.newPage();
    // Long backoff: after the first failure only the reload can deliver them.
    await openShop(page, '?retry=60000');
    proxy.failNext(1000, 503, 60);
    const before = await page.evaluate(async () => {
      const { roxtrail } = window as unknown as ShopWindow;
      const ids = [
        roxtrail.productAdded({ cart_id: 'c3', product_id: 'p3', price: 12 }),
        roxtrail.surveyResponded('nps', 9, undefined, { touchpoint: 'live_chat' }),
        roxtrail.frictionEncountered('coupon_rejected'),
      ];
      await roxtrail.flush();
      return { ids: ids.map(String), anonymousId: roxtrail.user().anonymousId };
    });
    const failed = await eventually(
      async () => postsCarrying(before.ids),
      (posts) => posts.length > 0 && posts.every((r) => r.status === 503),
    );
    expect(failed.length).toBe(1);
    const stored = await page.evaluate(() =>
      Object.keys(localStorage)
        .filter((key) => key.startsWith('rx.browser-shop.q.'))
        .map((key) => localStorage.getItem(key) ?? ''),
    );
    for (const id of before.ids) expect(stored.join('')).toContain(id);

    proxy.failNext(0);
    await page.reload();
    await page.waitForFunction(() => (window as { trackerReady?: boolean }).trackerReady === true);

    expect(countsById(await archived(before.ids))).toEqual(once(before.ids));
    const after = await page.evaluate(() => {
      const { roxtrail } = window as unknown as ShopWindow;
      return roxtrail.user().anonymousId;
    });
    expect(after).toBe(before.anonymousId);
    // The failed attempt, then the new page's fetch (no beacon: retries were failing when the page left).
    expect(postsCarrying(before.ids).map((r) => [r.url, r.status])).toEqual([
      ['/v1/batch', 503],
      ['/v1/batch', 200],
    ]);
    const left = await page.evaluate(() => Object.keys(localStorage).filter((key) => key.includes('.q.')));
    expect(left).toEqual([]);
    await page.close();
  });

  it('without analytics consent, archives events without the visitor ids and keeps none in storage', async () => {
    const page = await context.newPage();
    await openShop(page);
    const result = await page.evaluate(async () => {
      const { roxtrail } = window as unknown as ShopWindow;
      roxtrail.identify('u-consent');
      roxtrail.consent({ analytics: false });
      const id = String(roxtrail.productViewed({ product_id: 'p9' }));
      await roxtrail.flush();
      return { id, storedKeys: Object.keys(localStorage), anonymousId: roxtrail.user().anonymousId };
    });
    const [event] = await archived([result.id]);
    expect(event?.context?.consent).toEqual({ analytics: false });
    expect(event?.userId).toBeUndefined();
    expect(event?.anonymousId).not.toBe(result.anonymousId);
    expect(event?.context?.userAgent).toBeUndefined();
    expect(result.storedKeys).toEqual(['rx.browser-shop.consent']);
    await page.evaluate(() => (window as unknown as ShopWindow).roxtrail.consent({ analytics: true }));
    await page.close();
  });

  it('flushes with sendBeacon (text/plain, ?writeKey=) when the page is hidden and on pagehide', async () => {
    const page = await context.newPage();
    // A flush interval far beyond the test: only page hide can send these events.
    await openShop(page, '?flush=600000');
    const hiddenIds = await page.evaluate(() => {
      const { roxtrail } = window as unknown as ShopWindow;
      const ids = [roxtrail.page('Cart'), roxtrail.checkoutStarted({ cart_id: 'c4' })].map(String);
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
      return ids;
    });
    const leaveIds = await page.evaluate(() => {
      const { roxtrail } = window as unknown as ShopWindow;
      return [roxtrail.experimentViewed('checkout-v2', 'b'), roxtrail.track('Left Page')].map(String);
    });
    await page.goto('about:blank');

    const ids = [...hiddenIds, ...leaveIds];
    expect(countsById(await archived(ids))).toEqual(once(ids));
    const beacons = postsCarrying(ids);
    expect(beacons).toHaveLength(2);
    for (const beacon of beacons) {
      expect(beacon.url).toBe(`/v1/batch?writeKey=${encodeURIComponent(writeKey)}`);
      expect(beacon.headers['content-type']).toBe('text/plain;charset=UTF-8');
      expect(beacon.status).toBe(200);
    }
    await page.close();
  });
});
