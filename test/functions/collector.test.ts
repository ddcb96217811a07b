import { gzipSync } from 'node:zlib';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SITE_CONFIG } from '../../infra/local/runtime';
import { keys } from '../../shared/storage/keys';
import { basicAuth, startTestStack, type TestStack } from '../helpers/local-stack';

let stack: TestStack;
let writeKey: string;
let otherWriteKey: string;

beforeAll(async () => {
  stack = await startTestStack();
  ({ writeKey } = await stack.createSite({
    site: 'shop',
    timezone: 'Europe/Rome',
    origins: ['https://shop.example'],
  }));
  ({ writeKey: otherWriteKey } = await stack.createSite({ site: 'other' }));
});
afterAll(async () => {
  await stack.stop();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey), ...headers },
    body:
      typeof body === 'string'
        ? body
        : body instanceof Uint8Array
          ? new Blob([new Uint8Array(body)])
          : JSON.stringify(body),
  });
}

const event = (messageId: string, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Product Viewed',
  messageId,
  anonymousId: 'anon-1',
  timestamp: '2026-11-20T10:00:00.000Z',
  ...extra,
});

describe('collector over HTTP with real dynalite and s3rver', () => {
  it('stores exactly the good events of a mixed batch and reports the bad ones by index', async () => {
    const response = await post('/v1/batch', {
      batch: [
        event('mixed-1'),
        { type: 'track', messageId: 'mixed-bad-1', anonymousId: 'a' },
        event('mixed-2', { event: 'Order Completed', properties: { order_id: 'o1', revenue: 10 } }),
        { type: 'page', messageId: 'mixed-bad-2' },
        'not an event',
      ],
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.success).toBe(true);
    expect(body.accepted).toBe(2);
    expect(body.rejected).toEqual([
      { index: 1, messageId: 'mixed-bad-1', reason: 'missing_event_name', message: expect.any(String) },
      { index: 3, messageId: 'mixed-bad-2', reason: 'missing_identity', message: expect.any(String) },
      { index: 4, messageId: null, reason: 'not_an_object', message: expect.any(String) },
    ]);
    const stored = (await stack.archivedEvents('shop')).filter((e) => e.messageId.startsWith('mixed'));
    expect(stored.map((e) => e.messageId).sort()).toEqual(['mixed-1', 'mixed-2']);
    expect(stored[0]).toMatchObject({ site: 'shop', originalTimestamp: '2026-11-20T10:00:00.000Z' });
    const rejectedKeys = await stack.archivedKeys('rejected/site=shop/');
    expect(rejectedKeys.length).toBeGreaterThan(0);
  });

  it('archives under the site-local day and hour of the event time', async () => {
    // 23:30 UTC on 2026-11-20 is 00:30 on 2026-11-21 in Rome.
    await post('/v1/track', event('late-evening', { timestamp: '2026-11-20T23:30:00.000Z' }));
    const keysForDay = await stack.archivedKeys('events/site=shop/dt=2026-11-21/hh=00/');
    expect(keysForDay).toHaveLength(1);
  });

  it('writes one object per partition a request spans, and a retried request stores nothing new', async () => {
    const batch = {
      batch: [
        event('retry-1', { timestamp: '2026-11-18T09:10:00.000Z' }),
        event('retry-2', { timestamp: '2026-11-18T09:50:00.000Z' }),
        event('retry-3', { timestamp: '2026-11-18T15:00:00.000Z' }),
      ],
    };
    const before = await stack.archivedKeys('events/site=shop/dt=2026-11-18/');
    expect(before).toHaveLength(0);
    expect((await post('/v1/batch', batch)).status).toBe(200);
    const afterFirst = await stack.archivedKeys('events/site=shop/dt=2026-11-18/');
    expect(afterFirst).toHaveLength(2);
    expect((await post('/v1/batch', batch)).status).toBe(200);
    expect(await stack.archivedKeys('events/site=shop/dt=2026-11-18/')).toEqual(afterFirst);
    const stored = (await stack.archivedEvents('shop')).filter((e) => e.messageId.startsWith('retry-'));
    expect(stored).toHaveLength(3);
  });

  it('stores identical requests without a messageId as separate events, each with its own id', async () => {
    // The README's curl example sent three times: three product views, as Segment's API would count.
    const body = {
      event: 'Product Viewed',
      anonymousId: 'no-id-visitor',
      timestamp: '2026-11-17T08:00:00Z',
      properties: { product_id: 'p1', price: 25 },
    };
    for (let i = 0; i < 3; i++) {
      const response = await post('/v1/track', body);
      expect((await response.json()).accepted).toBe(1);
    }
    const stored = (await stack.archivedEvents('shop')).filter((e) => e.anonymousId === 'no-id-visitor');
    expect(stored).toHaveLength(3);
    expect(new Set(stored.map((e) => e.messageId)).size).toBe(3);
    for (const storedEvent of stored) {
      expect(storedEvent.messageId).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });

  it('projects journeys, identity links and a recomputation mark into DynamoDB', async () => {
    await post('/v1/batch', {
      batch: [
        event('proj-1', { anonymousId: 'anon-proj', timestamp: '2026-11-16T10:00:00Z' }),
        {
          type: 'identify',
          messageId: 'proj-2',
          anonymousId: 'anon-proj',
          userId: 'user-proj',
          timestamp: '2026-11-16T10:05:00Z',
        },
      ],
    });
    const link = await stack.clients.dynamo.send(
      new GetCommand({ TableName: stack.clients.settings.tableName, Key: keys.link('shop', 'anon-proj') }),
    );
    expect(link.Item?.userId).toBe('user-proj');
    const journey = await stack.clients.dynamo.send(
      new QueryCommand({
        TableName: stack.clients.settings.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.journey('shop', 'anon-proj') },
      }),
    );
    expect(journey.Items?.[0]?.entries).toEqual([
      expect.objectContaining({ m: 'proj-1', y: 'track', n: 'Product Viewed' }),
    ]);
    // The identify carries a userId, so it is filed under the user; reads merge the linked ids.
    const userJourney = await stack.clients.dynamo.send(
      new QueryCommand({
        TableName: stack.clients.settings.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.journey('shop', 'user-proj') },
      }),
    );
    expect(userJourney.Items?.[0]?.entries).toEqual([
      expect.objectContaining({ m: 'proj-2', y: 'identify' }),
    ]);
    expect(journey.Items?.[0]?.expiresAt).toBeGreaterThan(Date.now() / 1000);
    const mark = await stack.clients.dynamo.send(
      new GetCommand({
        TableName: stack.clients.settings.tableName,
        Key: keys.dirtyDay('shop', '2026-11-16'),
      }),
    );
    expect(mark.Item?.lastMarkedAtMs).toBeGreaterThan(0);
  });

  it('keeps the earliest link when an anonymous id is later linked to another user', async () => {
    const identify = (messageId: string, userId: string, timestamp: string) => ({
      type: 'identify',
      messageId,
      anonymousId: 'anon-shared',
      userId,
      timestamp,
    });
    await post('/v1/batch', { batch: [identify('link-late', 'user-late', '2026-11-15T12:00:00Z')] });
    await post('/v1/batch', { batch: [identify('link-early', 'user-early', '2026-11-15T08:00:00Z')] });
    await post('/v1/batch', { batch: [identify('link-later', 'user-later', '2026-11-15T18:00:00Z')] });
    const link = await stack.clients.dynamo.send(
      new GetCommand({ TableName: stack.clients.settings.tableName, Key: keys.link('shop', 'anon-shared') }),
    );
    expect(link.Item?.userId).toBe('user-early');
  });
});

