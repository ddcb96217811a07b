/**
 * Generators and checks for the hostile-input tests (test/security/hostile-*.test.ts): requests of any
 * shape against the collector, and the contract every answer and every stored object must meet.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { siteConfigWithDefaults } from '../../shared/config/site';
import { REJECTION_REASONS } from '../../shared/events/reasons';
import type { StorageClients } from '../../shared/storage/clients';
import { applySiteConfig } from '../../shared/storage/site-admin';
import { basicAuthHeader, type HttpHandler, httpEvent, invoke, type ParsedResult } from './http-event';
import type { MemoryStorage } from './memory-storage';

export interface Keys {
  writeKey: string;
  readKey: string;
  otherWriteKey: string;
}

export async function createSites(clients: StorageClients): Promise<Keys> {
  const shop = await applySiteConfig(
    clients,
    siteConfigWithDefaults({ site: 'shop', origins: ['https://shop.example'], timezone: 'Europe/Rome' }),
    new Date(),
  );
  const other = await applySiteConfig(clients, siteConfigWithDefaults({ site: 'other' }), new Date());
  if (!shop.created || !other.created) throw new Error('sites already exist');
  return { writeKey: shop.writeKey, readKey: shop.readKey, otherWriteKey: other.writeKey };
}

/* ------------------------------------------------------------------ what must hold for every answer */

// 403: a browser origin the site does not list (origin_not_allowed).
const ALLOWED_STATUSES = new Set([200, 204, 400, 401, 403, 404, 405, 413, 415]);
const REASONS = new Set(Object.keys(REJECTION_REASONS));

export function prototypeSnapshot(): string {
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype]
    .map((proto) => Object.getOwnPropertyNames(proto).sort().join(','))
    .join('|');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The contract of every answer; returns the problems (empty when it holds). */
export function answerProblems(result: ParsedResult): string[] {
  const problems: string[] = [];
  if (!ALLOWED_STATUSES.has(result.status)) problems.push(`status ${result.status}`);
  if (result.status === 204) return problems;
  const body = result.body;
  if (!isRecord(body)) return [...problems, `body is not a JSON object: ${String(body).slice(0, 80)}`];
  if (result.status >= 400) {
    if (body.success !== false) problems.push('error without success: false');
    if (typeof body.error !== 'string' || !/^[a-z_]+$/.test(body.error)) problems.push('no error code');
    if (typeof body.message !== 'string' || body.message.length === 0) problems.push('no message');
    return problems;
  }
  if (body.success !== true) problems.push('200 without success: true');
  if (!Number.isInteger(body.accepted)) problems.push('no accepted count');
  if (!Array.isArray(body.rejected)) return [...problems, 'no rejected list'];
  for (const entry of body.rejected) {
    if (!isRecord(entry) || !REASONS.has(String(entry.reason)) || typeof entry.message !== 'string')
      problems.push(`unclear rejection ${JSON.stringify(entry).slice(0, 120)}`);
  }
  return problems;
}

/* ------------------------------------------------------------------ generators */

/** Builds objects with own `__proto__` keys (as JSON.parse does), never setting a prototype. */
export function objectOf(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  return Object.fromEntries(entries);
}

const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype'] as const;
export const pollutionKey = fc.constantFrom(...POLLUTION_KEYS);
const anyKey = fc.oneof(
  { arbitrary: fc.string({ maxLength: 12 }), weight: 4 },
  { arbitrary: pollutionKey, weight: 2 },
  {
    arbitrary: fc.constantFrom('email', 'Phone', 'writeKey', 'toString', 'valueOf', 'hasOwnProperty'),
    weight: 1,
  },
);

/**
 * Deeply nested data stands in the generated values as a marker and becomes text only in `serialize`:
 * JSON.stringify itself (and fast-check's printer) overflow the stack near 5,000 levels, while the
 * collector must cope with the 100,000 levels JSON.parse accepts.
 */
export class Deep {
  constructor(readonly depth: number) {}
  toJSON(): string {
    return `@@deep:${this.depth}@@`;
  }
  [fc.toStringMethod](): string {
    return `<${this.depth} levels deep>`;
  }
}

function nestedText(depth: number): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += i % 2 === 0 ? '[' : '{"n":';
    close = (i % 2 === 0 ? ']' : '}') + close;
  }
  return `${open}"deep"${close}`;
}

export function serialize(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replace(/"@@deep:(\d+)@@"/g, (_match, depth: string) =>
    nestedText(Number(depth)),
  );
}

