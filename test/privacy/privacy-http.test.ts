/**
 * Privacy applied before anything is stored (api.md "Privacy"), end to end through HTTP: what reaches
 * the archive, rejected/ and DynamoDB after IP truncation, PII hashing or dropping, and consent opt-out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollectorHandler } from '../../functions/collector/handler';
import { hashPii } from '../../shared/events/privacy';
import type { NormalizedEvent } from '../../shared/events/types';
import { createSiteCache } from '../../shared/storage/site-cache';
import { getSite } from '../../shared/storage/table';
import { dumpBucket, scanTable } from '../helpers/dump-stores';
import { basicAuthHeader, httpEvent, invoke } from '../helpers/http-event';
import { basicAuth, startTestStack, type TestStack } from '../helpers/local-stack';

let stack: TestStack;
let hashKey: string;
let dropKey: string;
let hashSalt: string;

beforeAll(async () => {
  stack = await startTestStack();
  ({ writeKey: hashKey } = await stack.createSite({
    site: 'priv-hash',
    timezone: 'Europe/Rome',
    privacy: { pii: ['email', 'phone', 'ssn'], policy: 'hash', collectSourceIp: true },
  }));
  ({ writeKey: dropKey } = await stack.createSite({
    site: 'priv-drop',
    timezone: 'Europe/Rome',
    privacy: { pii: ['email', 'phone'], policy: 'drop' },
  }));
  hashSalt = (await getSite(stack.clients, 'priv-hash'))?.piiSalt ?? '';
});
afterAll(async () => {
  await stack.stop();
});

async function send(writeKey: string, batch: unknown[]): Promise<void> {
  const response = await fetch(`${stack.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
    body: JSON.stringify({ batch }),
  });
  expect(response.status).toBe(200);
}

async function stored(site: string, messageId: string): Promise<NormalizedEvent> {
  const event = (await stack.archivedEvents(site)).find((e) => e.messageId === messageId);
  if (!event) throw new Error(`${messageId} not archived`);
  return event;
}

describe('IP addresses', () => {
  it.each([
    ['198.51.100.77', '198.51.100.0'],
    ['2001:db8:85a3:1234:5678::1', '2001:db8:85a3::'],
    ['::ffff:203.0.113.9', '203.0.113.0'],
    ['not an address', undefined],
  ])('context.ip %s is stored as %s', async (ip, expected) => {
    const messageId = `ip-${Buffer.from(ip).toString('hex')}`;
    await send(hashKey, [{ type: 'page', anonymousId: 'ip-visitor', messageId, context: { ip } }]);
    const event = await stored('priv-hash', messageId);
    expect(event.context?.ip).toEqual(expected);
    expect(JSON.stringify(event)).not.toContain(ip);
  });

  it('takes the source IP, truncated, when the site asks for it and the event has none', async () => {
    const collector = createCollectorHandler({
      clients: stack.clients,
      sites: createSiteCache(stack.clients, 0),
    });
    const result = await invoke(
      collector,
      httpEvent({
        path: '/v1/track',
        headers: { authorization: basicAuthHeader(hashKey) },
        body: JSON.stringify({ event: 'Product Viewed', anonymousId: 'src-visitor', messageId: 'ip-source' }),
        sourceIp: '203.0.113.250',
      }),
    );
    expect(result.status).toBe(200);
    expect((await stored('priv-hash', 'ip-source')).context?.ip).toBe('203.0.113.0');
    const dropSite = createCollectorHandler({
      clients: stack.clients,
      sites: createSiteCache(stack.clients, 0),
    });
    await invoke(
      dropSite,
      httpEvent({
        path: '/v1/track',
        headers: { authorization: basicAuthHeader(dropKey) },
        body: JSON.stringify({
          event: 'Product Viewed',
          anonymousId: 'src-visitor',
          messageId: 'ip-not-collected',
        }),
        sourceIp: '203.0.113.250',
      }),
    );
    expect((await stored('priv-drop', 'ip-not-collected')).context?.ip).toBeUndefined();
  });
});

describe('PII keys', () => {
  const personal = (messageId: string) => ({
    type: 'identify',
    messageId,
    userId: 'pii-user',
    traits: {
      Email: 'Ann@Example.com',
      phone: '+39 333 1112223',
      name: 'Ann',
      address: { ssn: '123-45-6789' },
    },
    properties: { items: [{ email: 'gift@example.com' }], email: '' },
    context: { traits: { email: 'ann@example.com' } },
    email: 'top@example.com',
  });

  it('are replaced by the site-salted SHA-256 at any depth, whatever their case; empty values stay', async () => {
    await send(hashKey, [personal('pii-hash')]);
    const event = await stored('priv-hash', 'pii-hash');
    expect(event.traits).toEqual({
      Email: hashPii('Ann@Example.com', hashSalt),
      phone: hashPii('+39 333 1112223', hashSalt),
      name: 'Ann',
      address: { ssn: hashPii('123-45-6789', hashSalt) },
    });
    expect(event.properties).toEqual({
      items: [{ email: hashPii('gift@example.com', hashSalt) }],
      email: '',
    });
    expect(event.context?.traits).toEqual({ email: hashPii('ann@example.com', hashSalt) });
    expect(event.email).toBe(hashPii('top@example.com', hashSalt));
    expect(JSON.stringify(event)).not.toMatch(/@example\.com|333 1112223|123-45-6789/);
  });

  it('are dropped under the drop policy', async () => {
    await send(dropKey, [personal('pii-drop')]);
    const event = await stored('priv-drop', 'pii-drop');
    expect(event.traits).toEqual({ name: 'Ann', address: { ssn: '123-45-6789' } });
    expect(event.properties).toEqual({ items: [{}] });
    expect(event.context?.traits).toEqual({});
    expect(Object.hasOwn(event, 'email')).toBe(false);
  });

  it('are scrubbed in rejected events too, which also lose their ids', async () => {
    await send(hashKey, [{ ...personal('pii-rejected'), type: 'track', context: { ip: '198.51.100.99' } }]);
    const rejected = [...(await dumpBucket(stack.clients, 'rejected/site=priv-hash/')).values()].join('\n');
    expect(rejected).toContain('pii-rejected');
    expect(rejected).toContain(hashPii('Ann@Example.com', hashSalt));
    expect(rejected).not.toMatch(/@example\.com|333 1112223|123-45-6789|pii-user|198\.51\.100\.99/);
  });
});

describe('consent', () => {
  const optedOut = (messageId: string, timestamp: string) => ({
    type: 'track',
    event: 'Product Viewed',
    messageId,
    userId: 'consent-user',
    anonymousId: 'consent-anon',
    traits: { plan: 'gold' },
    properties: { product_id: 'p1' },
    context: {
      consent: { analytics: false },
      ip: '198.51.100.12',
      userAgent: 'Mozilla/5.0 canary',
      locale: 'it-IT',
    },
    timestamp,
  });

  it('stores opted-out events without ids, traits, IP or user agent, under a per-day pseudonym', async () => {
    await send(hashKey, [optedOut('consent-1', '2026-11-14T09:00:00.000Z')]);
    await send(hashKey, [optedOut('consent-2', '2026-11-14T18:00:00.000Z')]);
    await send(hashKey, [optedOut('consent-3', '2026-11-15T09:00:00.000Z')]);
    const [first, sameDay, nextDay] = await Promise.all(
      ['consent-1', 'consent-2', 'consent-3'].map((id) => stored('priv-hash', id)),
    );
    for (const event of [first, sameDay, nextDay]) {
      expect(event?.userId).toBeUndefined();
      expect(event?.traits).toBeUndefined();
      expect(event?.anonymousId).toMatch(/^consent-[0-9a-f]{24}$/);
      expect(event?.context).toEqual({ consent: { analytics: false }, locale: 'it-IT' });
      expect(event?.properties).toEqual({ product_id: 'p1' });
    }
    expect(sameDay?.anonymousId).toBe(first?.anonymousId);
    expect(nextDay?.anonymousId).not.toBe(first?.anonymousId);
  });

  it('leaves no trace of the real ids in the archive or DynamoDB (no journey, no link)', async () => {
    const table = JSON.stringify(await scanTable(stack.clients));
    const archive = [...(await dumpBucket(stack.clients, 'events/site=priv-hash/')).values()].join('\n');
    for (const text of [table, archive]) {
      expect(text).not.toContain('consent-user');
      expect(text).not.toContain('consent-anon');
      expect(text).not.toContain('Mozilla/5.0 canary');
      expect(text).not.toContain('198.51.100.12');
    }
  });
});
