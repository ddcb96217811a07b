/**
 * The collector behind a Lambda function URL (`-c trackingFunctionUrl=true`): the same handler gets
 * the URL's payload (no routes, no stage, `$default` placeholders) and must behave exactly as behind
 * the API, against real dynalite and s3rver: gzip batches, beacons with `?writeKey=`, per-site CORS
 * preflights, per-event rejections and retries that do not double-count.
 */
import { gzipSync } from 'node:zlib';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollectorHandler } from '../../functions/collector/handler';
import { keys } from '../../shared/storage/keys';
import { createSiteCache } from '../../shared/storage/site-cache';
import { basicAuthHeader, functionUrlEvent, invoke } from '../helpers/http-event';
import { startTestStack, type TestStack } from '../helpers/local-stack';

let stack: TestStack;
let writeKey: string;
let collector: ReturnType<typeof createCollectorHandler>;

beforeAll(async () => {
  stack = await startTestStack();
  ({ writeKey } = await stack.createSite({ site: 'urlshop', origins: ['https://urlshop.example'] }));
  collector = createCollectorHandler({ clients: stack.clients, sites: createSiteCache(stack.clients, 0) });
}, 30_000);
afterAll(async () => {
  await stack.stop();
});

const track = (messageId: string, anonymousId = 'url-anon') => ({
  type: 'track',
  event: 'Product Viewed',
  messageId,
  anonymousId,
  timestamp: new Date().toISOString(),
  properties: { product_id: 'p1' },
});

describe('collector at its function URL', () => {
  it('accepts a gzip batch (base64 in the payload) event by event and archives the good ones', async () => {
    const body = gzipSync(
      JSON.stringify({ batch: [track('url-1'), { type: 'track', messageId: 'url-bad' }, track('url-2')] }),
    );
    const event = functionUrlEvent({
      path: '/v1/batch',
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        authorization: basicAuthHeader(writeKey),
      },
      body,
    });
    expect(event.isBase64Encoded).toBe(true);
    const answer = await invoke(collector, event);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ success: true, accepted: 2, rejected: [{ index: 1 }] });
    const archived = (await stack.archivedEvents('urlshop')).map((e) => e.messageId);
    expect(archived).toEqual(expect.arrayContaining(['url-1', 'url-2']));
    expect(archived).not.toContain('url-bad');
    const journey = await stack.clients.dynamo.send(
      new QueryCommand({
        TableName: stack.clients.settings.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.journey('urlshop', 'url-anon') },
      }),
    );
    const entries = (journey.Items ?? []).flatMap((item) => item.entries as { m: string }[]);
    expect(entries.map((entry) => entry.m).sort()).toEqual(['url-1', 'url-2']);
  });

  it('does not double-count a retried batch', async () => {
    const body = JSON.stringify({ batch: [track('retry-1', 'retry-anon')] });
    const send = () =>
      invoke(
        collector,
        functionUrlEvent({
          path: '/v1/batch',
          headers: { 'content-type': 'application/json', authorization: basicAuthHeader(writeKey) },
          body,
        }),
      );
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    const archived = (await stack.archivedEvents('urlshop')).filter((e) => e.messageId === 'retry-1');
    expect(archived).toHaveLength(1);
  });

  it('takes a beacon: text/plain body, write key in the query string', async () => {
    const answer = await invoke(
      collector,
      functionUrlEvent({
        path: '/v1/batch',
        query: { writeKey },
        headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://urlshop.example' },
        body: JSON.stringify({ batch: [track('beacon-1')] }),
      }),
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe('https://urlshop.example');
  });

  it('answers every CORS preflight, and refuses a POST from an unlisted origin with a readable 403', async () => {
    const preflight = (origin: string) =>
      invoke(
        collector,
        functionUrlEvent({
          method: 'OPTIONS',
          path: '/v1/batch',
          headers: { origin, 'access-control-request-method': 'POST' },
        }),
      );
    for (const origin of ['https://urlshop.example', 'https://elsewhere.example']) {
      const answer = await preflight(origin);
      expect(answer.status).toBe(204);
      expect(answer.headers['access-control-allow-origin']).toBe(origin);
    }
    const foreign = await invoke(
      collector,
      functionUrlEvent({
        path: '/v1/batch',
        headers: {
          'content-type': 'application/json',
          origin: 'https://elsewhere.example',
          authorization: basicAuthHeader(writeKey),
        },
        body: JSON.stringify({ batch: [track('foreign-origin-1')] }),
      }),
    );
    expect(foreign.status).toBe(403);
    expect(foreign.headers['access-control-allow-origin']).toBe('https://elsewhere.example');
    expect(foreign.body).toMatchObject({ error: 'origin_not_allowed' });
  });

  it('answers 401 without a write key and 404 off the tracking paths (the URL takes every path)', async () => {
    const unauthenticated = await invoke(
      collector,
      functionUrlEvent({
        path: '/v1/batch',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ batch: [track('nokey-1')] }),
      }),
    );
    expect(unauthenticated.status).toBe(401);
    const elsewhere = await invoke(
      collector,
      functionUrlEvent({
        path: '/v1/sites/urlshop/figures',
        headers: { authorization: basicAuthHeader(writeKey) },
      }),
    );
    expect(elsewhere.status).toBe(404);
  });
});
