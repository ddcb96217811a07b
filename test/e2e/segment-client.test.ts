import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/local-stack';

let stack: TestStack;
let writeKey: string;

beforeAll(async () => {
  stack = await startTestStack();
  ({ writeKey } = await stack.createSite({ site: 'segment-shop', timezone: 'UTC' }));
});
afterAll(async () => {
  await stack.stop();
});

describe('the official @segment/analytics-node client', () => {
  it('delivers track, page and identify events that land in the archive unchanged in meaning', async () => {
    const analytics = new Analytics({ writeKey, host: stack.url, path: '/v1/batch', flushInterval: 50 });
    const errors: unknown[] = [];
    analytics.on('error', (error) => errors.push(error));
    analytics.page({ anonymousId: 'seg-anon', name: 'Home', properties: { path: '/' } });
    analytics.track({
      anonymousId: 'seg-anon',
      event: 'Product Added',
      properties: { cart_id: 'c1', product_id: 'p1', price: 25, quantity: 2 },
    });
    analytics.identify({
      anonymousId: 'seg-anon',
      userId: 'seg-user',
      traits: { email: 'a@b.example', plan: 'gold' },
    });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(errors).toEqual([]);

    const stored = await stack.archivedEvents('segment-shop');
    expect(stored.map((e) => e.type).sort()).toEqual(['identify', 'page', 'track']);
    const track = stored.find((e) => e.type === 'track');
    expect(track).toMatchObject({
      event: 'Product Added',
      anonymousId: 'seg-anon',
      properties: { price: 25, quantity: 2 },
    });
    expect(track?.messageId).toBeTruthy();
    expect(track?.originalTimestamp).toBeTruthy();
    const identify = stored.find((e) => e.type === 'identify');
    expect(identify?.userId).toBe('seg-user');
    // PII is hashed before storage, other traits are kept.
    expect(identify?.traits?.email).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(identify?.traits?.plan).toBe('gold');
  });
});
