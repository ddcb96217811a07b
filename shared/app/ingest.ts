/**
 * The ingest service: one tracking request of an authenticated site, from validation to durable storage.
 * Validates event by event, refuses the ids of running erasures, scrubs PII, archives (the durability
 * point) and projects journeys, identity links and day markers to DynamoDB.
 */
import { journeyExpiresAt } from '../config/site';
import {
  type AcceptedEvent,
  archiveDigestOf,
  type IngestRequest,
  identityLinksOf,
  type Partition,
  partitionByLocalHour,
  type RejectedEvent,
  refuseErasing,
  validateAndNormalize,
} from '../events/ingest';
import { hasConsentOptOut, type PrivacyPolicy, scrubEvent, withoutIdentities } from '../events/privacy';
import { MAX_EVENT_BYTES } from '../events/schema';
import type { NormalizedEvent } from '../events/types';
import { EVENT_NAMES } from '../metrics/day';
import { earlierDaysConvertedBy } from '../metrics/windows';
import { putObjects, rejectedObjectFor } from '../storage/archive';
import { type ArchivedPartition, type ArchiveSink, archivedPartitionsOf } from '../storage/archive-sink';
import type { StorageClients } from '../storage/clients';
import { tieErasingIds } from '../storage/erasure-jobs';
import { ERASURE_SETTLE_MS } from '../storage/erasure-timing';
import type { SiteCache } from '../storage/site-cache';
import {
  consentSaltFor,
  linkIdentity,
  MARK_REFRESH_MS,
  markDayForRecomputation,
  putJourneySegments,
  type StoredSite,
} from '../storage/table';
import { localDate } from '../time';

/**
 * How long a container trusts that a link it wrote is still stored. An erasure deletes links; it takes
 * longer than this (ERASURE_SETTLE_MS), so a link written before the erasure is written again after it.
 */
const LINK_REFRESH_MS = ERASURE_SETTLE_MS - 10_000;

/** What a warm container already wrote, so repeated requests skip redundant DynamoDB writes. */
export interface WarmState {
  markedDays: Map<string, number>;
  /** `site|anonymousId|userId` → the link's event time and when this container wrote it. */
  bestLinks: Map<string, { eventTimeMs: number; writtenAtMs: number }>;
  /** The erasing-id maps whose links were forgotten already (the site cache keeps one for seconds). */
  forgotten: WeakSet<ReadonlyMap<string, string>>;
}

export function createWarmState(): WarmState {
  return { markedDays: new Map(), bestLinks: new Map(), forgotten: new WeakSet() };
}

export interface IngestDeps {
  clients: StorageClients;
  /** The erasing ids of the site come from here. */
  sites: Pick<SiteCache, 'erasingIds'>;
  /** Where accepted events go. */
  archive: ArchiveSink;
  /** One per container: see WarmState. */
  warm: WarmState;
}

export interface IngestInput {
  request: IngestRequest;
  /** The decoded request body: its size bounds the events, its content names the archive objects. */
  body: Buffer | string;
  receivedAtMs: number;
  sourceIp: string;
}

/** Rejected and refused events, in request order, as the response reports them. */
export interface IngestOutcome {
  accepted: number;
  rejected: Pick<RejectedEvent, 'index' | 'messageId' | 'reason' | 'message'>[];
}

export async function ingest(deps: IngestDeps, site: StoredSite, input: IngestInput): Promise<IngestOutcome> {
  const siteId = site.config.site;
  const { receivedAtMs } = input;
  const validated = validateAndNormalize(input.request, {
    site: siteId,
    receivedAtMs,
    requestBytes: Buffer.byteLength(input.body),
  });
  const erasing = await deps.sites.erasingIds(siteId);
  forgetErasedLinks(deps.warm, siteId, erasing);
  const { accepted, refused, tied } = refuseErasing(validated.accepted, erasing);
  for (const [userKey, ids] of tied)
    await tieErasingIds(deps.clients, siteId, userKey, [...ids], receivedAtMs);
  const rejected = validated.rejected;
  const requestHash = archiveDigestOf(siteId, input.body, accepted);
  const policy = privacyPolicyOf(site);
  const events = await scrubAll(deps.clients, site, policy, accepted, input.sourceIp);
  const rejectedScrubbed = scrubRejected(policy, rejected);

  const partitions = partitionByLocalHour(events, site.config.timezone);
  await archive(deps.clients, deps.archive, site, partitions, rejectedScrubbed, requestHash, receivedAtMs);
  const archived = archivedPartitionsOf(siteId, partitions, requestHash);
  await project(deps.clients, site, events, archived, receivedAtMs, deps.warm);

  return {
    accepted: events.length,
    rejected: [...rejected, ...refused]
      .sort((a, b) => a.index - b.index)
      .map(({ index, messageId, reason, message }) => ({ index, messageId, reason, message })),
  };
}

function privacyPolicyOf(site: StoredSite): PrivacyPolicy {
  return { ...site.config.privacy, piiSalt: site.piiSalt };
}

/** The site-local day of an event's time: consent salts are per day. */
function eventDay(event: NormalizedEvent, timezone: string): string {
  return localDate(Date.parse(event.timestamp), timezone);
}

