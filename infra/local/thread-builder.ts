/**
 * Fans partial building out over worker threads: on a machine with several cores, downloading,
 * gunzipping and parsing a day's objects is the part of an aggregation that parallelises. Small
 * amounts stay in the calling thread, where no worker has to start.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  type BuiltPartition,
  bytesToRead,
  inProcessBuilder,
  type PartialBuilder,
  type PartitionToBuild,
} from '../../shared/app/aggregate/partials';
import type { StorageClients } from '../../shared/storage/clients';
import type { PartialWorkerData, PartialWorkerRequest } from './partial-worker';

/** Below this much compressed data a worker's start-up (~0.5 s to load the modules) costs more than it saves. */
export const THREADS_FROM_BYTES = 8 * 1024 * 1024;

/**
 * A worker holds one partition at a time: its objects' lines while they are parsed and its slimmed
 * events (a few times the compressed bytes). Without a limit V8 lets each worker's heap grow far past
 * that before collecting, and the threads' garbage, not the day, sets the process's peak memory.
 */
export function workerHeapMb(largestPartitionBytes: number): number {
  return Math.ceil(128 + (12 * largestPartitionBytes) / (1024 * 1024));
}

type WorkerAnswer = { built: BuiltPartition } | { error: string };

export function threadBuilder(
  clients: StorageClients,
  threads = availableParallelism(),
  fromBytes = THREADS_FROM_BYTES,
): PartialBuilder {
  const local = inProcessBuilder(clients);
  return async (partitions, context, onBuilt) => {
    const count = Math.min(threads, partitions.length);
    if (count < 2 || bytesToRead(partitions) < fromBytes) return local(partitions, context, onBuilt);
    // Largest first, handed out one at a time: the threads finish together.
    const queue = [...partitions].sort((a, b) => bytesToRead([b]) - bytesToRead([a]));
    const built: BuiltPartition[] = [];
    const data: PartialWorkerData = { settings: clients.settings, context };
    const run = (worker: Worker) =>
      new Promise<void>((resolve, reject) => {
        const next = () => {
          const partition: PartitionToBuild | undefined = queue.shift();
          const request: PartialWorkerRequest = partition ? { partition } : { done: true };
          worker.postMessage(request);
          if (!partition) resolve();
        };
        worker.on('message', (answer: WorkerAnswer) => {
          if ('error' in answer) {
            reject(new Error(answer.error));
            return;
          }
          built.push(answer.built);
          onBuilt?.(answer.built);
          next();
        });
        worker.on('error', reject);
        next();
      });
    const largest = Math.max(...partitions.map((partition) => bytesToRead([partition])));
    const workers = Array.from(
      { length: count },
      () =>
        new Worker(new URL('./partial-worker.mjs', import.meta.url), {
          workerData: data,
          resourceLimits: { maxOldGenerationSizeMb: workerHeapMb(largest) },
        }),
    );
    try {
      await Promise.all(workers.map(run));
    } finally {
      await Promise.all(workers.map((worker) => worker.terminate()));
    }
    return built;
  };
}
