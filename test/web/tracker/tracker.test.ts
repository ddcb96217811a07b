import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_REQUEST_BYTES } from '../../../web/tracker/src/delivery';
import { ORPHAN_AFTER_MS } from '../../../web/tracker/src/queue';
import { createTracker, type InitOptions, type Tracker } from '../../../web/tracker/src/tracker';
import { type FakeBrowser, fakeBrowser, sentMessageIds } from './fakes';

const OPTIONS: InitOptions = {
  writeKey: 'wk_test',
  endpoint: 'https://track.example/',
  site: 'shop',
  flushInterval: 1000,
  retry: { baseMs: 1000, maxMs: 8000 },
};

function started(browser: FakeBrowser, options: Partial<InitOptions> = {}): Tracker {
  const tracker = createTracker(browser.env);
  tracker.init({ ...OPTIONS, ...options });
  return tracker;
}

function queueKeys(browser: FakeBrowser): string[] {
  return [...browser.storage.data.keys()].filter((key) => key.startsWith('rx.shop.q.'));
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-11-20T10:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('events and batching', () => {
  it('sends a batch with messageIds, timestamps, sentAt and the browser context after the flush interval', async () => {
    const browser = fakeBrowser();
    const tracker = started(browser, { touchpoint: 'size_guide' });
    const pageId = tracker.page('Product', { sku: 'p1' });
    const trackId = tracker.track('Product Viewed', { product_id: 'p1', price: 25 });
    await vi.advanceTimersByTimeAsync(999);
    expect(browser.requests).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);

    expect(browser.requests).toHaveLength(1);
    const [request] = browser.requests;
    expect(request?.url).toBe('https://track.example/v1/batch');
    expect(request?.keepalive).toBe(true);
    expect(request?.body.writeKey).toBe('wk_test');
    expect(request?.body.sentAt).toBe('2026-11-20T10:00:01.000Z');
    const [page, track] = request?.body.batch ?? [];
    expect(page).toMatchObject({
      type: 'page',
      messageId: pageId,
      name: 'Product',
      timestamp: '2026-11-20T10:00:00.000Z',
      properties: { path: '/p/1', url: 'https://shop.example/p/1?utm=x', title: 'Shoe', sku: 'p1' },
    });
    expect(track).toMatchObject({
      type: 'track',
      messageId: trackId,
      event: 'Product Viewed',
      anonymousId: tracker.user().anonymousId,
      context: {
        library: { name: 'roxtrail.js', version: '0.1.0' },
        page: { path: '/p/1', referrer: 'https://search.example/' },
        userAgent: 'FakeBrowser/1.0',
        locale: 'it-IT',
        channel: 'web',
        touchpoint: 'size_guide',
        consent: { analytics: true },
      },
    });
    expect(pageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(pageId).not.toBe(trackId);
  });

  it('keeps every request within the keepalive cap and maxBatchEvents, in order', async () => {
    const browser = fakeBrowser();
    const tracker = started(browser, { maxBatchEvents: 40 });
    const ids: Array<string | undefined> = [];
    for (let i = 0; i < 120; i++) ids.push(tracker.track('Bulky', { i, blob: 'x'.repeat(2000) }));
    await tracker.flush();

    expect(browser.requests.length).toBeGreaterThanOrEqual(4);
    for (const request of browser.requests) {
      expect(Buffer.byteLength(JSON.stringify(request.body))).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
      expect(request.body.batch.length).toBeLessThanOrEqual(40);
    }
    expect(sentMessageIds(browser.requests)).toEqual(ids);
  });

  it('sends at once when a full batch is waiting', async () => {
    const browser = fakeBrowser();
    const tracker = started(browser, { maxBatchEvents: 3, flushInterval: 60_000 });
    for (let i = 0; i < 3; i++) tracker.track('E', { i });
    await vi.advanceTimersByTimeAsync(0);
    expect(browser.requests).toHaveLength(1);
  });

  it('drops an event over 32 KB with a warning and sends the others', async () => {
    const browser = fakeBrowser();
    const tracker = started(browser);
    const kept = tracker.track('Small');
    expect(tracker.track('Huge', { blob: 'x'.repeat(33 * 1024) })).toBeUndefined();
    await tracker.flush();
    expect(sentMessageIds(browser.requests)).toEqual([kept]);
    expect(browser.warnings.join('\n')).toMatch(/dropped a track event of \d+ bytes/);
  });

  it('warns and sends nothing before init', () => {
    const browser = fakeBrowser();
    const tracker = createTracker(browser.env);
    expect(tracker.track('Early')).toBeUndefined();
    expect(browser.warnings).toEqual([expect.stringContaining('init()')]);
  });
});

describe('retries', () => {
  it('waits for Retry-After on 503 and resends the same events with the same messageIds', async () => {
    const browser = fakeBrowser();
    const tracker = started(browser);
    browser.answers.push({ status: 503, headers: { 'retry-after': '5' } });
    tracker.track('Order Completed', { order_id: 'o1', revenue: 90 });
    tracker.track('Survey Responded', { survey: 'nps', score: 9 });
    await tracker.flush();
    expect(browser.requests).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(4999);
    expect(browser.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(browser.requests).toHaveLength(2);

    const [first, retry] = browser.requests;
    expect(retry?.body.batch).toEqual(first?.body.batch);
    expect(retry?.body.sentAt).not.toBe(first?.body.sentAt);
    expect(queueKeys(browser)).toEqual([]);
  });

  it('backs off exponentially with jitter on 429 and network errors, then resets after a success', async () => {
    const browser = fakeBrowser();
    const tracker = started(browser);
    browser.answers.push(429, 'network', 503);
    tracker.track('Checkout Started');
    await tracker.flush();
    const times = [Date.now()];
    for (let i = 0; i < 3; i++) {
      const before = browser.requests.length;
      while (browser.requests.length === before) await vi.advanceTimersByTimeAsync(50);
      times.push(Date.now());
    }
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    // random() = 0.5: 3/4 of 1 s, 2 s, 4 s, to the 50 ms step of the loop above.
    expect(gaps).toEqual([750, 1500, 3000]);
    expect(new Set(sentMessageIds(browser.requests)).size).toBe(1);

    tracker.track('Next');
    await vi.advanceTimersByTimeAsync(1000);
    expect(browser.requests).toHaveLength(5);
  });

  it.each([400, 401, 403, 413])(
    'drops a batch answered %i with a warning that gives the reason and never retries it',
    async (status) => {
      const browser = fakeBrowser();
      const tracker = started(browser);
      browser.answers.push({ status, body: '{"error":"nope","message":"Not this way."}' });
      tracker.track('Doomed');
      await tracker.flush();
      await vi.advanceTimersByTimeAsync(120_000);
      expect(browser.requests).toHaveLength(1);
      expect(browser.warnings).toEqual([
        `dropped 1 event(s): the collector answered ${status} (nope: Not this way.)`,
      ]);
      expect(queueKeys(browser)).toEqual([]);

      const next = tracker.track('Fine');
      await tracker.flush();
      expect(sentMessageIds(browser.requests.slice(1))).toEqual([next]);
    },
  );

  it('reports events the collector rejected without retrying them', async () => {
    const browser = fakeBrowser();
    const tracker = started(browser);
    browser.answers.push({
      status: 200,
      body: '{"success":true,"accepted":0,"rejected":[{"index":0,"reason":"invalid_survey_score"}]}',
    });
    tracker.track('Survey Responded', { survey: 'nps', score: 11 });
    await tracker.flush();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(browser.requests).toHaveLength(1);
    expect(browser.warnings).toEqual(['the collector rejected 1 event(s)']);
  });

  it('keeps the retry queue bounded, dropping the oldest events', async () => {
    const browser = fakeBrowser();
    const tracker = started(browser, { maxQueueEvents: 5, retry: { baseMs: 60_000, maxMs: 60_000 } });
    browser.answers.push(503);
    const ids = Array.from({ length: 8 }, (_, i) => tracker.track('E', { i }));
    await tracker.flush();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(browser.warnings.filter((w) => w.startsWith('retry queue full'))).toHaveLength(3);
    expect(sentMessageIds(browser.requests.slice(1))).toEqual(ids.slice(3));
  });
});

describe('the queue across reloads and tabs', () => {
  it('persists events that failed and delivers them from the next page, once and in order', async () => {
    const first = fakeBrowser();
    const before = started(first);
    first.answers.push(503, 503);
    const ids = [before.page(), before.track('Product Added', { cart_id: 'c1', price: 20 })];
    await before.flush();
    ids.push(before.track('Checkout Started'));
    first.hide(false);
    first.hide(true);
    // Retries were failing, so nothing went out as a beacon: the events wait in storage.
    expect(first.beacons).toEqual([]);
    expect(queueKeys(first)).toHaveLength(1);

    const second = fakeBrowser({ storage: first.storage, cookies: first.cookies });
    const after = started(second);
    expect(after.user().anonymousId).toBe(before.user().anonymousId);
    await vi.advanceTimersByTimeAsync(0);
    expect(sentMessageIds(second.requests)).toEqual(ids);
    // Byte for byte the events of the failed attempt: the archive de-duplicates them by messageId.
    expect(second.requests[0]?.body.batch.slice(0, 2)).toEqual(first.requests[0]?.body.batch);
    expect(queueKeys(second)).toEqual([]);
  });

  it('adopts the queue of a page that vanished without pagehide only once it is stale', async () => {
    const crashed = fakeBrowser();
    const gone = started(crashed);
    crashed.answers.push('network');
    const id = gone.track('Lost?');
    await gone.flush();

    const early = fakeBrowser({ storage: crashed.storage });
    started(early);
    await vi.advanceTimersByTimeAsync(0);
    expect(early.requests).toEqual([]);

    // The crashed page's heartbeat interval no longer runs.
    vi.clearAllTimers();
    vi.setSystemTime(Date.now() + ORPHAN_AFTER_MS + 1);
    const later = fakeBrowser({ storage: crashed.storage });
    started(later);
    await vi.advanceTimersByTimeAsync(0);
    expect(sentMessageIds(later.requests)).toEqual([id]);
  });

  it('never sends the events of another live tab', async () => {
    const shared = fakeBrowser();
    const tabA = started(shared, { retry: { baseMs: 30_000, maxMs: 30_000 } });
    shared.answers.push(503);
    const a = tabA.track('From A');
    await tabA.flush();

    const other = fakeBrowser({ storage: shared.storage, cookies: shared.cookies });
    const tabB = started(other);
    const b = tabB.track('From B');
    await tabB.flush();
    expect(sentMessageIds(other.requests)).toEqual([b]);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(sentMessageIds(shared.requests)).toEqual([a, a]);
  });

  it('takes its queue back from storage when restored from the back/forward cache', async () => {
    const browser = fakeBrowser();
    const tracker = started(browser, { retry: { baseMs: 60_000, maxMs: 60_000 } });
    browser.answers.push(503);
    tracker.track('Kept');
    await tracker.flush();
    browser.hide(true);
    // Another page adopted the released queue meanwhile.
    const adopter = fakeBrowser({ storage: browser.storage });
    started(adopter);
    await vi.advanceTimersByTimeAsync(0);
    expect(adopter.requests).toHaveLength(1);

    browser.show();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(browser.requests).toHaveLength(1);
  });
});

describe('page hide', () => {
  it('sends queued events with sendBeacon, text body and ?writeKey=, and forgets them', async () => {
    const browser = fakeBrowser();
    const tracker = started(browser, { flushInterval: 60_000 });
    const ids = [tracker.track('A'), tracker.track('B')];
    browser.hide(false);
    expect(browser.beacons).toHaveLength(1);
    expect(browser.beacons[0]?.url).toBe('https://track.example/v1/batch?writeKey=wk_test');
    expect(sentMessageIds(browser.beacons)).toEqual(ids);
    expect(queueKeys(browser)).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(browser.requests).toEqual([]);
  });

  it('beacons an event tracked after the page was hidden for good (another pagehide handler)', () => {
    const browser = fakeBrowser();
    const tracker = started(browser, { flushInterval: 60_000 });
    browser.hide(true);
    const late = tracker.track('Left');
    expect(sentMessageIds(browser.beacons)).toEqual([late]);
    browser.beaconAccepts = false;
    tracker.track('Refused');
    expect(queueKeys(browser)).toHaveLength(1);
  });

  it('keeps events for the next page when the browser refuses the beacon', () => {
    const browser = fakeBrowser();
    const tracker = started(browser, { flushInterval: 60_000 });
    tracker.track('A');
    browser.beaconAccepts = false;
    browser.hide(true);
    expect(queueKeys(browser)).toHaveLength(1);
  });

  it('splits beacons at the keepalive cap', () => {
    const browser = fakeBrowser();
    const tracker = started(browser, { flushInterval: 60_000, maxBatchEvents: 500 });
    for (let i = 0; i < 100; i++) tracker.track('Bulky', { blob: 'y'.repeat(1500) });
    browser.hide(true);
    expect(browser.beacons.length).toBeGreaterThan(1);
    for (const beacon of browser.beacons) {
      expect(Buffer.byteLength(JSON.stringify(beacon.body))).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
    }
    expect(sentMessageIds(browser.beacons)).toHaveLength(100);
  });
});

describe('identity and consent', () => {
  it('keeps the anonymousId and userId across pages and forgets them on reset', () => {
    const first = fakeBrowser();
    const tracker = started(first);
    tracker.identify('u1', { plan: 'gold' });
    const { anonymousId } = tracker.user();
    const again = started(fakeBrowser({ storage: first.storage, cookies: first.cookies }));
    expect(again.user()).toEqual({ anonymousId, userId: 'u1' });
    again.reset();
    expect(again.user().userId).toBeUndefined();
    expect(again.user().anonymousId).not.toBe(anonymousId);
  });

  it('aliases the current identity to the new user id', async () => {
    const browser = fakeBrowser();
    const tracker = started(browser);
    const anonymousId = tracker.user().anonymousId;
    tracker.alias('u9');
    await tracker.flush();
    expect(browser.requests[0]?.body.batch[0]).toMatchObject({
      type: 'alias',
      userId: 'u9',
      previousId: anonymousId,
    });
  });

  it('marks events without analytics consent, stops persisting ids and keeps the queue in memory', async () => {
    const browser = fakeBrowser();
    const tracker = started(browser, { retry: { baseMs: 60_000, maxMs: 60_000 } });
    tracker.identify('u1');
    tracker.consent({ analytics: false });
    browser.answers.push(503);
    tracker.track('Product Viewed');
    await tracker.flush();

    expect(browser.requests[0]?.body.batch.at(-1)).toMatchObject({
      context: { consent: { analytics: false } },
    });
    const keys = [...browser.storage.data.keys()];
    expect(keys).toEqual(['rx.shop.consent']);
    expect(browser.storage.data.get('rx.shop.consent')).toBe('0');
    expect(browser.cookies.jar.size).toBe(0);

    // The choice holds on the next page, which starts with fresh in-memory ids.
    const next = started(fakeBrowser({ storage: browser.storage, cookies: browser.cookies }));
    expect(next.user().userId).toBeUndefined();
    expect(next.user().anonymousId).not.toBe(tracker.user().anonymousId);

    tracker.consent({ analytics: true });
    expect(browser.storage.data.get('rx.shop.aid')).toBe(tracker.user().anonymousId);
    expect(queueKeys(browser)).toHaveLength(1);
  });

  it('starts without consent when the site asks for opt-in, and remembers only the visitor choice', () => {
    const browser = fakeBrowser();
    started(browser, { consent: { analytics: false } });
    expect([...browser.storage.data.keys()]).toEqual([]);

    const early = createTracker(fakeBrowser({ storage: browser.storage }).env);
    early.consent({ analytics: true });
    early.init({ ...OPTIONS, consent: { analytics: false } });
    expect(browser.storage.data.get('rx.shop.consent')).toBe('1');
    expect(browser.storage.data.get('rx.shop.aid')).toBe(early.user().anonymousId);
  });
});

describe('e-commerce helpers', () => {
  it('name the events metrics.md reads and put the touchpoint option in properties', async () => {
    const browser = fakeBrowser();
    const tracker = started(browser, { maxBatchEvents: 100 });
    const chat = { touchpoint: 'live_chat' };
    tracker.productViewed({ product_id: 'p1', price: 25 }, chat);
    tracker.productAdded({ cart_id: 'c1', product_id: 'p1', price: 25, quantity: 2 });
    tracker.productRemoved({ cart_id: 'c1', product_id: 'p1', price: 25, quantity: 1 });
    tracker.checkoutStarted({ cart_id: 'c1' });
    tracker.orderCompleted({ order_id: 'o1', revenue: 25, currency: 'EUR', cart_id: 'c1' }, chat);
    tracker.orderRefunded({ order_id: 'o1', revenue: 25 });
    tracker.surveyResponded('nps', 9, undefined, chat);
    tracker.surveyResponded('enps', 7, { team: 'support' });
    tracker.frictionEncountered('payment_declined', { step: 'pay' });
    tracker.experimentViewed('checkout-v2', 'b');
    await tracker.flush();
    const events = browser.requests.flatMap((request) => request.body.batch);
    expect(events.map((e) => [e.event, e.properties])).toEqual([
      ['Product Viewed', { product_id: 'p1', price: 25, touchpoint: 'live_chat' }],
      ['Product Added', { cart_id: 'c1', product_id: 'p1', price: 25, quantity: 2 }],
      ['Product Removed', { cart_id: 'c1', product_id: 'p1', price: 25, quantity: 1 }],
      ['Checkout Started', { cart_id: 'c1' }],
      [
        'Order Completed',
        { order_id: 'o1', revenue: 25, currency: 'EUR', cart_id: 'c1', touchpoint: 'live_chat' },
      ],
      ['Order Refunded', { order_id: 'o1', revenue: 25 }],
      ['Survey Responded', { survey: 'nps', score: 9, touchpoint: 'live_chat' }],
      ['Survey Responded', { team: 'support', survey: 'enps', score: 7 }],
      ['Friction Encountered', { step: 'pay', kind: 'payment_declined' }],
      ['Experiment Viewed', { experiment_id: 'checkout-v2', variation_id: 'b' }],
    ]);
  });

  it('refuses a survey score the collector would reject', () => {
    const browser = fakeBrowser();
    const tracker = started(browser);
    expect(tracker.surveyResponded('ces', 8)).toBeUndefined();
    expect(tracker.surveyResponded('csat', 4.5)).toBeUndefined();
    expect(browser.warnings).toHaveLength(2);
  });
});
