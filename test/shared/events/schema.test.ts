import { describe, expect, it } from 'vitest';
import { refuseErasing, validateAndNormalize } from '../../../shared/events/ingest';
import { REJECTION_REASONS, type RejectionReason } from '../../../shared/events/reasons';
import {
  FIRST_EVENT_YEAR,
  LAST_EVENT_YEAR,
  MAX_EVENT_BYTES,
  type ValidationResult,
  validateEvent,
} from '../../../shared/events/schema';
import type { JsonObject } from '../../../shared/events/types';

const track = (extra: JsonObject = {}): JsonObject => ({
  type: 'track',
  event: 'Order Completed',
  anonymousId: 'anon-1',
  ...extra,
});

function reasonOf(result: ValidationResult): RejectionReason | 'accepted' {
  return result.ok ? 'accepted' : result.rejection.reason;
}

function survey(properties: JsonObject): JsonObject {
  return { type: 'track', event: 'Survey Responded', anonymousId: 'anon-1', properties };
}

describe('validateEvent: accepted events', () => {
  it('accepts a minimal track event and returns its fields', () => {
    const result = validateEvent(track());

    expect(result).toEqual({
      ok: true,
      event: { type: 'track', event: 'Order Completed', anonymousId: 'anon-1' },
    });
  });

  it.each(['page', 'screen', 'identify', 'group'])('accepts a %s event without an event name', (type) => {
    expect(reasonOf(validateEvent({ type, anonymousId: 'anon-1' }))).toBe('accepted');
  });

  it('accepts an event identified by userId only', () => {
    expect(reasonOf(validateEvent({ type: 'identify', userId: 'user-1' }))).toBe('accepted');
  });

  it('accepts numeric userId and anonymousId (Segment allows numeric ids)', () => {
    const result = validateEvent({ type: 'track', event: 'E', userId: 42, anonymousId: 7 });

    if (!result.ok) throw new Error(`rejected: ${result.rejection.message}`);
    expect(result.event.userId).toBe(42);
    expect(result.event.anonymousId).toBe(7);
  });

  it('accepts userId 0, which is a present id', () => {
    expect(reasonOf(validateEvent({ type: 'track', event: 'E', userId: 0 }))).toBe('accepted');
  });

  it('keeps unknown top-level fields (loose object)', () => {
    const result = validateEvent(track({ integrations: { All: true }, custom: 'kept' }));

    if (!result.ok) throw new Error(`rejected: ${result.rejection.message}`);
    expect(result.event.integrations).toEqual({ All: true });
    expect(result.event.custom).toBe('kept');
  });

  it('accepts valid ISO 8601 timestamp and sentAt', () => {
    const result = validateEvent(
      track({ timestamp: '2026-10-25T01:30:00.000Z', sentAt: '2026-10-25T01:30:05+02:00' }),
    );

    expect(reasonOf(result)).toBe('accepted');
  });

  it('accepts a messageId of exactly 200 characters', () => {
    expect(reasonOf(validateEvent(track({ messageId: 'm'.repeat(200) })))).toBe('accepted');
  });
});

describe('validateEvent: forcedType', () => {
  it('uses the endpoint type over the body type', () => {
    const result = validateEvent({ type: 'page', event: 'Signed Up', anonymousId: 'a' }, 'track');

    if (!result.ok) throw new Error(`rejected: ${result.rejection.message}`);
    expect(result.event.type).toBe('track');
  });

  it('accepts a body with an unknown or missing type when the endpoint forces one', () => {
    expect(reasonOf(validateEvent({ type: 'bogus', anonymousId: 'a' }, 'identify'))).toBe('accepted');
    expect(reasonOf(validateEvent({ anonymousId: 'a' }, 'page'))).toBe('accepted');
  });

  it('applies the rules of the forced type (track needs an event name)', () => {
    expect(reasonOf(validateEvent({ type: 'page', anonymousId: 'a' }, 'track'))).toBe('missing_event_name');
  });

  it('does not modify the raw input when forcing the type', () => {
    const raw = { type: 'page', event: 'E', anonymousId: 'a' };

    validateEvent(raw, 'track');

    expect(raw.type).toBe('page');
  });
});

