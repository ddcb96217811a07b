/**
 * Every HTTP route of Roxtrail, in one table: the CDK stack (infra/cdk) deploys these and the local
 * runtime (infra/local/routes.ts) serves them; the handlers dispatch on the route key.
 * Adding a route is one line here plus its handler (a query route's handler is checked by type).
 */

/** The Lambda handler modules that answer HTTP: `functions/<name>/handler.ts`. */
export type HttpHandlerName = 'collector' | 'query';

/**
 * What the function behind a route may change. Each handler and access is one deployed function with
 * its own grants: the query handler is deployed for its `read` routes and again, as the eraser, for its
 * `write` route, so the function that answers reads cannot write.
 */
export type RouteAccess = 'read' | 'write';

/** Who may call a route: checked inside the handler (API Gateway has no authorizer, see the stack's nag reasons). */
export type RouteAuth = 'none' | 'write-key' | 'read-key' | 'admin-key';

export interface RouteDefinition {
  /** API Gateway's route key, `METHOD /path` with path parameters in braces (`{asset+}`: greedy). */
  readonly routeKey: string;
  readonly handler: HttpHandlerName;
  readonly access: RouteAccess;
  readonly auth: RouteAuth;
}

export const ROUTES = [
  // The Tracking API (api.md): `{type}` is batch, track, page ... or analytics.js's short forms.
  { routeKey: 'POST /v1/{type}', handler: 'collector', access: 'write', auth: 'write-key' },
  { routeKey: 'OPTIONS /v1/{type}', handler: 'collector', access: 'write', auth: 'none' },
  // RudderStack JS v3 with `useBeacon: true` sends its batches with sendBeacon here (`?writeKey=`).
  { routeKey: 'POST /beacon/v1/batch', handler: 'collector', access: 'write', auth: 'write-key' },
  { routeKey: 'GET /v1/sites/{site}/figures', handler: 'query', access: 'read', auth: 'read-key' },
  {
    routeKey: 'GET /v1/sites/{site}/journeys/{journeyId}',
    handler: 'query',
    access: 'read',
    auth: 'read-key',
  },
  { routeKey: 'GET /v1/sites/{site}/alerts', handler: 'query', access: 'read', auth: 'read-key' },
  { routeKey: 'GET /v1/sites/{site}/hours', handler: 'query', access: 'read', auth: 'read-key' },
  // Erasure (api.md "Privacy"), behind the site's admin key: requesting one writes, its status only reads.
  {
    routeKey: 'DELETE /v1/sites/{site}/users/{userId}',
    handler: 'query',
    access: 'write',
    auth: 'admin-key',
  },
  {
    routeKey: 'GET /v1/sites/{site}/users/{userId}/erasure',
    handler: 'query',
    access: 'read',
    auth: 'admin-key',
  },
  // The dashboard (functions/query/static.ts): the page holds no data and asks for the read key.
  { routeKey: 'GET /', handler: 'query', access: 'read', auth: 'none' },
  { routeKey: 'GET /dashboard', handler: 'query', access: 'read', auth: 'none' },
  { routeKey: 'GET /dashboard/{asset+}', handler: 'query', access: 'read', auth: 'none' },
  // The browser tracker (web/tracker), served by Roxtrail itself.
  { routeKey: 'GET /roxtrail.js', handler: 'query', access: 'read', auth: 'none' },
] as const satisfies readonly RouteDefinition[];

export type Route = (typeof ROUTES)[number];
export type RouteKey = Route['routeKey'];
/** The route keys a handler answers: `RouteKeyOf<'query'>`. */
export type RouteKeyOf<H extends HttpHandlerName> = Extract<Route, { handler: H }>['routeKey'];

export function routeKeysOf<H extends HttpHandlerName>(handler: H): RouteKeyOf<H>[];
export function routeKeysOf(handler: HttpHandlerName): RouteKey[] {
  return ROUTES.filter((route) => route.handler === handler).map((route) => route.routeKey);
}
