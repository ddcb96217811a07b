/**
 * `npm run bench`: runs every benchmark, prints one table and writes bench/results.json (or
 * `ROXTRAIL_BENCH_RESULTS`), which `roxtrail cost` then prefers to the shipped bench/measurements.json.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { localBenchResultsFile } from '../infra/local/measurements';
import type { Measured } from '../shared/cost/model';
import { benchAggregation } from './aggregation';
import { benchBundles } from './bundles';
import { benchCollectorCpu, benchCollectorEndToEnd } from './collector';
import { benchCost } from './cost';
import { benchHourlyAlerts } from './hourly-alerts';
import { type BenchRow, renderTable } from './table';

export async function runBenchmarks(options: {
  seconds: number;
  aggregationEvents: number;
}): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const step = async (name: string, run: () => Promise<BenchRow[]>) => {
    process.stderr.write(`bench: ${name}...\n`);
    rows.push(...(await run()));
  };
  const measured: Partial<Measured> = {};
  await step('collector CPU', () => benchCollectorCpu(options.seconds, measured));
  await step('collector end to end', () => benchCollectorEndToEnd(options.seconds, 8, measured));
  await step('aggregation of one day vs DuckDB', () => benchAggregation(options.aggregationEvents, measured));
  await step('hourly alert evaluation', () => benchHourlyAlerts());
  await step('cost model', async () => benchCost(measured));
  await step('bundles', () => benchBundles());
  const table = renderTable(rows);
  console.log(table);
  const run = {
    measuredAt: new Date().toISOString(),
    command: `roxtrail bench --seconds ${options.seconds} --events ${options.aggregationEvents}`,
    node: process.version,
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, ${process.platform} ${process.arch}`,
    measured,
    rows,
  };
  writeFileSync(localBenchResultsFile(), `${JSON.stringify(run, null, 2)}\n`);
  return rows;
}
