/**
 * `null` is absent (shared/events/nulls.ts): an optional field sent as null, at any depth, gives the
 * event its omission gives; a required one sent as null is rejected as missing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AMOUNT_FIELDS } from '../../../shared/events/amounts';
import { type IngestRequest, validateAndNormalize } from '../../../shared/events/ingest';
import { eventWithoutNulls, objectWithoutNulls } from '../../../shared/events/nulls';
import { incomingEventSchema } from '../../../shared/events/schema';
import { SURVEY_RESPONDED, SURVEY_SCORE_RANGES } from '../../../shared/events/survey';
import { EVENT_TYPES, type EventType, type JsonObject } from '../../../shared/events/types';

const RECEIVED_MS = Date.parse('2026-10-25T12:00:00.000Z');
const OPTIONS = { site: 'shop', receivedAtMs: RECEIVED_MS, newMessageId: () => 'generated-id' };

function ingest(events: unknown[], request: Partial<IngestRequest> = {}) {
  return validateAndNormalize({ events, ...request }, OPTIONS);
}

function reasonsOf(events: unknown[]): string[] {
  const { accepted, rejected } = ingest(events);
  return [...accepted.map(() => 'accepted'), ...rejected.map((r) => r.reason)];
}

/** What analytics.js 2.0 (@segment/analytics-next 1.84) sends for a page view before identify. */
const analyticsNextPage = {
  type: 'page',
  name: null,
  category: null,
  properties: { path: '/', referrer: '', search: '', title: 'Shop', url: 'http://127.0.0.1/' },
  userId: null,
  anonymousId: 'b7b6c7f2-6a64-4a0a-9d2b-2f1f7c0b8f11',
  messageId: 'ajs-next-1',
  timestamp: '2026-10-25T11:59:58.000Z',
  integrations: {},
  context: {
    page: { path: '/', search: '', referrer: '' },
    library: { name: 'analytics.js' },
    campaign: null,
  },
  writeKey: 'wk',
  sentAt: '2026-10-25T11:59:59.000Z',
  _metadata: { bundled: ['Segment.io'], unbundled: [], bundledIds: [] },
};

describe('null fields are absent', () => {
  it("accepts analytics.js 2.0's page view with userId, name and category null, as if they were not sent", () => {
    const { accepted, rejected } = ingest([analyticsNextPage]);

    expect(rejected).toEqual([]);
    const event = accepted[0]?.event;
    expect(event).toBeDefined();
    expect(event).not.toHaveProperty('userId');
    expect(event).not.toHaveProperty('name');
    expect(event).not.toHaveProperty('category');
    expect(event?.context).not.toHaveProperty('campaign');
    expect(event?.anonymousId).toBe(analyticsNextPage.anonymousId);
  });

  it('accepts anonymousId, properties, traits and context sent as null', () => {
    expect(
      reasonsOf([
        { type: 'identify', userId: 'u1', anonymousId: null, traits: null, context: null },
        { type: 'track', event: 'E', anonymousId: 'a', properties: null, timestamp: null, sentAt: null },
        { type: 'page', anonymousId: 'a', messageId: null, originalTimestamp: null, groupId: null },
      ]),
    ).toEqual(['accepted', 'accepted', 'accepted']);
  });

  it('drops nulls inside properties, traits, context, integrations and objects in lists; keeps null list items', () => {
    const { accepted } = ingest([
      {
        type: 'track',
        event: 'Order Completed',
        anonymousId: 'a',
        properties: { order_id: 'o1', coupon: null, products: [{ price: 10, quantity: null }, null] },
        context: { page: { search: null, path: '/done' }, library: { name: 'analytics.js', version: null } },
        integrations: { All: true, Mixpanel: null },
      },
    ]);

    expect(accepted[0]?.event).toMatchObject({
      properties: { order_id: 'o1', products: [{ price: 10 }, null] },
      context: { page: { path: '/done' }, library: { name: 'analytics.js' } },
      integrations: { All: true },
    });
    expect(accepted[0]?.event.properties).not.toHaveProperty('coupon');
  });

  it("drops the batch context's nulls, so an event's null does not hide the batch's value either", () => {
    const { accepted } = ingest([{ type: 'page', anonymousId: 'a', context: { locale: null } }], {
      batchContext: { locale: 'it-IT', ip: null },
    });

    expect(accepted[0]?.event.context).toEqual({ locale: 'it-IT' });
  });

  it('returns the very event when it holds no null (nothing is copied)', () => {
    const event = { type: 'page', anonymousId: 'a', properties: { list: [1, { x: 2 }] } };

    expect(eventWithoutNulls(event)).toBe(event);
    expect(objectWithoutNulls(event)).toBe(event);
  });

  it('keeps a "__proto__" key as an own field of the copy, never as its prototype', () => {
    const event = JSON.parse(
      '{"type":"page","anonymousId":"a","userId":null,"properties":{"__proto__":{"x":1}}}',
    );

    const copy = eventWithoutNulls(event) as JsonObject;

    expect(Object.getPrototypeOf(copy.properties)).toBe(Object.prototype);
    expect(Object.hasOwn(copy.properties as object, '__proto__')).toBe(true);
  });
});

