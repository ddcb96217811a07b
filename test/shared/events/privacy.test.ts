import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  consentAnonymousId,
  hashPii,
  type PrivacyPolicy,
  scrubEvent,
  truncateIp,
  withoutIdentities,
} from '../../../shared/events/privacy';
import type { JsonObject, NormalizedEvent } from '../../../shared/events/types';

function makeEvent(extra: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return {
    messageId: 'msg-1',
    type: 'track',
    event: 'Order Completed',
    site: 'shop',
    receivedAt: '2026-10-25T12:00:00.000Z',
    timestamp: '2026-10-25T12:00:00.000Z',
    anonymousId: 'anon-1',
    ...extra,
  };
}

const policy = (extra: Partial<PrivacyPolicy> = {}): PrivacyPolicy => ({
  pii: ['email', 'phone'],
  policy: 'hash',
  piiSalt: 'salt-A',
  collectSourceIp: false,
  ...extra,
});

/** The documented hash: sha256 over salt, a NUL separator and the value, hex, prefixed with the algorithm. */
const expectedHash = (value: string, salt: string): string =>
  `sha256:${createHash('sha256').update(`${salt}\0${value}`).digest('hex')}`;

const PSEUDONYM = /^consent-[0-9a-f]{24}$/;

describe('truncateIp', () => {
  it.each([
    ['1.2.3.4', '1.2.3.0'],
    ['192.168.100.255', '192.168.100.0'],
    ['10.0.0.0', '10.0.0.0'],
    ['  8.8.4.4 ', '8.8.4.0'],
  ])('truncates IPv4 %j to the /24 %j', (ip, expected) => {
    expect(truncateIp(ip)).toBe(expected);
  });

  it.each([
    ['2001:db8:85a3::8a2e:370:7334', '2001:db8:85a3::'],
    ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', '2001:db8:85a3::'],
    ['2001:DB8:85A3:1:2:3:4:5', '2001:db8:85a3::'],
    ['2001:db8::1', '2001:db8::'],
    ['fe80::1%eth0', 'fe80::'],
  ])('truncates IPv6 %j to the /48 %j', (ip, expected) => {
    expect(truncateIp(ip)).toBe(expected);
  });

  it('truncates the loopback ::1 to the all-zero /48, written in short form', () => {
    expect(truncateIp('::1')).toBe('::');
  });

  it('gives every spelling of one IPv6 /48 the same result', () => {
    const spellings = [
      '2001:db8:85a3::1',
      '2001:0db8:85a3:0:0:0:0:1',
      '2001:DB8:85A3:ffff::',
      '2001:db8:85a3::',
    ];

    expect(new Set(spellings.map(truncateIp))).toEqual(new Set(['2001:db8:85a3::']));
  });

  it.each([
    ['::ffff:10.1.2.3', '10.1.2.0'],
    ['::FFFF:192.168.1.77', '192.168.1.0'],
  ])('truncates the IPv4-mapped IPv6 %j as IPv4 %j', (ip, expected) => {
    expect(truncateIp(ip)).toBe(expected);
  });

  it.each([
    'garbage',
    '',
    '1.2.3',
    '256.1.1.1',
    '1.2.3.4:8080',
    '2001:db8:::1',
    'localhost',
    '::ffff:999.1.1.1',
  ])('drops %j, which is not an IP address', (ip) => {
    expect(truncateIp(ip)).toBeUndefined();
  });
});

