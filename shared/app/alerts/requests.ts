/**
 * The alert function's events and what each runs: a site's ended day (`{ site, date }`, handed over by
 * trigger.ts) or the hourly rules of every site (`{ action: "hourly", at }`), every notification logged.
 */
import * as z from 'zod/mini';
import type { StorageClients } from '../../storage/clients';
import { getSite } from '../../storage/table';
import { isIsoDate } from '../../time';
import { logger } from '../logger';
import { type AlertRunOptions, type AlertRunResult, evaluateAlertsForDay } from './evaluator';
import { type HourlyRunResult, runScheduledHourlyAlerts } from './hourly';

const dayRequestSchema = z.object({
  site: z.string().check(z.minLength(1)),
  date: z.string().check(z.refine(isIsoDate, 'date is YYYY-MM-DD')),
});

const hourlySchema = z.object({ action: z.literal('hourly'), at: z.iso.datetime() });

export type AlertFunctionRequest =
  | { action: 'hourly'; at: Date }
  | { action: 'day'; site: string; date: string }
  | { action: 'invalid' };

export function alertRequestOf(event: unknown): AlertFunctionRequest {
  const hourly = hourlySchema.safeParse(event);
  if (hourly.success) return { action: 'hourly', at: new Date(hourly.data.at) };
  const day = dayRequestSchema.safeParse(event);
  return day.success ? { action: 'day', ...day.data } : { action: 'invalid' };
}

/** Thrown so that Lambda retries the event asynchronously (and dead-letters it in the end). */
export class UndeliveredAlertsError extends Error {
  constructor(count: number) {
    super(`${count} alert notification(s) not yet delivered to every target; retrying`);
    this.name = 'UndeliveredAlertsError';
  }
}

/** The hourly rules of every site at `at`, evaluated and delivered. */
export async function runHourlyRequest(clients: StorageClients, at: Date): Promise<HourlyRunResult[]> {
  const results = await runScheduledHourlyAlerts(clients, at);
  for (const result of results)
    for (const notification of result.notifications)
      logger.info('alert', {
        site: result.site,
        ruleId: notification.ruleId,
        text: notification.message.text,
      });
  return results;
}

/**
 * A site's ended day, evaluated and delivered; throws UndeliveredAlertsError while a target still fails
 * (the evaluator gives up after its last round, and then returns).
 */
export async function runDayRequest(
  clients: StorageClients,
  request: { site: string; date: string },
  options: Omit<AlertRunOptions, 'figures'> = {},
): Promise<AlertRunResult | { ignored: 'unknown_site' }> {
  const { site, date } = request;
  const stored = await getSite(clients, site);
  if (!stored) {
    logger.error('alert evaluation ignored: unknown site', { site, date });
    return { ignored: 'unknown_site' };
  }
  const result = await evaluateAlertsForDay(clients, stored.config, date, options);
  for (const notification of result.notifications) logger.info('alert', { site, ...notification });
  const undelivered = result.notifications.filter((n) => n.delivery === 'pending').length;
  if (undelivered > 0) throw new UndeliveredAlertsError(undelivered);
  return result;
}