describe('validateEvent: rejection reasons', () => {
  it.each([
    ['null', null],
    ['an array', [track()]],
    ['a string', 'track'],
    ['a number', 42],
    ['undefined', undefined],
  ])('rejects %s with not_an_object', (_label, raw) => {
    const result = validateEvent(raw);

    expect(result).toEqual({
      ok: false,
      rejection: { reason: 'not_an_object', message: REJECTION_REASONS.not_an_object },
    });
  });

  it.each([
    ['an unknown type', { type: 'purchase' }],
    ['a missing type', { type: undefined }],
    ['a non-string type', { type: 1 }],
  ])('rejects %s with unknown_type', (_label, extra) => {
    const result = validateEvent({ ...track(), ...extra });

    expect(reasonOf(result)).toBe('unknown_type');
    if (result.ok) throw new Error('accepted');
    expect(result.rejection.message.startsWith(REJECTION_REASONS.unknown_type)).toBe(true);
    expect(result.rejection.message).toContain('type:');
  });

  it('rejects an event without userId and anonymousId with missing_identity', () => {
    expect(reasonOf(validateEvent({ type: 'track', event: 'E' }))).toBe('missing_identity');
  });

  it('treats empty-string ids as absent (missing_identity)', () => {
    expect(reasonOf(validateEvent({ type: 'track', event: 'E', userId: '', anonymousId: '' }))).toBe(
      'missing_identity',
    );
  });

  it('does not count previousId as identity for non-alias events', () => {
    expect(reasonOf(validateEvent({ type: 'identify', previousId: 'old' }))).toBe('missing_identity');
  });

  describe('alias', () => {
    it('accepts an alias with previousId and userId', () => {
      expect(reasonOf(validateEvent({ type: 'alias', previousId: 'anon-1', userId: 'user-1' }))).toBe(
        'accepted',
      );
    });

    it('rejects an alias without previousId even if it has an anonymousId', () => {
      expect(reasonOf(validateEvent({ type: 'alias', anonymousId: 'anon-1', userId: 'user-1' }))).toBe(
        'missing_identity',
      );
    });

    it('rejects an alias without userId', () => {
      expect(reasonOf(validateEvent({ type: 'alias', previousId: 'anon-1', anonymousId: 'anon-1' }))).toBe(
        'missing_identity',
      );
    });

    it('rejects an alias with an empty previousId', () => {
      expect(reasonOf(validateEvent({ type: 'alias', previousId: '', userId: 'user-1' }))).toBe(
        'missing_identity',
      );
    });
  });

  it('rejects a track event without an event name with missing_event_name', () => {
    expect(reasonOf(validateEvent({ type: 'track', anonymousId: 'a' }))).toBe('missing_event_name');
  });

  it('rejects a track event with an empty event name with missing_event_name', () => {
    expect(reasonOf(validateEvent(track({ event: '' })))).toBe('missing_event_name');
  });

  it('checks identity before the event name', () => {
    expect(reasonOf(validateEvent({ type: 'track' }))).toBe('missing_identity');
  });

  it.each([
    ['timestamp', 'not a date'],
    ['timestamp', ''],
    ['timestamp', 1761355800000],
    ['sentAt', 'yesterday-ish'],
    ['sentAt', 1761355800000],
  ])('rejects %s = %j with invalid_timestamp', (field, value) => {
    const result = validateEvent(track({ [field]: value }));

    expect(reasonOf(result)).toBe('invalid_timestamp');
    if (result.ok) throw new Error('accepted');
    expect(result.rejection.message).toContain(`${field}:`);
  });

  // V8's Date.parse reads "12" as 2001-12-01 in the server's zone: only ISO 8601 is accepted.
  it.each(['12', 'October 25, 2026', '2026/10/25 10:00'])(
    'rejects the non-ISO timestamp %j with invalid_timestamp',
    (timestamp) => {
      expect(reasonOf(validateEvent(track({ timestamp })))).toBe('invalid_timestamp');
    },
  );

  it('reads an ISO timestamp without a zone designator as UTC', () => {
    const result = validateEvent(track({ timestamp: '2026-10-25T10:00:00' }));
    expect(reasonOf(result)).toBe('accepted');
  });

  it('rejects properties nested deeper than 32 levels with invalid_field', () => {
    let deep: Record<string, unknown> = { email: 'jane@example.com' };
    for (let level = 0; level < 33; level++) deep = { n: deep };
    expect(reasonOf(validateEvent(track({ properties: deep })))).toBe('invalid_field');
  });

  it.each([
    ['an empty string', ''],
    ['201 characters', 'm'.repeat(201)],
    ['a number', 12345],
    ['null', null],
  ])('rejects a messageId that is %s with invalid_message_id', (_label, messageId) => {
    expect(reasonOf(validateEvent(track({ messageId })))).toBe('invalid_message_id');
  });

  it.each([
    ['properties is an array', { properties: [1, 2] }],
    ['properties is a string', { properties: 'color=red' }],
    ['traits is an array', { traits: ['vip'] }],
    ['context is a number', { context: 5 }],
    ['event is a number', { event: 5 }],
    ['name is an object', { name: { text: 'Home' } }],
    ['userId is a boolean', { userId: true }],
    ['anonymousId is an object', { anonymousId: { id: 'a' } }],
    ['groupId is null', { groupId: null }],
  ])('rejects an event where %s with invalid_field', (_label, extra) => {
    const result = validateEvent(track(extra));

    expect(reasonOf(result)).toBe('invalid_field');
    if (result.ok) throw new Error('accepted');
    expect(result.rejection.message.startsWith(REJECTION_REASONS.invalid_field)).toBe(true);
  });

  it('names the offending field in the invalid_field message', () => {
    const result = validateEvent(track({ properties: [1] }));

    if (result.ok) throw new Error('accepted');
    expect(result.rejection.message).toContain('(properties:');
  });
});

