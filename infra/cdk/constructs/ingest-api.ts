/** IngestApi: the HTTP API (API Gateway v2) in front of Roxtrail's Lambda functions. */
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  type HttpRoute,
  type HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface IngestApiProps {
  /** Steady-state requests per second across the stage (429 beyond). @default 1000 */
  readonly rateLimit?: number;
  /** Requests the stage absorbs in a burst above the rate limit. @default 2000 */
  readonly burstLimit?: number;
  /** How long access logs are kept. @default RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: RetentionDays;
}

/**
 * One JSON line per request. Deliberately without the source IP, the raw path and the query string:
 * IPs are personal data that Roxtrail truncates before storing anything, paths carry user ids
 * (`/v1/sites/{site}/users/{userId}`) and beacons send `?writeKey=`. The route key says enough.
 */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTimeEpoch',
    routeKey: '$context.routeKey',
    status: '$context.status',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    error: '$context.error.message',
  }),
);

/**
 * No API-level CORS configuration: API Gateway would then answer every OPTIONS preflight itself,
 * with one fixed origin list, before the collector sees it. The collector answers preflights per
 * site from the site's `origins`, so `OPTIONS /v1/{type}` is an ordinary route to it.
 */
export class IngestApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogGroup: LogGroup;
  private readonly integrations = new Map<IFunction, HttpLambdaIntegration>();

  constructor(scope: Construct, id: string, props: IngestApiProps = {}) {
    super(scope, id);
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Roxtrail tracking and query API',
      // The default stage is added below, with throttling and access logs the built-in one lacks.
      createDefaultStage: false,
    });
    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH,
    });
    this.stage = this.httpApi.addStage('DefaultStage', {
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 1000, burstLimit: props.burstLimit ?? 2000 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: ACCESS_LOG_FORMAT,
      },
    });
  }

  /** The API's base URL (the `$default` stage, so no stage segment), ending in `/`. */
  get url(): string {
    return this.stage.url;
  }

  /**
   * Routes each key (`'METHOD /path'`, path parameters in braces, as in functions/routes.ts) to
   * `fn` with a payload v2 Lambda integration.
   */
  addRoutes(routeKeys: readonly string[], fn: IFunction): HttpRoute[] {
    const integration = this.integrationFor(fn);
    return routeKeys.flatMap((routeKey) => {
      const { method, path } = parseRouteKey(routeKey);
      return this.httpApi.addRoutes({ path, methods: [method], integration });
    });
  }

  private integrationFor(fn: IFunction): HttpLambdaIntegration {
    const existing = this.integrations.get(fn);
    if (existing) return existing;
    const integration = new HttpLambdaIntegration(`${fn.node.id}Integration`, fn);
    this.integrations.set(fn, integration);
    return integration;
  }
}

const METHODS: Readonly<Record<string, HttpMethod>> = {
  GET: HttpMethod.GET,
  POST: HttpMethod.POST,
  PUT: HttpMethod.PUT,
  PATCH: HttpMethod.PATCH,
  DELETE: HttpMethod.DELETE,
  HEAD: HttpMethod.HEAD,
  OPTIONS: HttpMethod.OPTIONS,
  ANY: HttpMethod.ANY,
};

function parseRouteKey(routeKey: string): { method: HttpMethod; path: string } {
  const match = /^([A-Z]+) (\/\S*)$/.exec(routeKey);
  const method = match?.[1] === undefined ? undefined : METHODS[match[1]];
  const path = match?.[2];
  if (method === undefined || path === undefined) {
    throw new Error(`Route key must be 'METHOD /path', got '${routeKey}'.`);
  }
  return { method, path };
}
