/** The Tracking API request contract (api.md): routes, write key sources, batch shape, CORS. */

import type { MiddlewareObj } from '@middy/core';
import { isOriginAllowed } from '../../shared/config/origins';
import { type IngestRequest, MAX_BATCH_EVENTS } from '../../shared/events/ingest';
import { isNestedTooDeeply, MAX_NESTING } from '../../shared/events/schema';
import type { EventType, JsonObject } from '../../shared/events/types';
import type { SiteCache } from '../../shared/storage/site-cache';
import type { StoredSite } from '../../shared/storage/table';
import {
  decodeBody,
  HttpError,
  type HttpEvent,
  type HttpResult,
  header,
  parseJsonObject,
} from '../common/http';

export const MAX_REQUEST_BYTES = 500 * 1024;
/**
 * JSON bodies under the labels clients use: `text/plain` for beacons, and `application/x-www-form-urlencoded`
 * because @rudderstack/rudder-sdk-node posts its gzipped JSON with axios's default label for a Buffer.
 */
export const TRACKING_CONTENT_TYPES = [
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
] as const;

/** `/v1/track` and analytics.js's short forms (`/v1/t`) name the type of a single-event request. */
const SINGLE_EVENT_ROUTES: Readonly<Record<string, EventType>> = {
  track: 'track',
  t: 'track',
  page: 'page',
  p: 'page',
  screen: 'screen',
  s: 'screen',
  identify: 'identify',
  i: 'identify',
  alias: 'alias',
  a: 'alias',
  group: 'group',
  g: 'group',
};

/**
 * `metrics`: analytics.js 2.0 posts its own delivery counters to `/v1/m` every 30 s; they are no events
 * of the shop's, so they are answered and dropped.
 */
export type TrackingRoute = { kind: 'batch' } | { kind: 'single'; type: EventType } | { kind: 'metrics' };

export function trackingRouteOf(path: string): TrackingRoute | undefined {
  // RudderStack JS v3's BeaconQueue (`useBeacon: true`) posts its batches here, the key in `?writeKey=`.
  if (/^\/beacon\/v1\/batch\/?$/.test(path)) return { kind: 'batch' };
  const match = /^\/v1\/([a-z]+)\/?$/.exec(path);
  const name = match?.[1];
  if (!name) return undefined;
  // `/v1/b`: analytics.js 2.0's batching delivery (`deliveryStrategy: { strategy: 'batching' }`).
  if (name === 'batch' || name === 'import' || name === 'b') return { kind: 'batch' };
  if (name === 'm') return { kind: 'metrics' };
  const type = SINGLE_EVENT_ROUTES[name];
  return type ? { kind: 'single', type } : undefined;
}

const POST_ONLY = { allow: 'POST, OPTIONS' };

/** The tracking route a request posts to: 404 for a path that names none, 405 for any method but POST. */
export function postedRouteOf(event: HttpEvent): TrackingRoute {
  const route = trackingRouteOf(event.rawPath);
  if (!route) throw new HttpError(404, 'not_found', `No tracking endpoint at ${event.rawPath}.`);
  if (event.requestContext.http.method !== 'POST')
    throw new HttpError(405, 'method_not_allowed', 'Tracking endpoints accept POST.', POST_ONLY);
  return route;
}

/** The decoded body within the request limits (ingest sizes and digests it), and the JSON object it holds. */
export function trackingBodyOf(event: HttpEvent): { body: Buffer | string; json: Record<string, unknown> } {
  const body = decodeBody(event, { maxBytes: MAX_REQUEST_BYTES, contentTypes: TRACKING_CONTENT_TYPES });
  return { body, json: parseJsonObject(body) };
}

/** Basic auth user (Segment's SDKs), then `?writeKey=` (sendBeacon); the body's `writeKey` is read later. */
export function writeKeyFromRequest(event: HttpEvent): string | undefined {
  const authorization = header(event, 'authorization');
  const user = authorization === undefined ? undefined : basicAuthUser(authorization);
  if (user) return user;
  const fromQuery = event.queryStringParameters?.writeKey;
  return fromQuery || undefined;
}

/** The last Authorization header decoded: a warm container mostly sees one site's header again and again. */
let lastBasicAuth: { authorization: string; user: string | undefined } | undefined;

function basicAuthUser(authorization: string): string | undefined {
  if (lastBasicAuth?.authorization === authorization) return lastBasicAuth.user;
  let user: string | undefined;
  if (authorization.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    user = decoded.split(':')[0];
  }
  // Only header-sized values are kept, whatever a client sends.
  if (authorization.length <= 1024) lastBasicAuth = { authorization, user };
  return user;
}

