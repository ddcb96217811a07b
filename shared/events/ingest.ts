/** The collector's pure pipeline: split a request into accepted (normalized) and rejected events. */
import { createHash, randomUUID } from 'node:crypto';
import { linkPairsOf } from '../metrics/links';
import { localDateHour, utcOffsetMs } from '../time';
import { type NormalizeContext, normalizeEvent } from './normalize';
import { eventWithoutNulls, objectWithoutNulls } from './nulls';
import { type Rejection, type RejectionReason, rejection } from './reasons';
import {
  dateTimeProblem,
  EVENT_TIME_END_MS,
  EVENT_TIME_MIN_MS,
  EVENT_YEARS,
  type IncomingEvent,
  isNestedTooDeeply,
  MAX_EVENT_BYTES,
  MAX_NESTING,
  validateEvent,
} from './schema';
import type { EventType, JsonObject, NormalizedEvent } from './types';

export const MAX_BATCH_EVENTS = 2500;

export interface IngestRequest {
  events: readonly unknown[];
  /** The batch's `sentAt` as sent: it must be a date-time like an event's own (null counts as absent). */
  batchSentAt?: unknown;
  batchContext?: JsonObject;
  /** Set by single-event endpoints (`/v1/track` ...). */
  forcedType?: EventType;
}

export interface IngestOptions {
  site: string;
  receivedAtMs: number;
  /** Size of the whole request body; when it is within the event limit no single event can exceed it. */
  requestBytes?: number;
  /**
   * The messageId of an event sent without one. Random (UUID v4), as Segment's API generates one per
   * event: two identical requests without ids are two events. @default crypto.randomUUID
   */
  newMessageId?: () => string;
}

export interface AcceptedEvent {
  index: number;
  event: NormalizedEvent;
}

export interface RejectedEvent {
  index: number;
  messageId: string | null;
  reason: RejectionReason;
  message: string;
  /** The event as sent, kept under `rejected/` for inspection (after the same PII scrubbing). */
  raw: unknown;
}

export function requestHashOf(site: string, body: Uint8Array | string): string {
  return createHash('sha256').update(site).update('\0').update(body).digest('hex');
}

/**
 * The digest archive object names derive from: the request and the messageIds of its accepted events.
 * A retry of a request whose events carry their ids gets the same digest and overwrites its own
 * objects; a request whose ids were generated (random) never overwrites another's.
 */
export function archiveDigestOf(
  site: string,
  body: Uint8Array | string,
  accepted: readonly AcceptedEvent[],
): string {
  const hash = createHash('sha256').update(site).update('\0').update(body);
  for (const { event } of accepted) hash.update('\0').update(event.messageId);
  return hash.digest('hex');
}

/** A rejected event is kept for inspection, but never with the write key a client put in it. */
function withoutWriteKey(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !Object.hasOwn(raw, 'writeKey'))
    return raw;
  const { writeKey: _writeKey, ...rest } = raw as JsonObject;
  return rest;
}

function messageIdOf(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const id = (raw as JsonObject).messageId;
  return typeof id === 'string' ? id.slice(0, 200) : null;
}

export function validateAndNormalize(
  request: IngestRequest,
  options: IngestOptions,
): { accepted: AcceptedEvent[]; rejected: RejectedEvent[] } {
  const accepted: AcceptedEvent[] = [];
  const rejected: RejectedEvent[] = [];
  const receivedAt = new Date(options.receivedAtMs).toISOString();
  // Within the event limit the whole request is, so no single event needs measuring.
  const measureEach = options.requestBytes === undefined || options.requestBytes > MAX_EVENT_BYTES;
  const { events } = request;
  const batchSentAt = batchSentAtOf(request.batchSentAt);
  const context: NormalizeContext = {
    site: options.site,
    receivedAtMs: options.receivedAtMs,
    receivedAt,
    batchSentAt: batchSentAt.text,
    batchContext: request.batchContext && objectWithoutNulls(request.batchContext),
    fallbackMessageId: options.newMessageId ?? randomUUID,
  };
  for (let index = 0; index < events.length; index += 1) {
    const raw = events[index];
    const checked = checkedEvent(raw, request.forcedType, measureEach);
    let problem = checked.rejection;
    let event: NormalizedEvent | undefined;
    if (checked.event) {
      // An event without a sentAt of its own is corrected with the batch's, which must be valid too.
      if (batchSentAt.problem && checked.event.sentAt === undefined) problem = batchSentAt.problem;
      else {
        event = normalizeEvent(checked.event, context);
        problem = eventTimeProblem(event);
      }
    }
    if (problem) {
      const kept = checked.kept === undefined ? withoutWriteKey(raw) : checked.kept;
      rejected.push({ index, messageId: messageIdOf(raw), ...problem, raw: kept });
    } else if (event) {
      accepted.push({ index, event });
    }
  }
  return { accepted, rejected };
}

