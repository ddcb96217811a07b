/** The local HTTP server's routes: the same route keys and handlers as the HTTP API in the CDK stack. */
import type { LambdaHttpHandler, LocalRoute } from './http-adapter';

const collector = async (): Promise<LambdaHttpHandler> =>
  (await import('../../functions/collector/handler')).handler;

const query = async (): Promise<LambdaHttpHandler> => (await import('../../functions/query/handler')).handler;

const trackerAsset = async (): Promise<LambdaHttpHandler> => (await import('./tracker-asset')).handler;

export const TRACKING_ROUTE_KEYS = ['POST /v1/{type}', 'OPTIONS /v1/{type}'] as const;
export const QUERY_ROUTE_KEYS = [
  'GET /v1/sites/{site}/figures',
  'GET /v1/sites/{site}/journeys/{journeyId}',
  'GET /v1/sites/{site}/alerts',
  'GET /v1/sites/{site}/hours',
  // Erasure (api.md "Privacy"), behind the site's admin key.
  'DELETE /v1/sites/{site}/users/{userId}',
  'GET /v1/sites/{site}/users/{userId}/erasure',
  // The dashboard (functions/query/static.ts).
  'GET /',
  'GET /dashboard',
  'GET /dashboard/{asset+}',
] as const;
/** The browser tracker (web/tracker), served by Roxtrail itself. */
export const TRACKER_ROUTE_KEY = 'GET /roxtrail.js';

export function localRoutes(): LocalRoute[] {
  return [
    ...TRACKING_ROUTE_KEYS.map((routeKey) => ({ routeKey, handler: collector })),
    ...QUERY_ROUTE_KEYS.map((routeKey) => ({ routeKey, handler: query })),
    { routeKey: TRACKER_ROUTE_KEY, handler: trackerAsset },
  ];
}
