/** `npm run bench`: runs every benchmark, prints one table and writes bench/results.json. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Measured } from '../shared/cost/model';
import { benchAggregation } from './aggregation';
import { benchBundles } from './bundles';
import { benchCollectorCpu, benchCollectorEndToEnd } from './collector';
import { benchCost } from './cost';
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
  await step('cost model', async () => benchCost(measured));
  await step('bundles', () => benchBundles());
  const table = renderTable(rows);
  console.log(table);
  writeFileSync(
    join(import.meta.dirname, 'results.json'),
    `${JSON.stringify({ measuredAt: new Date().toISOString(), node: process.version, measured, rows }, null, 2)}\n`,
  );
  return rows;
}
