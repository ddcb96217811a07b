/** Query Lambda: figures, journeys and alert history behind the site's read key; user erasure behind its admin key. */
import middy from '@middy/core';
import { type ErasureRunner, erasureRunnerFor } from '../../shared/app/aggregate/erasure';
import { journeyPage, requestUserErasure, userErasureStatus } from '../../shared/app/query';
import { runtimeConfig } from '../../shared/config/runtime';
import { queryAlertHistory } from '../../shared/storage/alerts';
import { createStorageClients, type StorageClients } from '../../shared/storage/clients';
import { createSiteCache, type SiteCache } from '../../shared/storage/site-cache';
import { queryFigures } from '../../shared/storage/table';
import { HttpError, type HttpEvent, type HttpResult, httpErrors, jsonResponse } from '../common/http';
import { createRouter, type RouteAction } from '../common/router';
import { type RouteKeyOf, routeKeysOf } from '../routes';
import { hourlyChartRoute } from './hourly-chart';
import { behindKey, cursorOf, dateRangeOf, pageOf, param } from './requests';
import { staticRoutes } from './static';

export interface QueryDeps {
  clients: StorageClients;
  sites: SiteCache;
  /** Where erasure jobs run. @default in this process, in the background */
  erasures?: ErasureRunner;
  /** Where the dashboard's files are looked for first (the runtime config's `dashboardDir`). */
  dashboardDir?: string;
}

export function createQueryHandler(deps: QueryDeps) {
  const { clients, sites } = deps;
  const erasures = deps.erasures ?? erasureRunnerFor(clients);
  const [read, admin] = [behindKey(sites, 'read'), behindKey(sites, 'admin')];
  const routes: Record<RouteKeyOf<'query'>, RouteAction> = {
    'GET /v1/sites/{site}/figures': read(async (event, site) => {
      const { from, to } = dateRangeOf(event);
      return jsonResponse(200, { site, figures: await queryFigures(clients, site, from, to) });
    }),
    'GET /v1/sites/{site}/alerts': read(async (event, site) => {
      const { from, to } = dateRangeOf(event);
      return jsonResponse(200, { site, alerts: await queryAlertHistory(clients, site, from, to) });
    }),
    'GET /v1/sites/{site}/hours': read((event, site) => hourlyChartRoute(deps, site, event)),
    'GET /v1/sites/{site}/journeys/{journeyId}': read(async (event, site, params) => {
      const journeyId = param(params, 'journeyId');
      const page = await journeyPage(clients, site, journeyId, pageOf(event));
      if (!page) throw new HttpError(404, 'journey_not_found', `No events for journey "${journeyId}".`);
      const { nextOffset, ...rest } = page;
      return jsonResponse(200, { site, journeyId, ...rest, nextCursor: cursorOf(nextOffset) });
    }),
    // 202 with where to follow the job.
    'DELETE /v1/sites/{site}/users/{userId}': admin(async (_event, site, params) => {
      const stored = await sites.site(site);
      if (!stored) throw new HttpError(404, 'not_found', 'No such resource.');
      return jsonResponse(202, await requestUserErasure(clients, stored, param(params, 'userId'), erasures));
    }),
    'GET /v1/sites/{site}/users/{userId}/erasure': admin(async (_event, site, params) => {
      const stored = await sites.site(site);
      const answer = stored && (await userErasureStatus(clients, stored, param(params, 'userId')));
      if (!answer) throw new HttpError(404, 'erasure_not_found', 'No erasure was requested for this user.');
      return jsonResponse(200, answer);
    }),
    ...staticRoutes(deps.dashboardDir),
  };
  return middy<HttpEvent, HttpResult>()
    .use(httpErrors())
    .handler(createRouter(routeKeysOf('query'), routes));
}

const config = runtimeConfig();
// Locally the eraser runs jobs in this process, and the days they recompute evaluate their alerts here.
const clients = createStorageClients(config.storage, config.alerts);

export const handler = createQueryHandler({
  clients,
  sites: createSiteCache(clients),
  erasures: erasureRunnerFor(clients, config.erasureFunction),
  dashboardDir: config.dashboardDir,
});
