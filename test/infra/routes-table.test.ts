import { Template } from 'aws-cdk-lib/assertions';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../functions/routes';
import { FUNCTION_ENTRIES } from '../../infra/cdk/bundling';
import type { RoxtrailFunction } from '../../infra/cdk/constructs/roxtrail-function';
import { RoxtrailStack } from '../../infra/cdk/roxtrail-stack';
import { type LambdaHttpHandler, startLocalHttpServer } from '../../infra/local/http-adapter';
import { localRoutes, TRACKER_ROUTE_KEY } from '../../infra/local/routes';
import { testApp } from '../helpers/cdk-app';
import { logicalId, routeTargets } from '../helpers/template';

let stack: RoxtrailStack;
let template: Template;

beforeAll(() => {
  // The template only: no bundling.
  stack = new RoxtrailStack(testApp({ bundle: false }), 'Roxtrail');
  template = Template.fromStack(stack);
});

describe('the routes table (functions/routes.ts)', () => {
  it('is what the CDK stack deploys: every route key once, to the function of its handler and access', () => {
    const functionOf: Record<string, RoxtrailFunction> = {
      'collector write': stack.collector,
      'query read': stack.query,
      'query write': stack.eraser,
    };
    const expected: Record<string, string> = {};
    for (const route of ROUTES) {
      const fn = functionOf[`${route.handler} ${route.access}`];
      expect(fn, route.routeKey).toBeDefined();
      if (fn) expected[route.routeKey] = logicalId(stack, fn);
    }
    expect(routeTargets(template)).toEqual(expected);
    expect(new Set(ROUTES.map((route) => route.routeKey)).size).toBe(ROUTES.length);
  });

  it('gives write access only to the collector and the erasure request', () => {
    expect(ROUTES.filter((route) => route.access === 'write').map((route) => route.routeKey)).toEqual([
      'POST /v1/{type}',
      'OPTIONS /v1/{type}',
      'POST /beacon/v1/batch',
      'DELETE /v1/sites/{site}/users/{userId}',
    ]);
  });

  it('is what the local runtime serves, each route from the handler module the stack deploys', () => {
    const local = localRoutes();
    expect(local.map((route) => route.routeKey)).toEqual(ROUTES.map((route) => route.routeKey));
    for (const route of ROUTES) {
      expect(FUNCTION_ENTRIES[route.handler], route.routeKey).toBe(`functions/${route.handler}/handler.ts`);
    }
  });
});

describe('the local HTTP adapter over the routes table', () => {
  const seen: { handler: string; routeKey: string; path: string; pathParameters: unknown }[] = [];
  let server: { url: string; close(): Promise<void> };

  const recording =
    (handler: string): (() => Promise<LambdaHttpHandler>) =>
    async () =>
    async (event: APIGatewayProxyEventV2) => {
      seen.push({
        handler,
        routeKey: event.routeKey,
        path: event.rawPath,
        pathParameters: event.pathParameters,
      });
      return { statusCode: 200, body: '{}' };
    };

  beforeAll(async () => {
    const routes = localRoutes(
      { collector: recording('collector'), query: recording('query') },
      { [TRACKER_ROUTE_KEY]: recording('tracker-asset') },
    );
    server = await startLocalHttpServer(routes, 0);
  });
  afterAll(async () => {
    await server.close();
  });

  /** A concrete request for a route key: each path parameter named after itself. */
  function requestFor(routeKey: string): { method: string; path: string; params: Record<string, string> } {
    const [method = '', pattern = ''] = routeKey.split(' ');
    const params: Record<string, string> = {};
    const path = pattern.replace(/\{(\w+)\+?\}/g, (_match, name: string) => {
      params[name] = `${name}-1`;
      return `${name}-1`;
    });
    return { method, path, params };
  }

  it('serves every route of the table to its handler, with API Gateway route key and path parameters', async () => {
    for (const route of ROUTES) {
      const { method, path, params } = requestFor(route.routeKey);
      const response = await fetch(`${server.url}${path}`, { method });
      expect(response.status, route.routeKey).toBe(200);
      expect(seen.at(-1), route.routeKey).toEqual({
        handler: route.routeKey === TRACKER_ROUTE_KEY ? 'tracker-asset' : route.handler,
        routeKey: route.routeKey,
        path,
        pathParameters: Object.keys(params).length > 0 ? params : undefined,
      });
    }
    expect(seen).toHaveLength(ROUTES.length);
  });

  it('answers a path outside the table with API Gateway’s 404', async () => {
    const response = await fetch(`${server.url}/v1/sites/s/nothing-here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
    expect(seen.every((request) => request.path !== '/v1/sites/s/nothing-here')).toBe(true);
  });
});