export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 4 },
    {
      arbitrary: fc.constantFrom(null, true, 0, -1, 1e308, '', '\ud800', '\u0000', 'x'.repeat(300)),
      weight: 2,
    },
    {
      arbitrary: fc
        .array(fc.tuple(anyKey, tie('value')), { maxLength: 4 })
        .map((entries) => objectOf(entries)),
      weight: 2,
    },
  ),
})).value;

const idValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.constantFrom('', 'x'.repeat(257), 'é'.repeat(256), '\ud800lone', null, true, [], {}, 'a#J#b', 'ANON#x'),
);

const timestampValue = fc.oneof(
  fc
    .date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '0000-01-01T00:00:00Z',
    '0050-06-01T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
    '2026-02-30T10:00:00Z',
    '2026-11-20 10:00',
    '2026-11-20T10:00:00+14:00',
    'yesterday',
    '',
    1_700_000_000,
    null,
  ),
);

const ipValue = fc.oneof(
  fc.nat(255).map((n) => `198.51.100.${n}`),
  fc.constantFrom('2001:db8:85a3::8a2e:370:7334', '::ffff:198.51.100.23', 'not-an-ip', '', '999.1.1.1', 42),
);

/** An event of any shape: fields of the right name with any type, plus pollution and PII keys. */
export const hostileEvent: fc.Arbitrary<unknown> = fc
  .record(
    {
      type: fc.oneof(
        fc.constantFrom('track', 'page', 'screen', 'identify', 'alias', 'group'),
        fc.constantFrom('TRACK', '', 'delete', 42, null, ['track']),
      ),
      event: fc.oneof(fc.constantFrom('Order Completed', 'Survey Responded', 'Product Added'), hostileValue),
      name: hostileValue,
      messageId: fc.oneof(fc.uuid(), fc.constantFrom('', 'm'.repeat(201), 7, null)),
      anonymousId: idValue,
      userId: idValue,
      previousId: idValue,
      groupId: idValue,
      timestamp: timestampValue,
      sentAt: timestampValue,
      properties: fc.oneof(
        hostileValue,
        fc.record({ survey: fc.constantFrom('nps', 'ces', 'csat', 'other'), score: hostileValue }),
        fc.record({ email: fc.nat(999).map((n) => `pii-${n}@example.com`), revenue: hostileValue }),
      ),
      traits: fc.oneof(hostileValue, fc.record({ phone: fc.constant('+39 333 000 1111') })),
      context: fc.oneof(
        hostileValue,
        fc.record({ ip: ipValue, consent: fc.record({ analytics: fc.boolean() }), userAgent: fc.string() }),
      ),
      extra: fc.array(fc.tuple(anyKey, hostileValue), { maxLength: 3 }),
      // Rare, and at most one per event: V8 parses deep nesting slowly (≈ 5 ms per 10,000 levels).
      deep: fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 12 },
        fc.tuple(
          fc.constantFrom('properties', 'traits', 'context', 'name', 'integrations', '__proto__'),
          fc.oneof(fc.integer({ min: 30, max: 100 }), fc.integer({ min: 4_000, max: 12_000 })),
        ),
      ),
    },
    { requiredKeys: [] },
  )
  .map(({ extra, deep, ...fields }) => {
    const entries: [string, unknown][] = [...Object.entries(fields), ...(extra ?? [])];
    if (deep) entries.push([deep[0], new Deep(deep[1])]);
    return objectOf(entries);
  });

/** Text that is JSON only by accident: random strings, truncated JSON, unbalanced nesting. */
export const malformedJson = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.jsonValue({ maxDepth: 3 }).chain((value) => {
    const text = JSON.stringify(value) ?? '';
    return fc.nat(text.length).map((cut) => text.slice(0, cut));
  }),
  fc.integer({ min: 1, max: 100_000 }).map((depth) => `{"batch":${'['.repeat(depth)}`),
  fc.integer({ min: 1, max: 100_000 }).map((depth) => `{"batch":[${'['.repeat(depth)}${']'.repeat(depth)}]}`),
  fc
    .integer({ min: 1, max: 20_000 })
    .map(
      (depth) =>
        `{"batch":[{"type":"page","anonymousId":"a","x":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}]}`,
    ),
);

export const GZIP_MEMBER_16MB = gzipSync(Buffer.alloc(16 * 1024 * 1024, 0x20), { level: 9 });

export type BodyCase = { kind: string; body: string | Buffer; encoding?: string; isObject: boolean };

