/**
 * The dashboard's static files (web/dashboard and uPlot's build), served by the query function at
 * `GET /`, `GET /dashboard` and `GET /dashboard/{asset+}`: no CDN, no build step for the user. In AWS
 * the query function also serves the browser tracker at `GET /roxtrail.js`, built into `tracker/`
 * next to the bundle when the stack is synthesized (locally infra/local/tracker-asset.ts builds it).
 *
 * Files are read once per container, on the first dashboard request, from the first directory that
 * holds them: the runtime config's `dashboardDir` (ROXTRAIL_DASHBOARD_DIR, with uPlot under `vendor/`), then `dashboard/` next to the
 * bundle (a Lambda bundle must copy web/dashboard there and uplot/dist's two files to
 * `dashboard/vendor/`, see README "Dashboard"), then the repository layout (web/dashboard and
 * node_modules/uplot/dist) used by the local runtime and tests.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { HttpEvent, HttpResult } from '../common/http';
import { header, jsonResponse } from '../common/http';
import type { RouteAction } from '../common/router';

/** Served name → where it comes from. */
const APP_FILES = ['index.html', 'app.js', 'charts.js', 'format.js', 'hours.js', 'style.css'] as const;
const VENDOR_FILES = {
  'vendor/uPlot.esm.js': 'uPlot.esm.js',
  'vendor/uPlot.min.css': 'uPlot.min.css',
} as const;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** The page talks only to its own origin; uPlot styles elements through the CSSOM, which CSP allows. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

interface Asset {
  body: Buffer;
  gzip: Buffer | undefined;
  contentType: string;
  etag: string;
  cacheControl: string;
}

interface AssetDirs {
  app: string;
  vendor: string;
}

const here = dirname(fileURLToPath(import.meta.url));

export function candidateDirs(dashboardDir?: string): AssetDirs[] {
  const candidates: AssetDirs[] = [];
  if (dashboardDir) candidates.push({ app: dashboardDir, vendor: join(dashboardDir, 'vendor') });
  candidates.push({ app: join(here, 'dashboard'), vendor: join(here, 'dashboard', 'vendor') });
  const repo = join(here, '..', '..');
  candidates.push({
    app: join(repo, 'web', 'dashboard'),
    vendor: join(repo, 'node_modules', 'uplot', 'dist'),
  });
  return candidates;
}

function assetOf(name: string, body: Buffer): Asset {
  const extension = name.slice(name.lastIndexOf('.') + 1);
  return {
    body,
    gzip: body.length > 1024 ? gzipSync(body, { level: 9 }) : undefined,
    contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    // Our files revalidate (cheap 304s) so a deploy shows at once; uPlot changes only with its version.
    cacheControl: name.startsWith('vendor/') ? 'public, max-age=86400' : 'no-cache',
  };
}

/** Every dashboard file from the first candidate that has them all, or why none did. */
export function loadDashboardAssets(
  candidates: readonly AssetDirs[] = candidateDirs(),
): { assets: Map<string, Asset> } | { missing: string } {
  for (const dirs of candidates) {
    const files = [
      ...APP_FILES.map((name) => [name, join(dirs.app, name)] as const),
      ...Object.entries(VENDOR_FILES).map(([name, file]) => [name, join(dirs.vendor, file)] as const),
    ];
    if (!files.every(([, path]) => existsSync(path))) continue;
    return { assets: new Map(files.map(([name, path]) => [name, assetOf(name, readFileSync(path))])) };
  }
  return {
    missing: `dashboard files not found in ${candidates.map((dirs) => dirs.app).join(', ')}`,
  };
}

function redirect(location: string): HttpResult {
  return { statusCode: 302, headers: { location, 'cache-control': 'no-cache' }, body: '' };
}

/** A text file as served: its text, gzipped once (when worth it), and its validator. */
export interface TextFile {
  text: string;
  gzip: Buffer | undefined;
  etag: string;
}

/** The tracker's response, however it was built: cacheable, and loadable as a module script from any shop. */
export function trackerResponse(event: HttpEvent, asset: TextFile): HttpResult {
  const headers: Record<string, string> = {
    'content-type': 'text/javascript; charset=utf-8',
    'cache-control': 'public, max-age=300',
    etag: asset.etag,
    vary: 'accept-encoding',
    'x-content-type-options': 'nosniff',
    // Shops load it from their own origin as a module script, and module scripts are fetched with CORS.
    'access-control-allow-origin': '*',
  };
  return fileResponse(event, asset, headers);
}

