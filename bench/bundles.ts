/** Lambda bundles: each function's minified size and its module's cold initialization in a fresh Node process. */
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { BUNDLE_FILE, esbuildOptionsFor, FUNCTION_ENTRIES, type FunctionName } from '../infra/cdk/bundling';
import type { BenchRow } from './table';

const run = promisify(execFile);

/** The budget for the collector; the other budgets live in test/infra/bundles.test.ts. */
export const COLLECTOR_BUNDLE_BUDGET_BYTES = 900 * 1024;

export interface BuiltBundle {
  name: FunctionName;
  file: string;
  bytes: number;
  /** Bytes of the output per source package (`@aws-sdk/client-s3`, `zod`, ...; `(roxtrail)` for our own code), largest first. */
  byPackage: [string, number][];
}

function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return match?.[1] ?? '(roxtrail)';
}

/** Builds every function with the esbuild options RoxtrailFunction uses, into `outdir/<name>/index.mjs`. */
export async function buildBundles(outdir: string): Promise<BuiltBundle[]> {
  const names = Object.keys(FUNCTION_ENTRIES) as FunctionName[];
  return Promise.all(
    names.map(async (name) => {
      // The metafile only describes the build; the bundle is the same bytes with or without it.
      const result = await build({
        ...esbuildOptionsFor(FUNCTION_ENTRIES[name], join(outdir, name)),
        metafile: true,
      });
      const file = join(outdir, name, BUNDLE_FILE);
      const byPackage = new Map<string, number>();
      for (const [output, meta] of Object.entries(result.metafile.outputs)) {
        if (!output.endsWith(BUNDLE_FILE)) continue;
        for (const [input, { bytesInOutput }] of Object.entries(meta.inputs)) {
          byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
        }
      }
      return {
        name,
        file,
        bytes: statSync(file).size,
        byPackage: [...byPackage].sort((a, b) => b[1] - a[1]),
      };
    }),
  );
}

/**
 * What a function's module needs at initialization, with dummy values: the stack sets the real ones.
 * The functions run without `--enable-source-maps` (infra/cdk/bundling.ts, nodeOptionsFor).
 */
export const DUMMY_FUNCTION_ENV: Readonly<Record<string, string>> = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCHDUMMY',
  AWS_SECRET_ACCESS_KEY: 'bench-dummy-secret',
  ROXTRAIL_TABLE: 'roxtrail-bench',
  ROXTRAIL_BUCKET: 'roxtrail-bench-archive',
  ROXTRAIL_ALERTS_FUNCTION: 'roxtrail-bench-alerts',
  ROXTRAIL_ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:roxtrail-bench-alerts',
  POWERTOOLS_SERVICE_NAME: 'roxtrail',
  POWERTOOLS_LOG_LEVEL: 'WARN',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** Imports the bundle and reports how long the import took and what `handler` is. */
const INIT_SCRIPT = `
const started = performance.now();
const bundle = await import(process.argv[1]);
const initMs = performance.now() - started;
process.stdout.write(JSON.stringify({ initMs, handler: typeof bundle.handler }));
`;

export interface ColdInit {
  /** Time to import (load, parse, evaluate) the bundle, in ms. */
  initMs: number;
  /** `typeof handler` of the module: 'function' when it initialized as a Lambda handler. */
  handler: string;
}

/**
 * Imports `file` in a fresh `node` process (nothing cached), as a Lambda cold start loads the bundle,
 * with `--enable-source-maps` when `sourceMaps` (Node then reads and parses the map at load).
 */
export async function coldInit(file: string, options: { sourceMaps: boolean }): Promise<ColdInit> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...DUMMY_FUNCTION_ENV };
  if (options.sourceMaps) env.NODE_OPTIONS = '--enable-source-maps';
  const { stdout } = await run(
    process.execPath,
    ['--input-type=module', '--eval', INIT_SCRIPT, pathToFileURL(file).href],
    { env, timeout: 30_000 },
  );
  const result: ColdInit = JSON.parse(stdout);
  return result;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Each function's bundle size and its median cold initialization over `runs` fresh processes (one at a time). */
export async function benchBundles(runs = 5): Promise<BenchRow[]> {
  const outdir = await mkdtemp(join(tmpdir(), 'roxtrail-bench-bundles-'));
  try {
    const rows: BenchRow[] = [];
    for (const bundle of await buildBundles(outdir)) {
      const asDeployed: number[] = [];
      const withMaps: number[] = [];
      for (let i = 0; i < runs; i++) {
        asDeployed.push((await coldInit(bundle.file, { sourceMaps: false })).initMs);
        withMaps.push((await coldInit(bundle.file, { sourceMaps: true })).initMs);
      }
      rows.push(
        {
          figure: `${bundle.name} bundle`,
          value: bundle.bytes / 1024,
          unit: 'KB',
          target: bundle.name === 'collector' ? `≤ ${COLLECTOR_BUNDLE_BUDGET_BYTES / 1024} KB` : undefined,
          how: 'esbuild with RoxtrailFunction options (ESM, minified, AWS SDK bundled), index.mjs without its map',
        },
        {
          figure: `${bundle.name} cold init`,
          value: median(asDeployed),
          unit: 'ms',
          target: '≤ 150 ms',
          how: `median of ${runs} fresh node processes importing the bundle, without source maps as deployed, dummy env`,
        },
        {
          figure: `${bundle.name} cold init, with source maps`,
          value: median(withMaps),
          unit: 'ms',
          how: 'as above with --enable-source-maps (what the flag would cost at every start)',
        },
      );
    }
    return rows;
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}
