/** The local HTTP server's routes: the routes table (functions/routes.ts) over the same handler modules the CDK stack deploys. */
import { type HttpHandlerName, ROUTES, routeKeysOf } from '../../functions/routes';
import type { LambdaHttpHandler, LocalRoute } from './http-adapter';

/** How the local server loads each handler module, on its first request. */
export type HandlerLoaders = Readonly<Record<HttpHandlerName, () => Promise<LambdaHttpHandler>>>;

const HANDLER_MODULES: HandlerLoaders = {
  collector: async () => (await import('../../functions/collector/handler')).handler,
  query: async () => (await import('../../functions/query/handler')).handler,
};

/** The browser tracker (web/tracker), served by Roxtrail itself. */
export const TRACKER_ROUTE_KEY = 'GET /roxtrail.js';

/**
 * In AWS the query function serves the tracker built into its bundle; locally there is no bundle, so
 * infra/local/tracker-asset.ts builds it on the first request.
 */
const LOCAL_ONLY: Readonly<Record<string, () => Promise<LambdaHttpHandler>>> = {
  [TRACKER_ROUTE_KEY]: async () => (await import('./tracker-asset')).handler,
};

export const TRACKING_ROUTE_KEYS = routeKeysOf('collector');
/** The query handler's routes but the tracker's. */
export const QUERY_ROUTE_KEYS = routeKeysOf('query').filter((key) => key !== TRACKER_ROUTE_KEY);

/** Every route of the table, each to its handler module (`localOnly`: the routes served otherwise here). */
export function localRoutes(
  handlers: HandlerLoaders = HANDLER_MODULES,
  localOnly = LOCAL_ONLY,
): LocalRoute[] {
  return ROUTES.map(({ routeKey, handler }) => ({
    routeKey,
    handler: localOnly[routeKey] ?? handlers[handler],
  }));
}
