import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltBundle, buildBundles, COLLECTOR_BUNDLE_BUDGET_BYTES, coldInit } from '../../bench/bundles';
import { FUNCTION_ENTRIES, type FunctionName } from '../../infra/cdk/bundling';

/**
 * Minified bundle budgets (index.mjs, without its map). The collector's is the issue's; the others
 * are what they measured when set, plus about 20%, so that growth is a decision rather than an
 * accident: aggregator 674 KB, alerts 561 KB, query 686 KB (up from 513 KB when erasure arrived: it
 * recomputes days in-process, which brings the aggregation code and the Lambda and SNS clients).
 */
const BUDGET_BYTES: Readonly<Record<FunctionName, number>> = {
  collector: COLLECTOR_BUNDLE_BUDGET_BYTES,
  aggregator: 810 * 1024,
  query: 820 * 1024,
  alerts: 680 * 1024,
};

/** Packages that belong to the local runtime only: no Lambda bundle may pull them in. */
const LOCAL_ONLY_PACKAGES = ['dynalite', 's3rver', 'croner', 'commander', 'cli-progress', 'tsx', 'esbuild'];

const names = Object.keys(FUNCTION_ENTRIES) as FunctionName[];
let outdir: string;
let bundles: Map<FunctionName, BuiltBundle>;

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const bundleOf = (name: FunctionName): BuiltBundle => {
  const bundle = bundles.get(name);
  if (!bundle) throw new Error(`no bundle for ${name}`);
  return bundle;
};

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'roxtrail-bundles-'));
  bundles = new Map((await buildBundles(outdir)).map((bundle) => [bundle.name, bundle]));
}, 180_000);
afterAll(() => rm(outdir, { recursive: true, force: true }));

describe('bundle size (esbuild with the options RoxtrailFunction uses, minified)', () => {
  it.each(names)('%s stays within its budget', (name) => {
    const { bytes, byPackage } = bundleOf(name);
    const largest = byPackage
      .slice(0, 6)
      .map(([pkg, size]) => `${pkg} ${kb(size)}`)
      .join(', ');
    console.log(`bundle ${name}: ${kb(bytes)} (budget ${kb(BUDGET_BYTES[name])}); largest: ${largest}`);
    expect(bytes).toBeLessThanOrEqual(BUDGET_BYTES[name]);
  });

  it('keeps the collector within the 900 KB of the issue', () => {
    expect(BUDGET_BYTES.collector).toBe(900 * 1024);
    expect(bundleOf('collector').bytes).toBeLessThanOrEqual(900 * 1024);
  });

  it.each(names)('%s bundles the AWS SDK but nothing of the local runtime', (name) => {
    const packages = bundleOf(name).byPackage.map(([pkg]) => pkg);
    expect(
      packages.some((pkg) => pkg.startsWith('@aws-sdk/client-') || pkg === '@aws-sdk/lib-dynamodb'),
    ).toBe(true);
    expect(packages.filter((pkg) => LOCAL_ONLY_PACKAGES.includes(pkg))).toEqual([]);
  });
});

describe('cold initialization (a fresh node process imports the bundle, dummy environment)', () => {
  // The time is reported, not asserted: this machine's load decides it. Targets live in `npm run bench`.
  it.each(names)('%s initializes and exports handler', async (name) => {
    const init = await coldInit(bundleOf(name).file);
    console.log(`cold init ${name}: ${init.initMs.toFixed(0)} ms`);
    expect(init.handler).toBe('function');
  });
});
