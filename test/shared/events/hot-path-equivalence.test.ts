/**
 * The collector's hot path (fast validation, one-pass normalization and scrubbing, the nesting check)
 * against the straightforward versions it replaced, kept here as oracles: same verdicts, same reasons
 * and messages, same objects with the same key order (archive lines are JSON.stringify of them).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withNumericAmounts } from '../../../shared/events/amounts';
import { normalizeEvent } from '../../../shared/events/normalize';
import {
  consentAnonymousId,
  hashPii,
  type PrivacyPolicy,
  scrubEvent,
  truncateIp,
} from '../../../shared/events/privacy';
import { rejection } from '../../../shared/events/reasons';
import {
  type IncomingEvent,
  incomingEventSchema,
  isNestedTooDeeply,
  MAX_ID_LENGTH,
  MAX_NESTING,
  type ValidationResult,
  validateEvent,
} from '../../../shared/events/schema';
import { surveyResponseProblem } from '../../../shared/events/survey';
import {
  EVENT_TYPES,
  type EventType,
  type JsonObject,
  type NormalizedEvent,
} from '../../../shared/events/types';

/* --------------------------------------------------------------------------- the oracles */

function nestingDepth(value: unknown, depth: number): number {
  if (depth > MAX_NESTING + 1 || value === null || typeof value !== 'object') return depth;
  let deepest = depth;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    if (child !== null && typeof child === 'object')
      deepest = Math.max(deepest, nestingDepth(child, depth + 1));
    if (deepest > MAX_NESTING + 1) break;
  }
  return deepest;
}
const wasNestedTooDeeply = (raw: unknown): boolean => nestingDepth(raw, 0) > MAX_NESTING + 1;

const FIELD_REASONS: Readonly<Record<string, ReturnType<typeof rejection>['reason']>> = {
  type: 'unknown_type',
  timestamp: 'invalid_timestamp',
  sentAt: 'invalid_timestamp',
  originalTimestamp: 'invalid_timestamp',
  messageId: 'invalid_message_id',
};
const isPresentId = (value: string | number | undefined) => value !== undefined && String(value).length > 0;

/** validateEvent as it was: zod for every event. */
function zodValidateEvent(raw: unknown, forcedType?: EventType): ValidationResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, rejection: rejection('not_an_object') };
  const candidate = forcedType ? { ...raw, type: forcedType } : raw;
  const parsed = incomingEventSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? '');
    const reason = FIELD_REASONS[field] ?? 'invalid_field';
    return {
      ok: false,
      rejection: rejection(reason, field ? `${field}: ${issue?.message}` : issue?.message),
    };
  }
  const event = parsed.data;
  if (wasNestedTooDeeply(raw)) {
    return {
      ok: false,
      rejection: rejection('invalid_field', `objects nested deeper than ${MAX_NESTING} levels`),
    };
  }
  const idFields = ['userId', 'anonymousId', 'previousId', 'groupId'] as const;
  const longId = idFields.find((field) => String(event[field] ?? '').length > MAX_ID_LENGTH);
  if (longId) {
    return {
      ok: false,
      rejection: rejection('invalid_field', `${longId}: at most ${MAX_ID_LENGTH} characters`),
    };
  }
  if (event.type === 'alias') {
    if (!isPresentId(event.previousId) || !isPresentId(event.userId)) {
      return { ok: false, rejection: rejection('missing_identity') };
    }
  } else if (!isPresentId(event.userId) && !isPresentId(event.anonymousId)) {
    return { ok: false, rejection: rejection('missing_identity') };
  }
  if (event.type === 'track') {
    if (!event.event) return { ok: false, rejection: rejection('missing_event_name') };
    if (event.event === 'Survey Responded') {
      // The survey rule is one function both paths call after parsing (shared/events/survey.ts).
      const problem = surveyResponseProblem(event.properties);
      if (problem) return { ok: false, rejection: rejection('invalid_survey_score', problem) };
    }
  }
  if (event.properties) {
    const amounts = withNumericAmounts(event.properties);
    if (!amounts.ok) return { ok: false, rejection: rejection('invalid_field', amounts.problem) };
    event.properties = amounts.properties;
  }
  return { ok: true, event };
}