describe('authentication', () => {
  it('accepts the write key as Basic user, in the body and in the query string', async () => {
    const noAuth = { authorization: '' };
    expect((await post('/v1/track', event('auth-basic'))).status).toBe(200);
    expect((await post('/v1/track', { ...event('auth-body'), writeKey }, noAuth)).status).toBe(200);
    expect((await post(`/v1/track?writeKey=${writeKey}`, event('auth-query'), noAuth)).status).toBe(200);
  });

  it('answers 401 for a missing or unknown key and stores nothing', async () => {
    const missing = await post('/v1/track', event('auth-missing'), { authorization: '' });
    expect(missing.status).toBe(401);
    expect((await missing.json()).error).toBe('missing_write_key');
    const unknown = await post('/v1/track', event('auth-unknown'), { authorization: basicAuth('rxw_nope') });
    expect(unknown.status).toBe(401);
    const stored = (await stack.archivedEvents('shop')).filter((e) => e.messageId.startsWith('auth-'));
    expect(stored.map((e) => e.messageId).sort()).toEqual(['auth-basic', 'auth-body', 'auth-query']);
  });

  it('lets the key decide the site: a body naming another site writes to the key owner', async () => {
    await post(
      '/v1/track',
      { ...event('site-from-key'), site: 'shop' },
      { authorization: basicAuth(otherWriteKey) },
    );
    expect((await stack.archivedEvents('other')).map((e) => e.messageId)).toContain('site-from-key');
    expect((await stack.archivedEvents('shop')).map((e) => e.messageId)).not.toContain('site-from-key');
  });
});

