/** Incoming Segment-spec events: zod shapes plus the semantic rules, mapped to stable reason codes. */
import * as z from 'zod/mini';
import { withNumericAmounts } from './amounts';
import { type Rejection, rejection } from './reasons';
import { SURVEY_RESPONDED, surveyResponseProblem } from './survey';
import { EVENT_TYPES, type EventType, type JsonObject } from './types';

export const MAX_EVENT_BYTES = 32 * 1024;

/** Segment allows numeric ids; we store every id as a string. */
const identifier = z.optional(z.union([z.string(), z.number()]));
const plainObject = z.optional(z.record(z.string(), z.unknown()));
/**
 * ISO 8601 date-time; a missing zone designator means UTC (never the server's own zone). Captures the
 * calendar fields, which Date.parse does not check (it reads 2026-02-30 as 2 March).
 */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Event times lie in [1970-01-01T00:00Z, 2101-01-01T00:00Z): the years 1970 to 2100. Earlier or later
 * times are typos or unset clocks (year 0001), and the calendar arithmetic of partitions is only
 * defined for four-digit years from 100 on (Date.UTC reads years 0-99 as 1900-1999).
 */
export const FIRST_EVENT_YEAR = 1970;
export const LAST_EVENT_YEAR = 2100;
export const EVENT_TIME_MIN_MS = Date.UTC(FIRST_EVENT_YEAR, 0, 1);
export const EVENT_TIME_END_MS = Date.UTC(LAST_EVENT_YEAR + 1, 0, 1);

export const EVENT_YEARS = `${FIRST_EVENT_YEAR}-${LAST_EVENT_YEAR}`;

/** Epoch ms of an ISO 8601 date-time (see dateTimeProblem), or NaN when it is not a valid one. */
export function parseIsoDateTime(value: string): number {
  // Each event's time is read twice (validation, then normalization) and a batch's sentAt once per
  // event: the last two answers are kept, most recent first.
  if (value === recentDateTimes.text) return recentDateTimes.ms;
  if (value === recentDateTimes.olderText) {
    const ms = recentDateTimes.olderMs;
    remember(value, ms);
    return ms;
  }
  const ms = parseUncached(value);
  remember(value, ms);
  return ms;
}

const recentDateTimes = { text: '', ms: Number.NaN, olderText: '', olderMs: Number.NaN };

function remember(text: string, ms: number): void {
  recentDateTimes.olderText = recentDateTimes.text;
  recentDateTimes.olderMs = recentDateTimes.ms;
  recentDateTimes.text = text;
  recentDateTimes.ms = ms;
}

function parseUncached(value: string): number {
  const parsed = parsedDateTime(value);
  return typeof parsed === 'number' ? parsed : Number.NaN;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

/** Epoch ms of a valid date-time, else why it is not one (the message of its rejection). */
function parsedDateTime(value: string): number | string {
  const match = ISO_DATE_TIME.exec(value);
  if (!match) return 'not an ISO 8601 date-time';
  const [, yearText = '', monthText = '', dayText = '', hourText = '', minuteText = '', secondText, zone] =
    match;
  const month = Number(monthText);
  const day = Number(dayText);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(Number(yearText), month))
    return `${yearText}-${monthText}-${dayText} is not a calendar date`;
  if (Number(hourText) > 23 || Number(minuteText) > 59 || Number(secondText ?? 0) > 59)
    return `${hourText}:${minuteText}${secondText === undefined ? '' : `:${secondText}`} is not a time of day`;
  // V8 reads offsets as ±HH:MM or ±HHMM only; ISO 8601 allows ±HH too.
  const text = zone === undefined ? `${value}Z` : /^[+-]\d{2}$/.test(zone) ? `${value}:00` : value;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return `the zone offset ${zone ?? ''} is out of range`;
  if (ms < EVENT_TIME_MIN_MS) return `${value} is before ${FIRST_EVENT_YEAR} (UTC)`;
  if (ms >= EVENT_TIME_END_MS) return `${value} is after ${LAST_EVENT_YEAR} (UTC)`;
  return ms;
}

/** Why a text is not an accepted event date-time, or undefined when it is one. */
export function dateTimeProblem(value: string): string | undefined {
  const parsed = parsedDateTime(value);
  return typeof parsed === 'number' ? undefined : parsed;
}