/** normalizeEvent as it was: rest destructuring and spreads. */
function spreadNormalizeEvent(
  event: IncomingEvent,
  ctx: Parameters<typeof normalizeEvent>[1],
): NormalizedEvent {
  const {
    writeKey: _writeKey,
    originalTimestamp: rudderTimestamp,
    messageId,
    type,
    timestamp,
    sentAt: ownSentAt,
    context: ownContext,
    userId,
    anonymousId,
    previousId,
    groupId,
    ...rest
  } = event;
  const idString = (value: string | number | undefined) =>
    value === undefined || String(value).length === 0 ? undefined : String(value);
  const sentAt = ownSentAt ?? ctx.batchSentAt;
  const clientTimestamp = timestamp ?? rudderTimestamp;
  // The event time itself is covered by normalize.test.ts; here the new function's is taken as given.
  const reference = normalizeEvent(event, ctx);
  const normalized: NormalizedEvent = {
    messageId: messageId ?? ctx.fallbackMessageId(),
    type,
    ...rest,
    site: ctx.site,
    receivedAt: ctx.receivedAt ?? new Date(ctx.receivedAtMs).toISOString(),
    timestamp: reference.timestamp,
  };
  if (clientTimestamp !== undefined) normalized.originalTimestamp = clientTimestamp;
  if (sentAt !== undefined) normalized.sentAt = sentAt;
  if (ctx.batchContext) normalized.context = { ...ctx.batchContext, ...(ownContext ?? {}) };
  else if (ownContext) normalized.context = ownContext;
  const ids = [idString(userId), idString(anonymousId), idString(previousId), idString(groupId)] as const;
  if (ids[0] !== undefined) normalized.userId = ids[0];
  if (ids[1] !== undefined) normalized.anonymousId = ids[1];
  if (ids[2] !== undefined) normalized.previousId = ids[2];
  if (ids[3] !== undefined) normalized.groupId = ids[3];
  return normalized;
}

function defineOwn(target: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function entriesScrubObject(
  value: JsonObject,
  policy: PrivacyPolicy,
  piiKeys: ReadonlySet<string>,
): JsonObject {
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (piiKeys.has(key.toLowerCase())) {
      if (policy.policy === 'drop') continue;
      defineOwn(out, key, child === null || child === '' ? child : hashPii(child, policy.piiSalt));
      continue;
    }
    defineOwn(out, key, entriesScrubValue(child, policy, piiKeys));
  }
  return out;
}

function entriesScrubValue(value: unknown, policy: PrivacyPolicy, piiKeys: ReadonlySet<string>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => entriesScrubValue(item, policy, piiKeys));
  return entriesScrubObject(value as JsonObject, policy, piiKeys);
}

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

