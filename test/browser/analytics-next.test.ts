/**
 * Segment's analytics.js 2.0 (@segment/analytics-next, its npm build bundled for the page, no CDN) in
 * Chromium against the real local stack, unchanged but for its settings: in its default delivery (one
 * request per event, `"userId": null` before identify) and in batching mode (`/v1/b`), with its metrics
 * beacon (`/v1/m`) running. Every event is archived once, the journey is stitched, the day counts it.
 */
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_LAUNCH, hasChromium } from '../helpers/chromium';
import { startTestStack, type TestStack } from '../helpers/local-stack';
import { type RecordingProxy, startRecordingProxy } from '../helpers/recording-proxy';
import {
  answeredPosts,
  archivedOnce,
  bundleForBrowser,
  countsById,
  eventually,
  expectSessionFigures,
  figuresOfShopDay,
  journeyMessageIds,
  postedMessageIds,
  SHOP_CLOCK_START,
  type ShopServer,
  shopClock,
  startShopServer,
} from '../helpers/sdk-shop';

type AnalyticsNext = typeof import('@segment/analytics-next');

/** What the page runs, with the settings a shop would give analytics.js to point it at Roxtrail. */
interface SessionSettings {
  writeKey: string;
  /** `host:port/v1`: analytics.js appends `/t`, `/p`, `/i`, `/b`, `/m`. */
  apiHost: string;
  userId: string;
  batching: boolean;
}

let stack: TestStack;
let proxy: RecordingProxy;
let shop: ShopServer;
let browser: Browser;

describe.skipIf(!hasChromium)('@segment/analytics-next in Chromium', () => {
  beforeAll(async () => {
    stack = await startTestStack(() => [], { now: shopClock() });
    proxy = await startRecordingProxy(stack.url);
    shop = await startShopServer(
      'analytics.js 2.0 shop',
      await bundleForBrowser("export { AnalyticsBrowser } from '@segment/analytics-next';"),
    );
    browser = await chromium.launch(CHROMIUM_LAUNCH);
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await shop?.close();
    await stack?.stop();
  });

  it.each([
    { mode: 'default delivery', batching: false },
    { mode: 'batching delivery', batching: true },
  ])(
    'in its $mode, every event is archived once, stitched to the user and counted',
    async ({ batching }) => {
      const site = `next-${batching ? 'batching' : 'default'}`;
      const siteConfig = { site, timezone: 'UTC', currency: 'EUR', origins: [shop.origin] };
      const { writeKey, readKey } = await stack.createSite(siteConfig);
      const userId = `u-${site}`;
      const context: BrowserContext = await browser.newContext();
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      await page.clock.install({ time: SHOP_CLOCK_START });
      await page.goto(`${shop.origin}/shop.html`);
      await page.waitForFunction(() => (window as { sdkReady?: boolean }).sdkReady === true);

      const settings: SessionSettings = {
        writeKey,
        apiHost: `${new URL(proxy.url).host}/v1`,
        userId,
        batching,
      };
      const sent = await page.evaluate(async (s) => {
        const { AnalyticsBrowser } = (window as unknown as { sdk: AnalyticsNext }).sdk;
        const segmentio = {
          apiHost: s.apiHost,
          protocol: 'http' as const,
          ...(s.batching
            ? { deliveryStrategy: { strategy: 'batching' as const, config: { size: 20, timeout: 500 } } }
            : {}),
        };
        // The settings analytics.js would fetch from cdn.segment.com, given inline instead.
        const [analytics] = await AnalyticsBrowser.load(
          {
            writeKey: s.writeKey,
            cdnSettings: {
              integrations: { 'Segment.io': { apiKey: s.writeKey, ...segmentio } },
              metrics: { flushTimer: 500 },
            },
          },
          { integrations: { 'Segment.io': segmentio } },
        );
        const cart = { cart_id: 'c-1', product_id: 'p1', price: 30, quantity: 2 };
        const calls = [
          () => analytics.page('Home'),
          () => analytics.page('Product p1'),
          () => analytics.track('Product Viewed', { product_id: 'p1', price: 30 }),
          () => analytics.track('Product Added', cart),
          () => analytics.track('Checkout Started', { cart_id: 'c-1', revenue: 60, currency: 'EUR' }),
          () => analytics.identify(s.userId, { plan: 'gold' }),
          () =>
            analytics.track('Order Completed', {
              order_id: 'o-1',
              cart_id: 'c-1',
              revenue: 60,
              currency: 'EUR',
              products: [{ product_id: 'p1', price: 30, quantity: 2 }],
            }),
          () => analytics.track('Survey Responded', { survey: 'nps', score: 9 }),
        ];
        // One after the other, a quarter of a second apart, as a visitor's clicks come: default delivery
        // resolves a call once its request is answered, batching once the event is queued for the batch.
        const delivered = [];
        for (const call of calls) {
          delivered.push(await call());
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        return delivered.map((ctx) => ({
          messageId: ctx.event.messageId ?? '',
          failed: ctx.failedDelivery() !== undefined,
        }));
      }, settings);

      const ids = sent.map((event) => event.messageId);
      expect(sent.filter((event) => event.failed)).toEqual([]);
      expect(new Set(ids).size).toBe(8);
      // Sent once each, to the endpoints of the mode, and each request answered 200 (a batch goes out
      // after the calls have resolved: within the batching timeout).
      const posts = await answeredPosts(proxy, writeKey, ids.length);
      const posted = postedMessageIds(proxy, writeKey);
      expect(countsById(posted)).toEqual(countsById(ids));
      expect(new Set(posts.map((r) => r.url.replace(/\?.*/, '')))).toEqual(
        batching ? new Set(['/v1/b']) : new Set(['/v1/p', '/v1/t', '/v1/i']),
      );
      expect(posts.every((r) => r.status === 200)).toBe(true);
      // analytics.js sends userId null until identify: the collector took those events as anonymous.
      expect(posts.some((r) => r.text.includes('"userId":null'))).toBe(true);

      const archived = await archivedOnce(stack, site, ids.length);
      expect(countsById(archived.map((event) => event.messageId))).toEqual(countsById(ids));
      expect(await stack.archivedKeys(`rejected/site=${site}/`)).toEqual([]);
      const anonymousId = archived.find((event) => event.type === 'identify')?.anonymousId;
      expect(anonymousId).toBeDefined();
      for (const event of archived) {
        expect(event.anonymousId).toBe(anonymousId);
        expect(event.context).toMatchObject({ library: { name: 'analytics.js' }, channel: 'web' });
        expect(event.timestamp.startsWith('2026-11-20T10:')).toBe(true);
      }
      expect(archived.filter((event) => event.userId === userId)).toHaveLength(3);

      // One journey, stitched over the anonymous id.
      expect((await journeyMessageIds(stack, site, readKey, userId)).sort()).toEqual([...ids].sort());

      expectSessionFigures(await figuresOfShopDay(stack, siteConfig));

      // The metrics beacon is answered (204), and nothing went anywhere but the loopback servers.
      const beacons = await eventually(
        async () => proxy.requests.filter((r) => r.method === 'POST' && r.url.startsWith('/v1/m')),
        (found) => found.length > 0 && found.every((r) => r.status !== 0),
      );
      expect(beacons.length).toBeGreaterThan(0);
      expect(beacons.every((r) => r.status === 204)).toBe(true);
      expect(proxy.requests.filter((r) => r.status >= 400)).toEqual([]);
      expect(requested.filter((url) => !url.startsWith('http://127.0.0.1:'))).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    },
    60_000,
  );
});