/** The batch's sentAt when it is a valid date-time, else why not (undefined and null: none sent). */
function batchSentAtOf(value: unknown): { text?: string; problem?: Rejection } {
  if (value === undefined || value === null) return {};
  const problem = typeof value === 'string' ? dateTimeProblem(value) : 'not an ISO 8601 date-time';
  if (problem) return { problem: rejection('invalid_timestamp', `the batch's sentAt: ${problem}`) };
  return { text: value as string };
}

/**
 * Both client times lie within the years accepted, but the skew correction (receivedAt − (sentAt −
 * timestamp)) can still move the event time out of them: such an event is rejected, not stored at a
 * time nobody sent.
 */
function eventTimeProblem(event: NormalizedEvent): Rejection | undefined {
  const ms = Date.parse(event.timestamp);
  if (ms >= EVENT_TIME_MIN_MS && ms < EVENT_TIME_END_MS) return undefined;
  return rejection(
    'invalid_timestamp',
    `the event time corrected for clock skew, receivedAt − (sentAt − timestamp), is ${event.timestamp}: outside the years ${EVENT_YEARS}`,
  );
}

type Checked =
  | { rejection: Rejection; kept?: string; event?: undefined }
  | { rejection?: undefined; kept?: undefined; event: IncomingEvent };

const NESTING_CHECKED = { nestingChecked: true } as const;

/** The checks in their order: the first failing one names the reason. */
function checkedEvent(raw: unknown, forcedType: EventType | undefined, measure: boolean): Checked {
  if (isNestedTooDeeply(raw)) {
    // Kept out of rejected/ too: serializing it could overflow the stack.
    return {
      rejection: rejection('invalid_field', `objects nested deeper than ${MAX_NESTING} levels`),
      kept: '(omitted: nested too deeply)',
    };
  }
  if (measure) {
    const size = Buffer.byteLength(JSON.stringify(raw) ?? '');
    if (size > MAX_EVENT_BYTES) return { rejection: rejection('event_too_large', `${size} bytes`) };
  }
  // After the nesting check, which bounds the recursion; the size counts the event as sent.
  const result = validateEvent(eventWithoutNulls(raw), forcedType, NESTING_CHECKED);
  return result.ok ? { event: result.event } : { rejection: result.rejection };
}

/**
 * Splits off the events of users whose erasure runs (their userId, anonymousId or previousId among
 * `erasingIds`, which maps each id to its erasure): refused with a reason, and kept nowhere — not even
 * under rejected/. A refused event that ties another id to the user (an identify from a new device)
 * names it in `tied`, so that the device is refused, and erased, too.
 */
export function refuseErasing(
  accepted: readonly AcceptedEvent[],
  erasingIds: ReadonlyMap<string, string>,
): { accepted: AcceptedEvent[]; refused: RejectedEvent[]; tied: Map<string, Set<string>> } {
  const tied = new Map<string, Set<string>>();
  if (erasingIds.size === 0) return { accepted: [...accepted], refused: [], tied };
  const kept: AcceptedEvent[] = [];
  const refused: RejectedEvent[] = [];
  for (const entry of accepted) {
    const ids = [entry.event.userId, entry.event.anonymousId, entry.event.previousId].filter(
      (id): id is string => id !== undefined,
    );
    const erasure = ids.map((id) => erasingIds.get(id)).find((key) => key !== undefined);
    if (erasure === undefined) {
      kept.push(entry);
      continue;
    }
    const { reason, message } = rejection('user_erasure_in_progress');
    refused.push({ index: entry.index, messageId: entry.event.messageId, reason, message, raw: null });
    for (const id of ids) {
      if (erasingIds.has(id)) continue;
      const set = tied.get(erasure) ?? new Set<string>();
      set.add(id);
      tied.set(erasure, set);
    }
  }
  return { accepted: kept, refused, tied };
}

export interface Partition {
  /** Site-local day of the events' time. */
  date: string;
  /** Site-local hour, 00-23. */
  hour: string;
  events: NormalizedEvent[];
}

