/** API Gateway HTTP API (payload v2) events built in-process, to call handlers without an HTTP server. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

export interface HttpEventInput {
  method?: string;
  path: string;
  headers?: Record<string, string | undefined>;
  query?: Record<string, string>;
  pathParameters?: Record<string, string>;
  /** Text bodies as they are; Buffers are sent base64-encoded, as API Gateway does for binary bodies. */
  body?: string | Buffer;
  sourceIp?: string;
}

export function basicAuthHeader(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}

export function httpEvent(input: HttpEventInput): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {}))
    if (value !== undefined) headers[name.toLowerCase()] = value;
  const method = input.method ?? 'POST';
  const binary = Buffer.isBuffer(input.body);
  const body =
    input.body === undefined
      ? undefined
      : Buffer.isBuffer(input.body)
        ? input.body.toString('base64')
        : input.body;
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: `${method} ${input.path}`,
    rawPath: input.path,
    rawQueryString: new URLSearchParams(input.query ?? {}).toString(),
    headers,
    queryStringParameters: input.query,
    pathParameters: input.pathParameters,
    requestContext: {
      accountId: 'test',
      apiId: 'test',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method,
        path: input.path,
        protocol: 'HTTP/1.1',
        sourceIp: input.sourceIp ?? '203.0.113.77',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: `req-${now}`,
      routeKey: `${method} ${input.path}`,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    body,
    isBase64Encoded: binary,
  };
}

/**
 * The same request as a Lambda function URL delivers it (docs.aws.amazon.com/lambda/latest/dg/
 * urls-invocation.html, "Request payload format"): payload 2.0, but no routes or stages (`$default`
 * placeholders), no path parameters, the URL's own domain.
 */
export function functionUrlEvent(input: Omit<HttpEventInput, 'pathParameters'>): APIGatewayProxyEventV2 {
  const event = httpEvent(input);
  const urlId = 'abcdefghijklmnopqrstuvwxyz012345';
  return {
    ...event,
    routeKey: '$default',
    pathParameters: undefined,
    requestContext: {
      ...event.requestContext,
      apiId: urlId,
      domainName: `${urlId}.lambda-url.eu-west-1.on.aws`,
      domainPrefix: urlId,
      routeKey: '$default',
      stage: '$default',
      // The URL also sends `authentication` and `authorizer` as null; the handlers read neither.
    },
  };
}

export const TEST_LAMBDA_CONTEXT: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:test',
  memoryLimitInMB: '1024',
  awsRequestId: 'test',
  logGroupName: '/aws/lambda/test',
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export interface ParsedResult {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Calls a middy handler and parses its JSON answer. */
export async function invoke(handler: HttpHandler, event: APIGatewayProxyEventV2): Promise<ParsedResult> {
  const result = await handler(event, TEST_LAMBDA_CONTEXT);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  let body: unknown = result.body;
  if (typeof result.body === 'string' && result.body.length > 0) {
    try {
      body = JSON.parse(result.body);
    } catch {
      body = result.body;
    }
  }
  return { status: result.statusCode ?? 200, headers, body };
}
