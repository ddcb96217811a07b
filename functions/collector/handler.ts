/** Collector Lambda: the Tracking API. Method, route, write key and body here; the workflow is shared/app/ingest.ts. */
import middy from '@middy/core';
import { createWarmState, ingest } from '../../shared/app/ingest';
import { runtimeConfig } from '../../shared/config/runtime';
import { type ArchiveSink, archiveSinkFor } from '../../shared/storage/archive-sink';
import { createStorageClients, type StorageClients } from '../../shared/storage/clients';
import { createSiteCache, type SiteCache } from '../../shared/storage/site-cache';
import { type HttpEvent, type HttpResult, header, httpErrors, jsonResponse, logger } from '../common/http';
import * as tracking from './tracking';

export interface CollectorDeps {
  clients: StorageClients;
  sites: SiteCache;
  now?: () => number;
  /** Where accepted events go. @default archiveSinkFor(clients): firehose when the settings name a stream */
  archive?: ArchiveSink;
}

/** The middy-wrapped collector; tests build one over their own stores. */
export function createCollectorHandler(deps: CollectorDeps) {
  const now = deps.now ?? Date.now;
  const archive = deps.archive ?? archiveSinkFor(deps.clients);
  const service = { clients: deps.clients, sites: deps.sites, archive, warm: createWarmState() };

  async function collect(event: HttpEvent): Promise<HttpResult> {
    const origin = header(event, 'origin');
    if (event.requestContext.http.method === 'OPTIONS') return tracking.preflight(origin);
    const route = tracking.postedRouteOf(event);
    if (route.kind === 'metrics') return tracking.sdkMetricsAnswer(origin);
    const receivedAtMs = now();

    const { body, json } = tracking.trackingBodyOf(event);
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
  }

  // middy runs onError handlers last-registered first: CORS headers, then httpErrors merges them in.
  return middy<HttpEvent, HttpResult>().use(httpErrors()).use(tracking.corsOnErrors()).handler(collect);
}

const clients = createStorageClients(runtimeConfig().storage);

/** The Lambda entry point; the local runtime serves this same export. */
export const handler = createCollectorHandler({ clients, sites: createSiteCache(clients) });