describe('validateEvent: survey scores', () => {
  it.each([
    ['nps', 0],
    ['nps', 10],
    ['enps', 0],
    ['enps', 10],
    ['ces', 1],
    ['ces', 7],
    ['csat', 1],
    ['csat', 5],
  ])('accepts %s score %i (range bound)', (kind, score) => {
    expect(reasonOf(validateEvent(survey({ survey: kind, score })))).toBe('accepted');
  });

  it.each([
    ['nps', 10.5],
    ['nps', -1],
    ['nps', 11],
    ['nps', '9'],
    ['enps', 11],
    ['enps', -1],
    ['ces', 0],
    ['ces', 8],
    ['ces', 3.5],
    ['csat', 0],
    ['csat', 6],
    ['csat', null],
    ['nps', Number.NaN],
  ])('rejects %s score %j with invalid_survey_score', (kind, score) => {
    expect(reasonOf(validateEvent(survey({ survey: kind, score })))).toBe('invalid_survey_score');
  });

  it('rejects a known survey kind without a score and says which range applies', () => {
    const result = validateEvent(survey({ survey: 'nps' }));

    expect(result).toEqual({
      ok: false,
      rejection: {
        reason: 'invalid_survey_score',
        message: `${REJECTION_REASONS.invalid_survey_score} (nps score null is outside 0-10)`,
      },
    });
  });

  it('quotes a string score in the message', () => {
    const result = validateEvent(survey({ survey: 'nps', score: '9' }));

    if (result.ok) throw new Error('accepted');
    expect(result.rejection.message).toContain('nps score "9" is outside 0-10');
  });

  it('rejects an unknown survey kind, whatever its score', () => {
    const result = validateEvent(survey({ survey: 'stars', score: 4 }));

    if (result.ok) throw new Error('accepted');
    expect(result.rejection).toEqual({
      reason: 'invalid_survey_score',
      message: `${REJECTION_REASONS.invalid_survey_score} (survey "stars" is not one of nps, enps, ces, csat)`,
    });
    expect(reasonOf(validateEvent(survey({ survey: 'mystery' })))).toBe('invalid_survey_score');
    expect(reasonOf(validateEvent(survey({ survey: 7, score: 7 })))).toBe('invalid_survey_score');
  });

  it('matches survey kinds case-sensitively: NPS is refused, not stored unscored', () => {
    expect(reasonOf(validateEvent(survey({ survey: 'NPS', score: 9 })))).toBe('invalid_survey_score');
  });

  it('rejects the survey kind sent as properties.kind and names the field the figures read', () => {
    // The tester's event (issue 16): stored and never counted before.
    const result = validateEvent(survey({ kind: 'nps', score: 11 }));

    if (result.ok) throw new Error('accepted');
    expect(result.rejection.reason).toBe('invalid_survey_score');
    expect(result.rejection.message).toContain(
      'the survey kind goes in properties.survey, not properties.kind ("nps")',
    );
    expect(reasonOf(validateEvent(survey({ kind: 'nps', score: 9 })))).toBe('invalid_survey_score');
  });

  it('rejects a Survey Responded event without a survey kind or properties', () => {
    const result = validateEvent({ type: 'track', event: 'Survey Responded', anonymousId: 'a' });

    if (result.ok) throw new Error('accepted');
    expect(result.rejection.message).toContain('properties.survey is missing: one of nps, enps, ces, csat');
    expect(reasonOf(validateEvent(survey({ score: 'n/a' })))).toBe('invalid_survey_score');
  });

  it('cuts a long value short in the message', () => {
    const result = validateEvent(survey({ survey: 'x'.repeat(5_000), score: 1 }));

    if (result.ok) throw new Error('accepted');
    expect(result.rejection.message.length).toBeLessThan(300);
  });

  it('only checks scores on Survey Responded track events', () => {
    expect(
      reasonOf(validateEvent(track({ event: 'Survey Shown', properties: { survey: 'nps', score: 99 } }))),
    ).toBe('accepted');
    expect(
      reasonOf(validateEvent({ type: 'page', anonymousId: 'a', properties: { survey: 'nps', score: 99 } })),
    ).toBe('accepted');
  });

  it.each(['toString', 'constructor', 'hasOwnProperty', '__proto__'])(
    'rejects the unknown survey kind %s (no prototype lookup)',
    (kind) => {
      expect(reasonOf(validateEvent(survey({ survey: kind, score: 5 })))).toBe('invalid_survey_score');
    },
  );
});

