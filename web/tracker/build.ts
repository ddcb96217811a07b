/** Bundles the browser tracker on demand with esbuild: nothing built is committed. */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export interface TrackerBundle {
  /** The minified ES module. */
  code: string;
  bytes: number;
  /** The module gzipped once, for clients that accept it. */
  gzip: Buffer;
  gzipBytes: number;
  /** A strong validator for HTTP caching. */
  etag: string;
}

/** The size budget of the bundle once gzipped (issue 6). */
export const TRACKER_BUDGET_GZIP_BYTES = 8 * 1024;

const ENTRY = fileURLToPath(new URL('./src/index.ts', import.meta.url));

let cached: Promise<TrackerBundle> | undefined;

async function bundle(): Promise<TrackerBundle> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // Browsers that run ES modules and `??`; older ones do not load `type="module"` scripts at all.
    target: ['es2020'],
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no output for the tracker');
  const code = output.text;
  const gzip = gzipSync(code, { level: 9 });
  return {
    code,
    bytes: Buffer.byteLength(code),
    gzip,
    gzipBytes: gzip.length,
    etag: `"${createHash('sha256').update(code).digest('base64url').slice(0, 27)}"`,
  };
}

/** The bundle, built once per process (`fresh` rebuilds, e.g. after editing the sources). */
export function buildTracker(options: { fresh?: boolean } = {}): Promise<TrackerBundle> {
  if (options.fresh || !cached) {
    cached = bundle();
    cached.catch(() => {
      cached = undefined;
    });
  }
  return cached;
}

// `npm run build:tracker [dir]`: writes roxtrail.js to dir (default web/tracker/dist, git-ignored) to
// inspect the bundle; the CDK stack writes it next to the query function's bundle this way.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const bundle = await buildTracker();
  const outDir = process.argv[2] ?? fileURLToPath(new URL('./dist', import.meta.url));
  const out = join(outDir, 'roxtrail.js');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, bundle.code);
  console.log(`${out}: ${bundle.bytes} bytes, ${bundle.gzipBytes} bytes gzipped`);
}
