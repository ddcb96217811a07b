/**
 * RudderStack's JavaScript SDK v3 (@rudderstack/analytics-js) in Chromium against the real local stack:
 * its bundled build (`@rudderstack/analytics-js/bundled`: plugins inside, none fetched from a CDN)
 * bundled for the page, the source configuration given inline (`getSourceConfig`) instead of fetched
 * from RudderStack's control plane. In its default delivery (one XHR per event to `/v1/<type>`) and
 * with its queue batching (`/v1/batch`) and its sendBeacon queue (`useBeacon`: `/beacon/v1/batch?writeKey=`). Its top-level `channel: "web"` puts the events on the web.
 */
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_LAUNCH, hasChromium } from '../helpers/chromium';
import { startTestStack, type TestStack } from '../helpers/local-stack';
import { type RecordingProxy, startRecordingProxy } from '../helpers/recording-proxy';
import {
  answeredPosts,
  archivedOnce,
  bundleForBrowser,
  countsById,
  expectSessionFigures,
  figuresOfShopDay,
  journeyMessageIds,
  postedMessageIds,
  SHOP_CLOCK_START,
  type ShopServer,
  shopClock,
  startShopServer,
} from '../helpers/sdk-shop';

type RudderStackSdk = typeof import('@rudderstack/analytics-js/bundled');

interface SessionSettings {
  writeKey: string;
  dataPlaneUrl: string;
  userId: string;
  delivery: Delivery;
}

type Delivery = 'default' | 'batching' | 'beacon';

const DELIVERY_PATHS: Record<Delivery, Set<string>> = {
  default: new Set(['/v1/page', '/v1/track', '/v1/identify']),
  batching: new Set(['/v1/batch']),
  beacon: new Set(['/beacon/v1/batch']),
};

let stack: TestStack;
let proxy: RecordingProxy;
let shop: ShopServer;
let browser: Browser;

