/**
 * Aggregator Lambda: the hourly scheduled run, the daily finalization (`{ action: "finalize" }`),
 * erasure jobs (`{ action: "erase-user", site, userId }`, handed over by the API), or explicit days
 * (`{ site, date }` / `{ site, from, to }`). A scheduled run that could not compute a day
 * computes the others, then fails: Lambda retries it, and the aggregator-errors alarm fires.
 */
import middy from '@middy/core';
import * as z from 'zod/mini';
import {
  aggregateDay,
  type DayResult,
  runFinalization,
  runScheduledAggregation,
  type ScheduledRunResult,
} from '../../shared/app/aggregate/aggregate';
import { runErasureJob } from '../../shared/app/aggregate/erasure';
import type { PartialBuilder } from '../../shared/app/aggregate/partials';
import { type HourlyAlertsInProcess, triggerHourlyAlerts } from '../../shared/app/alerts/trigger';
import { runtimeConfig } from '../../shared/config/runtime';
import { createStorageClients, type StorageClients } from '../../shared/storage/clients';
import type { EraseSummary } from '../../shared/storage/erase';
import { getSite } from '../../shared/storage/table';
import { datesBetween, isIsoDate } from '../../shared/time';
import { logger } from '../common/http';
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

export interface AggregatorSummary {
  days: { site: string; date: string; revision: number; events: number; stored: boolean }[];
  failures: { site: string; date: string; error: string }[];
}

/** Explicit days to compute, or undefined for the scheduled run (any other payload). */
function explicitDays(event: unknown): { site: string; dates: string[] } | undefined {
  const oneDay = oneDaySchema.safeParse(event);
  if (oneDay.success) return { site: oneDay.data.site, dates: [oneDay.data.date] };
  const range = dayRangeSchema.safeParse(event);
  if (range.success) return { site: range.data.site, dates: datesBetween(range.data.from, range.data.to) };
  return undefined;
}

function summaryOf(result: DayResult): AggregatorSummary['days'][number] {
  return {
    site: result.site,
    date: result.date,
    revision: result.figures.revision,
    events: result.figures.traffic.events,
    stored: result.stored,
  };
}

/**
 * In AWS, a day too large for one invocation fans its partial building out over invocations of the
 * partial builder (this handler deployed again, infra/cdk: ROXTRAIL_PARTIAL_BUILDER_FUNCTION).
 */
function builderFor(clients: StorageClients, env: NodeJS.ProcessEnv): PartialBuilder | undefined {
  const builder = env.ROXTRAIL_PARTIAL_BUILDER_FUNCTION;
  return builder ? lambdaFanOutBuilder(clients, builder) : undefined;
}

export interface AggregatorOptions {
  /**
   * Where the scheduled run's hourly alerts are evaluated when no alert function is configured
   * (`ROXTRAIL_ALERTS_FUNCTION`, always set in AWS): in this process, e.g. functions/alerts/hourly.ts
   * `runScheduledHourlyAlerts`. Neither: the run evaluates no hourly rules (the local scheduler does).
   */
  hourlyAlerts?: HourlyAlertsInProcess;
}

export function createAggregator(
  clients: StorageClients,
  env: NodeJS.ProcessEnv = process.env,
  options: AggregatorOptions = {},
) {
  const builder = builderFor(clients, env);
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
    if (explicit) {
      const stored = await getSite(clients, explicit.site);
      if (!stored) throw new Error(`unknown site "${explicit.site}"`);
      const days: AggregatorSummary['days'] = [];
      for (const date of explicit.dates)
        days.push(summaryOf(await aggregateDay(clients, stored.config, date, { builder })));
      return { days, failures: [] };
    }
    if (finalizeSchema.safeParse(event).success)
      return failOnFailures(await runFinalization(clients, { builder }));
    const run = await runScheduledAggregation(clients, { builder });
    // api.md "Alerts": hourly rules are evaluated after every scheduled run. A failure to hand them
    // over fails the run (after its figures are stored), so the AggregatorErrors alarm pages.
    let hourlyFailure: string | undefined;
    try {
      await triggerHourlyAlerts(clients, new Date(), env, options.hourlyAlerts);
    } catch (error) {
      hourlyFailure = error instanceof Error ? error.message : String(error);
      logger.error('hourly alert evaluation failed', { error: hourlyFailure });
    }
    const summary = failOnFailures(run);
    if (hourlyFailure !== undefined) throw new Error(`hourly alert evaluation failed: ${hourlyFailure}`);
    return summary;
  };
}

/** The run's summary; throws (after logging each) when a day could not be computed. */
function failOnFailures(run: ScheduledRunResult): AggregatorSummary {
  for (const failure of run.failures) logger.error('aggregation failed', failure);
  if (run.failures.length > 0) {
    const days = run.failures.map((failure) => `${failure.site} ${failure.date}`).join(', ');
    throw new Error(`${run.failures.length} day(s) could not be computed: ${days}`);
  }
  return { days: run.results.map(summaryOf), failures: [] };
}

export const handler = middy<unknown, AggregatorSummary | BuildPartialsResponse | EraseSummary>()
  .use(logFailures())
  .handler(createAggregator(createStorageClients(runtimeConfig().storage)));