async function scrubAll(
  clients: StorageClients,
  site: StoredSite,
  policy: PrivacyPolicy,
  accepted: readonly AcceptedEvent[],
  sourceIp: string,
): Promise<NormalizedEvent[]> {
  const timezone = site.config.timezone;
  const salts = new Map<string, string>();
  for (const { event } of accepted) {
    if (!hasConsentOptOut(event)) continue;
    const day = eventDay(event, timezone);
    if (!salts.has(day)) salts.set(day, await consentSaltFor(clients, site.config.site, day));
  }
  const scrubbed: NormalizedEvent[] = [];
  for (const { event } of accepted) {
    const consentDaySalt =
      salts.size > 0 && hasConsentOptOut(event) ? salts.get(eventDay(event, timezone)) : undefined;
    scrubbed.push(scrubEvent(event, { policy, sourceIp, consentDaySalt }));
  }
  return scrubbed;
}

/** Rejected events are kept for inspection, but never with PII the accepted path would have removed. */
function scrubRejected(policy: PrivacyPolicy, rejected: readonly RejectedEvent[]): RejectedEvent[] {
  return rejected.map((r) => {
    const raw = r.raw;
    if (
      typeof raw !== 'object' ||
      raw === null ||
      Array.isArray(raw) ||
      JSON.stringify(raw).length > MAX_EVENT_BYTES
    ) {
      return { ...r, raw: r.reason === 'event_too_large' ? '(omitted: too large)' : raw };
    }
    const asEvent = { ...(raw as Record<string, unknown>) } as NormalizedEvent;
    return { ...r, raw: withoutIdentities(scrubEvent(asEvent, { policy })) };
  });
}

/**
 * The durability point: nothing is acknowledged unless every accepted event is durable (in S3, or
 * accepted by Firehose) and every rejected one is in S3 (rejected/ goes straight to S3 in both modes).
 */
async function archive(
  clients: StorageClients,
  sink: ArchiveSink,
  site: StoredSite,
  partitions: readonly Partition[],
  rejected: readonly RejectedEvent[],
  requestHash: string,
  receivedAtMs: number,
): Promise<void> {
  const siteId = site.config.site;
  const writes = [sink.putPartitions(siteId, partitions, requestHash)];
  if (rejected.length > 0) {
    const receivedDate = localDate(receivedAtMs, site.config.timezone);
    const receivedAt = new Date(receivedAtMs).toISOString();
    writes.push(
      putObjects(clients, [rejectedObjectFor(siteId, receivedDate, receivedAt, requestHash, rejected)]),
    );
  }
  await Promise.all(writes);
}

async function project(
  clients: StorageClients,
  site: StoredSite,
  events: readonly NormalizedEvent[],
  eventObjects: readonly ArchivedPartition[],
  receivedAtMs: number,
  warm: WarmState,
): Promise<void> {
  if (events.length === 0) return;
  const siteId = site.config.site;
  const expiresAt = journeyExpiresAt(site.config, receivedAtMs);
  const days = new Set(eventObjects.map((object) => object.date));
  // An order also changes the earlier days whose conversion window it falls in.
  for (const event of events) {
    if (event.type === 'track' && event.event === EVENT_NAMES.orderCompleted) {
      for (const day of earlierDaysConvertedBy(Date.parse(event.timestamp), site.config)) days.add(day);
    }
  }
  const daysToMark = [...days].filter((day) => {
    const last = warm.markedDays.get(`${siteId}|${day}`);
    return last === undefined || receivedAtMs - last >= MARK_REFRESH_MS;
  });
  const links = identityLinksOf(events).filter((link) => {
    const known = warm.bestLinks.get(`${siteId}|${link.anonymousId}|${link.userId}`);
    return (
      known === undefined ||
      link.eventTimeMs < known.eventTimeMs ||
      receivedAtMs - known.writtenAtMs >= LINK_REFRESH_MS
    );
  });
  await Promise.all([
    putJourneySegments(clients, siteId, eventObjects, expiresAt),
    ...links.map((link) => linkIdentity(clients, siteId, link)),
    ...daysToMark.map((day) => markDayForRecomputation(clients, siteId, day, receivedAtMs)),
  ]);
  if (warm.markedDays.size > 10_000) warm.markedDays.clear();
  if (warm.bestLinks.size > 100_000) warm.bestLinks.clear();
  for (const day of daysToMark) warm.markedDays.set(`${siteId}|${day}`, receivedAtMs);
  for (const link of links)
    warm.bestLinks.set(`${siteId}|${link.anonymousId}|${link.userId}`, {
      eventTimeMs: link.eventTimeMs,
      writtenAtMs: receivedAtMs,
    });
}

/** The erasure deletes the links of the ids it refuses: this container must not trust its own copy. */
function forgetErasedLinks(warm: WarmState, siteId: string, erasing: ReadonlyMap<string, string>): void {
  if (erasing.size === 0 || warm.forgotten.has(erasing)) return;
  warm.forgotten.add(erasing);
  for (const key of warm.bestLinks.keys()) {
    const [site, anonymousId, userId] = key.split('|');
    if (site === siteId && (erasing.has(anonymousId ?? '') || erasing.has(userId ?? '')))
      warm.bestLinks.delete(key);
  }
}