describe.skipIf(!hasChromium)('@rudderstack/analytics-js in Chromium', () => {
  beforeAll(async () => {
    stack = await startTestStack(() => [], { now: shopClock() });
    proxy = await startRecordingProxy(stack.url);
    shop = await startShopServer(
      'RudderStack shop',
      await bundleForBrowser("export { RudderAnalytics } from '@rudderstack/analytics-js/bundled';"),
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
    { mode: 'default delivery', delivery: 'default' },
    { mode: 'batching delivery', delivery: 'batching' },
    { mode: 'sendBeacon delivery', delivery: 'beacon' },
  ] as const)(
    'in its $mode, every event is archived once, stitched to the user and counted',
    async ({ delivery }) => {
      const site = `rudder-${delivery}`;
      const siteConfig = { site, timezone: 'UTC', currency: 'EUR', origins: [shop.origin] };
      const { writeKey, readKey } = await stack.createSite(siteConfig);
      const userId = `u-${site}`;
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      const consoleErrors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      await page.clock.install({ time: SHOP_CLOCK_START });
      await page.goto(`${shop.origin}/shop.html`);
      await page.waitForFunction(() => (window as { sdkReady?: boolean }).sdkReady === true);

      const settings: SessionSettings = { writeKey, dataPlaneUrl: proxy.url, userId, delivery };
      const ids = await page.evaluate(async (s) => {
        const { RudderAnalytics } = (window as unknown as { sdk: RudderStackSdk }).sdk;
        const analytics = new RudderAnalytics();
        analytics.load(s.writeKey, s.dataPlaneUrl, {
          // What the SDK would fetch from api.rudderstack.com: a source without device-mode destinations.
          getSourceConfig: () => ({
            source: {
              id: 'roxtrail',
              name: 'Roxtrail',
              workspaceId: 'roxtrail',
              enabled: true,
              config: {},
              destinations: [],
            },
          }),
          polyfillIfRequired: false,
          ...(s.delivery === 'batching'
            ? { queueOptions: { batch: { enabled: true, maxItems: 20, flushInterval: 500 } } }
            : {}),
          ...(s.delivery === 'beacon'
            ? { useBeacon: true, beaconQueueOptions: { maxItems: 20, flushQueueInterval: 500 } }
            : {}),
        });
        await new Promise<void>((resolve) => analytics.ready(() => resolve()));
        /** Each call's callback gets the event as queued for delivery. */
        const queued = (call: (done: (event: unknown) => void) => void) =>
          new Promise<string>((resolve) =>
            call((event) => {
              const id =
                typeof event === 'object' && event !== null
                  ? (event as { messageId?: unknown }).messageId
                  : '';
              resolve(typeof id === 'string' ? id : '');
            }),
          );
        const cart = { cart_id: 'c-1', product_id: 'p1', price: 30, quantity: 2 };
        const calls = [
          (done: (event: unknown) => void) => analytics.page('Home', {}, done),
          (done: (event: unknown) => void) => analytics.page('Product p1', {}, done),
          (done: (event: unknown) => void) =>
            analytics.track('Product Viewed', { product_id: 'p1', price: 30 }, done),
          (done: (event: unknown) => void) => analytics.track('Product Added', cart, done),
          (done: (event: unknown) => void) =>
            analytics.track('Checkout Started', { cart_id: 'c-1', revenue: 60, currency: 'EUR' }, done),
          (done: (event: unknown) => void) => analytics.identify(s.userId, { plan: 'gold' }, done),
          (done: (event: unknown) => void) =>
            analytics.track(
              'Order Completed',
              {
                order_id: 'o-1',
                cart_id: 'c-1',
                revenue: 60,
                currency: 'EUR',
                products: [{ product_id: 'p1', price: 30, quantity: 2 }],
              },
              done,
            ),
          (done: (event: unknown) => void) =>
            analytics.track('Survey Responded', { survey: 'nps', score: 9 }, done),
        ];
        // A visitor's clicks, a quarter of a second apart: events a millisecond apart could swap places
        // when the collector corrects each one's time by its own request's sentAt.
        const sent: string[] = [];
        for (const call of calls) {
          sent.push(await queued(call));
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        return sent;
      }, settings);

      expect(new Set(ids).size).toBe(8);
      expect(ids.every((id) => id.length > 0)).toBe(true);
      const posts = await answeredPosts(proxy, writeKey, ids.length);
      const posted = postedMessageIds(proxy, writeKey);
      expect(countsById(posted)).toEqual(countsById(ids));
      expect(new Set(posts.map((r) => new URL(r.url, proxy.url).pathname))).toEqual(DELIVERY_PATHS[delivery]);
      expect(posts.every((r) => r.status === 200)).toBe(true);
      // A beacon cannot set headers: its batch carries sentAt in the body.
      if (delivery !== 'beacon') expect(posts.every((r) => r.headers.sentat !== undefined)).toBe(true);

      const archived = await archivedOnce(stack, site, ids.length);
      expect(countsById(archived.map((event) => event.messageId))).toEqual(countsById(ids));
      expect(await stack.archivedKeys(`rejected/site=${site}/`)).toEqual([]);
      const anonymousId = archived.find((event) => event.type === 'identify')?.anonymousId;
      expect(anonymousId).toBeDefined();
      for (const event of archived) {
        expect(event.anonymousId).toBe(anonymousId);
        // RudderStack names the channel at the top level only; the collector records it in the context.
        expect(event.channel).toBe('web');
        expect(event.context).toMatchObject({
          library: { name: 'RudderLabs JavaScript SDK' },
          channel: 'web',
        });
        expect(event.timestamp.startsWith('2026-11-20T10:')).toBe(true);
      }
      expect(archived.filter((event) => event.userId === userId)).toHaveLength(3);

      expect((await journeyMessageIds(stack, site, readKey, userId)).sort()).toEqual([...ids].sort());

      expectSessionFigures(await figuresOfShopDay(stack, siteConfig));

      expect(proxy.requests.filter((r) => r.status >= 400)).toEqual([]);
      // No CDN, no control plane, no polyfill service: only the loopback servers were asked for anything.
      expect(requested.filter((url) => !url.startsWith('http://127.0.0.1:'))).toEqual([]);
      expect(errors).toEqual([]);
      expect(consoleErrors).toEqual([]);
      await context.close();
    },
    60_000,
  );
});