const dateTime = z.optional(
  z.string().check(
    z.superRefine((value, ctx) => {
      if (!Number.isNaN(parseIsoDateTime(value))) return;
      ctx.addIssue({ code: 'custom', message: dateTimeProblem(value) ?? 'not a date-time', input: value });
    }),
  ),
);

export const incomingEventSchema = z.looseObject({
  type: z.enum(EVENT_TYPES),
  messageId: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  event: z.optional(z.string()),
  name: z.optional(z.string()),
  userId: identifier,
  anonymousId: identifier,
  previousId: identifier,
  groupId: identifier,
  properties: plainObject,
  traits: plainObject,
  context: plainObject,
  timestamp: dateTime,
  /** RudderStack's SDKs send the client's event time here instead of in `timestamp`. */
  originalTimestamp: dateTime,
  sentAt: dateTime,
});

export type IncomingEvent = z.output<typeof incomingEventSchema>;

const FIELD_REASONS: Readonly<Record<string, Rejection['reason']>> = {
  type: 'unknown_type',
  timestamp: 'invalid_timestamp',
  sentAt: 'invalid_timestamp',
  originalTimestamp: 'invalid_timestamp',
  messageId: 'invalid_message_id',
};

export type ValidationResult = { ok: true; event: IncomingEvent } | { ok: false; rejection: Rejection };

function isPresentId(value: string | number | undefined): boolean {
  return value !== undefined && String(value).length > 0;
}

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates one event. `forcedType` is the type implied by a single-event endpoint (`/v1/track` ...),
 * which wins over the body's own `type`, as Segment's API does. `nestingChecked`: the caller has
 * already run `isNestedTooDeeply` on this event (the ingest pipeline does, before anything else).
 */
export function validateEvent(
  raw: unknown,
  forcedType?: EventType,
  options: { nestingChecked?: boolean } = {},
): ValidationResult {
  if (!isPlainObject(raw)) return { ok: false, rejection: rejection('not_an_object') };
  let event = parsedWithoutIssues(raw, forcedType);
  if (!event) {
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
    event = parsed.data;
  }
  if (!options.nestingChecked && isNestedTooDeeply(raw)) {
    return {
      ok: false,
      rejection: rejection('invalid_field', `objects nested deeper than ${MAX_NESTING} levels`),
    };
  }
  for (const field of ID_FIELDS) {
    const id = event[field];
    if (id !== undefined && String(id).length > MAX_ID_LENGTH) {
      return {
        ok: false,
        rejection: rejection('invalid_field', `${field}: at most ${MAX_ID_LENGTH} characters`),
      };
    }
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
    if (event.event === SURVEY_RESPONDED) {
      const surveyProblem = surveyResponseProblem(event.properties);
      if (surveyProblem) return { ok: false, rejection: rejection('invalid_survey_score', surveyProblem) };
    }
  }
  if (event.properties) {
    // `event` is validation's own copy (zod's, or the fast path's): its properties may be replaced.
    const amounts = withNumericAmounts(event.properties);
    if (!amounts.ok) return { ok: false, rejection: rejection('invalid_field', amounts.problem) };
    event.properties = amounts.properties;
  }
  return { ok: true, event };
}

/* ------------------------------------------------------------------------------------ fast path */

// zod stays the definition of a valid event; parsing with it costs several microseconds per event,
// most of the collector's validation time. `parsedWithoutIssues` answers only for events zod would
// accept unchanged and then returns what zod returns (same keys, same order); anything else,
// including every invalid event, goes to zod, so reasons and messages come from zod alone.
// test/shared/events/hot-path-equivalence.test.ts checks the two against each other.

const SHAPE_KEYS = Object.keys(incomingEventSchema.shape) as (keyof typeof incomingEventSchema.shape)[];
const SHAPE_KEY_SET: ReadonlySet<string> = new Set(SHAPE_KEYS);
const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);

const isString = (value: unknown): boolean => typeof value === 'string';
const isIdentifier = (value: unknown): boolean =>
  typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
const isDateTime = (value: unknown): boolean =>
  typeof value === 'string' && !Number.isNaN(parseIsoDateTime(value));

