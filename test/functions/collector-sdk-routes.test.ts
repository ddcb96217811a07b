/**
 * The endpoints the browser SDKs call besides Segment's documented ones, against the real local stack:
 * analytics.js 2.0's batching delivery (`/v1/b`) and its metrics beacon (`/v1/m`), and the request
 * headers RudderStack's and Segment's SDKs send through CORS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, startTestStack, type TestStack } from '../helpers/local-stack';

const ORIGIN = 'https://shop.example';

let stack: TestStack;
let writeKey: string;

beforeAll(async () => {
  stack = await startTestStack();
  ({ writeKey } = await stack.createSite({ site: 'sdk-shop', timezone: 'UTC', origins: [ORIGIN] }));
});
afterAll(async () => {
  await stack.stop();
});

const page = (messageId: string) => ({
  type: 'page',
  messageId,
  anonymousId: 'anon-b',
  userId: null,
  timestamp: '2026-11-20T10:00:00.000Z',
});

describe('/v1/b, analytics.js 2.0 batching', () => {
  it('takes a batch as /v1/batch does, write key in the body', async () => {
    const response = await fetch(`${stack.url}/v1/b`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: ORIGIN },
      body: JSON.stringify({
        writeKey,
        batch: [page('b-1'), page('b-2')],
        sentAt: '2026-11-20T10:00:01.000Z',
      }),
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true, accepted: 2, rejected: [] });
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const archived = (await stack.archivedEvents('sdk-shop')).map((event) => event.messageId).sort();
    expect(archived).toEqual(['b-1', 'b-2']);
  });
});

describe('/v1/m, analytics.js 2.0 metrics', () => {
  const metrics = JSON.stringify({
    series: [
      {
        type: 'Counter',
        metric: 'analytics_js.integration.invoke',
        value: 1,
        tags: { method: 'page', integration_name: 'Segment.io', library: 'analytics.js' },
      },
    ],
  });

  it('answers 204 without a write key, with CORS for a known origin, and stores nothing', async () => {
    const before = await stack.archivedKeys('');

    const response = await fetch(`${stack.url}/v1/m`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: ORIGIN },
      body: metrics,
    });

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(await stack.archivedKeys('')).toEqual(before);
  });

  it('answers any origin with CORS, as a preflight: it stores nothing of any site', async () => {
    const response = await fetch(`${stack.url}/v1/m`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'https://elsewhere.example' },
      body: metrics,
    });

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://elsewhere.example');
  });

  it('answers a preflight like the other tracking endpoints', async () => {
    const response = await fetch(`${stack.url}/v1/m`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST' },
    });

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });
});

describe('CORS preflight allows the SDKs’ request headers', () => {
  it.each([
    ['analytics.js 2.0 retries', 'authorization, content-type, x-retry-count'],
    ['RudderStack JS SDK', 'anonymousid, authorization, content-type, sentat'],
    [
      'RudderStack JS SDK retries',
      'anonymousid, authorization, content-type, sentat, rsa-retry-attempt, rsa-since-last-attempt, rsa-since-first-attempt, rsa-retry-reason, rsa-recovered',
    ],
  ])('%s', async (_sdk, requested) => {
    const response = await fetch(`${stack.url}/v1/batch`, {
      method: 'OPTIONS',
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': requested,
      },
    });

    const allowed = (response.headers.get('access-control-allow-headers') ?? '').split(/,\s*/);
    expect(requested.split(/,\s*/).filter((header) => !allowed.includes(header))).toEqual([]);
  });
});

describe('over HTTP, null fields and the top-level channel', () => {
  it("accepts a null userId and records RudderStack's top-level channel as context.channel", async () => {
    const response = await fetch(`${stack.url}/v1/batch`, {
      method: 'POST',
      headers: { authorization: basicAuth(writeKey), 'content-type': 'application/json;charset=UTF-8' },
      body: JSON.stringify({
        batch: [{ ...page('rs-1'), channel: 'web' }],
        sentAt: '2026-11-20T10:00:01.000Z',
      }),
    });

    expect(await response.json()).toEqual({ success: true, accepted: 1, rejected: [] });
    const stored = (await stack.archivedEvents('sdk-shop')).find((event) => event.messageId === 'rs-1');
    expect(stored).not.toHaveProperty('userId');
    expect(stored?.context?.channel).toBe('web');
  });
});
