/**
 * The journey API's answer, exactly as the README documents it: the slim entries the journey items
 * hold (one DynamoDB write a request keeps them small), merged over the anonymous ids linked to the
 * user, in time order. Properties and context stay in the archive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, startTestStack, type TestStack } from '../helpers/local-stack';

let stack: TestStack;
let keys: { writeKey: string; readKey: string };

beforeAll(async () => {
  stack = await startTestStack();
  keys = await stack.createSite({ site: 'journey-shop', timezone: 'Europe/Rome' });
});
afterAll(async () => {
  await stack.stop();
});

describe('GET /v1/sites/{site}/journeys/{journeyId}', () => {
  it('answers the journey’s slim entries, over the linked anonymous id, in time order', async () => {
    const sent = await fetch(`${stack.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(keys.writeKey) },
      body: JSON.stringify({
        batch: [
          {
            type: 'page',
            name: 'Home',
            anonymousId: 'jv-anon',
            messageId: 'jv-1',
            timestamp: '2026-11-12T08:00:00.000Z',
            context: { channel: 'web', page: { path: '/' } },
          },
          {
            type: 'track',
            event: 'Product Added',
            anonymousId: 'jv-anon',
            messageId: 'jv-2',
            timestamp: '2026-11-12T08:01:00.000Z',
            properties: { cart_id: 'c1', price: 25, touchpoint: 'size_guide' },
            context: { channel: 'web' },
          },
          {
            type: 'identify',
            anonymousId: 'jv-anon',
            userId: 'jv-user',
            messageId: 'jv-3',
            timestamp: '2026-11-12T08:02:00.000Z',
            traits: { plan: 'gold' },
          },
        ],
      }),
    });
    expect(sent.status).toBe(200);

    const response = await fetch(`${stack.url}/v1/sites/journey-shop/journeys/jv-user`, {
      headers: { authorization: `Bearer ${keys.readKey}` },
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      site: 'journey-shop',
      journeyId: 'jv-user',
      total: 3,
      events: [
        {
          messageId: 'jv-1',
          timestamp: '2026-11-12T08:00:00.000Z',
          type: 'page',
          name: 'Home',
          touchpoint: null,
          channel: 'web',
        },
        {
          messageId: 'jv-2',
          timestamp: '2026-11-12T08:01:00.000Z',
          type: 'track',
          name: 'Product Added',
          touchpoint: 'size_guide',
          channel: 'web',
        },
        {
          messageId: 'jv-3',
          timestamp: '2026-11-12T08:02:00.000Z',
          type: 'identify',
          name: null,
          touchpoint: null,
          channel: null,
        },
      ],
      nextCursor: null,
    });
  });

  it('answers 404 for a journey without events', async () => {
    const response = await fetch(`${stack.url}/v1/sites/journey-shop/journeys/nobody`, {
      headers: { authorization: `Bearer ${keys.readKey}` },
    });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toBe('journey_not_found');
  });
});
