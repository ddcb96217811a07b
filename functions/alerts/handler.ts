/** Alert Lambda: evaluates a site's rules for an ended day and delivers notifications (`{ site, date }`). */
import middy from '@middy/core';
import type { AlertRunOptions, AlertRunResult } from '../../shared/app/alerts/evaluator';
import { alertRequestOf, runDayRequest, runHourlyRequest } from '../../shared/app/alerts/requests';
import { runtimeConfig } from '../../shared/config/runtime';
import { createStorageClients, type StorageClients } from '../../shared/storage/clients';
import { logger } from '../common/http';
import { logFailures } from '../common/stack-traces';

export type AlertHandlerResult = AlertRunResult | { ignored: string } | { hourly: number };

export function createAlertEvaluator(
  clients: StorageClients,
  options: Omit<AlertRunOptions, 'figures'> = {},
) {
  return async function evaluate(event: unknown): Promise<AlertHandlerResult> {
    const request = alertRequestOf(event);
    switch (request.action) {
      case 'hourly':
        return { hourly: (await runHourlyRequest(clients, request.at)).length };
      case 'day':
        return runDayRequest(clients, request, options);
      case 'invalid':
        // A malformed event will not get better with retries.
        logger.error('alert evaluation ignored: the event is not { site, date }', { event });
        return { ignored: 'invalid_event' };
    }
  };
}

const config = runtimeConfig();

export const handler = middy<unknown, AlertHandlerResult>()
  .use(logFailures())
  .handler(createAlertEvaluator(createStorageClients(config.storage, config.alerts)));