describe('event_too_large (validateAndNormalize)', () => {
  const options = { site: 'shop', receivedAtMs: Date.parse('2026-10-25T12:00:00.000Z') };

  function eventOfSize(bytes: number): JsonObject {
    const base = { type: 'track', event: 'E', anonymousId: 'a', messageId: 'big', properties: { pad: '' } };
    const padding = bytes - Buffer.byteLength(JSON.stringify(base));
    return { ...base, properties: { pad: 'x'.repeat(padding) } };
  }

  it('rejects an event larger than 32 KB and keeps its messageId and index', () => {
    const tooBig = eventOfSize(MAX_EVENT_BYTES + 1);

    const { accepted, rejected } = validateAndNormalize({ events: [track(), tooBig] }, options);

    expect(accepted.map((a) => a.index)).toEqual([0]);
    expect(rejected).toEqual([
      {
        index: 1,
        messageId: 'big',
        reason: 'event_too_large',
        message: `${REJECTION_REASONS.event_too_large} (${MAX_EVENT_BYTES + 1} bytes)`,
        raw: tooBig,
      },
    ]);
  });

  it('accepts an event of exactly 32 KB', () => {
    const { accepted, rejected } = validateAndNormalize({ events: [eventOfSize(MAX_EVENT_BYTES)] }, options);

    expect(rejected).toEqual([]);
    expect(accepted).toHaveLength(1);
  });

  it('counts bytes, not characters (multi-byte text)', () => {
    const base = { type: 'track', event: 'E', anonymousId: 'a', properties: { pad: '' } };
    const baseBytes = Buffer.byteLength(JSON.stringify(base));
    // 'é' is 2 bytes in UTF-8: fewer than 32 K characters but more than 32 KB.
    const chars = Math.ceil((MAX_EVENT_BYTES - baseBytes + 2) / 2);
    const event = { ...base, properties: { pad: 'é'.repeat(chars) } };
    expect(JSON.stringify(event).length).toBeLessThan(MAX_EVENT_BYTES);

    const { rejected } = validateAndNormalize({ events: [event] }, options);

    expect(rejected.map((r) => r.reason)).toEqual(['event_too_large']);
  });

  it('reports per-event reasons for a mixed batch in request order', () => {
    const { accepted, rejected } = validateAndNormalize(
      { events: [track(), 'nope', { type: 'track', anonymousId: 'a' }, track({ messageId: '' })] },
      options,
    );

    expect(accepted.map((a) => a.index)).toEqual([0]);
    expect(rejected.map((r) => [r.index, r.reason, r.messageId])).toEqual([
      [1, 'not_an_object', null],
      [2, 'missing_event_name', null],
      [3, 'invalid_message_id', ''],
    ]);
  });
});

