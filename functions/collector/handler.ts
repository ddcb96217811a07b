/**
 * Collector Lambda: the Tracking API. Validates event by event, archives (S3, or Firehose in firehose
 * archive mode), then projects to DynamoDB.
 */
import middy, { type MiddlewareObj } from '@middy/core';
import { isOriginAllowed } from '../../shared/config/origins';
import { journeyExpiresAt } from '../../shared/config/site';
import {
  type AcceptedEvent,
  archiveDigestOf,
  identityLinksOf,
  type Partition,
  partitionByLocalHour,
  type RejectedEvent,
  refuseErasing,
  validateAndNormalize,
} from '../../shared/events/ingest';
import {
  hasConsentOptOut,
  type PrivacyPolicy,
  scrubEvent,
  withoutIdentities,
} from '../../shared/events/privacy';
import type { NormalizedEvent } from '../../shared/events/types';
import { EVENT_NAMES } from '../../shared/metrics/day';
import { earlierDaysConvertedBy } from '../../shared/metrics/windows';
import { putObjects, rejectedObjectFor } from '../../shared/storage/archive';
import {
  type ArchivedPartition,
  type ArchiveSink,
  archivedPartitionsOf,
  archiveSinkFor,
} from '../../shared/storage/archive-sink';
import { createStorageClients, type StorageClients } from '../../shared/storage/clients';
import { tieErasingIds } from '../../shared/storage/erasure-jobs';
import { ERASURE_SETTLE_MS } from '../../shared/storage/erasure-timing';
import { createSiteCache, type SiteCache } from '../../shared/storage/site-cache';
import {
  consentSaltFor,
  linkIdentity,
  MARK_REFRESH_MS,
  markDayForRecomputation,
  putJourneySegments,
  type StoredSite,
} from '../../shared/storage/table';
import { localDate } from '../../shared/time';
import {
  decodeBody,
  HttpError,
  type HttpEvent,
  type HttpResult,
  header,
  httpErrors,
  jsonResponse,
  logger,
  parseJsonObject,
} from '../common/http';
import {
  CORS_PREFLIGHT_HEADERS,
  corsHeaders,
  ingestRequestOf,
  MAX_REQUEST_BYTES,
  TRACKING_CONTENT_TYPES,
  trackingRouteOf,
  writeKeyFromRequest,
} from './tracking';

export interface CollectorDeps {
  clients: StorageClients;
  sites: SiteCache;
  now?: () => number;
  /** Where accepted events go. @default archiveSinkFor(clients): firehose when the settings name a stream */
  archive?: ArchiveSink;
}

/** What a warm container already wrote, so repeated requests skip redundant DynamoDB writes. */
/**
 * How long a container trusts that a link it wrote is still stored. An erasure deletes links; it takes
 * longer than this (ERASURE_SETTLE_MS), so a link written before the erasure is written again after it.
 */
const LINK_REFRESH_MS = ERASURE_SETTLE_MS - 10_000;

interface WarmState {
  markedDays: Map<string, number>;
  /** `site|anonymousId|userId` → the link's event time and when this container wrote it. */
  bestLinks: Map<string, { eventTimeMs: number; writtenAtMs: number }>;
  /** The erasing-id maps whose links were forgotten already (the site cache keeps one for seconds). */
  forgotten: WeakSet<ReadonlyMap<string, string>>;
}