describe('scrubEvent: policy hash', () => {
  it('replaces PII values with a salted sha256 at any depth of properties, traits and context.traits', () => {
    const event = makeEvent({
      properties: { email: 'jane@example.com', total: 42, customer: { phone: '+39 555 0100', tier: 'gold' } },
      traits: { email: 'jane@example.com', name: 'Jane' },
      context: { traits: { email: 'jane@example.com' }, locale: 'it-IT' },
    });

    const scrubbed = scrubEvent(event, { policy: policy() });

    const hashedEmail = expectedHash('jane@example.com', 'salt-A');
    expect(scrubbed.properties).toEqual({
      email: hashedEmail,
      total: 42,
      customer: { phone: expectedHash('+39 555 0100', 'salt-A'), tier: 'gold' },
    });
    expect(scrubbed.traits).toEqual({ email: hashedEmail, name: 'Jane' });
    expect(scrubbed.context).toEqual({ traits: { email: hashedEmail }, locale: 'it-IT' });
  });

  it('scrubs PII inside arrays', () => {
    const event = makeEvent({
      properties: { contacts: [{ email: 'a@example.com' }, { email: 'b@example.com' }] },
    });

    const scrubbed = scrubEvent(event, { policy: policy() });

    expect(scrubbed.properties).toEqual({
      contacts: [
        { email: expectedHash('a@example.com', 'salt-A') },
        { email: expectedHash('b@example.com', 'salt-A') },
      ],
    });
  });

  it('matches PII keys case-insensitively, both in the policy and in the event', () => {
    const event = makeEvent({ properties: { EMAIL: 'jane@example.com', Phone: '555' } });

    const scrubbed = scrubEvent(event, { policy: policy({ pii: ['Email', 'PHONE'] }) });

    expect(scrubbed.properties).toEqual({
      EMAIL: expectedHash('jane@example.com', 'salt-A'),
      Phone: expectedHash('555', 'salt-A'),
    });
  });

  it('gives the same value and salt the same hash, and another salt another hash', () => {
    const event = makeEvent({ properties: { email: 'jane@example.com' } });

    const first = scrubEvent(event, { policy: policy() }).properties?.email;
    const again = scrubEvent(event, { policy: policy() }).properties?.email;
    const otherSite = scrubEvent(event, { policy: policy({ piiSalt: 'salt-B' }) }).properties?.email;

    expect(first).toBe(again);
    expect(otherSite).toBe(expectedHash('jane@example.com', 'salt-B'));
    expect(otherSite).not.toBe(first);
  });

  it('hashes non-string values by their string form', () => {
    expect(hashPii(5550100, 'salt-A')).toBe(expectedHash('5550100', 'salt-A'));
    expect(hashPii(0, 'salt-A')).toBe(expectedHash('0', 'salt-A'));
  });

  it('keeps empty and null PII values as they are (nothing personal to hash)', () => {
    const event = makeEvent({ properties: { email: '', phone: null, kept: 1 } });

    expect(scrubEvent(event, { policy: policy() }).properties).toEqual({ email: '', phone: null, kept: 1 });
  });

  it('leaves non-PII keys and top-level identity fields untouched', () => {
    const event = makeEvent({ userId: 'user-1', properties: { sku: 'A-1' } });

    const scrubbed = scrubEvent(event, { policy: policy({ pii: ['userId', 'email'] }) });

    expect(scrubbed.userId).toBe('user-1');
    expect(scrubbed.anonymousId).toBe('anon-1');
    expect(scrubbed.properties).toEqual({ sku: 'A-1' });
  });

  it('does not mutate the input event', () => {
    const event = makeEvent({
      properties: { email: 'jane@example.com', nested: { phone: '555' } },
      context: { ip: '1.2.3.4', consent: { analytics: false }, traits: { email: 'x@example.com' } },
      userId: 'user-1',
    });
    const before = structuredClone(event);

    scrubEvent(event, { policy: policy(), consentDaySalt: 'day-1' });

    expect(event).toEqual(before);
  });

  it('scrubs PII nested 32 levels deep', () => {
    let deep: JsonObject = { email: 'jane@example.com' };
    for (let level = 0; level < 32; level++) deep = { n: deep };

    const scrubbed = scrubEvent(makeEvent({ properties: deep }), { policy: policy({ policy: 'drop' }) });

    expect(JSON.stringify(scrubbed)).not.toContain('jane@example.com');
  });

  it('scrubs PII nested 33 levels deep (validation rejects deeper events, scrubbing has no depth cut-off)', () => {
    let deep: JsonObject = { email: 'jane@example.com' };
    for (let level = 0; level < 33; level++) deep = { n: deep };

    const scrubbed = scrubEvent(makeEvent({ properties: deep }), { policy: policy({ policy: 'drop' }) });

    expect(JSON.stringify(scrubbed)).not.toContain('jane@example.com');
  });

  it('keeps a __proto__ key as data and never changes prototypes', () => {
    const properties: JsonObject = JSON.parse('{"__proto__":{"email":"jane@example.com","isAdmin":true}}');

    const scrubbed = scrubEvent(makeEvent({ properties }), { policy: policy() });

    expect(Object.getPrototypeOf(scrubbed.properties)).toBe(Object.prototype);
    expect(({} as JsonObject).isAdmin).toBeUndefined();
    const own = Object.getOwnPropertyDescriptor(scrubbed.properties, '__proto__')?.value;
    expect(own).toEqual({ email: expectedHash('jane@example.com', 'salt-A'), isAdmin: true });
  });
});

