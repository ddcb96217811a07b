/** Collector Lambda: the Tracking API. Method, route, write key and body here; the workflow is shared/app/ingest.ts. */
import middy from '@middy/core';
import { createWarmState, ingest } from '../../shared/app/ingest';
import { runtimeConfig } from '../../shared/config/runtime';
import { type ArchiveSink, archiveSinkFor } from '../../shared/storage/archive-sink';
import { createStorageClients, type StorageClients } from '../../shared/storage/clients';
import { createSiteCache, type SiteCache } from '../../shared/storage/site-cache';
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
import * as tracking from './tracking';

export interface CollectorDeps {
  clients: StorageClients;
  sites: SiteCache;
  now?: () => number;
  /** Where accepted events go. @default archiveSinkFor(clients): firehose when the settings name a stream */
  archive?: ArchiveSink;
}

const POST_ONLY = { allow: 'POST, OPTIONS' };

export function createCollector(deps: CollectorDeps) {
  const now = deps.now ?? Date.now;
  const archive = deps.archive ?? archiveSinkFor(deps.clients);
  const service = { clients: deps.clients, sites: deps.sites, archive, warm: createWarmState() };

  return async function collect(event: HttpEvent): Promise<HttpResult> {
    const origin = header(event, 'origin');
    const method = event.requestContext.http.method;
    if (method === 'OPTIONS') return tracking.preflight(origin);
    const route = tracking.trackingRouteOf(event.rawPath);
    if (!route) throw new HttpError(404, 'not_found', `No tracking endpoint at ${event.rawPath}.`);
    if (method !== 'POST')
      throw new HttpError(405, 'method_not_allowed', 'Tracking endpoints accept POST.', POST_ONLY);
    if (route.kind === 'metrics') return tracking.sdkMetricsAnswer(origin);
    const receivedAtMs = now();

    const limits = { maxBytes: tracking.MAX_REQUEST_BYTES, contentTypes: tracking.TRACKING_CONTENT_TYPES };
    const body = decodeBody(event, limits);
    const json = parseJsonObject(body);
    const site = await tracking.siteOfWriteKey(deps.sites, event, json, origin);
    const request = tracking.ingestRequestOf(route, json);
    const sourceIp = event.requestContext.http.sourceIp;
    const outcome = await ingest(service, site, { request, body, receivedAtMs, sourceIp });

    const counts = { accepted: outcome.accepted, rejected: outcome.rejected.length };
    logger.debug('collected', { site: site.config.site, ...counts });
    return jsonResponse(
      200,
      { success: true, ...outcome },
      tracking.corsHeaders(origin, site.config.origins),
    );
  };
}

/** The middy-wrapped collector; tests build one over their own stores. */
export function createCollectorHandler(deps: CollectorDeps) {
  // middy runs onError handlers last-registered first: CORS headers, then httpErrors merges them in.
  const collector = createCollector(deps);
  return middy<HttpEvent, HttpResult>().use(httpErrors()).use(tracking.corsOnErrors()).handler(collector);
}

const clients = createStorageClients(runtimeConfig().storage);

/** The Lambda entry point; the local runtime serves this same export. */
export const handler = createCollectorHandler({ clients, sites: createSiteCache(clients) });