/**
 * The site a write key opens (the request's, else the body's `writeKey`): 401 when there is none or it
 * is not valid; 403 for a browser page the site does not list, before anything is stored.
 */
export async function siteOfWriteKey(
  sites: SiteCache,
  event: HttpEvent,
  body: JsonObject,
  origin: string | undefined,
): Promise<StoredSite> {
  const keyFromRequest = writeKeyFromRequest(event);
  const writeKey = keyFromRequest ?? (typeof body.writeKey === 'string' ? body.writeKey : undefined);
  if (!writeKey) {
    throw new HttpError(
      401,
      'missing_write_key',
      'Send the write key as Basic auth user, "writeKey" in the body or ?writeKey=.',
    );
  }
  const siteId = await sites.siteForKey(writeKey, 'write');
  const site = siteId ? await sites.site(siteId) : undefined;
  if (!siteId || !site) throw new HttpError(401, 'invalid_write_key', 'The write key is not valid.');
  if (origin !== undefined && !isOriginAllowed(origin, site.config.origins)) {
    throw new HttpError(
      403,
      'origin_not_allowed',
      `The site "${siteId}" does not list the origin ${origin}: add it to the site's "origins".`,
    );
  }
  return site;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function ingestRequestOf(
  route: Exclude<TrackingRoute, { kind: 'metrics' }>,
  body: JsonObject,
): IngestRequest {
  if (route.kind === 'single') return { events: [body], forcedType: route.type };
  const batch = body.batch;
  if (!Array.isArray(batch)) {
    throw new HttpError(400, 'invalid_batch', 'A batch request needs a "batch" array of events.');
  }
  if (batch.length > MAX_BATCH_EVENTS) {
    throw new HttpError(413, 'too_many_events', `A batch holds at most ${MAX_BATCH_EVENTS} events.`);
  }
  const batchContext = isObject(body.context) ? body.context : undefined;
  // The batch's context is merged into every event's, after each event's own nesting check.
  if (batchContext && isNestedTooDeeply({ context: batchContext })) {
    throw new HttpError(
      400,
      'invalid_field',
      `The batch's "context" is nested deeper than ${MAX_NESTING} levels; no event was stored.`,
    );
  }
  return { events: batch, batchSentAt: body.sentAt, batchContext };
}

/**
 * Request headers the SDKs send besides the basic ones: analytics.js 2.0 `X-Retry-Count` on retries,
 * RudderStack's JavaScript SDK `AnonymousId` and `SentAt` on every request and `Rsa-*` on retries and
 * recovered queues. Without them in the preflight's answer the browser sends nothing at all.
 */
export const CORS_PREFLIGHT_HEADERS = {
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers':
    'content-type, authorization, content-encoding, x-retry-count, anonymousid, sentat, rsa-recovered, ' +
    'rsa-retry-attempt, rsa-since-last-attempt, rsa-since-first-attempt, rsa-retry-reason',
  'access-control-max-age': '86400',
};

export function corsHeaders(
  origin: string | undefined,
  allowedOrigins: readonly string[],
): Record<string, string> {
  if (!origin || !isOriginAllowed(origin, allowedOrigins)) return {};
  // Retry-After is not a CORS-safelisted response header: browsers hide it unless exposed.
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': 'retry-after',
    vary: 'Origin',
  };
}

/**
 * Preflights are answered for every origin: they carry no key, and the request that follows is refused
 * with a reason the page can read (403 origin_not_allowed) when its site does not list the origin.
 */
export function preflight(origin: string | undefined): HttpResult {
  if (!origin) return { statusCode: 204, headers: {} };
  return { statusCode: 204, headers: { ...corsHeaders(origin, [origin]), ...CORS_PREFLIGHT_HEADERS } };
}

/**
 * analytics.js's own counters (`/v1/m`) carry no write key and nothing of the shop's: answered, with CORS
 * for any origin as a preflight is, and stored nowhere.
 */
export function sdkMetricsAnswer(origin: string | undefined): HttpResult {
  return { statusCode: 204, headers: origin ? corsHeaders(origin, [origin]) : {} };
}

/**
 * Error answers carry CORS headers: without them a browser sees any 400/401/403/413 as a network error,
 * which a tracker must retry, and cannot read a 503's Retry-After. They hold no site's data.
 */
export function corsOnErrors(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      const origin = header(request.event, 'origin');
      if (!origin) return;
      request.response = { ...request.response, headers: corsHeaders(origin, [origin]) };
    },
  };
}
