/** A worker thread that builds hour partials (shared/app/aggregate/partials.ts) for thread-builder.ts. */
import { parentPort, workerData } from 'node:worker_threads';
import { type BuildContext, buildPartial, type PartitionToBuild } from '../../shared/app/aggregate/partials';
import { createStorageClients, type StorageSettings } from '../../shared/storage/clients';

export interface PartialWorkerData {
  settings: StorageSettings;
  context: BuildContext;
}

export type PartialWorkerRequest = { partition: PartitionToBuild } | { done: true };

const { settings, context } = workerData as PartialWorkerData;
const clients = createStorageClients(settings);
const port = parentPort;
port?.on('message', (request: PartialWorkerRequest) => {
  if ('done' in request) {
    port.close();
    return;
  }
  buildPartial(clients, request.partition, context).then(
    (built) => port.postMessage({ built }),
    (error: unknown) => port.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
});
