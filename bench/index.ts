/** `npm run bench`: runs every benchmark, prints one table and writes bench/results.json. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchAggregation } from './aggregation';
import { benchBundles } from './bundles';
import { benchCollectorCpu, benchCollectorEndToEnd } from './collector';
import { type BenchRow, renderTable } from './table';

export async function runBenchmarks(options: { seconds: number; aggregationEvents: number }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const step = async (name: string, run: () => Promise<BenchRow[]>) => {
    process.stderr.write(`bench: ${name}...\n`);
    rows.push(...(await run()));
  };
  await step('collector CPU', () => benchCollectorCpu(options.seconds));
  await step('collector end to end', () => benchCollectorEndToEnd(options.seconds));
  await step('aggregation of one day vs DuckDB', () => benchAggregation(options.aggregationEvents));
  await step('bundles', () => benchBundles());
  const table = renderTable(rows);
  console.log(table);
  writeFileSync(
    join(import.meta.dirname, 'results.json'),
    `${JSON.stringify({ measuredAt: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`,
  );
  return rows;
}
