/** Incoming Segment-spec events: zod shapes plus the semantic rules, mapped to stable reason codes. */
import * as z from 'zod/mini';
import { type Rejection, rejection } from './reasons';
import { EVENT_TYPES, type EventType, type JsonObject } from './types';

export const MAX_EVENT_BYTES = 32 * 1024;

/** Segment allows numeric ids; we store every id as a string. */
const identifier = z.optional(z.union([z.string(), z.number()]));
const plainObject = z.optional(z.record(z.string(), z.unknown()));
/** ISO 8601 date-time; a missing zone designator means UTC (never the server's own zone). */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;

/** What Segment clients send (`toISOString()`): parsed without the general checks. */
const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function parseIsoDateTime(value: string): number {
  if (CANONICAL_UTC.test(value)) return Date.parse(value);
  if (!ISO_DATE_TIME.test(value)) return Number.NaN;
  const hasZone = /(Z|[+-]\d{2}(:?\d{2})?)$/i.test(value.slice(10));
  return Date.parse(hasZone ? value : `${value}Z`);
}

const dateTime = z.optional(
  z.string().check(z.refine((value) => !Number.isNaN(parseIsoDateTime(value)), 'not an ISO 8601 date-time')),
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

/** Survey kinds and their valid integer score ranges (metrics.md §4, experience). */
export const SURVEY_SCORE_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  nps: [0, 10],
  enps: [0, 10],
  ces: [1, 7],
  csat: [1, 5],
};

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
 * which wins over the body's own `type`, as Segment's API does.
 */
export function validateEvent(raw: unknown, forcedType?: EventType): ValidationResult {
  if (!isPlainObject(raw)) return { ok: false, rejection: rejection('not_an_object') };
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
  if (isNestedTooDeeply(raw)) {
    return {
      ok: false,
      rejection: rejection('invalid_field', `objects nested deeper than ${MAX_NESTING} levels`),
    };
  }
  const longId = ID_FIELDS.find((field) => String(event[field] ?? '').length > MAX_ID_LENGTH);
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
      const surveyProblem = surveyScoreProblem(event.properties);
      if (surveyProblem) return { ok: false, rejection: rejection('invalid_survey_score', surveyProblem) };
    }
  }
  return { ok: true, event };
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
  return nestingDepth(raw, 0) > MAX_NESTING + 1;
}

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

/** Known survey kinds must carry an integer score in range; unknown kinds are kept but never scored. */
function surveyScoreProblem(properties: JsonObject | undefined): string | undefined {
  const survey = properties?.survey;
  if (typeof survey !== 'string') return undefined;
  const range = Object.hasOwn(SURVEY_SCORE_RANGES, survey) ? SURVEY_SCORE_RANGES[survey] : undefined;
  if (!range) return undefined;
  const score = properties?.score;
  if (typeof score !== 'number' || !Number.isInteger(score) || score < range[0] || score > range[1]) {
    return `${survey} score ${JSON.stringify(score ?? null)} is outside ${range[0]}-${range[1]}`;
  }
  return undefined;
}
