import { get, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHttpServer } from '../../../infra/local/http-adapter';
import { localRoutes, TRACKER_ROUTE_KEY } from '../../../infra/local/routes';
import { buildTracker, TRACKER_BUDGET_GZIP_BYTES } from '../../../web/tracker/build';

let server: Awaited<ReturnType<typeof startLocalHttpServer>>;

beforeAll(async () => {
  server = await startLocalHttpServer(
    localRoutes().filter((route) => route.routeKey === TRACKER_ROUTE_KEY),
    0,
  );
});
afterAll(async () => {
  await server.close();
});

describe('the tracker bundle', () => {
  it('is an ES module within the 8 KB gzipped budget', async () => {
    const bundle = await buildTracker();
    console.log(`roxtrail.js: ${bundle.bytes} bytes minified, ${bundle.gzipBytes} bytes gzipped`);
    expect(bundle.gzipBytes).toBeLessThanOrEqual(TRACKER_BUDGET_GZIP_BYTES);
    expect(bundle.code).toMatch(/export\s*\{[^}]*as default/);
  });

  it('is served by the local server at GET /roxtrail.js, loadable cross-origin, revalidated by ETag', async () => {
    const response = await fetch(`${server.url}/roxtrail.js`, { headers: { 'accept-encoding': 'identity' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const bundle = await buildTracker();
    expect(await response.text()).toBe(bundle.code);

    const etag = response.headers.get('etag') ?? '';
    const again = await fetch(`${server.url}/roxtrail.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('is sent gzipped to clients that accept it', async () => {
    const { headers, body } = await new Promise<{ headers: IncomingHttpHeaders; body: Buffer }>(
      (resolve, reject) => {
        get(`${server.url}/roxtrail.js`, { headers: { 'accept-encoding': 'gzip, br' } }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
        }).on('error', reject);
      },
    );
    expect(headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(body).toString()).toBe((await buildTracker()).code);
  });
});
