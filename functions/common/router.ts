/**
 * Dispatch on the route key (middy's http-router is the model: one table of routes, 404 for the rest).
 * API Gateway and the local adapter name the route in `event.routeKey`; an event without a known key
 * (built by hand, or a function URL's `$default`) is matched by method and path, as API Gateway would.
 */
import { HttpError, type HttpEvent, type HttpResult } from './http';
import { routeKeyMatcher } from './route-keys';

export type RouteParams = Readonly<Record<string, string | undefined>>;
export type RouteAction = (event: HttpEvent, params: RouteParams) => Promise<HttpResult> | HttpResult;

export function createRouter<K extends string>(
  routeKeys: readonly K[],
  actions: Readonly<Record<K, RouteAction>>,
): (event: HttpEvent) => Promise<HttpResult> {
  const match = routeKeyMatcher(routeKeys);
  return async (event) => {
    const named = routeKeys.find((key) => key === event.routeKey);
    const matched =
      named !== undefined && event.pathParameters
        ? undefined
        : match(event.requestContext.http.method, event.rawPath);
    const routeKey = named ?? matched?.routeKey;
    if (routeKey === undefined) throw new HttpError(404, 'not_found', 'No such resource.');
    return actions[routeKey](event, event.pathParameters ?? matched?.pathParameters ?? {});
  };
}