describe('required fields sent as null stay rejected, with the reason of a missing one', () => {
  it.each([
    ['a track event without a name', { type: 'track', event: null, anonymousId: 'a' }, 'missing_event_name'],
    ['an event whose only id is null', { type: 'page', userId: null, anonymousId: null }, 'missing_identity'],
    ['an alias with a null previousId', { type: 'alias', userId: 'u', previousId: null }, 'missing_identity'],
    ['an alias with a null userId', { type: 'alias', userId: null, previousId: 'a' }, 'missing_identity'],
    ['a null type', { type: null, anonymousId: 'a' }, 'unknown_type'],
    [
      'a Survey Responded with a null score',
      {
        type: 'track',
        event: 'Survey Responded',
        anonymousId: 'a',
        properties: { survey: 'nps', score: null },
      },
      'invalid_survey_score',
    ],
  ])('%s', (_label, event, reason) => {
    const { accepted, rejected } = ingest([event]);

    expect(accepted).toEqual([]);
    expect(rejected.map((r) => r.reason)).toEqual([reason]);
  });

  it('names the score in the survey message', () => {
    const { rejected } = ingest([
      {
        type: 'track',
        event: 'Survey Responded',
        anonymousId: 'a',
        properties: { survey: 'nps', score: null },
      },
    ]);

    expect(rejected[0]?.message).toContain('nps score null is outside 0-10');
  });

  it('keeps the rejected event as sent, nulls included, for inspection', () => {
    const sent = { type: 'track', event: null, anonymousId: 'a', userId: null };

    expect(ingest([sent]).rejected[0]?.raw).toEqual(sent);
  });
});

/* --------------------------------------------------------------------------- properties */

const SHAPE_FIELDS = Object.keys(incomingEventSchema.shape).filter((field) => field !== 'type');
/** Top-level fields of the Segment and RudderStack specs outside our schema, kept as sent. */
const EXTRA_FIELDS = ['integrations', 'channel', '_metadata', 'category', 'writeKey'];

/** Fields an event of this type cannot do without (the base event always has them). */
function requiredFields(type: EventType): readonly string[] {
  if (type === 'alias') return ['userId', 'previousId'];
  return type === 'track' ? ['event', 'anonymousId'] : ['anonymousId'];
}

// No amount field (price, quantity…): a string there is rejected by its own rule (shared/events/amounts.ts).
const key = fc.constantFrom('a', 'b', 'page', 'path', 'name', 'sku', 'color', 'library', 'x1');
const leaf = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean(), fc.constant(null));
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('tree'), { maxLength: 3 }),
  object: fc.dictionary(key, tie('tree'), { maxKeys: 4 }),
}));
const record = fc.dictionary(key, tree, { maxKeys: 5 });
const id = fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.integer({ min: 0 }));
const dateTime = fc
  .integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2030-01-01T00:00:00Z') })
  .map((ms) => new Date(ms).toISOString());

/** A valid event of any type with every optional field present. */
const fullEvent = fc.record({
  type: fc.constantFrom(...EVENT_TYPES),
  messageId: fc.string({ minLength: 1, maxLength: 12 }),
  event: fc.string({ minLength: 1, maxLength: 10 }).filter((name) => name !== 'Survey Responded'),
  name: fc.string({ maxLength: 10 }),
  userId: id,
  anonymousId: id,
  previousId: id,
  groupId: id,
  properties: record,
  traits: record,
  context: record,
  timestamp: dateTime,
  originalTimestamp: dateTime,
  sentAt: dateTime,
  integrations: record,
  channel: fc.constantFrom('web', 'mobile', 'server'),
  _metadata: record,
  category: fc.string({ maxLength: 6 }),
  writeKey: fc.string({ maxLength: 6 }),
});

