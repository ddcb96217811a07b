/** Turns Node HTTP requests into API Gateway HTTP API (payload v2) events for the same Lambda handlers. */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { routeKeyMatcher } from '../../functions/common/route-keys';

export type LambdaHttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export interface LocalRoute {
  /** API Gateway route key style, e.g. `POST /v1/batch` or `GET /v1/sites/{site}/figures`. */
  routeKey: string;
  handler: () => Promise<LambdaHttpHandler>;
}

/** API Gateway's own payload limit. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** API Gateway sends text bodies as strings and everything else (gzip, binary) base64-encoded. */
function isTextBody(headers: IncomingMessage['headers']): boolean {
  if (headers['content-encoding'] && headers['content-encoding'] !== 'identity') return false;
  const type = (headers['content-type'] ?? '').toLowerCase();
  return (
    type === '' || type.startsWith('text/') || type.includes('json') || type.includes('x-www-form-urlencoded')
  );
}

/** Each route table's matcher, compiled once. */
const matchers = new WeakMap<readonly LocalRoute[], ReturnType<typeof routeKeyMatcher<string>>>();

function matchRoute(routes: readonly LocalRoute[], method: string, path: string) {
  let match = matchers.get(routes);
  if (!match) {
    match = routeKeyMatcher(routes.map((route) => route.routeKey));
    matchers.set(routes, match);
  }
  const matched = match(method, path);
  const route = matched && routes.find((candidate) => candidate.routeKey === matched.routeKey);
  return route && matched ? { route, pathParameters: matched.pathParameters } : undefined;
}

export function toApiGatewayEvent(
  request: IncomingMessage,
  body: Buffer,
  routeKey: string,
  pathParameters: Record<string, string>,
): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const text = isTextBody(request.headers);
  const now = new Date();
  const method = request.method ?? 'GET';
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
    pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : undefined,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.length === 0 ? undefined : text ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: body.length > 0 && !text,
  };
}

function lambdaContext(functionName: string, requestId: string): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_PAYLOAD_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  const body =
    result.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  response.writeHead(result.statusCode ?? 200, { ...headers, 'content-length': String(body.length) });
  response.end(body);
}

export async function handleLocalRequest(
  routes: readonly LocalRoute[],
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const method = request.method ?? 'GET';
  const matched = matchRoute(routes, method, url.pathname);
  if (!matched) {
    send(response, {
      statusCode: 404,
      headers: { 'content-type': 'application/json' },
      body: '{"message":"Not Found"}',
    });
    return;
  }
  const body = await readBody(request);
  if (body === undefined) {
    send(response, {
      statusCode: 413,
      headers: { 'content-type': 'application/json' },
      body: '{"message":"Request Entity Too Large"}',
    });
    return;
  }
  const event = toApiGatewayEvent(request, body, matched.route.routeKey, matched.pathParameters);
  try {
    const handler = await matched.route.handler();
    send(
      response,
      await handler(event, lambdaContext(matched.route.routeKey, event.requestContext.requestId)),
    );
  } catch {
    // API Gateway answers an unhandled Lambda failure with this exact response.
    send(response, {
      statusCode: 500,
      headers: { 'content-type': 'application/json' },
      body: '{"message":"Internal Server Error"}',
    });
  }
}

export async function startLocalHttpServer(
  routes: readonly LocalRoute[],
  port: number,
  host = '127.0.0.1',
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    handleLocalRequest(routes, request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