/** scrubEvent as it was (with a day salt given, so the pseudonyms compare). */
function entriesScrubEvent(
  event: NormalizedEvent,
  input: { policy: PrivacyPolicy; sourceIp?: string; consentDaySalt: string },
): NormalizedEvent {
  const piiKeys = new Set(input.policy.pii.map((key) => key.toLowerCase()));
  const scrubbed: NormalizedEvent = { ...event };
  if (event.properties) scrubbed.properties = entriesScrubObject(event.properties, input.policy, piiKeys);
  if (event.traits) scrubbed.traits = entriesScrubObject(event.traits, input.policy, piiKeys);
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
      defineOwn(scrubbed, key, entriesScrubValue(value, input.policy, piiKeys));
    }
  }
  const contextEntries = Object.entries(event.context ?? {});
  const clientIp =
    typeof event.context?.ip === 'string'
      ? event.context.ip
      : contextEntries.find(([k, v]) => k.toLowerCase() === 'ip' && typeof v === 'string')?.[1];
  const rawIp =
    typeof clientIp === 'string' ? clientIp : input.policy.collectSourceIp ? input.sourceIp : undefined;
  const ip = rawIp === undefined ? undefined : truncateIp(rawIp);
  if (event.context || ip !== undefined) {
    const contextWithoutIp: JsonObject = {};
    for (const [k, v] of contextEntries) if (k.toLowerCase() !== 'ip') defineOwn(contextWithoutIp, k, v);
    const next = entriesScrubObject(contextWithoutIp, input.policy, piiKeys);
    if (ip !== undefined) next.ip = ip;
    scrubbed.context = next;
  }
  const optedOut = Object.entries(scrubbed.context ?? {}).some(
    ([k, consent]) =>
      k.toLowerCase() === 'consent' &&
      typeof consent === 'object' &&
      consent !== null &&
      Object.entries(consent).some(
        ([inner, value]) => inner.toLowerCase() === 'analytics' && value === false,
      ),
  );
  if (optedOut) {
    const pseudonym = consentAnonymousId(input.consentDaySalt, event);
    for (const k of Object.keys(scrubbed)) {
      const lower = k.toLowerCase();
      if (
        ['userid', 'previousid', 'traits'].includes(lower) ||
        (lower === 'anonymousid' && k !== 'anonymousId')
      )
        delete scrubbed[k];
    }
    scrubbed.anonymousId = pseudonym;
    if (scrubbed.context) {
      const keptContext: JsonObject = {};
      for (const [k, v] of Object.entries(scrubbed.context))
        if (!['ip', 'useragent', 'traits'].includes(k.toLowerCase())) defineOwn(keptContext, k, v);
      scrubbed.context = keptContext;
    }
  }
  return scrubbed;
}

/* ------------------------------------------------------------------------- the inputs */

/** Keys that matter somewhere: PII names in any case, prototype names, event fields, array-index names. */
const key = fc.oneof(
  fc.constantFrom(
    'email',
    'Email',
    'PHONE',
    'ip',
    'userAgent',
    'traits',
    'consent',
    'analytics',
    '__proto__',
    'constructor',
    'toString',
    'writeKey',
    'site',
    'receivedAt',
    'integrations',
    'name',
    '0',
    '7',
    'revenue',
    'price',
    'products',
    'IP',
    'Ip',
    'iP',
    'UserAgent',
    'Consent',
    'ANALYTICS',
    'UserId',
    'AnonymousID',
    'Traits',
  ),
  fc.string({ maxLength: 5 }),
);

const leaf = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(''),
  fc.constantFrom('203.0.113.7', '2001:db8:85a3::1', '::ffff:10.1.2.3', 'not-an-ip'),
  fc.constantFrom('50.00', '-2', 'fifty'),
);

const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('tree'), { maxLength: 3 }),
  object: fc.dictionary(key, tie('tree'), { maxKeys: 4 }),
}));

/** Objects and arrays nested exactly `levels` deep (1 = a flat object). */
const nested = (levels: number, leafValue: unknown): unknown => {
  let value = leafValue;
  for (let level = 0; level < levels; level += 1) value = level % 3 === 1 ? [value] : { n: value };
  return value;
};
const aroundTheCap = fc
  .tuple(fc.integer({ min: MAX_NESTING - 2, max: MAX_NESTING + 3 }), fc.constantFrom(1, {}, [], null))
  .map(([levels, leafValue]) => nested(levels, leafValue));

const record = fc.oneof(
  { arbitrary: fc.dictionary(key, tree, { maxKeys: 5 }), weight: 8 },
  {
    arbitrary: fc.constantFrom(
      { consent: { analytics: false }, ip: '203.0.113.9', userAgent: 'UA' },
      { Consent: { Analytics: false }, IP: '203.0.113.9', UserAgent: 'UA', ip: 7 },
    ),
    weight: 1,
  },
  { arbitrary: aroundTheCap.map((deep) => ({ deep })), weight: 1 },
  { arbitrary: fc.constantFrom('x', 5, [1], null, true), weight: 1 },
);
const dateTime = fc.oneof(
  {
    arbitrary: fc
      .date({
        min: new Date('1970-01-01T00:00:00Z'),
        max: new Date('2100-12-31T23:59:59.999Z'),
        noInvalidDate: true,
      })
      .map((date) => date.toISOString()),
    weight: 6,
  },
  { arbitrary: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      '2026-10-25 01:30',
      '2026-10-25T03:30:00+02:00',
      '2026-10-25T03:30:00+02',
      '2026-02-30T10:00:00Z',
      '0001-01-01T00:00:00.000Z',
      'soon',
      '',
      12,
    ),
    weight: 1,
  },
);
const id = fc.oneof(
  { arbitrary: fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), weight: 8 },
  {
    arbitrary: fc.constantFrom('', 'x'.repeat(MAX_ID_LENGTH + 1), true, null, 1.5, Number.NaN, {}),
    weight: 1,
  },
);