describe('scrubEvent: policy drop', () => {
  it('removes PII keys at any depth of properties, traits and context.traits', () => {
    const event = makeEvent({
      properties: { email: 'jane@example.com', total: 42, customer: { Phone: '555', tier: 'gold' } },
      traits: { email: 'jane@example.com', name: 'Jane' },
      context: { traits: { EMAIL: 'jane@example.com', plan: 'pro' } },
    });

    const scrubbed = scrubEvent(event, { policy: policy({ policy: 'drop' }) });

    expect(scrubbed.properties).toEqual({ total: 42, customer: { tier: 'gold' } });
    expect(scrubbed.traits).toEqual({ name: 'Jane' });
    expect(scrubbed.context).toEqual({ traits: { plan: 'pro' } });
  });
});

describe('scrubEvent: IP addresses', () => {
  it('truncates the client-sent context.ip whether or not the source IP is collected', () => {
    const event = makeEvent({ context: { ip: '203.0.113.77' } });

    expect(scrubEvent(event, { policy: policy(), sourceIp: '198.51.100.9' }).context).toEqual({
      ip: '203.0.113.0',
    });
    expect(
      scrubEvent(event, { policy: policy({ collectSourceIp: true }), sourceIp: '198.51.100.9' }).context,
    ).toEqual({ ip: '203.0.113.0' });
  });

  it('uses the truncated source IP when collectSourceIp is true and the event has no ip', () => {
    const scrubbed = scrubEvent(makeEvent({ context: { locale: 'it-IT' } }), {
      policy: policy({ collectSourceIp: true }),
      sourceIp: '198.51.100.9',
    });

    expect(scrubbed.context).toEqual({ locale: 'it-IT', ip: '198.51.100.0' });
  });

  it('adds a context for the source IP when the event has none', () => {
    const scrubbed = scrubEvent(makeEvent(), {
      policy: policy({ collectSourceIp: true }),
      sourceIp: '2001:db8:85a3::8a2e:370:7334',
    });

    expect(scrubbed.context).toEqual({ ip: '2001:db8:85a3::' });
  });

  it('never uses the source IP when collectSourceIp is false', () => {
    const withContext = scrubEvent(makeEvent({ context: { locale: 'it-IT' } }), {
      policy: policy(),
      sourceIp: '198.51.100.9',
    });
    const withoutContext = scrubEvent(makeEvent(), { policy: policy(), sourceIp: '198.51.100.9' });

    expect(withContext.context).toEqual({ locale: 'it-IT' });
    expect(withoutContext).not.toHaveProperty('context');
    expect(JSON.stringify([withContext, withoutContext])).not.toContain('198.51.100');
  });

  it('drops a context.ip that is not an IP address', () => {
    const scrubbed = scrubEvent(makeEvent({ context: { ip: 'not-an-ip', locale: 'it-IT' } }), {
      policy: policy(),
    });

    expect(scrubbed.context).toEqual({ locale: 'it-IT' });
  });
});