describe('bodies and limits', () => {
  it('accepts gzip bodies and text/plain beacons', async () => {
    const gz = await post('/v1/batch', gzipSync(JSON.stringify({ batch: [event('body-gzip')] })), {
      'content-encoding': 'gzip',
    });
    expect(gz.status).toBe(200);
    const beacon = await post(
      `/v1/batch?writeKey=${writeKey}`,
      JSON.stringify({ batch: [event('body-beacon')] }),
      {
        'content-type': 'text/plain;charset=UTF-8',
        authorization: '',
      },
    );
    expect(beacon.status).toBe(200);
    const ids = (await stack.archivedEvents('shop')).map((e) => e.messageId);
    expect(ids).toEqual(expect.arrayContaining(['body-gzip', 'body-beacon']));
  });

  it('answers 400 for bodies that are not JSON objects and 415 for other content types', async () => {
    expect((await post('/v1/batch', '{"batch": [')).status).toBe(400);
    expect((await post('/v1/batch', '[1,2]')).status).toBe(400);
    expect((await post('/v1/batch', { batch: 'nope' })).status).toBe(400);
    const xml = await post('/v1/batch', '<batch/>', { 'content-type': 'application/xml' });
    expect(xml.status).toBe(415);
    expect((await xml.json()).error).toBe('unsupported_media_type');
  });

  it('answers 413 past 500 KB (also after decompression) and past 2,500 events', async () => {
    const big = JSON.stringify({ batch: [event('big', { properties: { blob: 'x'.repeat(520 * 1024) } })] });
    expect((await post('/v1/batch', big)).status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, 32));
    const bombResponse = await post('/v1/batch', bomb, { 'content-encoding': 'gzip' });
    expect(bombResponse.status).toBe(413);
    const many = {
      batch: Array.from({ length: 2501 }, (_, i) => ({ type: 'page', anonymousId: 'a', messageId: `m${i}` })),
    };
    expect((await post('/v1/batch', many)).status).toBe(413);
  });

  it('answers 400 for a batch context nested too deeply, and accepts one at the limit', async () => {
    const withContextNested = (levels: number, messageId: string) =>
      `{"context":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)},"batch":[${JSON.stringify(event(messageId))}]}`;
    // Deep enough to overflow the stack of any recursive merge or serialization downstream.
    const deep = await post('/v1/batch', withContextNested(6_000, 'deep-context'));
    expect(deep.status).toBe(400);
    expect(await deep.json()).toMatchObject({
      error: 'invalid_field',
      message: expect.stringContaining('nested'),
    });
    const atLimit = await post('/v1/batch', withContextNested(32, 'limit-context'));
    expect(atLimit.status).toBe(200);
    const stored = (await stack.archivedEvents('shop')).map((e) => e.messageId);
    expect(stored).toContain('limit-context');
    expect(stored).not.toContain('deep-context');
  });

  it('rejects a single event over 32 KB with event_too_large and keeps the rest', async () => {
    const response = await post('/v1/batch', {
      batch: [event('size-ok'), event('size-big', { properties: { blob: 'y'.repeat(33 * 1024) } })],
    });
    const body = await response.json();
    expect(body.accepted).toBe(1);
    expect(body.rejected).toEqual([expect.objectContaining({ index: 1, reason: 'event_too_large' })]);
  });
});

