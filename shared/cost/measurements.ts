/**
 * Which benchmark measurements `roxtrail cost` prices with: the ones shipped with the repository
 * (bench/measurements.json, the last full bench run), or a newer local `npm run bench` run
 * (bench/results.json). Pure: the caller reads the files.
 */
import * as z from 'zod/mini';
import { completeMeasured, type Measured, missingMeasurements } from './model';

/** What `npm run bench` writes (bench/index.ts); the shipped file is one such run, committed. */
export const benchRunSchema = z.looseObject({
  measuredAt: z.iso.datetime({ offset: true }),
  /** The command that produced the run (runs before it was recorded have none). */
  command: z.optional(z.string()),
  node: z.optional(z.string()),
  machine: z.optional(z.string()),
  measured: z.record(z.string(), z.unknown()),
});

export type BenchRun = z.output<typeof benchRunSchema>;

export interface ChosenMeasurements {
  measured: Measured;
  source: 'shipped' | 'local';
  /** Where the run was read from (a path relative to the repository, as shown to users). */
  file: string;
  measuredAt: string;
  command: string | undefined;
  /** Why the local run present was not used, if it was not. */
  localIgnored?: string;
  /** One line for the cost output: which measurements these are. */
  description: string;
}

export interface MeasurementSource {
  file: string;
  /** The parsed JSON, or undefined when the file does not exist. */
  content: unknown;
}

function runOf(source: MeasurementSource): { run: BenchRun } | { problem: string } {
  const parsed = benchRunSchema.safeParse(source.content);
  if (!parsed.success) return { problem: 'not a bench run (it needs measuredAt and measured)' };
  const missing = missingMeasurements(parsed.data.measured);
  if (missing.length > 0) return { problem: `it lacks ${missing.join(', ')}` };
  return { run: parsed.data };
}

const dayOf = (instant: string) => new Date(Date.parse(instant)).toISOString().slice(0, 10);

/**
 * The local run when it is complete and newer than the shipped one, else the shipped one. Throws
 * only when neither can be priced with (a broken checkout).
 */
export function chooseMeasurements(shipped: MeasurementSource, local: MeasurementSource): ChosenMeasurements {
  const shippedRun = runOf(shipped);
  const localRun = local.content === undefined ? undefined : runOf(local);
  let localIgnored: string | undefined;
  if (localRun && 'run' in localRun) {
    const newer =
      !('run' in shippedRun) || Date.parse(localRun.run.measuredAt) > Date.parse(shippedRun.run.measuredAt);
    if (newer) {
      const run = localRun.run;
      const shippedNote =
        'run' in shippedRun ? `, newer than the shipped ones of ${dayOf(shippedRun.run.measuredAt)}` : '';
      return {
        measured: completeMeasured(run.measured),
        source: 'local',
        file: local.file,
        measuredAt: run.measuredAt,
        command: run.command,
        description: `measured by your bench run of ${run.measuredAt} (${local.file})${shippedNote}`,
      };
    }
    localIgnored = `its run of ${localRun.run.measuredAt} is older`;
  } else if (localRun) localIgnored = localRun.problem;
  if (!('run' in shippedRun))
    throw new Error(`no measurements to price with: ${shipped.file}: ${shippedRun.problem}`);
  const run = shippedRun.run;
  return {
    measured: completeMeasured(run.measured),
    source: 'shipped',
    file: shipped.file,
    measuredAt: run.measuredAt,
    command: run.command,
    ...(localIgnored ? { localIgnored } : {}),
    description:
      `shipped measurements of ${dayOf(run.measuredAt)} (${shipped.file}${run.command ? `, ${run.command}` : ''})` +
      (localIgnored ? `; ${local.file} not used: ${localIgnored}` : '; npm run bench measures your machine'),
  };
}
