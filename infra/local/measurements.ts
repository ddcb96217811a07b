/** Where `roxtrail cost` finds benchmark measurements, and where `npm run bench` writes its run. */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import {
  type ChosenMeasurements,
  chooseMeasurements,
  type MeasurementSource,
} from '../../shared/cost/measurements';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/** The last full bench run, committed: what a fresh clone prices with. */
export const SHIPPED_MEASUREMENTS_FILE = join(REPO_ROOT, 'bench', 'measurements.json');

/** A local `npm run bench` run: bench/results.json, or `ROXTRAIL_BENCH_RESULTS`. */
export function localBenchResultsFile(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.ROXTRAIL_BENCH_RESULTS;
  return override ? resolve(override) : join(REPO_ROOT, 'bench', 'results.json');
}

function shownPath(file: string): string {
  const inRepo = relative(REPO_ROOT, file);
  return inRepo.startsWith('..') || isAbsolute(inRepo) ? file : inRepo;
}

function readJson(file: string, required: boolean): MeasurementSource {
  if (!existsSync(file)) {
    if (required) throw new Error(`${shownPath(file)} is missing: the checkout is incomplete`);
    return { file: shownPath(file), content: undefined };
  }
  try {
    return { file: shownPath(file), content: JSON.parse(readFileSync(file, 'utf8')) };
  } catch (error) {
    if (required) throw new Error(`${shownPath(file)} is not valid JSON: ${(error as Error).message}`);
    // A run cut short leaves a broken file: say so and price with the shipped measurements.
    return { file: shownPath(file), content: null };
  }
}

/** The measurements to price with: a newer complete local run, else the shipped ones. */
export function costMeasurements(env: NodeJS.ProcessEnv = process.env): ChosenMeasurements {
  return chooseMeasurements(
    readJson(SHIPPED_MEASUREMENTS_FILE, true),
    readJson(localBenchResultsFile(env), false),
  );
}
