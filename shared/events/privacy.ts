/** Privacy scrubbing applied before anything is stored (api.md, "Privacy"). */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { JsonObject, NormalizedEvent } from './types';

export interface PrivacyPolicy {
  pii: readonly string[];
  policy: 'hash' | 'drop';
  /** Salt of the site's PII hashes, so hashes cannot be joined across sites. */
  piiSalt: string;
  collectSourceIp: boolean;
}

/** IPv4 to /24, IPv6 to /48; anything that is not an IP address is dropped (undefined). */
export function truncateIp(ip: string): string | undefined {
  const address = ip.trim();
  const mapped = /^(?:::|(?:0{1,4}:){5})ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return truncateIp(mapped[1]);
  const version = isIP(address);
  if (version === 4) return `${address.split('.').slice(0, 3).join('.')}.0`;
  if (version === 6) {
    const [head = '', tail = ''] = address.split('::');
    const headGroups = head ? head.split(':') : [];
    const tailGroups = address.includes('::') && tail ? tail.split(':') : [];
    const missing = 8 - headGroups.length - tailGroups.length;
    const groups = address.includes('::')
      ? [...headGroups, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailGroups]
      : headGroups;
    const kept = groups.slice(0, 3).map((group) => (Number.parseInt(group, 16) || 0).toString(16));
    while (kept.length > 0 && kept[kept.length - 1] === '0') kept.pop();
    return `${kept.join(':')}::`;
  }
  return undefined;
}

export function hashPii(value: unknown, salt: string): string {
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return `sha256:${createHash('sha256').update(salt).update('\0').update(text).digest('hex')}`;
}

/**
 * Whether `key` is `name` (given in lower case) in any case: keys the scrub treats by name are matched
 * as PII keys are, so `IP` or `UserAgent` get what `ip` and `userAgent` get.
 */
function isNamed(key: string, name: string): boolean {
  return key.length === name.length && (key === name || key.toLowerCase() === name);
}

const isIpKey = (key: string): boolean => isNamed(key, 'ip');

/**
 * Replaces (or drops) PII keys at any depth; builds new objects so parsed input is never mutated in
 * place. Keys `skip` holds are left out of the copy (the context's `ip`, which has rules of its own).
 */
function scrubObject(
  value: JsonObject,
  policy: PrivacyPolicy,
  piiKeys: ReadonlySet<string>,
  skip?: (key: string) => boolean,
): JsonObject {
  const out: JsonObject = {};
  // for...in with hasOwn: the own enumerable keys in order, like Object.entries, without its arrays.
  for (const key in value) {
    if (!Object.hasOwn(value, key) || skip?.(key)) continue;
    const child = value[key];
    if (piiKeys.has(key.toLowerCase())) {
      if (policy.policy === 'drop') continue;
      // Empty values carry no personal data: kept as they are, so "no e-mail given" stays visible.
      defineOwn(out, key, child === null || child === '' ? child : hashPii(child, policy.piiSalt));
    } else if (child !== null && typeof child === 'object') {
      defineOwn(out, key, scrubValue(child, policy, piiKeys));
    } else {
      defineOwn(out, key, child);
    }
  }
  return out;
}

/** Validation caps nesting (schema.ts MAX_NESTING), so this reaches every key of a stored event. */
function scrubValue(value: unknown, policy: PrivacyPolicy, piiKeys: ReadonlySet<string>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, policy, piiKeys));
  return scrubObject(value as JsonObject, policy, piiKeys);
}

