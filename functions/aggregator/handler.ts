/**
 * Aggregator Lambda: the hourly scheduled run, the daily finalization (`{ action: "finalize" }`),
 * erasure jobs (`{ action: "erase-user", site, userId }`, handed over by the API), or explicit days
 * (`{ site, date }` / `{ site, from, to }`); what each computes is shared/app/aggregate/runs.ts.
 */
import middy from '@middy/core';
import * as z from 'zod/mini';
import { runErasureJob } from '../../shared/app/aggregate/erasure';
import type { PartialBuilder } from '../../shared/app/aggregate/partials';
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
import { datesBetween, isIsoDate } from '../../shared/time';
import { logFailures } from '../common/stack-traces';
import { type BuildPartialsResponse, buildRequested, lambdaFanOutBuilder } from './lambda-builder';

const isoDate = z.string().check(z.refine(isIsoDate, 'dates are YYYY-MM-DD'));

const oneDaySchema = z.object({ site: z.string(), date: isoDate });
const dayRangeSchema = z.object({ site: z.string(), from: isoDate, to: isoDate });
const finalizeSchema = z.object({ action: z.literal('finalize') });
const eraseUserSchema = z.object({ action: z.literal('erase-user'), site: z.string(), userId: z.string() });
const buildRequestSchema = z.object({
  action: z.literal('build-partials'),
  context: z.object({ site: z.string(), timeZone: z.string(), nowMs: z.number() }),
  partitions: z.array(
    z.object({
      date: isoDate,
      hour: z.string(),
      objects: z.array(z.object({ key: z.string(), size: z.number() })),
    }),
  ),
});

/** Explicit days to compute, or undefined for the scheduled run (any other payload). */
function explicitDays(event: unknown): { site: string; dates: string[] } | undefined {
  const oneDay = oneDaySchema.safeParse(event);
  if (oneDay.success) return { site: oneDay.data.site, dates: [oneDay.data.date] };
  const range = dayRangeSchema.safeParse(event);
  if (range.success) return { site: range.data.site, dates: datesBetween(range.data.from, range.data.to) };
  return undefined;
}

/**
 * In AWS, a day too large for one invocation fans its partial building out over invocations of the
 * partial builder (this handler deployed again, infra/cdk: ROXTRAIL_PARTIAL_BUILDER_FUNCTION).
 */
function builderFor(
  clients: StorageClients,
  config: Pick<RuntimeConfig, 'partialBuilderFunction'>,
): PartialBuilder | undefined {
  const builder = config.partialBuilderFunction;
  return builder ? lambdaFanOutBuilder(clients, builder) : undefined;
}

export interface AggregatorOptions {
  /**
   * Where the scheduled run's hourly alerts are evaluated when no alert function is configured
   * (`alerts.function`, always set in AWS): in this process, e.g. shared/app/alerts/hourly.ts
   * `runScheduledHourlyAlerts`. Neither: the run evaluates no hourly rules (the local scheduler does).
   */
  hourlyAlerts?: HourlyAlertsInProcess;
}

export type { AggregatorSummary };

export function createAggregator(
  clients: StorageClients,
  config: Pick<RuntimeConfig, 'partialBuilderFunction'> = {},
  options: AggregatorOptions = {},
) {
  const builder = builderFor(clients, config);
  return async function aggregate(
    event: unknown,
  ): Promise<AggregatorSummary | BuildPartialsResponse | EraseSummary> {
    const build = buildRequestSchema.safeParse(event);
    if (build.success) return buildRequested(clients, build.data);
    const erase = eraseUserSchema.safeParse(event);
    if (erase.success) {
      // A failure throws: Lambda runs the job again, which finishes what this run began.
      return runErasureJob(clients, erase.data);
    }
    const explicit = explicitDays(event);
    if (explicit) return aggregateDays(clients, explicit.site, explicit.dates, builder);
    if (finalizeSchema.safeParse(event).success) return finalizeDays(clients, builder);
    return scheduledRun(clients, { builder, hourlyAlerts: options.hourlyAlerts });
  };
}

const config = runtimeConfig();

export const handler = middy<unknown, AggregatorSummary | BuildPartialsResponse | EraseSummary>()
  .use(logFailures())
  .handler(createAggregator(createStorageClients(config.storage, config.alerts), config));
