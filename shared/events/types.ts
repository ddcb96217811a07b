/** The normalized event: one line of the S3 archive (metrics.md §1). */

export const EVENT_TYPES = ['track', 'page', 'screen', 'identify', 'alias', 'group'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Types that count as activity (metrics.md §2). */
export const ACTIVITY_TYPES: ReadonlySet<EventType> = new Set(['track', 'page', 'screen']);

export type JsonObject = { [key: string]: unknown };

export interface NormalizedEvent {
  messageId: string;
  type: EventType;
  /** Track event name. */
  event?: string;
  /** Page or screen name. */
  name?: string;
  userId?: string;
  anonymousId?: string;
  previousId?: string;
  groupId?: string;
  properties?: JsonObject;
  traits?: JsonObject;
  context?: JsonObject;
  /** The site the write key belongs to. */
  site: string;
  /** Server clock, ISO 8601 UTC with milliseconds. */
  receivedAt: string;
  /** The client's `timestamp`, if it sent one. */
  originalTimestamp?: string;
  /** Event time after skew correction and the future clamp. */
  timestamp: string;
  sentAt?: string;
  [extra: string]: unknown;
}

/** anonymousId → userId, the earliest-event-time link of each anonymous id (metrics.md §2). */
export type IdentityLinks = ReadonlyMap<string, string>;
