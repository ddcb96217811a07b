import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { uuidFromBytes } from '../../../web/tracker/src/ids';
import { createStore } from '../../../web/tracker/src/storage';
import { createTracker } from '../../../web/tracker/src/tracker';
import { FakeCookies, FakeStorage, fakeBrowser, sentMessageIds } from './fakes';

const blocked = () => {
  throw new DOMException('The operation is insecure.', 'SecurityError');
};

describe('the store', () => {
  it('keeps values in memory when localStorage throws on access', () => {
    const store = createStore({ localStorage: blocked }, { cookieFallback: false });
    expect(store.set('k', 'v')).toBe(false);
    expect(store.get('k')).toBe('v');
    expect(store.keys('k')).toEqual(['k']);
    store.remove('k');
    expect(store.get('k')).toBeNull();
  });

  it('removes the older persisted copy when a write does not fit, so a reload never sees it', () => {
    const storage = new FakeStorage(100);
    const store = createStore({ localStorage: () => storage }, { cookieFallback: false });
    expect(store.set('queue', '[1]')).toBe(true);
    expect(store.set('queue', 'x'.repeat(200))).toBe(false);
    expect(store.get('queue')).toBe('x'.repeat(200));
    expect(storage.getItem('queue')).toBeNull();
    expect(store.set('queue', '[]')).toBe(true);
    expect(storage.getItem('queue')).toBe('[]');
  });

  it('falls back to a first-party cookie for small values only', () => {
    const cookies = new FakeCookies();
    const store = createStore({ localStorage: blocked, cookies }, { cookieFallback: true });
    expect(store.set('rx.shop.aid', 'a-1')).toBe(true);
    expect(cookies.read()).toBe('rx.shop.aid=a-1');
    expect(store.set('big', 'z'.repeat(5000))).toBe(false);
    expect(cookies.jar.has('big')).toBe(false);
    store.remove('rx.shop.aid');
    expect(cookies.jar.size).toBe(0);
  });

  it('treats cookies that do not stick (disabled) as unavailable', () => {
    const store = createStore(
      { localStorage: blocked, cookies: { read: () => '', write: () => undefined } },
      { cookieFallback: true },
    );
    expect(store.set('rx.shop.aid', 'a-1')).toBe(false);
    expect(store.get('rx.shop.aid')).toBe('a-1');
  });
});

describe('the tracker without working storage', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2026-11-20T10:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const options = { writeKey: 'wk', endpoint: 'https://t.example', site: 'shop' };

  it('still tracks, retries and delivers when localStorage is blocked', async () => {
    const browser = fakeBrowser({ localStorage: blocked });
    const tracker = createTracker(browser.env);
    tracker.init(options);
    browser.answers.push(503);
    const id = tracker.track('Product Viewed');
    await tracker.flush();
    await vi.advanceTimersByTimeAsync(2000);
    expect(sentMessageIds(browser.requests)).toEqual([id, id]);
    // The anonymousId went to the cookie instead.
    expect(browser.cookies.read()).toContain(`rx.shop.aid=${tracker.user().anonymousId}`);
  });

  it('keeps the queue in memory with one warning when the quota is full', async () => {
    const browser = fakeBrowser({ storage: new FakeStorage(600) });
    const tracker = createTracker(browser.env);
    tracker.init(options);
    browser.answers.push(503);
    const ids = [tracker.track('A', { pad: 'p'.repeat(400) }), tracker.track('B', { pad: 'q'.repeat(400) })];
    await tracker.flush();
    expect([...browser.storage.data.keys()].some((key) => key.startsWith('rx.shop.q.'))).toBe(false);
    expect(browser.warnings).toEqual([expect.stringContaining('kept in memory only')]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(sentMessageIds(browser.requests.slice(1))).toEqual(ids);
  });
});

describe('messageIds without crypto.randomUUID', () => {
  it('are version 4 UUIDs', () => {
    const id = uuidFromBytes(new Uint8Array(16).fill(255));
    expect(id).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
    expect(uuidFromBytes(new Uint8Array(16))).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