/** Event-shaped objects, mostly valid; fields in random order, sometimes with extra or odd fields. */
const rawEvent = fc
  .record(
    {
      type: fc.oneof(
        { arbitrary: fc.constantFrom(...EVENT_TYPES), weight: 10 },
        { arbitrary: fc.constantFrom('bogus', 3, null), weight: 1 },
      ),
      messageId: fc.oneof(
        { arbitrary: fc.string({ minLength: 1, maxLength: 8 }), weight: 8 },
        { arbitrary: fc.constantFrom('', 'm'.repeat(201), 5), weight: 1 },
      ),
      event: fc.oneof(
        { arbitrary: fc.constantFrom('Order Completed', 'Survey Responded', ''), weight: 8 },
        { arbitrary: fc.constant(7), weight: 1 },
      ),
      name: fc.oneof(fc.string({ maxLength: 5 }), fc.constant(null)),
      userId: id,
      anonymousId: id,
      previousId: id,
      groupId: id,
      properties: fc.oneof(
        record,
        fc.constantFrom({ survey: 'nps', score: 11 }, { survey: 'csat', score: 3 }),
      ),
      traits: record,
      context: record,
      timestamp: dateTime,
      originalTimestamp: dateTime,
      sentAt: dateTime,
      writeKey: fc.constant('rxw_key'),
      extra: fc.dictionary(key, fc.oneof(tree, aroundTheCap), { maxKeys: 3 }),
      undefinedField: fc.constantFrom('userId', 'properties', 'custom'),
    },
    { requiredKeys: [] },
  )
  .chain((fields) =>
    fc.shuffledSubarray(Object.keys(fields), { minLength: Object.keys(fields).length }).map((order) => {
      // Defined, never assigned: a `__proto__` field must arrive as data, as JSON.parse makes it.
      const raw: JsonObject = {};
      const put = (name: string, value: unknown) =>
        Object.defineProperty(raw, name, { value, enumerable: true, writable: true, configurable: true });
      for (const name of order) {
        const value = (fields as JsonObject)[name];
        if (name === 'extra') for (const [k, v] of Object.entries(value as JsonObject)) put(k, v);
        else if (name === 'undefinedField') put(value as string, undefined);
        else put(name, value);
      }
      return raw;
    }),
  );

/** Through JSON, as the handler sees events (no undefined values), and as constructed (with them). */
const event = fc.oneof(
  { arbitrary: rawEvent.map((raw) => JSON.parse(JSON.stringify(raw)) as unknown), weight: 3 },
  { arbitrary: rawEvent, weight: 1 },
);
const forcedType = fc.option(fc.constantFrom(...EVENT_TYPES), { nil: undefined });

/**
 * Everything about a value that could differ: each object's prototype and keys in order, undefined
 * values, NaN and -0. (toStrictEqual is no use here: it compares `constructor`, which a JSON object
 * may carry as an own field, by identity.)
 */
function structure(value: unknown): unknown {
  if (Array.isArray(value)) return ['array', ...value.map(structure)];
  if (typeof value === 'object' && value !== null) {
    const prototype = Object.getPrototypeOf(value);
    const kind = prototype === Object.prototype ? 'object' : prototype === null ? 'null-prototype' : 'other';
    return [kind, ...Object.keys(value).map((k) => [k, structure((value as JsonObject)[k])])];
  }
  return `${typeof value}:${Object.is(value, -0) ? '-0' : String(value)}`;
}

/* -------------------------------------------------------------------------- the checks */