function optionalFieldsOf(type: EventType): string[] {
  const required = requiredFields(type);
  return [...SHAPE_FIELDS, ...EXTRA_FIELDS].filter((field) => !required.includes(field));
}

function withoutField(event: JsonObject, field: string): JsonObject {
  const { [field]: _dropped, ...rest } = event;
  return rest;
}

describe('property: null gives the event that omission gives', () => {
  it('for every event type and every optional top-level field', () => {
    fc.assert(
      fc.property(fullEvent, fc.nat(), (event, pick) => {
        const fields = optionalFieldsOf(event.type);
        const field = fields[pick % fields.length] ?? 'name';

        const withNull = ingest([{ ...event, [field]: null }]);
        const omitted = ingest([withoutField(event, field)]);

        expect(withNull.rejected).toEqual([]);
        expect(withNull.accepted).toHaveLength(1);
        expect(withNull).toEqual(omitted);
      }),
      { numRuns: 400 },
    );
  });

  it('for any set of optional fields at once', () => {
    fc.assert(
      fc.property(fullEvent, fc.array(fc.nat(), { maxLength: 8 }), (event, picks) => {
        const fields = optionalFieldsOf(event.type);
        const chosen = new Set(picks.map((pick) => fields[pick % fields.length] ?? 'name'));
        let withNull: JsonObject = { ...event };
        let omitted: JsonObject = { ...event };
        for (const field of chosen) {
          withNull = { ...withNull, [field]: null };
          omitted = withoutField(omitted, field);
        }

        expect(ingest([withNull])).toEqual(ingest([omitted]));
        expect(ingest([withNull]).accepted).toHaveLength(1);
      }),
      { numRuns: 200 },
    );
  });

  it('at any depth of properties, traits, context, integrations and _metadata', () => {
    const container = fc.constantFrom('properties', 'traits', 'context', 'integrations', '_metadata');
    const path = fc.array(fc.constantFrom('a', 'b', 'page', 'library', 'name', 'search'), {
      minLength: 1,
      maxLength: 4,
    });
    fc.assert(
      fc.property(fullEvent, container, path, (event, where, keys) => {
        const base = event[where];
        const withNull = { ...event, [where]: setAt(base, keys, null) };
        const omitted = { ...event, [where]: setAt(base, keys, undefined) };

        expect(ingest([withNull])).toEqual(ingest([omitted]));
        expect(ingest([withNull]).accepted).toHaveLength(1);
      }),
      { numRuns: 400 },
    );
  });

  it('for a required field: rejected for the same reason as when it is omitted', () => {
    fc.assert(
      fc.property(fullEvent, fc.nat(), (event, pick) => {
        const required = requiredFields(event.type);
        const field = required[pick % required.length] ?? 'anonymousId';
        // Without the other id, a null anonymousId leaves the event without identity.
        const base = field === 'anonymousId' ? withoutField(event, 'userId') : event;

        const withNull = ingest([{ ...base, [field]: null }]);
        const omitted = ingest([withoutField(base, field)]);

        expect(withNull.accepted).toEqual([]);
        expect(withNull.rejected.map((r) => [r.reason, r.message])).toEqual(
          omitted.rejected.map((r) => [r.reason, r.message]),
        );
      }),
      { numRuns: 200 },
    );
  });
});

