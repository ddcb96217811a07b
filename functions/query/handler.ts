/** Query Lambda: figures, journeys and alert history behind the site's read key; user erasure behind its admin key. */
import middy from '@middy/core';
import {
  type ErasureRunner,
  inProcessErasureRunner,
  lambdaErasureRunner,
} from '../../shared/app/aggregate/erasure';
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
import { authorize, cursorOf, dateRangeOf, pageOf, param } from './requests';
import { dashboardServer, serveBundledTracker } from './static';

export interface QueryDeps {
  clients: StorageClients;
  sites: SiteCache;
  /** Where erasure jobs run. @default in this process, in the background */
  erasures?: ErasureRunner;
  /** Where the dashboard's files are looked for first (the runtime config's `dashboardDir`). */
  dashboardDir?: string;
}

export function createQuery(deps: QueryDeps) {
  const { clients, sites } = deps;
  const erasures = deps.erasures ?? inProcessErasureRunner(clients);
  const notFound = () => new HttpError(404, 'not_found', 'No such resource.');
  const dashboard = dashboardServer(deps.dashboardDir);
  const routes: Record<RouteKeyOf<'query'>, RouteAction> = {
    'GET /v1/sites/{site}/figures': async (event, params) => {
      const site = param(params, 'site');
      await authorize(event, sites, site);
      const { from, to } = dateRangeOf(event);
      return jsonResponse(200, { site, figures: await queryFigures(clients, site, from, to) });
    },
    'GET /v1/sites/{site}/alerts': async (event, params) => {
      const site = param(params, 'site');
      await authorize(event, sites, site);
      const { from, to } = dateRangeOf(event);
      return jsonResponse(200, { site, alerts: await queryAlertHistory(clients, site, from, to) });
    },
    'GET /v1/sites/{site}/hours': async (event, params) => {
      const site = param(params, 'site');
      await authorize(event, sites, site);
      return hourlyChartRoute(deps, site, event);
    },
    'GET /v1/sites/{site}/journeys/{journeyId}': async (event, params) => {
      const [site, journeyId] = [param(params, 'site'), param(params, 'journeyId')];
      await authorize(event, sites, site);
      const page = await journeyPage(clients, site, journeyId, pageOf(event));
      if (!page) throw new HttpError(404, 'journey_not_found', `No events for journey "${journeyId}".`);
      const { nextOffset, ...rest } = page;
      return jsonResponse(200, { site, journeyId, ...rest, nextCursor: cursorOf(nextOffset) });
    },
    // 202 with where to follow the job.
    'DELETE /v1/sites/{site}/users/{userId}': async (event, params) => {
      const [site, userId] = [param(params, 'site'), param(params, 'userId')];
      await authorize(event, sites, site, 'admin');
      const stored = await sites.site(site);
      if (!stored) throw notFound();
      return jsonResponse(202, await requestUserErasure(clients, stored, userId, erasures));
    },
    'GET /v1/sites/{site}/users/{userId}/erasure': async (event, params) => {
      const [site, userId] = [param(params, 'site'), param(params, 'userId')];
      await authorize(event, sites, site, 'admin');
      const stored = await sites.site(site);
      const answer = stored && (await userErasureStatus(clients, stored, userId));
      if (!answer) throw new HttpError(404, 'erasure_not_found', 'No erasure was requested for this user.');
      return jsonResponse(200, answer);
    },
    // The dashboard page and its files: public, the page asks for the read key itself.
    'GET /': dashboard,
    'GET /dashboard': dashboard,
    'GET /dashboard/{asset+}': dashboard,
    'GET /roxtrail.js': (event) => serveBundledTracker(event),
  };
  return createRouter(routeKeysOf('query'), routes);
}

export function createQueryHandler(deps: QueryDeps) {
  return middy<HttpEvent, HttpResult>().use(httpErrors()).handler(createQuery(deps));
}

const config = runtimeConfig();
// Locally the eraser runs jobs in this process, and the days they recompute evaluate their alerts here.
const clients = createStorageClients(config.storage, config.alerts);
const erasureFunction = config.erasureFunction;

export const handler = createQueryHandler({
  clients,
  sites: createSiteCache(clients),
  erasures: erasureFunction ? lambdaErasureRunner(clients, erasureFunction) : inProcessErasureRunner(clients),
  dashboardDir: config.dashboardDir,
});
