import Analytics from '@rudderstack/rudder-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../shared/events/types';
import { startTestStack, type TestStack } from '../helpers/local-stack';
import { type RecordingProxy, startRecordingProxy } from '../helpers/recording-proxy';

const SHOP = 'https://shop.example';

let stack: TestStack;
let proxy: RecordingProxy;
let writeKey: string;

beforeAll(async () => {
  stack = await startTestStack();
  proxy = await startRecordingProxy(stack.url);
  ({ writeKey } = await stack.createSite({ site: 'compat-shop', timezone: 'UTC', origins: [SHOP] }));
});
afterAll(async () => {
  await proxy.close();
  await stack.stop();
});

async function storedById(): Promise<Map<string, NormalizedEvent>> {
  const stored = await stack.archivedEvents('compat-shop');
  return new Map(stored.map((event) => [event.messageId, event]));
}

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8', origin: SHOP, ...headers },
    body: JSON.stringify(body),
  });
}

describe('the official @rudderstack/rudder-sdk-node client', () => {
  it('delivers track, page and identify to /v1/batch (gzip, Basic auth) and they are stored unchanged', async () => {
    const client = new Analytics(writeKey, { dataPlaneUrl: proxy.url, flushInterval: 50, logLevel: 'error' });
    client.track({
      anonymousId: 'rs-anon',
      event: 'Order Completed',
      properties: {
        order_id: 'rs-o1',
        revenue: 42.5,
        currency: 'EUR',
        products: [{ product_id: 'p1', price: 42.5, quantity: 1 }],
      },
      context: { channel: 'web', touchpoint: 'live_chat' },
      timestamp: new Date(Date.now() - 3_600_000),
    });
    client.page({ anonymousId: 'rs-anon', name: 'Home', properties: { path: '/' } });
    client.identify({ anonymousId: 'rs-anon', userId: 'rs-user', traits: { plan: 'gold' } });
    await client.flush();

    const posts = proxy.requests.filter((r) => r.method === 'POST');
    expect(posts.length).toBeGreaterThan(0);
    for (const sentRequest of posts) {
      expect(sentRequest.url).toBe('/v1/batch');
      expect(sentRequest.headers.authorization).toBe(
        `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
      );
      expect(sentRequest.headers['content-encoding']).toBe('gzip');
      expect(sentRequest.status).toBe(200);
    }
    const sent = posts.flatMap(
      (r) => (JSON.parse(r.text) as { batch: Array<Record<string, unknown>> }).batch,
    );
    expect(sent.map((e) => e.type)).toEqual(['track', 'page', 'identify']);

    const stored = await storedById();
    for (const event of sent) {
      const { messageId, type, event: name, properties, traits, context, anonymousId, userId } = event;
      expect(stored.get(String(messageId))).toMatchObject(
        JSON.parse(JSON.stringify({ type, event: name, properties, traits, context, anonymousId, userId })),
      );
    }
    // An explicit timestamp (a backfill) is the event time, corrected by the batch's sentAt.
    const order = sent.find((e) => e.type === 'track');
    const orderTime = Date.parse(stored.get(String(order?.messageId))?.timestamp ?? '');
    expect(Math.abs(orderTime - Date.parse(String(order?.timestamp)))).toBeLessThan(1000);
  });
});

describe('analytics.js-style browser requests', () => {
  it('accepts a text/plain batch with writeKey, sentAt and a batch context, correcting client clock skew', async () => {
    // The visitor's clock is an hour fast: the event happened 2 s before the batch was sent.
    const clientNow = Date.now() + 3_600_000;
    const batch = {
      batch: [
        {
          type: 'track',
          event: 'Product Added',
          messageId: 'ajs-next-1',
          anonymousId: 'ajs-anon',
          timestamp: new Date(clientNow - 2000).toISOString(),
          properties: { cart_id: 'c9', product_id: 'p1', price: 19.9, quantity: 2 },
          integrations: {},
          context: { page: { path: '/p/1', url: `${SHOP}/p/1` } },
          _metadata: { bundled: ['Segment.io'], unbundled: [] },
        },
        {
          type: 'page',
          name: 'Product',
          messageId: 'ajs-next-2',
          anonymousId: 'ajs-anon',
          timestamp: new Date(clientNow - 1000).toISOString(),
          properties: { path: '/p/1' },
        },
      ],
      sentAt: new Date(clientNow).toISOString(),
      writeKey,
      context: { library: { name: 'analytics.js', version: 'next-1.81.0' }, channel: 'web' },
    };
    const before = Date.now();
    const response = await post('/v1/batch', batch);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ success: true, accepted: 2, rejected: [] });
    expect(response.headers.get('access-control-allow-origin')).toBe(SHOP);

    const stored = await storedById();
    const added = stored.get('ajs-next-1');
    expect(added).toMatchObject({
      event: 'Product Added',
      properties: { cart_id: 'c9', price: 19.9, quantity: 2 },
      context: { library: { name: 'analytics.js' }, channel: 'web', page: { path: '/p/1' } },
    });
    const lag = Date.parse(added?.receivedAt ?? '') - Date.parse(added?.timestamp ?? '');
    expect(lag).toBe(2000);
    expect(Date.parse(added?.receivedAt ?? '')).toBeGreaterThanOrEqual(before);
    expect(stored.get('ajs-next-2')).toMatchObject({ type: 'page', name: 'Product' });
  });

  it('accepts single events at /v1/t, /v1/p and /v1/i with the write key in the body', async () => {
    const base = { anonymousId: 'ajs-single', writeKey, sentAt: new Date().toISOString() };
    const answers = await Promise.all([
      post('/v1/t', {
        ...base,
        messageId: 'ajs-t',
        event: 'Checkout Started',
        properties: { cart_id: 'c9' },
      }),
      post('/v1/p', { ...base, messageId: 'ajs-p', name: 'Cart', properties: { path: '/cart' } }),
      post('/v1/i', { ...base, messageId: 'ajs-i', userId: 'ajs-user', traits: { plan: 'gold' } }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const stored = await storedById();
    expect(stored.get('ajs-t')).toMatchObject({ type: 'track', event: 'Checkout Started' });
    expect(stored.get('ajs-p')).toMatchObject({ type: 'page', name: 'Cart' });
    expect(stored.get('ajs-i')).toMatchObject({ type: 'identify', userId: 'ajs-user' });
    expect(stored.get('ajs-t')).not.toHaveProperty('writeKey');
  });

  it('accepts a sendBeacon request: text/plain body, write key in ?writeKey=', async () => {
    const body = {
      batch: [{ type: 'track', event: 'Friction Encountered', messageId: 'beacon-1', anonymousId: 'b-anon' }],
      sentAt: new Date().toISOString(),
    };
    const response = await post(`/v1/batch?writeKey=${encodeURIComponent(writeKey)}`, body);
    expect(response.status).toBe(200);
    expect((await storedById()).get('beacon-1')).toMatchObject({ event: 'Friction Encountered' });
  });

  it('lets a page read errors: CORS headers on a 401, for any origin (an error holds no site data)', async () => {
    const body = { batch: [{ type: 'track', event: 'X', anonymousId: 'a' }], writeKey: 'wk_wrong' };
    const known = await post('/v1/batch', body);
    expect(known.status).toBe(401);
    expect(known.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(known.headers.get('access-control-expose-headers')).toBe('retry-after');
    const unknown = await post('/v1/batch', body, { origin: 'https://elsewhere.example' });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('access-control-allow-origin')).toBe('https://elsewhere.example');
  });
});