describe('every rejection reason is reachable', () => {
  const options = { site: 'shop', receivedAtMs: Date.parse('2026-10-25T12:00:00.000Z') };
  // Refusing an erasing user's events is the collector's (refuseErasing), not validation's.
  const producers: Record<Exclude<RejectionReason, 'user_erasure_in_progress'>, unknown> = {
    not_an_object: 7,
    unknown_type: { type: 'nope', anonymousId: 'a' },
    missing_identity: { type: 'alias', userId: 'u' },
    missing_event_name: { type: 'track', anonymousId: 'a' },
    invalid_timestamp: track({ sentAt: 'soon' }),
    invalid_message_id: track({ messageId: '' }),
    invalid_field: track({ properties: 'x' }),
    invalid_survey_score: survey({ survey: 'csat', score: 6 }),
    event_too_large: track({ properties: { pad: 'x'.repeat(MAX_EVENT_BYTES) } }),
  };

  it('has a producer for each code in REJECTION_REASONS', () => {
    expect([...Object.keys(producers), 'user_erasure_in_progress'].sort()).toEqual(
      Object.keys(REJECTION_REASONS).sort(),
    );
  });

  it('refuses the events of users being erased, by any of their ids, and keeps the others', () => {
    const { accepted } = validateAndNormalize(
      {
        events: [
          track({ userId: 'erased-user' }),
          track({ anonymousId: 'erased-anon' }),
          { type: 'alias', previousId: 'erased-anon', userId: 'new-user' },
          track({ anonymousId: 'someone-else' }),
        ],
      },
      options,
    );
    const {
      accepted: kept,
      refused,
      tied,
    } = refuseErasing(
      accepted,
      new Map([
        ['erased-user', 'job-1'],
        ['erased-anon', 'job-1'],
      ]),
    );

    expect(kept.map((entry) => entry.index)).toEqual([3]);
    expect(refused.map((entry) => [entry.index, entry.reason, entry.raw])).toEqual([
      [0, 'user_erasure_in_progress', null],
      [1, 'user_erasure_in_progress', null],
      [2, 'user_erasure_in_progress', null],
    ]);
    // The events tied other ids to the erased user (the device the first came from, the alias's new
    // user id): those are refused, and erased, too.
    expect(tied).toEqual(new Map([['job-1', new Set(['anon-1', 'new-user'])]]));
  });

  it.each(Object.entries(producers))('produces %s', (reason, raw) => {
    const { rejected } = validateAndNormalize({ events: [raw] }, options);

    expect(rejected.map((r) => r.reason)).toEqual([reason]);
  });
});

