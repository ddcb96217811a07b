import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createQueryHandler } from '../../functions/query/handler';
import { candidateDirs, loadDashboardAssets } from '../../functions/query/static';
import { QUERY_ROUTE_KEYS } from '../../infra/local/routes';
import { runtimeConfigFromEnv } from '../../shared/config/runtime';
import { createSiteCache } from '../../shared/storage/site-cache';
import { httpEvent, TEST_LAMBDA_CONTEXT } from '../helpers/http-event';
import { createMemoryStorage } from '../helpers/memory-storage';

const { clients } = createMemoryStorage();
const query = createQueryHandler({ clients, sites: createSiteCache(clients, 0) });
const REPO = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'roxtrail-dashboard-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function get(path: string, headers: Record<string, string> = {}) {
  return query(httpEvent({ method: 'GET', path, headers }), TEST_LAMBDA_CONTEXT);
}

describe('the dashboard served by the query function', () => {
  it('has its routes among the query route keys the CDK stack wires', () => {
    expect(QUERY_ROUTE_KEYS).toEqual(
      expect.arrayContaining(['GET /', 'GET /dashboard', 'GET /dashboard/{asset+}']),
    );
  });

  it('redirects / to the page (relative, so a base path keeps working)', async () => {
    const root = await get('/');
    expect(root.statusCode).toBe(302);
    expect(root.headers?.location).toBe('dashboard');
    expect((await get('/dashboard/')).headers?.location).toBe('../dashboard');
  });

  it('serves the page without a key, with a strict content security policy and revalidation', async () => {
    const page = await get('/dashboard');
    expect(page.statusCode).toBe(200);
    expect(page.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers?.['cache-control']).toBe('no-cache');
    expect(String(page.headers?.['content-security-policy'])).toContain("script-src 'self'");
    expect(page.body).toContain('<script type="module" src="dashboard/app.js">');
    const etag = String(page.headers?.etag);
    const again = await get('/dashboard', { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('serves scripts gzipped when asked, and uPlot from its package with a long cache', async () => {
    const app = await get('/dashboard/app.js', { 'accept-encoding': 'gzip, br' });
    expect(app.headers?.['content-type']).toBe('text/javascript; charset=utf-8');
    expect(app.headers?.['content-encoding']).toBe('gzip');
    expect(app.isBase64Encoded).toBe(true);
    expect(gunzipSync(Buffer.from(app.body ?? '', 'base64')).toString('utf8')).toBe(
      readFileSync(join(REPO, 'web/dashboard/app.js'), 'utf8'),
    );
    const uplot = await get('/dashboard/vendor/uPlot.esm.js');
    expect(uplot.statusCode).toBe(200);
    expect(uplot.headers?.['cache-control']).toBe('public, max-age=86400');
    expect(uplot.body).toContain('export { uPlot as default }');
    expect((await get('/dashboard/vendor/uPlot.min.css')).headers?.['content-type']).toBe(
      'text/css; charset=utf-8',
    );
  });

  it('answers 404 for anything else under /dashboard, paths that climb out included', async () => {
    for (const path of ['/dashboard/nope.js', '/dashboard/../package.json', '/dashboard/vendor/uPlot.d.ts']) {
      expect((await get(path)).statusCode, path).toBe(404);
    }
  });

  it('finds the files in a Lambda bundle layout (dashboard/ and dashboard/vendor/ next to index.mjs)', () => {
    const bundle = join(scratch, 'asset');
    cpSync(join(REPO, 'web/dashboard'), join(bundle, 'dashboard'), { recursive: true });
    mkdirSync(join(bundle, 'dashboard', 'vendor'), { recursive: true });
    for (const file of ['uPlot.esm.js', 'uPlot.min.css']) {
      cpSync(join(REPO, 'node_modules/uplot/dist', file), join(bundle, 'dashboard', 'vendor', file));
    }
    const found = loadDashboardAssets([
      { app: join(bundle, 'dashboard'), vendor: join(bundle, 'dashboard', 'vendor') },
    ]);
    expect('assets' in found && [...found.assets.keys()].sort()).toEqual([
      'app.js',
      'charts.js',
      'format.js',
      'hours.js',
      'index.html',
      'style.css',
      'vendor/uPlot.esm.js',
      'vendor/uPlot.min.css',
    ]);
    const missing = loadDashboardAssets([{ app: join(scratch, 'none'), vendor: join(scratch, 'none') }]);
    expect(missing).toEqual({ missing: `dashboard files not found in ${join(scratch, 'none')}` });
    expect(
      candidateDirs(runtimeConfigFromEnv({ ROXTRAIL_DASHBOARD_DIR: '/opt/dash' }).dashboardDir)[0],
    ).toEqual({
      app: '/opt/dash',
      vendor: '/opt/dash/vendor',
    });
  });
});
