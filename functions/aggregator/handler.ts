/**
 * Aggregator Lambda: the hourly scheduled run, the daily finalization (`{ action: "finalize" }`),
 * erasure jobs (`{ action: "erase-user", site, userId }`, handed over by the API), or explicit days
 * (`{ site, date }` / `{ site, from, to }`); the events are shared/app/aggregate/requests.ts, what each
 * computes is shared/app/aggregate/runs.ts.
 */
import middy from '@middy/core';
import { runErasureJob } from '../../shared/app/aggregate/erasure';
import { aggregatorRequestOf } from '../../shared/app/aggregate/requests';
import {
  type AggregatorSummary,
  aggregateDays,
  finalizeDays,
  scheduledRun,
} from '../../shared/app/aggregate/runs';
import type { HourlyAlertsInProcess } from '../../shared/app/alerts/trigger';
import { type RuntimeConfig, runtimeConfig } from '../../shared/config/runtime';
import { createStorageClients, type StorageClients } from '../../shared/storage/clients';
import type { EraseSummary } from '../../shared/storage/erase';
import { logFailures } from '../common/stack-traces';
import { type BuildPartialsResponse, buildRequested, lambdaFanOutBuilder } from './lambda-builder';

export interface AggregatorOptions {
  /**
   * Where the scheduled run's hourly alerts are evaluated when no alert function is configured
   * (`alerts.function`, always set in AWS): in this process, e.g. shared/app/alerts/hourly.ts
   * `runScheduledHourlyAlerts`. Neither: the run evaluates no hourly rules (the local scheduler does).
   */
  hourlyAlerts?: HourlyAlertsInProcess;
}

export type { AggregatorSummary };

type AggregatorResult = AggregatorSummary | BuildPartialsResponse | EraseSummary;

export function createAggregator(
  clients: StorageClients,
  config: Pick<RuntimeConfig, 'partialBuilderFunction'> = {},
  options: AggregatorOptions = {},
) {
  // In AWS a day too large for one invocation fans out over the partial builder (this handler again).
  const fanOut = config.partialBuilderFunction;
  const builder = fanOut ? lambdaFanOutBuilder(clients, fanOut) : undefined;
  return async function aggregate(event: unknown): Promise<AggregatorResult> {
    const request = aggregatorRequestOf(event);
    switch (request.action) {
      case 'build-partials':
        return buildRequested(clients, request);
      case 'erase-user':
        // A failure throws: Lambda runs the job again, which finishes what this run began.
        return runErasureJob(clients, request);
      case 'days':
        return aggregateDays(clients, request.site, request.dates, builder);
      case 'finalize':
        return finalizeDays(clients, builder);
      case 'scheduled':
        return scheduledRun(clients, { builder, hourlyAlerts: options.hourlyAlerts });
    }
  };
}

const config = runtimeConfig();

export const handler = middy<unknown, AggregatorResult>()
  .use(logFailures())
  .handler(createAggregator(createStorageClients(config.storage, config.alerts), config));