/**
 * What zod's `z.record(z.string(), z.unknown())` copies unchanged: a plain object without symbol keys
 * and without a `__proto__` key (zod drops that one; the fallback handles it).
 */
function isSimpleRecord(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (Object.getPrototypeOf(value) !== Object.prototype || Object.hasOwn(value, '__proto__')) return false;
  const ctor = (value as JsonObject).constructor;
  if (typeof ctor === 'function' && ctor !== Object) return false;
  return Object.getOwnPropertySymbols(value).length === 0;
}

/** Per shape field, whether zod accepts the value unchanged (records are copied, as zod copies them). */
const FIELD_CHECKS: Readonly<Record<(typeof SHAPE_KEYS)[number], (value: unknown) => boolean>> = {
  type: (value) => typeof value === 'string' && EVENT_TYPE_SET.has(value),
  messageId: (value) => typeof value === 'string' && value.length >= 1 && value.length <= 200,
  event: isString,
  name: isString,
  userId: isIdentifier,
  anonymousId: isIdentifier,
  previousId: isIdentifier,
  groupId: isIdentifier,
  properties: isSimpleRecord,
  traits: isSimpleRecord,
  context: isSimpleRecord,
  timestamp: isDateTime,
  originalTimestamp: isDateTime,
  sentAt: isDateTime,
};
const RECORD_FIELDS: ReadonlySet<string> = new Set(['properties', 'traits', 'context']);

/**
 * zod's output for an event it accepts without issues, or undefined to let zod decide: the shape's
 * fields in the shape's order, then the other fields as sent (zod's looseObject builds it that way).
 */
function parsedWithoutIssues(raw: JsonObject, forcedType: EventType | undefined): IncomingEvent | undefined {
  if (Object.getPrototypeOf(raw) !== Object.prototype || Object.hasOwn(raw, '__proto__')) return undefined;
  const type = forcedType ?? raw.type;
  if (!FIELD_CHECKS.type(type)) return undefined;
  const out: JsonObject = { type };
  for (const key of SHAPE_KEYS) {
    // `in`, as zod tests presence: a field present with any value must pass its check.
    if (key === 'type' || !(key in raw)) continue;
    const value = raw[key];
    if (!FIELD_CHECKS[key](value)) return undefined;
    out[key] = RECORD_FIELDS.has(key) ? { ...(value as JsonObject) } : value;
  }
  for (const key in raw) {
    if (!SHAPE_KEY_SET.has(key)) out[key] = raw[key];
  }
  return out as IncomingEvent;
}

/** Deeper nesting is rejected, so privacy scrubbing provably reaches every key of a stored event. */
export const MAX_NESTING = 32;

/**
 * Ids become parts of DynamoDB keys (partition keys hold at most 2,048 bytes, sort keys 1,024): longer
 * ids would fail every retry of the request, so they are rejected up front.
 */
export const MAX_ID_LENGTH = 256;
const ID_FIELDS = ['userId', 'anonymousId', 'previousId', 'groupId'] as const;

/**
 * True when any value of the event (its own fields at depth 1) nests deeper than MAX_NESTING: checked
 * before anything serializes the event, since JSON.stringify overflows the stack near 5,000 levels.
 */
export function isNestedTooDeeply(raw: unknown): boolean {
  // The event is level 0 and its fields' values level 1; objects inside a value may go MAX_NESTING
  // levels deeper.
  return typeof raw === 'object' && raw !== null && nestsBelow(raw, MAX_NESTING + 1);
}

/** Whether `value` holds objects or arrays more than `levels` levels below itself. */
function nestsBelow(value: object, levels: number): boolean {
  if (Array.isArray(value)) {
    for (const child of value as unknown[]) {
      if (typeof child === 'object' && child !== null && (levels === 0 || nestsBelow(child, levels - 1)))
        return true;
    }
    return false;
  }
  // for...in with hasOwn: the own enumerable keys, as Object.values has them, without its array.
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const child: unknown = (value as JsonObject)[key];
    if (typeof child === 'object' && child !== null && (levels === 0 || nestsBelow(child, levels - 1)))
      return true;
  }
  return false;
}
