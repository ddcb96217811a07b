/**
 * How the aggregator hands an ended day to alert evaluation. In AWS (the clients' `alerts.function`,
 * from ROXTRAIL_ALERTS_FUNCTION) it invokes the alert Lambda asynchronously, so slow webhooks never
 * slow aggregation and Lambda's async retries and dead-letter queue protect delivery; elsewhere
 * (local runtime, CLI, tests) the same evaluation and delivery run in-process.
 */

import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { SiteConfig } from '../../config/site';
import type { FiguresDocument } from '../../metrics/figures';
import type { StorageClients } from '../../storage/clients';
import { type AlertRunResult, evaluateAlertsForDay } from './evaluator';

/** The alert Lambda's event. */
export interface AlertRequest {
  site: string;
  date: string;
}

export type TriggerResult = { invoked: string } | { evaluated: AlertRunResult };

let lambda: LambdaClient | undefined;

/**
 * Hands `payload` to the deployed alert function, asynchronously, when there is one (the stack's, or
 * the CLI's `--stack`); undefined when there is none.
 */
async function invokeAlertFunction(
  clients: StorageClients,
  payload: unknown,
): Promise<{ invoked: string } | undefined> {
  const functionName = clients.alerts.function;
  if (!functionName) return undefined;
  lambda ??= clients.lambda;
  await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
    }),
  );
  return { invoked: functionName };
}

export async function triggerAlertEvaluation(
  clients: StorageClients,
  request: AlertRequest,
  context: { config: SiteConfig; figures?: FiguresDocument; now?: Date },
): Promise<TriggerResult> {
  const invoked = await invokeAlertFunction(clients, request);
  if (invoked) return invoked;
  try {
    return {
      evaluated: await evaluateAlertsForDay(clients, context.config, request.date, {
        figures: context.figures,
        now: context.now,
      }),
    };
  } catch (error) {
    throw new Error(
      `figures stored, but alert evaluation for ${request.site} ${request.date} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Evaluates the hourly rules of every site in this process (hourly.ts `runScheduledHourlyAlerts`). */
export type HourlyAlertsInProcess = (clients: StorageClients, now: Date) => Promise<readonly unknown[]>;

/**
 * After every scheduled run: the hourly rules of every site. In AWS the alert Lambda evaluates them
 * (`{ action: "hourly", at }`, asynchronously, with the topic and its retries), elsewhere in-process,
 * with the evaluation its caller passes (the aggregator does not load the alert function's modules).
 */
export async function triggerHourlyAlerts(
  clients: StorageClients,
  now: Date,
  inProcess?: HourlyAlertsInProcess,
): Promise<{ invoked: string } | { evaluated: number } | { skipped: string }> {
  const invoked = await invokeAlertFunction(clients, { action: 'hourly', at: now.toISOString() });
  if (invoked) return invoked;
  if (!inProcess) return { skipped: 'no ROXTRAIL_ALERTS_FUNCTION and no in-process hourly evaluation' };
  return { evaluated: (await inProcess(clients, now)).length };
}