describe('CORS and origins', () => {
  it('answers every preflight: the request that follows carries the key and is checked then', async () => {
    for (const origin of ['https://shop.example', 'https://elsewhere.example']) {
      const preflight = await fetch(`${stack.url}/v1/batch`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
      expect(preflight.headers.get('access-control-allow-headers')).toContain('content-type');
    }
  });

  it('accepts the site’s own origins, with CORS headers', async () => {
    const own = await post('/v1/track', event('cors-own'), { origin: 'https://shop.example' });
    expect(own.status).toBe(200);
    expect(own.headers.get('access-control-allow-origin')).toBe('https://shop.example');
  });

  it('refuses an unlisted origin with 403 origin_not_allowed the page can read, and stores nothing', async () => {
    const foreign = await post(
      '/v1/batch',
      { batch: [event('cors-foreign-1'), event('cors-foreign-2')] },
      {
        origin: 'https://elsewhere.example',
      },
    );
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBe('https://elsewhere.example');
    expect(await foreign.json()).toMatchObject({
      error: 'origin_not_allowed',
      message: expect.stringContaining('https://elsewhere.example'),
    });
    const stored = (await stack.archivedEvents('shop')).map((e) => e.messageId);
    expect(stored.filter((id) => id.startsWith('cors-foreign'))).toEqual([]);
    expect(await stack.archivedKeys('rejected/site=shop/')).not.toEqual(
      expect.arrayContaining([expect.stringContaining('foreign')]),
    );
  });

  it('lets the demo site take pages on any loopback port, and still refuses other hosts', async () => {
    const { writeKey: demoKey } = await stack.createSite({ ...DEMO_SITE_CONFIG, site: 'demo-origins' });
    const fromPage = (origin: string, messageId: string) =>
      post('/v1/track', event(messageId), { origin, authorization: basicAuth(demoKey) });
    for (const [origin, id] of [
      ['http://127.0.0.1:5173', 'demo-vite'],
      ['http://localhost:8080', 'demo-8080'],
      ['http://[::1]:4321', 'demo-ipv6'],
    ] as const) {
      const answer = await fromPage(origin, id);
      expect(answer.status, origin).toBe(200);
      expect(answer.headers.get('access-control-allow-origin')).toBe(origin);
    }
    for (const origin of [
      'http://localhost.evil.example:5173',
      'https://127.0.0.1.nip.io',
      'http://192.168.1.9:3000',
    ]) {
      expect((await fromPage(origin, 'demo-foreign')).status, origin).toBe(403);
    }
    const stored = (await stack.archivedEvents('demo-origins')).map((e) => e.messageId).sort();
    expect(stored).toEqual(['demo-8080', 'demo-ipv6', 'demo-vite']);
  });

  it('leaves requests without an Origin (servers, apps) alone', async () => {
    const server = await post('/v1/track', event('cors-server'));
    expect(server.status).toBe(200);
    expect(server.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('durability', () => {
  it('answers 503 with Retry-After while S3 is down, then stores the retried request exactly once', async () => {
    const batch = { batch: [event('outage-1'), event('outage-2', { timestamp: '2026-11-19T10:00:00Z' })] };
    await stack.stores.stopS3();
    try {
      const during = await post('/v1/batch', batch);
      expect(during.status).toBe(503);
      expect(Number(during.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await during.json()).error).toBe('storage_unavailable');
    } finally {
      await stack.stores.restartS3();
    }
    const ids = () =>
      stack.archivedEvents('shop').then((all) => all.filter((e) => e.messageId.startsWith('outage-')));
    // A socket kept alive from before the stop may still carry one partition's PUT: what matters is
    // that the retries below leave each event exactly once.
    expect((await ids()).length).toBeLessThan(2);
    expect((await post('/v1/batch', batch)).status).toBe(200);
    expect((await post('/v1/batch', batch)).status).toBe(200);
    expect((await ids()).map((e) => e.messageId).sort()).toEqual(['outage-1', 'outage-2']);
  });
});