/** `__proto__` arriving as JSON data must stay data: define it, never assign it (that would set a prototype). */
export function defineOwn(target: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** `context.consent.analytics === false`, the keys in any case (`Consent.Analytics` opts out too). */
export function hasConsentOptOut(event: NormalizedEvent): boolean {
  const context = event.context;
  if (typeof context !== 'object' || context === null) return false;
  for (const key in context) {
    if (!Object.hasOwn(context, key) || !isNamed(key, 'consent')) continue;
    const consent = context[key];
    if (typeof consent !== 'object' || consent === null) continue;
    for (const inner in consent) {
      if (
        Object.hasOwn(consent, inner) &&
        isNamed(inner, 'analytics') &&
        (consent as JsonObject)[inner] === false
      )
        return true;
    }
  }
  return false;
}

/** The client's IP: `context.ip`, else the first `ip` key in another case (`IP`, `Ip`) holding text. */
function clientIpOf(context: JsonObject | undefined): string | undefined {
  if (!context) return undefined;
  if (typeof context.ip === 'string') return context.ip;
  for (const key in context) {
    if (!Object.hasOwn(context, key) || !isIpKey(key)) continue;
    const value = context[key];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

function isOneOf(key: string, names: readonly string[]): boolean {
  for (const name of names) if (isNamed(key, name)) return true;
  return false;
}

/**
 * What an event without analytics consent loses: its identities and traits at the top level (the
 * `anonymousId` itself is replaced by the pseudonym, its other spellings go) and IP, user agent and
 * traits in its context.
 */
const isOptOutEventKey = (key: string): boolean =>
  isOneOf(key, ['userid', 'previousid', 'traits']) || (key !== 'anonymousId' && isNamed(key, 'anonymousid'));
const isOptOutContextKey = (key: string): boolean => isOneOf(key, ['ip', 'useragent', 'traits']);

/** A copy of `object` without the keys `drop` holds, the others in their order. */
function withoutKeys(object: JsonObject, drop: (key: string) => boolean): JsonObject {
  const out: JsonObject = {};
  for (const key in object) {
    if (Object.hasOwn(object, key) && !drop(key)) defineOwn(out, key, object[key]);
  }
  return out;
}

/**
 * A rejected event as kept for inspection: without its ids (`userId`, `anonymousId`, `previousId`),
 * whatever their case.
 */
export function withoutIdentities(event: JsonObject): JsonObject {
  return withoutKeys(event, (key) => isOneOf(key, ['userid', 'anonymousid', 'previousid']));
}

/** The per-day pseudonymous id that replaces identities of an event without analytics consent. */
export function consentAnonymousId(daySalt: string, event: NormalizedEvent): string {
  // String(): events kept under rejected/ are scrubbed too, and their ids may be of any JSON type.
  const seed = String(event.anonymousId ?? event.userId ?? event.previousId ?? event.messageId);
  return `consent-${createHmac('sha256', daySalt).update(seed).digest('hex').slice(0, 24)}`;
}

export interface ScrubInput {
  policy: PrivacyPolicy;
  /** The request's source IP (API Gateway `requestContext.http.sourceIp`). */
  sourceIp?: string;
  /** The salt of the event's site-local day, needed only for events without analytics consent. */
  consentDaySalt?: string;
}

/** Fields with a meaning of their own; any other top-level field is client data, scrubbed like properties. */
const EVENT_FIELDS: ReadonlySet<string> = new Set([
  'messageId',
  'type',
  'event',
  'name',
  'userId',
  'anonymousId',
  'previousId',
  'groupId',
  'properties',
  'traits',
  'context',
  'site',
  'receivedAt',
  'originalTimestamp',
  'timestamp',
  'sentAt',
]);

/** The last PII list seen and its lower-cased set: a site's requests use one list, event after event. */
let lastPiiKeys: { pii: readonly string[]; copy: readonly string[]; keys: ReadonlySet<string> } | undefined;

function piiKeySetOf(pii: readonly string[]): ReadonlySet<string> {
  const last = lastPiiKeys;
  if (last && last.pii === pii && sameKeys(last.copy, pii)) return last.keys;
  const keys = new Set(pii.map((key) => key.toLowerCase()));
  lastPiiKeys = { pii, copy: [...pii], keys };
  return keys;
}

/** Compared by content too: a list changed in place must not keep its old set. */
function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/** Recent truncations: a request's events mostly come from one client address. */
const truncatedIps = new Map<string, string | undefined>();

function truncatedIpOf(ip: string): string | undefined {
  const cached = truncatedIps.get(ip);
  if (cached !== undefined || truncatedIps.has(ip)) return cached;
  const truncated = truncateIp(ip);
  // Only address-sized strings are kept, so the cache stays small whatever clients send.
  if (ip.length <= 64) {
    if (truncatedIps.size >= 1_000) truncatedIps.clear();
    truncatedIps.set(ip, truncated);
  }
  return truncated;
}

export function scrubEvent(event: NormalizedEvent, input: ScrubInput): NormalizedEvent {
  const piiKeys = piiKeySetOf(input.policy.pii);
  const scrubbed: NormalizedEvent = { ...event };
  if (event.properties) scrubbed.properties = scrubObject(event.properties, input.policy, piiKeys);
  if (event.traits) scrubbed.traits = scrubObject(event.traits, input.policy, piiKeys);
  // Segment's spec has more top-level fields (integrations, channel, ...) and clients add their own:
  // an e-mail sent there must not reach the archive in the clear either.
  for (const key of Object.keys(event)) {
    if (EVENT_FIELDS.has(key)) continue;
    const value = event[key];
    if (piiKeys.has(key.toLowerCase())) {
      if (input.policy.policy === 'drop') delete scrubbed[key];
      else
        defineOwn(
          scrubbed,
          key,
          value === null || value === '' ? value : hashPii(value, input.policy.piiSalt),
        );
    } else if (value !== null && typeof value === 'object') {
      defineOwn(scrubbed, key, scrubValue(value, input.policy, piiKeys));
    }
  }
  // Every `ip` key (any case) leaves the context; the one IP kept, truncated, is `context.ip`.
  const clientIp = clientIpOf(event.context);
  const rawIp = clientIp ?? (input.policy.collectSourceIp ? input.sourceIp : undefined);
  const ip = rawIp === undefined ? undefined : truncatedIpOf(rawIp);
  if (event.context || ip !== undefined) {
    const next = event.context ? scrubObject(event.context, input.policy, piiKeys, isIpKey) : {};
    if (ip !== undefined) next.ip = ip;
    scrubbed.context = next;
  }
  if (hasConsentOptOut(scrubbed)) {
    // Without the day's salt, a random one: the pseudonym is then unlinkable rather than predictable.
    const pseudonym = consentAnonymousId(input.consentDaySalt ?? randomBytes(16).toString('hex'), event);
    const kept = withoutKeys(scrubbed, isOptOutEventKey) as NormalizedEvent;
    kept.anonymousId = pseudonym;
    if (kept.context) kept.context = withoutKeys(kept.context, isOptOutContextKey);
    return kept;
  }
  return scrubbed;
}