export const bodyCase: fc.Arbitrary<BodyCase> = fc.oneof(
  { arbitrary: malformedJson.map((body) => ({ kind: 'malformed', body, isObject: false })), weight: 4 },
  {
    arbitrary: fc
      .jsonValue({ maxDepth: 3 })
      .map((v) => ({ kind: 'json', body: JSON.stringify(v) ?? 'null', isObject: false })),
    weight: 2,
  },
  {
    arbitrary: fc
      .record(
        {
          batch: fc.oneof(fc.array(hostileEvent, { maxLength: 8 }), hostileValue),
          sentAt: timestampValue,
          context: hostileValue,
        },
        { requiredKeys: ['batch'] },
      )
      .map((body) => ({ kind: 'batch', body: serialize(body), isObject: true })),
    weight: 6,
  },
  {
    arbitrary: hostileEvent.map((event) => ({ kind: 'event', body: serialize(event), isObject: true })),
    weight: 4,
  },
  {
    arbitrary: fc
      .uint8Array({ maxLength: 300 })
      .map((bytes) => ({ kind: 'bytes', body: Buffer.from(bytes), isObject: false })),
    weight: 2,
  },
  {
    // Invalid UTF-8 inside otherwise valid JSON strings.
    arbitrary: fc.uint8Array({ minLength: 1, maxLength: 40 }).map((bytes) => ({
      kind: 'invalid-utf8',
      body: Buffer.concat([
        Buffer.from('{"batch":[{"type":"track","event":"'),
        Buffer.from(bytes.map((b) => b | 0x80)),
        Buffer.from('","anonymousId":"a"}]}'),
      ]),
      isObject: true,
    })),
    weight: 2,
  },
  {
    arbitrary: fc.constantFrom(31, 33, 499, 501).map((kb) => ({
      kind: `huge-${kb}kb`,
      body: JSON.stringify({
        batch: [{ type: 'track', event: 'x', anonymousId: 'a', properties: { blob: 'z'.repeat(kb * 1024) } }],
      }),
      isObject: true,
    })),
    weight: 1,
  },
  {
    arbitrary: fc.constantFrom(2_500, 2_501, 10_000).map((count) => ({
      kind: `batch-${count}`,
      body: JSON.stringify({
        batch: Array.from({ length: count }, () => ({ type: 'page', anonymousId: 'a' })),
      }),
      isObject: true,
    })),
    weight: 1,
  },
  {
    arbitrary: fc
      .oneof(
        fc.constant(Buffer.concat(Array.from({ length: 8 }, () => GZIP_MEMBER_16MB))),
        fc.constant(gzipSync(gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x20)))),
        fc.jsonValue({ maxDepth: 2 }).map((v) => gzipSync(JSON.stringify({ batch: [v] }))),
        fc.jsonValue({ maxDepth: 2 }).map((v) => gzipSync(JSON.stringify({ batch: [v] })).subarray(0, 12)),
        fc
          .uint8Array({ maxLength: 100 })
          .map((bytes) => Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), bytes])),
      )
      .map((body) => ({ kind: 'gzip', body, encoding: 'gzip', isObject: false })),
    weight: 2,
  },
);

export type Auth =
  | 'basic'
  | 'basic-read'
  | 'basic-other'
  | 'basic-garbage'
  | 'bearer'
  | 'body'
  | 'body-wrong-type'
  | 'query'
  | 'none';

export const envelope = fc.record({
  method: fc.oneof(
    { arbitrary: fc.constant('POST'), weight: 12 },
    fc.constantFrom('GET', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
  ),
  path: fc.oneof(
    {
      arbitrary: fc.constantFrom(
        '/v1/batch',
        '/v1/track',
        '/v1/page',
        '/v1/identify',
        '/v1/alias',
        '/v1/t',
        '/v1/import',
      ),
      weight: 8,
    },
    fc.constantFrom('/v1/', '/v1/unknown', '/v2/batch', '/v1/batch/../track', '/v1/BATCH', ''),
  ),
  contentType: fc.oneof(
    {
      arbitrary: fc.constantFrom(
        'application/json',
        'text/plain;charset=UTF-8',
        'application/x-www-form-urlencoded',
      ),
      weight: 6,
    },
    fc.constantFrom(
      undefined,
      'application/xml',
      'multipart/form-data; boundary=x',
      'APPLICATION/JSON ; charset=utf-8',
      ';',
      '',
    ),
    fc.string({ maxLength: 20 }),
  ),
  encoding: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 8 },
    fc.constantFrom('gzip', 'identity', 'br', 'deflate', 'GZIP', 'x-gzip', ' , '),
  ),
  auth: fc.oneof(
    { arbitrary: fc.constant<Auth>('basic'), weight: 8 },
    fc.constantFrom<Auth>(
      'basic-read',
      'basic-other',
      'basic-garbage',
      'bearer',
      'body',
      'body-wrong-type',
      'query',
      'none',
    ),
  ),
  origin: fc.constantFrom(undefined, 'https://shop.example', 'https://evil.example'),
  body: bodyCase,
});