/** Groups events by the site-local day and hour of their event time: one archive object each. */
export function partitionByLocalHour(events: readonly NormalizedEvent[], timeZone: string): Partition[] {
  const partitions = new Map<string, Partition>();
  // A request's events mostly share a quarter hour, and offsets change only on quarter hours
  // (shared/time.ts): where the offset is whole quarter hours too (not so for some zones' historic
  // local mean time), every instant of a UTC quarter hour falls in one local hour.
  const byQuarter = new Map<number, Partition>();
  for (const event of events) {
    const ms = Date.parse(event.timestamp);
    const quarter = Math.floor(ms / QUARTER_HOUR_MS);
    let partition = byQuarter.get(quarter);
    if (!partition) {
      const { date, hour } = localDateHour(ms, timeZone);
      const key = `${date}/${hour}`;
      partition = partitions.get(key);
      if (!partition) {
        partition = { date, hour, events: [] };
        partitions.set(key, partition);
      }
      if (utcOffsetMs(ms, timeZone) % QUARTER_HOUR_MS === 0) byQuarter.set(quarter, partition);
    }
    partition.events.push(event);
  }
  return [...partitions.values()];
}

const QUARTER_HOUR_MS = 900_000;

/** A compact timeline entry: journey items stay well under 1 KB for a typical 10-event request. */
export interface JourneyEntry {
  /** messageId */
  m: string;
  /** event time, epoch ms */
  t: number;
  /** type */
  y: EventType;
  /** event or page/screen name */
  n?: string;
  /** touchpoint */
  tp?: string;
  /** channel */
  ch?: string;
}

export interface JourneySegment {
  /** userId when the event has one, else anonymousId (linked ids are merged when read). */
  actorId: string;
  firstEventMs: number;
  entries: JourneyEntry[];
}

function stringField(source: JsonObject | undefined, key: string): string | undefined {
  const value = source?.[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function journeyEntryOf(event: NormalizedEvent): JourneyEntry {
  const entry: JourneyEntry = { m: event.messageId, t: Date.parse(event.timestamp), y: event.type };
  const name = event.event ?? event.name;
  if (name) entry.n = name.slice(0, 100);
  const touchpoint = stringField(event.properties, 'touchpoint') ?? stringField(event.context, 'touchpoint');
  if (touchpoint) entry.tp = touchpoint.slice(0, 100);
  const channel = stringField(event.context, 'channel');
  if (channel) entry.ch = channel.slice(0, 50);
  return entry;
}

/** One segment per actor per request: a few DynamoDB writes per request, not one per event. */
export function journeySegmentsOf(events: readonly NormalizedEvent[]): JourneySegment[] {
  const segments = new Map<string, JourneySegment>();
  for (const event of events) {
    const actorId = event.userId ?? event.anonymousId;
    if (!actorId) continue;
    const entry = journeyEntryOf(event);
    const segment = segments.get(actorId);
    if (segment) {
      segment.entries.push(entry);
      segment.firstEventMs = Math.min(segment.firstEventMs, entry.t);
    } else segments.set(actorId, { actorId, firstEventMs: entry.t, entries: [entry] });
  }
  for (const segment of segments.values()) segment.entries.sort((a, b) => a.t - b.t || (a.m < b.m ? -1 : 1));
  return [...segments.values()];
}

export interface IdentityLinkCandidate {
  anonymousId: string;
  userId: string;
  eventTimeMs: number;
}

/** Earliest event time wins; on a tie the smaller userId (the same rule as the stored conditional write). */
export function isBetterLink(candidate: IdentityLinkCandidate, current: IdentityLinkCandidate): boolean {
  return (
    candidate.eventTimeMs < current.eventTimeMs ||
    (candidate.eventTimeMs === current.eventTimeMs && candidate.userId < current.userId)
  );
}

/** The best link per anonymous id among a request's events (metrics.md §2, identity links). */
export function identityLinksOf(events: readonly NormalizedEvent[]): IdentityLinkCandidate[] {
  const best = new Map<string, IdentityLinkCandidate>();
  for (const event of events) {
    for (const [anonymousId, userId] of linkPairsOf(event)) {
      const candidate = { anonymousId, userId, eventTimeMs: Date.parse(event.timestamp) };
      const current = best.get(anonymousId);
      if (!current || isBetterLink(candidate, current)) best.set(anonymousId, candidate);
    }
  }
  return [...best.values()];
}
