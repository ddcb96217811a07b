/** Alert Lambda: evaluates a site's rules for an ended day and delivers notifications (`{ site, date }`). */
import middy from '@middy/core';
import * as z from 'zod/mini';
import {
  type AlertRunOptions,
  type AlertRunResult,
  evaluateAlertsForDay,
} from '../../shared/app/alerts/evaluator';
import { runScheduledHourlyAlerts } from '../../shared/app/alerts/hourly';
import { runtimeConfig } from '../../shared/config/runtime';
import { createStorageClients, type StorageClients } from '../../shared/storage/clients';
import { getSite } from '../../shared/storage/table';
import { isIsoDate } from '../../shared/time';
import { logger } from '../common/http';
import { logFailures } from '../common/stack-traces';

const requestSchema = z.object({
  site: z.string().check(z.minLength(1)),
  date: z.string().check(z.refine(isIsoDate, 'date is YYYY-MM-DD')),
});

const hourlySchema = z.object({ action: z.literal('hourly'), at: z.iso.datetime() });

export type AlertHandlerResult = AlertRunResult | { ignored: string } | { hourly: number };

/** Thrown so that Lambda retries the event asynchronously (and dead-letters it in the end). */
export class UndeliveredAlertsError extends Error {
  constructor(count: number) {
    super(`${count} alert notification(s) not yet delivered to every target; retrying`);
    this.name = 'UndeliveredAlertsError';
  }
}

export function createAlertEvaluator(
  clients: StorageClients,
  options: Omit<AlertRunOptions, 'figures'> = {},
) {
  return async function evaluate(event: unknown): Promise<AlertHandlerResult> {
    const hourly = hourlySchema.safeParse(event);
    if (hourly.success) {
      const results = await runScheduledHourlyAlerts(clients, new Date(hourly.data.at));
      for (const result of results)
        for (const notification of result.notifications)
          logger.info('alert', {
            site: result.site,
            ruleId: notification.ruleId,
            text: notification.message.text,
          });
      return { hourly: results.length };
    }
    const parsed = requestSchema.safeParse(event);
    if (!parsed.success) {
      // A malformed event will not get better with retries.
      logger.error('alert evaluation ignored: the event is not { site, date }', { event });
      return { ignored: 'invalid_event' };
    }
    const { site, date } = parsed.data;
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
  };
}

const config = runtimeConfig();

export const handler = middy<unknown, AlertHandlerResult>()
  .use(logFailures())
  .handler(createAlertEvaluator(createStorageClients(config.storage, config.alerts)));
