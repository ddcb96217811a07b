/**
 * What one invocation of the aggregator computes, and its summary: explicit days, the daily
 * finalization, or the scheduled run followed by the hourly alert rules. A run that could not compute
 * a day computes the others, then fails: Lambda retries it, and the aggregator-errors alarm fires.
 */
import type { SiteConfig } from '../../config/site';
import type { StorageClients } from '../../storage/clients';
import { getSite } from '../../storage/table';
import { type HourlyAlertsInProcess, triggerHourlyAlerts } from '../alerts/trigger';
import { logger } from '../logger';
import {
  aggregateDay,
  type DayResult,
  runFinalization,
  runScheduledAggregation,
  type ScheduledRunResult,
} from './aggregate';
import type { PartialBuilder } from './partials';

export interface AggregatorSummary {
  days: { site: string; date: string; revision: number; events: number; stored: boolean }[];
  failures: { site: string; date: string; error: string }[];
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

/** The run's summary; throws (after logging each) when a day could not be computed. */
function failOnFailures(run: ScheduledRunResult): AggregatorSummary {
  for (const failure of run.failures) logger.error('aggregation failed', failure);
  if (run.failures.length > 0) {
    const days = run.failures.map((failure) => `${failure.site} ${failure.date}`).join(', ');
    throw new Error(`${run.failures.length} day(s) could not be computed: ${days}`);
  }
  return { days: run.results.map(summaryOf), failures: [] };
}

/** The days asked for, one after another, of a site that must exist. */
export async function aggregateDays(
  clients: StorageClients,
  site: string,
  dates: readonly string[],
  builder: PartialBuilder | undefined,
): Promise<AggregatorSummary> {
  const stored = await getSite(clients, site);
  if (!stored) throw new Error(`unknown site "${site}"`);
  const config: SiteConfig = stored.config;
  const days: AggregatorSummary['days'] = [];
  for (const date of dates) days.push(summaryOf(await aggregateDay(clients, config, date, { builder })));
  return { days, failures: [] };
}

/** The daily finalization (metrics.md §5). */
export async function finalizeDays(
  clients: StorageClients,
  builder: PartialBuilder | undefined,
): Promise<AggregatorSummary> {
  return failOnFailures(await runFinalization(clients, { builder }));
}

/**
 * The scheduled run, then the hourly rules (api.md "Alerts": after every scheduled run). A failure to
 * hand them over fails the run (after its figures are stored), so the AggregatorErrors alarm pages.
 */
export async function scheduledRun(
  clients: StorageClients,
  options: {
    builder: PartialBuilder | undefined;
    hourlyAlerts?: HourlyAlertsInProcess;
    now?: () => Date;
  },
): Promise<AggregatorSummary> {
  const run = await runScheduledAggregation(clients, { builder: options.builder });
  let hourlyFailure: string | undefined;
  try {
    await triggerHourlyAlerts(clients, options.now?.() ?? new Date(), options.hourlyAlerts);
  } catch (error) {
    hourlyFailure = error instanceof Error ? error.message : String(error);
    logger.error('hourly alert evaluation failed', { error: hourlyFailure });
  }
  const summary = failOnFailures(run);
  if (hourlyFailure !== undefined) throw new Error(`hourly alert evaluation failed: ${hourlyFailure}`);
  return summary;
}
