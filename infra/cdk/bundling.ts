/** The one esbuild configuration of every Lambda bundle: RoxtrailFunction, the bundle test and the bench all build with it. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

/** The repository root: handler paths are relative to it, and its package-lock.json pins the bundle. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Each Lambda's handler module, relative to the repository root. These are the very modules the
 * local runtime imports (infra/local/routes.ts, scheduler.ts): there is no Lambda-only entry point.
 */
export const FUNCTION_ENTRIES = {
  collector: 'functions/collector/handler.ts',
  aggregator: 'functions/aggregator/handler.ts',
  query: 'functions/query/handler.ts',
  alerts: 'functions/alerts/handler.ts',
} as const;

export type FunctionName = keyof typeof FUNCTION_ENTRIES;

/**
 * middy 6 is ESM-only, so the bundle is ESM. Some bundled dependencies are CommonJS and call
 * `require` for Node built-ins, which esbuild's ESM output cannot do on its own.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * The bundle settings in esbuild's own terms. One minified, tree-shaken ESM file that includes the
 * AWS SDK v3 clients (pinned versions, smaller cold start than the runtime's copy), with a source
 * map without sources (stack traces point at the TypeScript files, the map stays small).
 */
export const BUNDLE_OPTIONS = {
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Prefer packages' ESM builds so esbuild can tree-shake them.
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  external: [],
  // Credentials from the environment only, as Lambda provides them (functions/common/lambda-credentials.ts).
  // esbuild resolves an alias's path from the working directory, the repository root.
  alias: { '@aws-sdk/credential-provider-node': './functions/common/lambda-credentials.ts' },
} as const;

/** The file NodejsFunction writes an ESM bundle to. */
export const BUNDLE_FILE = 'index.mjs';

/** The esbuild build NodejsFunction runs for `handlerPath`, writing `outdir/index.mjs` (and its map). */
export function esbuildOptionsFor(handlerPath: string, outdir: string): BuildOptions {
  return {
    absWorkingDir: REPO_ROOT,
    entryPoints: [handlerPath],
    bundle: true,
    outfile: join(outdir, BUNDLE_FILE),
    format: BUNDLE_OPTIONS.format,
    platform: BUNDLE_OPTIONS.platform,
    target: BUNDLE_OPTIONS.target,
    mainFields: [...BUNDLE_OPTIONS.mainFields],
    banner: { js: BUNDLE_OPTIONS.banner },
    minify: BUNDLE_OPTIONS.minify,
    sourcemap: BUNDLE_OPTIONS.sourcemap,
    sourcesContent: BUNDLE_OPTIONS.sourcesContent,
    external: [...BUNDLE_OPTIONS.external],
    alias: { ...BUNDLE_OPTIONS.alias },
    logLevel: 'warning',
  };
}

/**
 * The functions' `NODE_OPTIONS`: a heap limit from their memory (V8 otherwise sizes its heap from the
 * machine's). No `--enable-source-maps`: Node would read and parse the bundle's map (about 1 MB) at
 * every cold start, 10–50 ms on the bench machine. The HTTP functions log errors without stacks; the
 * scheduled ones map a failure's stack through the shipped map when it happens
 * (functions/common/stack-traces.ts).
 */
export function nodeOptionsFor(memorySize: number): string {
  return `--max-old-space-size=${heapLimitMb(memorySize)}`;
}

/**
 * V8's old-space limit for a function of `memorySize` MB: most of it, leaving room for the runtime,
 * the young generation and buffers outside the heap (an aggregation's gzip and download buffers).
 */
export function heapLimitMb(memorySize: number): number {
  return Math.floor(memorySize * 0.85);
}
