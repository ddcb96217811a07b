/**
 * Running erasure jobs (shared/storage/erase.ts): where a job runs once the API has recorded it. In AWS
 * the aggregator runs it (an asynchronous invocation: Lambda retries a failed run, and the aggregator's
 * reserved concurrency keeps it apart from aggregations); elsewhere it runs in this process.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { StorageClients } from '../../storage/clients';
import { type EraseSummary, eraseUser } from '../../storage/erase';
import { getSite } from '../../storage/table';
import { logger } from '../logger';
import { aggregateDay } from './aggregate';

export interface ErasureRequest {
  site: string;
  userId: string;
}

/** The aggregator event that runs one erasure job. */
export interface EraseUserAction extends ErasureRequest {
  action: 'erase-user';
}

/** Hands a recorded job to where it runs; resolves once handed over, not once done. */
export type ErasureRunner = (request: ErasureRequest) => Promise<void>;

/** Runs a job to its end: erases the user and recomputes the figure days it changed. */
export async function runErasureJob(
  clients: StorageClients,
  request: ErasureRequest,
  options: { settleMs?: number } = {},
): Promise<EraseSummary> {
  const stored = await getSite(clients, request.site);
  if (!stored) throw new Error(`unknown site "${request.site}"`);
  const config = stored.config;
  const summary = await eraseUser(clients, config, request.userId, {
    settleMs: options.settleMs,
    recompute: async (days) => {
      for (const day of days) await aggregateDay(clients, config, day);
    },
  });
  logger.info('user erased', { site: request.site, ...summary });
  return summary;
}

/** Runs jobs in this process, in the background (the local stack, tests). */
export function inProcessErasureRunner(
  clients: StorageClients,
  options: { settleMs?: number } = {},
): ErasureRunner {
  return async (request) => {
    void runErasureJob(clients, request, options).catch((error: unknown) =>
      logger.error('erasure failed', {
        site: request.site,
        error: error instanceof Error ? error.message : String(error),
      }),
    );
  };
}

/** Hands jobs to the aggregator function, asynchronously. */
export function lambdaErasureRunner(clients: StorageClients, functionName: string): ErasureRunner {
  return async (request) => {
    const action: EraseUserAction = { action: 'erase-user', ...request };
    // clients.lambda is made on the first erasure, not at the function's cold start.
    await clients.lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(action)),
      }),
    );
  };
}

/** Where the runtime config sends jobs: to the aggregator function when it names one, else this process. */
export function erasureRunnerFor(clients: StorageClients, erasureFunction?: string): ErasureRunner {
  return erasureFunction ? lambdaErasureRunner(clients, erasureFunction) : inProcessErasureRunner(clients);
}