export function createCollector(deps: CollectorDeps) {
  const now = deps.now ?? Date.now;
  const sink = deps.archive ?? archiveSinkFor(deps.clients);
  const warm: WarmState = { markedDays: new Map(), bestLinks: new Map(), forgotten: new WeakSet() };

  return async function collect(event: HttpEvent): Promise<HttpResult> {
    const origin = header(event, 'origin');
    if (event.requestContext.http.method === 'OPTIONS') return preflight(origin);
    const route = trackingRouteOf(event.rawPath);
    if (!route) throw new HttpError(404, 'not_found', `No tracking endpoint at ${event.rawPath}.`);
    if (event.requestContext.http.method !== 'POST') {
      throw new HttpError(405, 'method_not_allowed', 'Tracking endpoints accept POST.', {
        allow: 'POST, OPTIONS',
      });
    }
    if (route.kind === 'metrics') return sdkMetricsAnswer(origin);
    const receivedAtMs = now();

    const keyFromRequest = writeKeyFromRequest(event);
    const bodyText = decodeBody(event, {
      maxBytes: MAX_REQUEST_BYTES,
      contentTypes: TRACKING_CONTENT_TYPES,
    });
    const body = parseJsonObject(bodyText);
    const writeKey = keyFromRequest ?? (typeof body.writeKey === 'string' ? body.writeKey : undefined);
    if (!writeKey) {
      throw new HttpError(
        401,
        'missing_write_key',
        'Send the write key as Basic auth user, "writeKey" in the body or ?writeKey=.',
      );
    }
    const siteId = await deps.sites.siteForKey(writeKey, 'write');
    const site = siteId ? await deps.sites.site(siteId) : undefined;
    if (!siteId || !site) throw new HttpError(401, 'invalid_write_key', 'The write key is not valid.');
    // A browser page the site does not list: refused before anything is stored, readable by the page.
    if (origin !== undefined && !isOriginAllowed(origin, site.config.origins)) {
      throw new HttpError(
        403,
        'origin_not_allowed',
        `The site "${siteId}" does not list the origin ${origin}: add it to the site's "origins".`,
      );
    }
    const cors = corsHeaders(origin, site.config.origins);

    const request = ingestRequestOf(route, body);
    const validated = validateAndNormalize(request, {
      site: siteId,
      receivedAtMs,
      requestBytes: Buffer.byteLength(bodyText),
    });
    const erasing = await deps.sites.erasingIds(siteId);
    forgetErasedLinks(warm, siteId, erasing);
    const { accepted, refused, tied } = refuseErasing(validated.accepted, erasing);
    for (const [userKey, ids] of tied) await tieErasingIds(deps.clients, siteId, userKey, [...ids]);
    const rejected = validated.rejected;
    const requestHash = archiveDigestOf(siteId, bodyText, accepted);
    const policy = privacyPolicyOf(site);
    const events = await scrubAll(deps.clients, site, policy, accepted, event.requestContext.http.sourceIp);
    const rejectedScrubbed = scrubRejected(policy, rejected);

    const partitions = partitionByLocalHour(events, site.config.timezone);
    await archive(deps.clients, sink, site, partitions, rejectedScrubbed, requestHash, receivedAtMs);
    const archived = archivedPartitionsOf(siteId, partitions, requestHash);
    await project(deps.clients, site, events, archived, receivedAtMs, warm);

    logger.debug('collected', { site: siteId, accepted: events.length, rejected: rejected.length });
    return jsonResponse(
      200,
      {
        success: true,
        accepted: events.length,
        rejected: [...rejected, ...refused]
          .sort((a, b) => a.index - b.index)
          .map(({ index, messageId, reason, message }) => ({ index, messageId, reason, message })),
      },
      cors,
    );
  };
}

/**
 * Preflights are answered for every origin: they carry no key, and the request that follows is refused
 * with a reason the page can read (403 origin_not_allowed) when its site does not list the origin.
 */
function preflight(origin: string | undefined): HttpResult {
  if (!origin) return { statusCode: 204, headers: {} };
  return { statusCode: 204, headers: { ...corsHeaders(origin, [origin]), ...CORS_PREFLIGHT_HEADERS } };
}

/**
 * analytics.js's own counters (`/v1/m`) carry no write key and nothing of the shop's: answered, with CORS
 * for any origin as a preflight is, and stored nowhere.
 */
function sdkMetricsAnswer(origin: string | undefined): HttpResult {
  return { statusCode: 204, headers: origin ? corsHeaders(origin, [origin]) : {} };
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
      JSON.stringify(raw).length > 32 * 1024
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

/**
 * Error answers carry CORS headers: without them a browser sees any 400/401/403/413 as a network error,
 * which a tracker must retry, and cannot read a 503's Retry-After. They hold no site's data.
 */
function corsOnErrors(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      const origin = header(request.event, 'origin');
      if (!origin) return;
      request.response = { ...request.response, headers: corsHeaders(origin, [origin]) };
    },
  };
}

/** The middy-wrapped collector; tests build one over their own stores. */
export function createCollectorHandler(deps: CollectorDeps) {
  // middy runs onError handlers last-registered first: CORS headers, then httpErrors merges them in.
  return middy<HttpEvent, HttpResult>().use(httpErrors()).use(corsOnErrors()).handler(createCollector(deps));
}

const clients = createStorageClients();

/** The Lambda entry point; the local runtime serves this same export. */
export const handler = createCollectorHandler({ clients, sites: createSiteCache(clients) });
