/**
 * Auth and isolation: write keys write only to their own site, read keys read only their own site,
 * keys are stored hashed (a table dump shows none), rotation keeps old keys for the grace period only,
 * unknown keys of any length are refused alike, and logs never carry keys or personal data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollectorHandler } from '../../functions/collector/handler';
import { createQueryHandler } from '../../functions/query/handler';
import { keys as tableKeys } from '../../shared/storage/keys';
import { rotateSiteKey } from '../../shared/storage/site-admin';
import { createSiteCache } from '../../shared/storage/site-cache';
import { hashAccessKey } from '../../shared/storage/table';
import { captureOutput } from '../helpers/capture-output';
import { scanTable } from '../helpers/dump-stores';
import { basicAuthHeader, httpEvent, invoke } from '../helpers/http-event';
import { basicAuth, startTestStack, type TestStack } from '../helpers/local-stack';

let stack: TestStack;
let a: { writeKey: string; readKey: string };
let b: { writeKey: string; readKey: string };
const allKeys: string[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  a = await stack.createSite({ site: 'auth-a', timezone: 'UTC' });
  b = await stack.createSite({ site: 'auth-b', timezone: 'UTC' });
  allKeys.push(a.writeKey, a.readKey, b.writeKey, b.readKey);
});
afterAll(async () => {
  await stack.stop();
});

const track = (messageId: string, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Product Viewed',
  anonymousId: 'auth-visitor',
  messageId,
  timestamp: '2026-11-15T10:00:00.000Z',
  ...extra,
});

async function post(path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

const get = (path: string, key?: string) =>
  fetch(`${stack.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

describe('write keys', () => {
  it('write only to their own site, whatever the body or the query string names', async () => {
    const auth = { authorization: basicAuth(a.writeKey) };
    expect((await post('/v1/track', track('iso-site-field', { site: 'auth-b' }), auth)).status).toBe(200);
    expect(
      (await post('/v1/track', track('iso-context', { context: { site: 'auth-b' } }), auth)).status,
    ).toBe(200);
    // Basic auth wins over a body or query key of another site.
    expect((await post('/v1/track', { ...track('iso-body-key'), writeKey: b.writeKey }, auth)).status).toBe(
      200,
    );
    expect(
      (await post(`/v1/batch?writeKey=${b.writeKey}`, { batch: [track('iso-query-key')] }, auth)).status,
    ).toBe(200);
    const inA = (await stack.archivedEvents('auth-a')).map((event) => event.messageId);
    const inB = (await stack.archivedEvents('auth-b')).map((event) => event.messageId);
    expect(inA).toEqual(
      expect.arrayContaining(['iso-site-field', 'iso-context', 'iso-body-key', 'iso-query-key']),
    );
    expect(inB.filter((id) => id.startsWith('iso-'))).toEqual([]);
    for (const event of await stack.archivedEvents('auth-a')) expect(event.site).toBe('auth-a');
    expect(await stack.archivedKeys('events/site=auth-b/')).toEqual([]);
  });

  it('are the only keys that write: a read key, or a write key as Bearer, gets 401', async () => {
    const withRead = await post('/v1/track', track('iso-read'), { authorization: basicAuth(a.readKey) });
    expect(withRead.status).toBe(401);
    expect((await withRead.json()).error).toBe('invalid_write_key');
    const bearer = await post('/v1/track', track('iso-bearer'), { authorization: `Bearer ${a.writeKey}` });
    expect(bearer.status).toBe(401);
    expect((await stack.archivedEvents('auth-a')).map((e) => e.messageId)).not.toContain('iso-read');
  });

  it('do not read: a write key on the query API gets 401', async () => {
    const response = await get('/v1/sites/auth-a/figures?from=2026-11-15&to=2026-11-15', a.writeKey);
    expect(response.status).toBe(401);
    expect((await response.json()).error).toBe('invalid_read_key');
  });
});

describe('read keys', () => {
  it.each([
    ['figures', '/figures?from=2026-11-15&to=2026-11-15'],
    ['journeys', '/journeys/auth-visitor'],
    ['alerts', '/alerts?from=2026-11-15&to=2026-11-15'],
  ])('read their own site’s %s and get 403 for another site’s', async (_label, suffix) => {
    expect((await get(`/v1/sites/auth-a${suffix}`, a.readKey)).status).toBe(200);
    const foreign = await get(`/v1/sites/auth-b${suffix}`, a.readKey);
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toEqual({
      success: false,
      error: 'forbidden',
      message: 'This read key does not open site "auth-b".',
    });
    expect((await get(`/v1/sites/auth-a${suffix}`)).status).toBe(401);
  });

  it('cannot reach another site through an encoded path', async () => {
    for (const site of ['auth-b%2F', 'auth-a%2F..%2Fauth-b', '..%2Fauth-b', 'AUTH-B', 'auth-b%00']) {
      const response = await get(`/v1/sites/${site}/figures?from=2026-11-15&to=2026-11-15`, a.readKey);
      expect(response.status, site).toBe(403);
    }
  });
});

describe('keys at rest', () => {
  it('are stored hashed only: a dump of the whole table holds no key, or any part of one', async () => {
    const rotated = await rotateSiteKey(stack.clients, 'auth-a', 'write', 1, new Date());
    const admin = await rotateSiteKey(stack.clients, 'auth-a', 'admin', 0, new Date());
    const keys = [...allKeys, rotated.key, admin.key];
    const dump = JSON.stringify(await scanTable(stack.clients));
    for (const key of keys) {
      expect(dump).not.toContain(key);
      // The random part alone, or its first half, is not there either.
      const secret = key.slice(4);
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(secret.slice(0, 16));
      expect(dump).toContain(tableKeys.accessKey(hashAccessKey(key)).pk);
    }
  });
});

describe('key rotation', () => {
  const T0 = Date.parse('2026-11-23T08:00:00Z');
  const HOUR = 3_600_000;

  it('keeps the old write key working until retiresAt, then 401; the new key works at once', async () => {
    const site = await stack.createSite({ site: 'auth-rotate', timezone: 'UTC' });
    let clock = T0;
    const collector = createCollectorHandler({
      clients: stack.clients,
      sites: createSiteCache(stack.clients, 0, () => clock),
      now: () => clock,
    });
    const sendWith = async (key: string, messageId: string) =>
      (
        await invoke(
          collector,
          httpEvent({
            path: '/v1/track',
            headers: { authorization: basicAuthHeader(key) },
            body: JSON.stringify(track(messageId)),
          }),
        )
      ).status;
    const first = await rotateSiteKey(stack.clients, 'auth-rotate', 'write', 24, new Date(T0));
    expect(first.retiresAt).toBe(new Date(T0 + 24 * HOUR).toISOString());
    clock = T0 + HOUR;
    // A second rotation does not extend the first retiree's grace period.
    const second = await rotateSiteKey(stack.clients, 'auth-rotate', 'write', 48, new Date(clock));
    expect(second.retiring).toBe(1);
    expect(await sendWith(site.writeKey, 'rot-1')).toBe(200);
    clock = T0 + 24 * HOUR - 1;
    expect(await sendWith(site.writeKey, 'rot-2')).toBe(200);
    clock = T0 + 24 * HOUR;
    expect(await sendWith(site.writeKey, 'rot-3')).toBe(401);
    expect(await sendWith(first.key, 'rot-4')).toBe(200);
    expect(await sendWith(second.key, 'rot-5')).toBe(200);
    clock = T0 + 49 * HOUR;
    expect(await sendWith(first.key, 'rot-6')).toBe(401);
    expect(await sendWith(second.key, 'rot-7')).toBe(200);
  });

  it('keeps the old read key working until retiresAt, then 401', async () => {
    const site = await stack.createSite({ site: 'auth-rotate-read', timezone: 'UTC' });
    let clock = T0;
    const query = createQueryHandler({
      clients: stack.clients,
      sites: createSiteCache(stack.clients, 0, () => clock),
    });
    const read = async (key: string) =>
      (
        await invoke(
          query,
          httpEvent({
            method: 'GET',
            path: '/v1/sites/auth-rotate-read/figures',
            pathParameters: { site: 'auth-rotate-read' },
            query: { from: '2026-11-15', to: '2026-11-15' },
            headers: { authorization: `Bearer ${key}` },
          }),
        )
      ).status;
    const rotated = await rotateSiteKey(stack.clients, 'auth-rotate-read', 'read', 2, new Date(T0));
    clock = T0 + 2 * HOUR - 1;
    expect(await read(site.readKey)).toBe(200);
    expect(await read(rotated.key)).toBe(200);
    clock = T0 + 2 * HOUR;
    expect(await read(site.readKey)).toBe(401);
    expect(await read(rotated.key)).toBe(200);
  });
});

describe('key comparison', () => {
  it('refuses unknown keys of equal and unequal length alike, with the same answer', async () => {
    const valid = a.writeKey;
    const flip = (key: string, index: number) =>
      `${key.slice(0, index)}${key[index] === 'A' ? 'B' : 'A'}${key.slice(index + 1)}`;
    const candidates = [
      flip(valid, valid.length - 1),
      flip(valid, 4),
      `rxw_${'A'.repeat(valid.length - 4)}`,
      valid.slice(0, -1),
      valid.slice(0, 8),
      `${valid}A`,
      valid.toUpperCase(),
      ` ${valid}`,
      'x',
      'rxw_'.padEnd(199, 'z'),
      'k'.repeat(5_000),
    ];
    const bodies = new Set<string>();
    for (const key of candidates) {
      const response = await post('/v1/track', { ...track('cmp'), writeKey: key }, {});
      expect(response.status, key.slice(0, 40)).toBe(401);
      bodies.add(await response.text());
    }
    expect([...bodies]).toEqual([
      '{"success":false,"error":"invalid_write_key","message":"The write key is not valid."}',
    ]);
    expect((await stack.archivedEvents('auth-a')).map((e) => e.messageId)).not.toContain('cmp');
  });
});

describe('logs', () => {
  it('never carry keys, e-mails, raw IPs or user ids, through errors, rejections and 503s', async () => {
    const email = 'log-canary@example.com';
    const phone = '+39 345 9876543';
    const userId = 'log-user-5d1e';
    const anonymousId = 'log-anon-77aa';
    const ip = '198.51.100.201';
    const personal = {
      type: 'identify',
      userId,
      anonymousId,
      traits: { email, phone },
      context: { ip, traits: { email } },
      timestamp: '2026-11-15T11:00:00.000Z',
    };
    const output = captureOutput('DEBUG');
    try {
      // Accepted, rejected, unauthorized, forbidden, malformed, too large.
      await post(
        '/v1/batch',
        { batch: [personal, { ...personal, type: 'nope' }, { ...personal, event: 5, type: 'track' }] },
        {
          authorization: basicAuth(a.writeKey),
        },
      );
      await post('/v1/batch', { batch: [personal], writeKey: `${a.writeKey}x` }, {});
      await post(`/v1/batch?writeKey=${a.readKey}`, { batch: [personal] }, {});
      await get(`/v1/sites/auth-b/journeys/${userId}`, a.readKey);
      await get(`/v1/sites/auth-a/journeys/${userId}`, `${a.readKey}0`);
      await fetch(`${stack.url}/v1/batch`, {
        method: 'POST',
        headers: { authorization: basicAuth(a.writeKey), 'content-type': 'application/json' },
        body: `{"batch":[${JSON.stringify(personal)}`,
      });
      await post(
        '/v1/batch',
        { batch: [{ ...personal, properties: { blob: 'x'.repeat(600 * 1024) } }] },
        {
          authorization: basicAuth(a.writeKey),
        },
      );
      // Storage down: 503 (and a warning logged).
      await stack.stores.stopS3();
      try {
        const down = await post('/v1/batch', { batch: [personal] }, { authorization: basicAuth(a.writeKey) });
        expect(down.status).toBe(503);
      } finally {
        await stack.stores.restartS3();
      }
      await stack.stores.stopDynamo();
      try {
        const down = await post('/v1/batch', { batch: [personal] }, { authorization: basicAuth(a.writeKey) });
        expect(down.status).toBe(503);
      } finally {
        await stack.stores.restartDynamo();
      }
    } finally {
      output.restore();
    }
    const text = output.text();
    expect(text).toContain('storage unavailable');
    for (const secret of [...allKeys, email, phone, userId, anonymousId, ip])
      expect(text).not.toContain(secret);
  }, 30_000);
});