const COMMERCE_EVENTS = [
  'Product Viewed',
  'Product Added',
  'Product Removed',
  'Checkout Started',
  'Order Completed',
  'Order Refunded',
] as const;
const amount = fc.oneof(
  fc.double({ min: 0, max: 1e6, noNaN: true }),
  fc.integer({ min: 0, max: 1000 }).map((n) => `${n}.00`),
);
const productLine = fc.record(
  {
    product_id: fc.string({ minLength: 1, maxLength: 4 }),
    price: amount,
    quantity: fc.integer({ min: 1, max: 5 }),
  },
  { requiredKeys: ['product_id'] },
);
/** The properties the figures read (metrics.md §3–4): amounts, ids, products, touchpoint, currency. */
const commerceProperties = fc.record(
  {
    order_id: fc.string({ minLength: 1, maxLength: 6 }),
    cart_id: fc.string({ minLength: 1, maxLength: 6 }),
    product_id: fc.string({ minLength: 1, maxLength: 6 }),
    currency: fc.constantFrom('EUR', 'USD', 'eur'),
    touchpoint: fc.constantFrom('live_chat', 'size_guide'),
    coupon: fc.string({ maxLength: 6 }),
    products: fc.array(productLine, { maxLength: 3 }),
    ...Object.fromEntries(AMOUNT_FIELDS.map((field) => [field, amount])),
  },
  { requiredKeys: [] },
);
const SURVEY_KINDS = Object.keys(SURVEY_SCORE_RANGES);
const surveyProperties = fc.constantFrom(...SURVEY_KINDS).chain((survey) => {
  const [low, high] = SURVEY_SCORE_RANGES[survey] ?? [0, 10];
  return fc.record(
    {
      survey: fc.constant(survey),
      score: fc.integer({ min: low, max: high }),
      comment: fc.string({ maxLength: 12 }),
      question: fc.string({ maxLength: 12 }),
      touchpoint: fc.constantFrom('live_chat', 'support_call'),
    },
    { requiredKeys: ['survey', 'score'] },
  );
});
/** Survey Responded cannot do without these two (a null one is `invalid_survey_score`, above). */
const SURVEY_REQUIRED = ['survey', 'score'];

const commerceOrSurveyEvent = fc.oneof(
  fc.record({
    type: fc.constant('track'),
    event: fc.constantFrom(...COMMERCE_EVENTS),
    anonymousId: fc.string({ minLength: 1, maxLength: 6 }),
    timestamp: dateTime,
    properties: commerceProperties,
  }),
  fc.record({
    type: fc.constant('track'),
    event: fc.constant(SURVEY_RESPONDED),
    anonymousId: fc.string({ minLength: 1, maxLength: 6 }),
    timestamp: dateTime,
    properties: surveyProperties,
  }),
);

describe('property: null gives what omission gives in e-commerce and survey properties', () => {
  it('for any optional property, a product line field included, and the event is still accepted', () => {
    fc.assert(
      fc.property(commerceOrSurveyEvent, fc.nat(), fc.nat(), (event, pick, line) => {
        const optional = Object.keys(event.properties).filter(
          (field) => event.event !== SURVEY_RESPONDED || !SURVEY_REQUIRED.includes(field),
        );
        const products = (event.properties as { products?: JsonObject[] }).products ?? [];
        const lineFields = products.length > 0 ? ['price', 'quantity'] : [];
        const choices = [...optional, ...lineFields.map((field) => `products.${field}`)];
        const choice = choices[pick % Math.max(choices.length, 1)];
        if (choice === undefined) return;
        const keys = choice.startsWith('products.')
          ? ['products', String(line % products.length), choice.slice('products.'.length)]
          : [choice];
        const withNull = { ...event, properties: setAtPath(event.properties, keys, null) };
        const omitted = { ...event, properties: setAtPath(event.properties, keys, undefined) };

        expect(ingest([withNull]).rejected).toEqual([]);
        expect(ingest([withNull])).toEqual(ingest([omitted]));
      }),
      { numRuns: 400 },
    );
  });
});

/** `setAt` through lists too: `['products', '1', 'price']`. */
function setAtPath(value: unknown, keys: readonly string[], to: null | undefined): JsonObject {
  const [first, ...rest] = keys;
  const object = value as JsonObject;
  if (first === undefined) return object;
  const current = object[first];
  if (Array.isArray(current)) {
    const index = Number(rest[0]);
    const copy = current.map((item, i) => (i === index ? setAtPath(item, rest.slice(1), to) : item));
    return { ...object, [first]: copy };
  }
  if (rest.length > 0) return { ...object, [first]: setAtPath(current, rest, to) };
  if (to === undefined) {
    const { [first]: _dropped, ...others } = object;
    return others;
  }
  return { ...object, [first]: to };
}

/** A copy of `object` with the value at `keys` set (undefined: the last key deleted), objects made on the way. */
function setAt(object: JsonObject, keys: readonly string[], value: null | undefined): JsonObject {
  const [first, ...rest] = keys;
  if (first === undefined) return object;
  const copy: JsonObject = { ...object };
  if (rest.length === 0) {
    if (value === undefined) delete copy[first];
    else copy[first] = value;
    return copy;
  }
  const child = copy[first];
  const next =
    typeof child === 'object' && child !== null && !Array.isArray(child) ? (child as JsonObject) : {};
  copy[first] = setAt(next, rest, value);
  return copy;
}