describe('scrubEvent: the ip key in any case (issue 15)', () => {
  it.each(['IP', 'Ip', 'iP'])('truncates context.%s and keeps it as context.ip', (key) => {
    const scrubbed = scrubEvent(makeEvent({ context: { [key]: '203.0.113.77', locale: 'it-IT' } }), {
      policy: policy(),
    });

    expect(scrubbed.context).toEqual({ locale: 'it-IT', ip: '203.0.113.0' });
    expect(JSON.stringify(scrubbed)).not.toContain('203.0.113.77');
  });

  it('keeps context.ip when the event has it in several cases, and drops the others', () => {
    const scrubbed = scrubEvent(
      makeEvent({ context: { IP: '198.51.100.23', ip: '203.0.113.77', Ip: '2001:db8:85a3:1:2::1' } }),
      { policy: policy() },
    );

    expect(scrubbed.context).toEqual({ ip: '203.0.113.0' });
  });

  it('takes the first other case holding text when context.ip is not text', () => {
    const scrubbed = scrubEvent(makeEvent({ context: { ip: 42, iP: '203.0.113.77' } }), { policy: policy() });

    expect(scrubbed.context).toEqual({ ip: '203.0.113.0' });
  });

  it.each(['IP', 'Ip', 'iP'])('drops a context.%s that is not an IP address', (key) => {
    const scrubbed = scrubEvent(makeEvent({ context: { [key]: 'not-an-ip' } }), { policy: policy() });

    expect(scrubbed.context).toEqual({});
  });

  it('prefers a client IP in any case over the source IP', () => {
    const scrubbed = scrubEvent(makeEvent({ context: { IP: '203.0.113.77' } }), {
      policy: policy({ collectSourceIp: true }),
      sourceIp: '198.51.100.9',
    });

    expect(scrubbed.context).toEqual({ ip: '203.0.113.0' });
  });

  it.each(['IP', 'Ip', 'iP'])('removes context.%s of an event without analytics consent', (key) => {
    const scrubbed = scrubEvent(
      makeEvent({
        context: { consent: { analytics: false }, [key]: '203.0.113.77', UserAgent: 'Mozilla/5.0' },
      }),
      { policy: policy(), consentDaySalt: 'day-1' },
    );

    expect(scrubbed.context).toEqual({ consent: { analytics: false } });
  });
});

