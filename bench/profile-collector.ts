/**
 * Runs only the collector CPU benchmark, for profiling and quick comparisons:
 * `node --cpu-prof --import tsx bench/profile-collector.ts [seconds] [runs]`. Events per CPU second
 * is printed too: it moves less than events/s when other processes share the cores.
 */
import { collectorCpuRun } from './collector';

const seconds = Number(process.argv[2] ?? 5);
const runs = Number(process.argv[3] ?? 1);
for (let run = 0; run < runs; run += 1) {
  const result = await collectorCpuRun(seconds, false);
  const perCpuSecond = result.eventsPerSecond / result.cpuShare;
  console.log(
    `run ${run + 1}: ${Math.round(result.eventsPerSecond)} events/s, ${Math.round(perCpuSecond)} events/CPU-s`,
  );
}
