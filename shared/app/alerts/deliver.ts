/**
 * Alert delivery targets (api.md, "Alerts"): the SNS topic in AWS, the site's webhooks everywhere, and
 * locally the console and an NDJSON file. Each target reports its own outcome and never throws, so a
 * failing or hanging target cannot hold up or lose the others.
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertMessage } from '../../alerts/messages';
import type { AlertsConfig } from '../../config/runtime';
import type { SiteConfig } from '../../config/site';
import type { DeliveryRecord } from '../../storage/alerts';

export interface DeliverySettings {
  /** Publish to this SNS topic. */
  topicArn?: string;
  /** Append each alert as one JSON line (the local runtime's `.roxtrail/alerts.ndjson`). */
  alertsFile?: string;
  /** Print alerts: whenever an alerts file is set (the local runtime sets one; the AWS stack never does). */
  console: boolean;
  /** Per-request timeout of a webhook POST. */
  webhookTimeoutMs: number;
  /** Tries per webhook and round, the first included. */
  webhookAttempts: number;
  /** Wait before the second try; doubles for each further try. */
  webhookBackoffMs: number;
}

/** The delivery the runtime configuration's `alerts` call for. */
export function deliverySettingsOf(alerts: AlertsConfig): DeliverySettings {
  return {
    topicArn: alerts.topicArn,
    alertsFile: alerts.file,
    console: alerts.file !== undefined,
    webhookTimeoutMs: alerts.webhook.timeoutMs,
    webhookAttempts: alerts.webhook.attempts,
    webhookBackoffMs: alerts.webhook.backoffMs,
  };
}

type Outcome = Omit<DeliveryRecord, 'target' | 'at'>;

export interface DeliveryTarget {
  /** Stable across runs, so a later round retries only the targets that failed. */
  id: string;
  send(message: AlertMessage): Promise<Outcome>;
}

/** How a webhook is named in the history: its origin and a digest, never the secret path. */
export function webhookTargetId(url: string): string {
  const digest = createHash('sha256').update(url).digest('hex').slice(0, 8);
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    origin = 'invalid-url';
  }
  return `webhook ${origin} (${digest})`;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A Slack-compatible body: `text` first, then the JSON fields of the message. */
export function webhookBody(message: AlertMessage): string {
  const { text, ...fields } = message;
  return JSON.stringify({ text, ...fields });
}

/**
 * POSTs the alert, retrying network errors, timeouts, 429 and 5xx with backoff; other answers are
 * final. Each try has its own timeout, so a hanging receiver costs at most attempts × timeout.
 */
export function webhookTarget(url: string, settings: DeliverySettings): DeliveryTarget {
  return {
    id: webhookTargetId(url),
    async send(message) {
      const body = webhookBody(message);
      let attempts = 0;
      let last: Outcome = { ok: false, attempts: 0 };
      while (attempts < settings.webhookAttempts) {
        if (attempts > 0) await sleep(settings.webhookBackoffMs * 2 ** (attempts - 1));
        attempts += 1;
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'user-agent': 'roxtrail-alerts' },
            body,
            signal: AbortSignal.timeout(settings.webhookTimeoutMs),
          });
          await response.body?.cancel().catch(() => undefined);
          if (response.ok) return { ok: true, attempts, status: response.status };
          last = { ok: false, attempts, status: response.status, error: `HTTP ${response.status}` };
          if (response.status !== 429 && response.status !== 408 && response.status < 500) return last;
        } catch (error) {
          last = { ok: false, attempts, error: describe(error) };
        }
      }
      return last;
    },
  };
}

export function snsTarget(topicArn: string, sns: () => SNSClient): DeliveryTarget {
  return {
    id: 'sns',
    async send(message) {
      try {
        await sns().send(
          new PublishCommand({
            TopicArn: topicArn,
            Subject:
              `Roxtrail alert: ${message.ruleId} ${message.state} on ${message.site} ${message.date}`.slice(
                0,
                99,
              ),
            // E-mail subscribers read the sentence; every other protocol gets the JSON.
            MessageStructure: 'json',
            Message: JSON.stringify({ default: JSON.stringify(message), email: message.text }),
            // Lets subscriptions filter by site, rule or state.
            MessageAttributes: {
              site: { DataType: 'String', StringValue: message.site },
              ruleId: { DataType: 'String', StringValue: message.ruleId },
              state: { DataType: 'String', StringValue: message.state },
            },
          }),
        );
        return { ok: true, attempts: 1 };
      } catch (error) {
        return { ok: false, attempts: 1, error: describe(error) };
      }
    },
  };
}

export function fileTarget(path: string): DeliveryTarget {
  return {
    id: 'file',
    async send(message) {
      try {
        await mkdir(dirname(path), { recursive: true });
        await appendFile(path, `${JSON.stringify(message)}\n`);
        return { ok: true, attempts: 1 };
      } catch (error) {
        return { ok: false, attempts: 1, error: describe(error) };
      }
    },
  };
}

/** The targets of a site's alerts under these settings. */
export function deliveryTargets(
  config: Pick<SiteConfig, 'alerts'>,
  settings: DeliverySettings,
  sns: () => SNSClient,
): DeliveryTarget[] {
  const targets: DeliveryTarget[] = [];
  if (settings.topicArn) targets.push(snsTarget(settings.topicArn, sns));
  if (settings.alertsFile) targets.push(fileTarget(settings.alertsFile));
  for (const url of new Set(config.alerts.webhooks)) targets.push(webhookTarget(url, settings));
  return targets;
}

/** Sends to every target at once; one record per target, in target order. */
export async function deliverToTargets(
  message: AlertMessage,
  targets: readonly DeliveryTarget[],
  now: () => Date = () => new Date(),
): Promise<DeliveryRecord[]> {
  return Promise.all(
    targets.map(async (target) => {
      let outcome: Outcome;
      try {
        outcome = await target.send(message);
      } catch (error) {
        outcome = { ok: false, attempts: 1, error: describe(error) };
      }
      return { target: target.id, ...outcome, at: now().toISOString() };
    }),
  );
}