export const TRACKER_PATH = '/roxtrail.js';
/** Where the stack's bundling writes the tracker, relative to the query bundle. */
export const TRACKER_BUNDLE_FILE = join('tracker', 'roxtrail.js');

let trackerAsset: TextFile | undefined;

/** The tracker built into this function's bundle (`dir`: the bundle's directory). */
export function serveBundledTracker(event: HttpEvent, dir = here): HttpResult {
  if (!trackerAsset) {
    const file = join(dir, TRACKER_BUNDLE_FILE);
    if (!existsSync(file)) {
      return jsonResponse(500, {
        success: false,
        error: 'tracker_missing',
        message: `The browser tracker is not part of this deployment (${file} not found).`,
      });
    }
    const asset = assetOf(TRACKER_BUNDLE_FILE, readFileSync(file));
    trackerAsset = { text: asset.body.toString('utf8'), gzip: asset.gzip, etag: asset.etag };
  }
  return trackerResponse(event, trackerAsset);
}

/** True for the routes this module answers. */
export function isDashboardRequest(event: HttpEvent): boolean {
  const path = event.rawPath;
  return path === '/' || path === '/dashboard' || path.startsWith('/dashboard/');
}

/** The dashboard's answer, its files read on the first request (from `dashboardDir` first). */
export function dashboardServer(dashboardDir?: string): (event: HttpEvent) => HttpResult {
  let loaded: ReturnType<typeof loadDashboardAssets> | undefined;
  return (event) => {
    const path = event.rawPath;
    // Relative redirects keep working behind a stage or a custom domain's base path.
    if (path === '/') return redirect('dashboard');
    if (path === '/dashboard/') return redirect('../dashboard');
    loaded ??= loadDashboardAssets(candidateDirs(dashboardDir));
    if ('missing' in loaded) {
      return jsonResponse(500, {
        success: false,
        error: 'dashboard_missing',
        message: `The dashboard is not part of this deployment (${loaded.missing}).`,
      });
    }
    const name = path === '/dashboard' ? 'index.html' : path.slice('/dashboard/'.length);
    const asset = loaded.assets.get(name);
    if (!asset) return jsonResponse(404, { success: false, error: 'not_found', message: 'No such file.' });

    const headers: Record<string, string> = {
      'content-type': asset.contentType,
      'cache-control': asset.cacheControl,
      etag: asset.etag,
      vary: 'accept-encoding',
      ...(name === 'index.html' ? SECURITY_HEADERS : { 'x-content-type-options': 'nosniff' }),
    };
    return fileResponse(
      event,
      { text: asset.body.toString('utf8'), gzip: asset.gzip, etag: asset.etag },
      headers,
    );
  };
}

/** The query function's public routes (the page asks for the read key itself): the dashboard and the tracker. */
export function staticRoutes(dashboardDir?: string) {
  const dashboard = dashboardServer(dashboardDir);
  return {
    'GET /': dashboard,
    'GET /dashboard': dashboard,
    'GET /dashboard/{asset+}': dashboard,
    'GET /roxtrail.js': (event: HttpEvent) => serveBundledTracker(event),
  } as const satisfies Readonly<Record<string, RouteAction>>;
}

/** A static file's answer: 304 when the client holds this version, gzipped when it accepts that. */
function fileResponse(event: HttpEvent, file: TextFile, headers: Record<string, string>): HttpResult {
  const ifNoneMatch = header(event, 'if-none-match');
  if (ifNoneMatch?.split(',').some((tag) => tag.trim() === file.etag)) {
    return { statusCode: 304, headers, body: '' };
  }
  if (file.gzip && /\bgzip\b/.test(header(event, 'accept-encoding') ?? '')) {
    return {
      statusCode: 200,
      headers: { ...headers, 'content-encoding': 'gzip' },
      body: file.gzip.toString('base64'),
      isBase64Encoded: true,
    };
  }
  return { statusCode: 200, headers, body: file.text };
}
