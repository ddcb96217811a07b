/** Query Lambda: figures, journeys and alert history behind the site's read key; user erasure behind its admin key. */
import middy from '@middy/core';
import { type ErasureRunner, erasureRunnerFor } from '../../shared/app/aggregate/erasure';
import { runtimeConfig } from '../../shared/config/runtime';
import { createStorageClients, type StorageClients } from '../../shared/storage/clients';
import { createSiteCache, type SiteCache } from '../../shared/storage/site-cache';
import { type HttpEvent, type HttpResult, httpErrors } from '../common/http';
import { createRouter, type RouteAction } from '../common/router';
import { type RouteKeyOf, routeKeysOf } from '../routes';
import { queryAnswers } from './answers';
import { hourlyChartRoute } from './hourly-chart';
import { behindKey, dateRangeOf, pageOf, param } from './requests';
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
  const answer = queryAnswers({ clients, sites, erasures: deps.erasures ?? erasureRunnerFor(clients) });
  const [read, admin] = [behindKey(sites, 'read'), behindKey(sites, 'admin')];
  const routes: Record<RouteKeyOf<'query'>, RouteAction> = {
    'GET /v1/sites/{site}/figures': read((event, site) => answer.figures(site, dateRangeOf(event))),
    'GET /v1/sites/{site}/alerts': read((event, site) => answer.alerts(site, dateRangeOf(event))),
    'GET /v1/sites/{site}/hours': read((event, site) => hourlyChartRoute(deps, site, event)),
    'GET /v1/sites/{site}/journeys/{journeyId}': read((event, site, params) =>
      answer.journey(site, param(params, 'journeyId'), pageOf(event)),
    ),
    'DELETE /v1/sites/{site}/users/{userId}': admin((_event, site, params) =>
      answer.erasureRequest(site, param(params, 'userId')),
    ),
    'GET /v1/sites/{site}/users/{userId}/erasure': admin((_event, site, params) =>
      answer.erasureStatus(site, param(params, 'userId')),
    ),
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
