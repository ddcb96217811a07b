/** A forwarding HTTP proxy for tests: records requests exactly as clients sent them and can fail some. */
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/batch?writeKey=...`. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The body as sent, decompressed when it was gzipped. */
  text: string;
  /** The status the client got (a forced failure or the target's answer). */
  status: number;
  /** Passed on to the target (so its events may be stored), not failed by the proxy. */
  forwarded: boolean;
}

export interface RecordingProxy {
  url: string;
  requests: RecordedRequest[];
  /** Answers the next `count` POSTs itself with `status` and `Retry-After`, without forwarding them. */
  failNext(count: number, status?: number, retryAfterSeconds?: number): void;
  /** POSTs that were forwarded to the target (and so may have been stored). */
  forwarded(): RecordedRequest[];
  close(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const requests: RecordedRequest[] = [];
  const failing = { count: 0, status: 503, retryAfterSeconds: 1 };
  const targetUrl = new URL(target);

  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const gzipped = incoming.headers['content-encoding'] === 'gzip';
      const record: RecordedRequest = {
        method: incoming.method ?? 'GET',
        url: incoming.url ?? '/',
        headers: incoming.headers,
        text: (gzipped ? gunzipSync(body) : body).toString('utf8'),
        status: 0,
        forwarded: false,
      };
      requests.push(record);
      const origin = incoming.headers.origin;
      if (record.method === 'POST' && failing.count > 0) {
        failing.count -= 1;
        record.status = failing.status;
        outgoing.writeHead(failing.status, {
          'content-type': 'application/json',
          'retry-after': String(failing.retryAfterSeconds),
          // Like the collector: a browser can read the status and Retry-After of a known origin.
          ...(origin
            ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'retry-after' }
            : {}),
        });
        outgoing.end('{"success":false,"error":"storage_unavailable"}');
        return;
      }
      record.forwarded = true;
      const forward = httpRequest(
        {
          hostname: targetUrl.hostname,
          port: targetUrl.port,
          method: record.method,
          path: record.url,
          headers: { ...incoming.headers, host: targetUrl.host },
        },
        (answer) => {
          record.status = answer.statusCode ?? 502;
          outgoing.writeHead(record.status, answer.headers);
          answer.pipe(outgoing);
        },
      );
      forward.on('error', () => {
        record.status = 502;
        outgoing.writeHead(502).end();
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(count, status = 503, retryAfterSeconds = 1) {
      Object.assign(failing, { count, status, retryAfterSeconds });
    },
    forwarded: () => requests.filter((r) => r.method === 'POST' && r.forwarded),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