describe('validateEvent: __proto__ keys in JSON input', () => {
  const body =
    '{"type":"track","event":"E","anonymousId":"a","__proto__":{"polluted":"top"},' +
    '"properties":{"__proto__":{"isAdmin":true},"x":1},' +
    '"traits":{"__proto__":{"role":"admin"}},"context":{"__proto__":{"ip":"6.6.6.6"}}}';

  it('never pollutes Object.prototype', () => {
    const raw: unknown = JSON.parse(body);

    validateEvent(raw);
    validateEvent(raw, 'track');

    const probe: JsonObject = {};
    expect(probe.polluted).toBeUndefined();
    expect(probe.isAdmin).toBeUndefined();
    expect(probe.role).toBeUndefined();
    expect(probe.ip).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it.each([undefined, 'track' as const])(
    'returns objects whose prototype is Object.prototype (forcedType %s)',
    (forcedType) => {
      const result = validateEvent(JSON.parse(body), forcedType);

      if (!result.ok) throw new Error(`rejected: ${result.rejection.message}`);
      const { event } = result;
      expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
      expect(Object.getPrototypeOf(event.properties)).toBe(Object.prototype);
      expect(Object.getPrototypeOf(event.traits)).toBe(Object.prototype);
      expect(Object.getPrototypeOf(event.context)).toBe(Object.prototype);
      expect(event.polluted).toBeUndefined();
      expect(event.properties?.isAdmin).toBeUndefined();
      expect(event.traits?.role).toBeUndefined();
      expect(event.context?.ip).toBeUndefined();
      expect(event.properties?.x).toBe(1);
    },
  );
});

describe('validateEvent: impossible dates and years outside 1970-2100 (issue 15)', () => {
  const fields = ['timestamp', 'originalTimestamp', 'sentAt'] as const;

  it.each(
    fields.flatMap((field) =>
      [
        ['2026-02-30T10:00:00Z', '2026-02-30 is not a calendar date'],
        ['2026-04-31T10:00:00.000Z', '2026-04-31 is not a calendar date'],
        ['2025-02-29T10:00:00Z', '2025-02-29 is not a calendar date'],
        ['2100-02-29T10:00:00Z', '2100-02-29 is not a calendar date'],
        ['2026-13-01T10:00:00Z', '2026-13-01 is not a calendar date'],
        ['2026-00-10T10:00:00Z', '2026-00-10 is not a calendar date'],
        ['2026-11-00 10:00', '2026-11-00 is not a calendar date'],
        ['2026-11-20T24:00:00Z', '24:00:00 is not a time of day'],
        ['2026-11-20T23:60Z', '23:60 is not a time of day'],
        ['2026-11-20T23:59:60Z', '23:59:60 is not a time of day'],
      ].map(([value, why]) => [field, value, why] as const),
    ),
  )('rejects %s = %j with invalid_timestamp: %s', (field, value, why) => {
    const result = validateEvent(track({ [field]: value }));

    expect(result).toEqual({
      ok: false,
      rejection: {
        reason: 'invalid_timestamp',
        message: `${REJECTION_REASONS.invalid_timestamp} (${field}: ${why})`,
      },
    });
  });

  it.each(
    fields.flatMap((field) =>
      [
        ['0001-01-01T00:00:00.000Z', 'is before 1970 (UTC)'],
        ['1969-12-31T23:59:59.999Z', 'is before 1970 (UTC)'],
        ['1970-01-01T00:30:00+01:00', 'is before 1970 (UTC)'],
        ['2101-01-01T00:00:00.000Z', 'is after 2100 (UTC)'],
        ['9999-12-31T23:59:59.999Z', 'is after 2100 (UTC)'],
      ].map(([value, why]) => [field, value, why] as const),
    ),
  )('rejects %s = %j, a year outside 1970-2100, with invalid_timestamp', (field, value, why) => {
    const result = validateEvent(track({ [field]: value }));

    if (result.ok) throw new Error('accepted');
    expect(result.rejection.reason).toBe('invalid_timestamp');
    expect(result.rejection.message).toBe(
      `${REJECTION_REASONS.invalid_timestamp} (${field}: ${value} ${why})`,
    );
  });

  it.each([
    '1970-01-01T00:00:00.000Z',
    '2100-12-31T23:59:59.999Z',
    '2024-02-29T12:00:00Z',
    '2000-02-29T12:00:00Z',
    '2026-11-20T10:00:00+01',
    '2026-11-20T23:59:59.999999999-05:00',
  ])('accepts the valid date-time %j', (timestamp) => {
    expect(
      reasonOf(validateEvent(track({ timestamp, originalTimestamp: timestamp, sentAt: timestamp }))),
    ).toBe('accepted');
  });

  it('reads an offset of whole hours (+01) as ISO 8601 does', () => {
    const { accepted } = validateAndNormalize(
      { events: [track({ timestamp: '2026-11-20T10:00:00+01' })] },
      { site: 'shop', receivedAtMs: Date.parse('2026-11-21T00:00:00.000Z') },
    );

    expect(accepted[0]?.event.timestamp).toBe('2026-11-20T09:00:00.000Z');
  });

  it('states the accepted years in the reason text', () => {
    expect(REJECTION_REASONS.invalid_timestamp).toContain(`${FIRST_EVENT_YEAR} to ${LAST_EVENT_YEAR}`);
  });
});

describe('validateAndNormalize: sentAt and the skew-corrected event time (issue 15)', () => {
  const options = { site: 'shop', receivedAtMs: Date.parse('2026-11-20T12:00:00.000Z') };

  it('rejects an event whose skew correction moves it before 1970, though both of its times are valid', () => {
    // receivedAt − (sentAt − timestamp): 131 years less a day before 2026-11-20.
    const raw = track({
      messageId: 'skewed',
      timestamp: '1970-01-01T00:00:00.000Z',
      sentAt: '2100-12-31T00:00:00.000Z',
    });

    const { accepted, rejected } = validateAndNormalize({ events: [raw] }, options);

    expect(accepted).toEqual([]);
    expect(rejected).toEqual([
      {
        index: 0,
        messageId: 'skewed',
        reason: 'invalid_timestamp',
        message:
          `${REJECTION_REASONS.invalid_timestamp} (the event time corrected for clock skew, ` +
          'receivedAt − (sentAt − timestamp), is 1895-11-21T12:00:00.000Z: outside the years 1970-2100)',
        raw,
      },
    ]);
  });

  it('rejects the events that rely on an impossible batch sentAt, and keeps those with their own', () => {
    const { accepted, rejected } = validateAndNormalize(
      {
        events: [
          track({ messageId: 'no-own' }),
          track({ messageId: 'own', sentAt: '2026-11-20T11:59:59.000Z' }),
        ],
        batchSentAt: '2026-02-30T11:59:59.000Z',
      },
      options,
    );

    expect(accepted.map((a) => a.event.messageId)).toEqual(['own']);
    expect(rejected.map((r) => [r.messageId, r.reason, r.message])).toEqual([
      [
        'no-own',
        'invalid_timestamp',
        `${REJECTION_REASONS.invalid_timestamp} (the batch's sentAt: 2026-02-30 is not a calendar date)`,
      ],
    ]);
  });

  it.each([
    [
      'a year before 1970',
      '0001-01-01T00:00:00.000Z',
      "the batch's sentAt: 0001-01-01T00:00:00.000Z is before 1970 (UTC)",
    ],
    ['not text', 1_763_640_000_000, "the batch's sentAt: not an ISO 8601 date-time"],
  ])('rejects a batch sentAt that is %s', (_label, batchSentAt, detail) => {
    const { rejected } = validateAndNormalize({ events: [track()], batchSentAt }, options);

    expect(rejected.map((r) => r.message)).toEqual([`${REJECTION_REASONS.invalid_timestamp} (${detail})`]);
  });

  it('treats a null batch sentAt as none sent', () => {
    const { accepted } = validateAndNormalize({ events: [track()], batchSentAt: null }, options);

    expect(accepted).toHaveLength(1);
  });

  it('never stores year 0001 (it used to be partitioned as 1901)', () => {
    const { accepted, rejected } = validateAndNormalize(
      { events: [track({ timestamp: '0001-01-01T00:00:00.000Z' })] },
      options,
    );

    expect(accepted).toEqual([]);
    expect(rejected.map((r) => r.reason)).toEqual(['invalid_timestamp']);
  });
});
