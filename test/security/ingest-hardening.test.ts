import { ConditionalCheckFailedException, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { validateAndNormalize } from '../../shared/events/ingest';
import { hashPii, type PrivacyPolicy, scrubEvent } from '../../shared/events/privacy';
import { MAX_ID_LENGTH, validateEvent } from '../../shared/events/schema';
import type { NormalizedEvent } from '../../shared/events/types';
import { isStorageFault } from '../../shared/storage/clients';
import { createSiteCache } from '../../shared/storage/site-cache';
import { createMemoryStorage } from '../helpers/memory-storage';

function nestedArray(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

const ingest = (events: unknown[], requestBytes?: number) =>
  validateAndNormalize(
    { events },
    { site: 'shop', receivedAtMs: Date.parse('2026-11-20T12:00:00Z'), requestBytes },
  );

describe('events nested too deeply', () => {
  it.each([
    ['in an extra top-level field, small request', 6_000, 20_000],
    ['in an extra top-level field, request over 32 KB', 20_000, 60_000],
    ['in properties', 40, 2_000],
  ])('are rejected with invalid_field, not a stack overflow (%s)', (_label, depth, requestBytes) => {
    const field = _label.includes('properties') ? 'properties' : 'extra';
    const nested = JSON.parse(nestedArray(depth)) as unknown;
    const raw = {
      type: 'track',
      event: 'x',
      anonymousId: 'a',
      [field]: field === 'properties' ? { d: nested } : nested,
    };
    const { accepted, rejected } = ingest([raw], requestBytes);
    expect(accepted).toHaveLength(0);
    expect(rejected).toEqual([
      expect.objectContaining({
        index: 0,
        reason: 'invalid_field',
        message: expect.stringContaining('nested'),
      }),
    ]);
    // What is kept under rejected/ must serialize.
    expect(() => JSON.stringify(rejected)).not.toThrow();
  });

  it('keeps accepting 32 levels inside properties', () => {
    let value: unknown = 1;
    for (let i = 0; i < 32; i++) value = { v: value };
    const result = validateEvent({ type: 'track', event: 'x', anonymousId: 'a', properties: value });
    expect(result.ok).toBe(true);
  });
});

describe('ids that would not fit a DynamoDB key', () => {
  it.each(['userId', 'anonymousId', 'previousId', 'groupId'])('rejects a %s over the limit', (field) => {
    const raw = {
      type: 'alias',
      previousId: 'p',
      userId: 'u',
      anonymousId: 'a',
      [field]: 'x'.repeat(MAX_ID_LENGTH + 1),
    };
    const result = validateEvent(raw);
    expect(result).toEqual({
      ok: false,
      rejection: { reason: 'invalid_field', message: expect.stringContaining(`${field}: at most`) },
    });
  });

  it('accepts an id of exactly the limit', () => {
    expect(validateEvent({ type: 'page', anonymousId: 'é'.repeat(MAX_ID_LENGTH) }).ok).toBe(true);
  });
});

describe('rejected events kept for inspection', () => {
  it('never keep the write key a client put in the event', () => {
    const { rejected } = ingest([
      { type: 'track', anonymousId: 'a', writeKey: 'rxw_secret', messageId: 'm1' },
    ]);
    expect(rejected).toHaveLength(1);
    expect(JSON.stringify(rejected)).not.toContain('rxw_secret');
    expect(rejected[0]?.raw).toEqual({ type: 'track', anonymousId: 'a', messageId: 'm1' });
  });
});

describe('PII outside properties and traits', () => {
  const policy = (extra: Partial<PrivacyPolicy> = {}): PrivacyPolicy => ({
    pii: ['email', 'phone'],
    policy: 'hash',
    piiSalt: 'salt',
    collectSourceIp: false,
    ...extra,
  });
  const event = JSON.parse(
    JSON.stringify({
      messageId: 'm',
      type: 'track',
      event: 'x',
      site: 'shop',
      receivedAt: '2026-11-20T12:00:00.000Z',
      timestamp: '2026-11-20T12:00:00.000Z',
      anonymousId: 'a',
      email: 'joe@example.com',
      integrations: { All: true, crm: { phone: '+39 333 1234567' } },
    }),
  ) as NormalizedEvent;

  it('is hashed in top-level fields and their objects', () => {
    const scrubbed = scrubEvent(event, { policy: policy() });
    expect(scrubbed.email).toBe(hashPii('joe@example.com', 'salt'));
    expect(scrubbed.integrations).toEqual({ All: true, crm: { phone: hashPii('+39 333 1234567', 'salt') } });
    expect(scrubbed.anonymousId).toBe('a');
  });

  it('is dropped there under the drop policy', () => {
    const scrubbed = scrubEvent(event, { policy: policy({ policy: 'drop' }) });
    expect(Object.hasOwn(scrubbed, 'email')).toBe(false);
    expect(scrubbed.integrations).toEqual({ All: true, crm: {} });
  });

  it('scrubs a rejected event without consent whose ids are not strings', () => {
    const raw = { messageId: 7, type: 42, userId: true, context: { consent: { analytics: false } } };
    const scrubbed = scrubEvent(raw as unknown as NormalizedEvent, { policy: policy() });
    expect(scrubbed.anonymousId).toMatch(/^consent-[0-9a-f]{24}$/);
    expect(Object.hasOwn(scrubbed, 'userId')).toBe(false);
  });

  it('keeps a __proto__ field as data without touching prototypes', () => {
    const withProto = JSON.parse(
      '{"messageId":"m","type":"track","site":"s","receivedAt":"r","timestamp":"t","__proto__":{"email":"x@y.z","polluted":1}}',
    ) as NormalizedEvent;
    const scrubbed = scrubEvent(withProto, { policy: policy() });
    expect(Object.getPrototypeOf(scrubbed)).toBe(Object.prototype);
    expect(JSON.stringify(scrubbed)).toContain('"__proto__":{"email":"sha256:');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('key lookups', () => {
  it('do not look up (or cache) strings far longer than any issued key', async () => {
    const memory = createMemoryStorage();
    const cache = createSiteCache(memory.clients);
    expect(await cache.siteForKey('k'.repeat(400 * 1024), 'write')).toBeUndefined();
    expect(memory.calls.get('GetItemCommand') ?? 0).toBe(0);
    expect(await cache.siteForKey('rxw_unknown', 'write')).toBeUndefined();
    expect(memory.calls.get('GetItemCommand')).toBe(1);
  });
});

describe('storage faults', () => {
  const serviceError = (name: string, fault: 'client' | 'server', retryable?: boolean) =>
    Object.assign(
      new DynamoDBServiceException({
        name,
        $fault: fault,
        $metadata: { httpStatusCode: fault === 'client' ? 400 : 500 },
        message: name,
      }),
      retryable ? { $retryable: { throttling: true } } : {},
    );

  it.each([
    ['a server error', serviceError('InternalServerError', 'server'), true],
    ['throttling', serviceError('ThrottlingException', 'client'), true],
    ['a retryable client fault', serviceError('SomethingBusy', 'client', true), true],
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      true,
    ],
    ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), true],
    ['a key too large (ValidationException)', serviceError('ValidationException', 'client'), false],
    ['AccessDenied', serviceError('AccessDeniedException', 'client'), false],
    ['a failed condition', new ConditionalCheckFailedException({ message: 'x', $metadata: {} }), false],
    ['a programming error', new TypeError('x is undefined'), false],
  ])('%s is a storage fault: %s', (_label, error, expected) => {
    expect(isStorageFault(error)).toBe(expected);
  });
});