describe('scrubEvent: consent opt-out (context.consent.analytics === false)', () => {
  const optedOut = (extra: Partial<NormalizedEvent> = {}): NormalizedEvent =>
    makeEvent({
      userId: 'user-1',
      previousId: 'old-anon',
      traits: { name: 'Jane' },
      properties: { total: 42 },
      context: {
        consent: { analytics: false },
        ip: '203.0.113.77',
        userAgent: 'Mozilla/5.0',
        traits: { plan: 'pro' },
        locale: 'it-IT',
      },
      ...extra,
    });

  it('removes userId, previousId, traits, context.ip, context.userAgent and context.traits', () => {
    const scrubbed = scrubEvent(optedOut(), {
      policy: policy({ collectSourceIp: true }),
      sourceIp: '198.51.100.9',
      consentDaySalt: 'day-2026-10-25',
    });

    expect(scrubbed).not.toHaveProperty('userId');
    expect(scrubbed).not.toHaveProperty('previousId');
    expect(scrubbed).not.toHaveProperty('traits');
    expect(scrubbed.context).toEqual({ consent: { analytics: false }, locale: 'it-IT' });
    expect(scrubbed.properties).toEqual({ total: 42 });
    expect(scrubbed.messageId).toBe('msg-1');
  });

  it('replaces anonymousId by a pseudonym that hides the original id', () => {
    const scrubbed = scrubEvent(optedOut(), { policy: policy(), consentDaySalt: 'day-2026-10-25' });

    expect(scrubbed.anonymousId).toMatch(PSEUDONYM);
    expect(JSON.stringify(scrubbed)).not.toContain('anon-1');
    expect(JSON.stringify(scrubbed)).not.toContain('user-1');
  });

  it('gives the same pseudonym for the same anonymousId and day salt', () => {
    const first = scrubEvent(optedOut({ messageId: 'm-1' }), { policy: policy(), consentDaySalt: 'day-1' });
    const second = scrubEvent(optedOut({ messageId: 'm-2', event: 'Product Viewed' }), {
      policy: policy(),
      consentDaySalt: 'day-1',
    });

    expect(second.anonymousId).toBe(first.anonymousId);
  });

  it('gives a different pseudonym with a different day salt', () => {
    const today = scrubEvent(optedOut(), { policy: policy(), consentDaySalt: 'day-1' });
    const tomorrow = scrubEvent(optedOut(), { policy: policy(), consentDaySalt: 'day-2' });

    expect(tomorrow.anonymousId).toMatch(PSEUDONYM);
    expect(tomorrow.anonymousId).not.toBe(today.anonymousId);
  });

  it('gives different actors different pseudonyms on the same day', () => {
    const jane = scrubEvent(optedOut({ anonymousId: 'anon-1' }), {
      policy: policy(),
      consentDaySalt: 'day-1',
    });
    const john = scrubEvent(optedOut({ anonymousId: 'anon-2' }), {
      policy: policy(),
      consentDaySalt: 'day-1',
    });

    expect(jane.anonymousId).not.toBe(john.anonymousId);
  });

  it('derives the pseudonym from the userId when there is no anonymousId', () => {
    const event = optedOut({ anonymousId: undefined });

    const scrubbed = scrubEvent(event, { policy: policy(), consentDaySalt: 'day-1' });

    expect(scrubbed.anonymousId).toBe(consentAnonymousId('day-1', makeEvent({ anonymousId: 'user-1' })));
    expect(scrubbed).not.toHaveProperty('userId');
  });

  it('keeps identities when analytics consent is true or absent', () => {
    const granted = scrubEvent(makeEvent({ userId: 'user-1', context: { consent: { analytics: true } } }), {
      policy: policy(),
      consentDaySalt: 'day-1',
    });
    const unspecified = scrubEvent(makeEvent({ userId: 'user-1', context: { consent: {} } }), {
      policy: policy(),
      consentDaySalt: 'day-1',
    });

    expect(granted.userId).toBe('user-1');
    expect(granted.anonymousId).toBe('anon-1');
    expect(unspecified.userId).toBe('user-1');
    expect(unspecified.anonymousId).toBe('anon-1');
  });

  it.each([
    ['Consent', 'analytics'],
    ['CONSENT', 'Analytics'],
    ['consent', 'ANALYTICS'],
  ])('honours an opt-out spelt context.%s.%s', (consentKey, analyticsKey) => {
    const scrubbed = scrubEvent(
      makeEvent({
        userId: 'user-1',
        context: { [consentKey]: { [analyticsKey]: false }, ip: '203.0.113.77', userAgent: 'UA' },
      }),
      { policy: policy(), consentDaySalt: 'day-1' },
    );

    expect(scrubbed).not.toHaveProperty('userId');
    expect(scrubbed.anonymousId).toMatch(PSEUDONYM);
    expect(scrubbed.context).toEqual({ [consentKey]: { [analyticsKey]: false } });
  });

  it('removes the identities, traits and user agent it removes in any case of their keys', () => {
    const scrubbed = scrubEvent(
      optedOut({
        UserId: 'user-1',
        PreviousID: 'old-anon',
        AnonymousId: 'anon-1',
        Traits: { name: 'Jane' },
        context: {
          consent: { analytics: false },
          USERAGENT: 'Mozilla/5.0',
          UserAgent: 'Mozilla/5.0',
          Traits: { plan: 'pro' },
          locale: 'it-IT',
        },
      }),
      { policy: policy(), consentDaySalt: 'day-1' },
    );

    expect(Object.keys(scrubbed).sort()).toEqual(
      [
        'anonymousId',
        'context',
        'event',
        'messageId',
        'properties',
        'receivedAt',
        'site',
        'timestamp',
        'type',
      ].sort(),
    );
    expect(scrubbed.context).toEqual({ consent: { analytics: false }, locale: 'it-IT' });
    expect(JSON.stringify(scrubbed)).not.toMatch(/user-1|old-anon|anon-1|Jane|"pro"|Mozilla/);
  });

  it('treats only the boolean false as an opt-out', () => {
    const scrubbed = scrubEvent(
      makeEvent({ userId: 'user-1', context: { consent: { analytics: 'false' } } }),
      {
        policy: policy(),
        consentDaySalt: 'day-1',
      },
    );

    expect(scrubbed.userId).toBe('user-1');
  });
});

describe('withoutIdentities (rejected events kept for inspection)', () => {
  it('removes userId, anonymousId and previousId in any case, and nothing else', () => {
    expect(
      withoutIdentities({
        type: 'track',
        userId: 'u',
        UserId: 'u',
        anonymousId: 'a',
        ANONYMOUSID: 'a',
        previousId: 'p',
        previousID: 'p',
        properties: { userId: 'kept: inside properties' },
      }),
    ).toEqual({ type: 'track', properties: { userId: 'kept: inside properties' } });
  });
});