export type Envelope = typeof envelope extends fc.Arbitrary<infer T> ? T : never;

export function requestOf(input: Envelope, keys: Keys) {
  const headers: Record<string, string | undefined> = {
    'content-type': input.contentType,
    'content-encoding': input.body.encoding ?? input.encoding,
    origin: input.origin,
  };
  let query: Record<string, string> | undefined;
  let body = input.body.body;
  switch (input.auth) {
    case 'basic':
      headers.authorization = basicAuthHeader(keys.writeKey);
      break;
    case 'basic-read':
      headers.authorization = basicAuthHeader(keys.readKey);
      break;
    case 'basic-other':
      headers.authorization = basicAuthHeader(keys.otherWriteKey);
      break;
    case 'basic-garbage':
      headers.authorization = 'Basic %%%not-base64%%%';
      break;
    case 'bearer':
      headers.authorization = `Bearer ${keys.writeKey}`;
      break;
    case 'body':
    case 'body-wrong-type':
      if (typeof body === 'string' && body.startsWith('{')) {
        const value = input.auth === 'body' ? JSON.stringify(keys.writeKey) : '{"key":1}';
        body = `{"writeKey":${value}${body.length > 2 ? ',' : ''}${body.slice(1)}`;
      }
      break;
    case 'query':
      query = { writeKey: keys.writeKey };
      break;
    case 'none':
      break;
  }
  return httpEvent({ method: input.method, path: input.path, headers, query, body });
}

/** `context.ip` of an archived event, or of the event kept under rejected/ (`raw`). */
export function storedIpOf(record: unknown): string | undefined {
  if (!isRecord(record)) return undefined;
  const event = isRecord(record.raw) ? record.raw : record;
  const ip = isRecord(event.context) ? event.context.ip : undefined;
  return typeof ip === 'string' ? ip : undefined;
}

/** Everything stored since `since` (object count) parses, and holds no write key, raw IP or e-mail. */
export function storedProblems(
  storage: MemoryStorage,
  fromIndex: number,
  writeKeys: readonly string[],
): string[] {
  const problems: string[] = [];
  const objects = [...storage.objects.entries()].slice(fromIndex);
  for (const [key, bytes] of objects) {
    if (!key.endsWith('.ndjson.gz')) continue;
    const text = gunzipSync(bytes).toString('utf8');
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        JSON.parse(line);
      } catch {
        problems.push(`${key}: a line does not parse`);
      }
    }
    for (const writeKey of writeKeys) if (text.includes(writeKey)) problems.push(`${key}: holds a write key`);
    if (/pii-\d+@example\.com|\+39 333 000 1111/.test(text)) problems.push(`${key}: holds PII in the clear`);
    for (const line of text.split('\n').filter(Boolean)) {
      const ip = storedIpOf(JSON.parse(line));
      if (ip !== undefined && /^198\.51\.100\.(?!0$)\d+$/.test(ip))
        problems.push(`${key}: holds the IP ${ip}`);
    }
  }
  return problems;
}

/** Calls the handler, checks that no prototype changed, and counts the answers by status. */
export function createHostileSender(label: string) {
  const byStatus = new Map<number, number>();
  let requests = 0;
  async function send(handler: HttpHandler, event: ReturnType<typeof httpEvent>): Promise<ParsedResult> {
    const before = prototypeSnapshot();
    let result: ParsedResult;
    try {
      result = await invoke(handler, event);
    } catch (error) {
      throw new Error(`the handler threw: ${String(error)}`);
    }
    requests += 1;
    byStatus.set(result.status, (byStatus.get(result.status) ?? 0) + 1);
    const after = prototypeSnapshot();
    if (after !== before) throw new Error(`a prototype changed: ${before} → ${after}`);
    if (({} as Record<string, unknown>).polluted !== undefined)
      throw new Error('Object.prototype is polluted');
    return result;
  }
  function report(): string {
    const statuses = [...byStatus.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`);
    return `${label}: ${requests} requests (${statuses.join(' ')})`;
  }
  return { send, report };
}
