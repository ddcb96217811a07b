/** The local HTTP server's routes: the same route keys and handlers as the HTTP API in the CDK stack. */
import type { LambdaHttpHandler, LocalRoute } from './http-adapter';

const collector = async (): Promise<LambdaHttpHandler> =>
  (await import('../../functions/collector/handler')).handler;

const query = async (): Promise<LambdaHttpHandler> => (await import('../../functions/query/handler')).handler;

export const TRACKING_ROUTE_KEYS = ['POST /v1/{type}', 'OPTIONS /v1/{type}'] as const;
export const QUERY_ROUTE_KEYS = [
  'GET /v1/sites/{site}/figures',
  'GET /v1/sites/{site}/journeys/{journeyId}',
] as const;

export function localRoutes(): LocalRoute[] {
  return [
    ...TRACKING_ROUTE_KEYS.map((routeKey) => ({ routeKey, handler: collector })),
    ...QUERY_ROUTE_KEYS.map((routeKey) => ({ routeKey, handler: query })),
  ];
}