describe('the collector hot path against the versions it replaced', () => {
  it('isNestedTooDeeply gives the verdict of the full depth count', () => {
    fc.assert(
      fc.property(fc.oneof(event, aroundTheCap, tree), (raw) => {
        expect(isNestedTooDeeply(raw)).toBe(wasNestedTooDeeply(raw));
      }),
      { numRuns: 3_000 },
    );
  });

  it('validateEvent accepts, rejects and returns exactly what zod alone did', () => {
    fc.assert(
      fc.property(event, forcedType, (raw, type) => {
        const fast = validateEvent(raw, type);
        const slow = zodValidateEvent(raw, type);
        expect(fast).toEqual(slow);
        expect(structure(fast)).toEqual(structure(slow));
      }),
      { numRuns: 4_000 },
    );
  });

  it('normalizeEvent builds the same event, fields in the same order', () => {
    const ctx = fc.record({
      batchSentAt: fc.option(fc.constant('2026-10-25T01:29:00.000Z'), { nil: undefined }),
      batchContext: fc.option(fc.dictionary(key, tree, { maxKeys: 3 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(event, ctx, (raw, batch) => {
        const validated = zodValidateEvent(raw);
        if (!validated.ok) return;
        const context = {
          site: 'shop',
          receivedAtMs: Date.parse('2026-10-25T01:30:00.000Z'),
          receivedAt: '2026-10-25T01:30:00.000Z',
          fallbackMessageId: () => 'fallback-id',
          ...batch,
        };
        const fast = normalizeEvent(validated.event, context);
        const slow = spreadNormalizeEvent(validated.event, context);
        expect(fast).toEqual(slow);
        expect(structure(fast)).toEqual(structure(slow));
        expect(JSON.stringify(fast)).toBe(JSON.stringify(slow));
      }),
      { numRuns: 3_000 },
    );
  });

  it('scrubEvent scrubs every field the same way, fields in the same order', () => {
    const policy = fc.record({
      pii: fc.constantFrom(
        ['email', 'phone'],
        ['Email', 'ip', 'name'],
        ['userAgent', 'consent', 'writeKey'],
        [],
      ),
      policy: fc.constantFrom('hash' as const, 'drop' as const),
      piiSalt: fc.constantFrom('salt-A', 'salt-B'),
      collectSourceIp: fc.boolean(),
    });
    const sourceIp = fc.option(fc.constantFrom('198.51.100.9', '2001:db8::7', 'garbage'), { nil: undefined });
    fc.assert(
      fc.property(event, policy, sourceIp, (raw, privacy, ip) => {
        // Accepted events arrive normalized; rejected ones (scrubbed too) arrive as sent.
        const validated = zodValidateEvent(raw);
        const input = validated.ok
          ? spreadNormalizeEvent(validated.event, {
              site: 'shop',
              receivedAtMs: Date.parse('2026-10-25T01:30:00.000Z'),
              fallbackMessageId: () => 'fallback-id',
            })
          : (raw as NormalizedEvent);
        if (typeof input !== 'object' || input === null || Array.isArray(input) || wasNestedTooDeeply(input))
          return;
        const scrubInput = { policy: privacy, sourceIp: ip, consentDaySalt: 'day-salt' };
        const fast = scrubEvent(input, scrubInput);
        const slow = entriesScrubEvent(input, scrubInput);
        expect(fast).toEqual(slow);
        expect(structure(fast)).toEqual(structure(slow));
        expect(JSON.stringify(fast)).toBe(JSON.stringify(slow));
      }),
      { numRuns: 3_000 },
    );
  });

  it('scrubEvent notices a PII list changed in place', () => {
    const pii = ['email'];
    const policy: PrivacyPolicy = { pii, policy: 'drop', piiSalt: 's', collectSourceIp: false };
    const event: NormalizedEvent = {
      messageId: 'm',
      type: 'track',
      site: 's',
      receivedAt: 'r',
      timestamp: 't',
      properties: { email: 'e', phone: 'p' },
    };
    expect(scrubEvent(event, { policy }).properties).toEqual({ phone: 'p' });

    pii.push('phone');

    expect(scrubEvent(event, { policy }).properties).toEqual({});
  });
});
