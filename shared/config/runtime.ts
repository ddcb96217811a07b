/**
 * The runtime configuration: everything the functions take from their environment, parsed by one zod
 * schema once per process (the serverless-website-analytics `environment.ts` pattern) and passed into
 * the create* factories. Lambda's environment variables come from the CDK stack; the local runtime
 * provides its own (its stores' endpoints, the Firehose stand-in, its alerts file) with
 * `provideRuntimeConfig` instead of writing process.env, before the handler modules are loaded.
 */
import * as z from 'zod/mini';
import type { StorageSettings } from '../storage/clients';

/** Unset or empty: absent (the local runtime used to export empty endpoints). */
const optionalText = z.pipe(
  z.optional(z.string()),
  z.transform((value) => (value === undefined || value === '' ? undefined : value)),
);

const positiveSeconds = z.pipe(
  optionalText,
  z.transform((value, context) => {
    if (value === undefined) return undefined;
    const seconds = Number(value);
    if (!Number.isFinite(seconds) || seconds < 0) {
      context.issues.push({ code: 'custom', message: 'is a number of seconds', input: value });
      return undefined;
    }
    return seconds;
  }),
);

/**
 * Unset, empty or not a positive number: the default. Lenient, as delivery always was: a mistyped
 * webhook tuning costs slower or fewer retries, while refusing it would stop every alert.
 */
const positiveNumberOr = (fallback: number) =>
  z.pipe(
    optionalText,
    z.transform((value) => {
      const parsed = Number(value);
      return value !== undefined && Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
    }),
  );

/** Webhook delivery when the environment does not tune it. */
export const WEBHOOK_DEFAULTS: WebhookSettings = { timeoutMs: 5_000, attempts: 3, backoffMs: 500 };

const environmentSchema = z.object({
  ROXTRAIL_TABLE: optionalText,
  ROXTRAIL_BUCKET: optionalText,
  AWS_REGION: optionalText,
  AWS_DEFAULT_REGION: optionalText,
  ROXTRAIL_DYNAMODB_ENDPOINT: optionalText,
  ROXTRAIL_S3_ENDPOINT: optionalText,
  ROXTRAIL_FIREHOSE_STREAM: optionalText,
  ROXTRAIL_FIREHOSE_ENDPOINT: optionalText,
  ROXTRAIL_ERASURE_SETTLE_SECONDS: positiveSeconds,
  ROXTRAIL_ERASURE_FUNCTION: optionalText,
  ROXTRAIL_ALERTS_FILE: optionalText,
  ROXTRAIL_ALERT_TOPIC_ARN: optionalText,
  ROXTRAIL_ALERTS_FUNCTION: optionalText,
  ROXTRAIL_WEBHOOK_TIMEOUT_MS: positiveNumberOr(WEBHOOK_DEFAULTS.timeoutMs),
  ROXTRAIL_WEBHOOK_ATTEMPTS: positiveNumberOr(WEBHOOK_DEFAULTS.attempts),
  ROXTRAIL_WEBHOOK_BACKOFF_MS: positiveNumberOr(WEBHOOK_DEFAULTS.backoffMs),
  ROXTRAIL_PARTIAL_BUILDER_FUNCTION: optionalText,
  ROXTRAIL_DASHBOARD_DIR: optionalText,
});

export interface WebhookSettings {
  /** `ROXTRAIL_WEBHOOK_TIMEOUT_MS`: per-request timeout of a webhook POST. */
  timeoutMs: number;
  /** `ROXTRAIL_WEBHOOK_ATTEMPTS`: tries per webhook and round, the first included. */
  attempts: number;
  /** `ROXTRAIL_WEBHOOK_BACKOFF_MS`: wait before the second try; doubles for each further try. */
  backoffMs: number;
}

/** Where alerts go (api.md "Alerts"), besides the site's own webhooks. */
export interface AlertsConfig {
  /** `ROXTRAIL_ALERTS_FILE`: append each alert as one JSON line, and print it (the local runtime's `.roxtrail/alerts.ndjson`). */
  file?: string;
  /** `ROXTRAIL_ALERT_TOPIC_ARN`: publish each alert to this SNS topic (the AWS alert function). */
  topicArn?: string;
  /** `ROXTRAIL_ALERTS_FUNCTION`: hand evaluations to this deployed alert function instead of running them in process. */
  function?: string;
  webhook: WebhookSettings;
}

/** What an environment without alert variables says: evaluated in process, delivered to the site's webhooks only. */
export const WEBHOOKS_ONLY: AlertsConfig = { webhook: WEBHOOK_DEFAULTS };

export interface RuntimeConfig {
  storage: StorageSettings;
  alerts: AlertsConfig;
  /** The query handler's erasure route hands jobs to this function (the aggregator); unset: in process. */
  erasureFunction?: string;
  /** The aggregator fans a large day's partial building out over this function; unset: in process. */
  partialBuilderFunction?: string;
  /** Where the query function finds the dashboard's files first (functions/query/static.ts). */
  dashboardDir?: string;
}

/** The configuration an environment describes; throws, naming the variable, when one is malformed. */
export function runtimeConfigFromEnv(env: Readonly<Record<string, string | undefined>>): RuntimeConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new Error(`Invalid Roxtrail environment: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    storage: {
      tableName: e.ROXTRAIL_TABLE ?? 'roxtrail',
      bucketName: e.ROXTRAIL_BUCKET ?? 'roxtrail-archive',
      region: e.AWS_REGION ?? e.AWS_DEFAULT_REGION ?? 'us-east-1',
      dynamodbEndpoint: e.ROXTRAIL_DYNAMODB_ENDPOINT,
      s3Endpoint: e.ROXTRAIL_S3_ENDPOINT,
      firehoseStream: e.ROXTRAIL_FIREHOSE_STREAM,
      firehoseEndpoint: e.ROXTRAIL_FIREHOSE_ENDPOINT,
      erasureSettleMs:
        e.ROXTRAIL_ERASURE_SETTLE_SECONDS === undefined
          ? undefined
          : e.ROXTRAIL_ERASURE_SETTLE_SECONDS * 1000,
    },
    alerts: {
      file: e.ROXTRAIL_ALERTS_FILE,
      topicArn: e.ROXTRAIL_ALERT_TOPIC_ARN,
      function: e.ROXTRAIL_ALERTS_FUNCTION,
      webhook: {
        timeoutMs: e.ROXTRAIL_WEBHOOK_TIMEOUT_MS,
        attempts: Math.floor(e.ROXTRAIL_WEBHOOK_ATTEMPTS),
        backoffMs: e.ROXTRAIL_WEBHOOK_BACKOFF_MS,
      },
    },
    erasureFunction: e.ROXTRAIL_ERASURE_FUNCTION,
    partialBuilderFunction: e.ROXTRAIL_PARTIAL_BUILDER_FUNCTION,
    dashboardDir: e.ROXTRAIL_DASHBOARD_DIR,
  };
}

let provided: RuntimeConfig | undefined;

/**
 * The process's configuration, for entry points only (a handler module's scope): the one the local
 * runtime provided, else the environment's, parsed once.
 */
export function runtimeConfig(): RuntimeConfig {
  provided ??= runtimeConfigFromEnv(process.env);
  return provided;
}

/** For the local runtime and the CLI: the configuration the handler modules take when they load. */
export function provideRuntimeConfig(config: RuntimeConfig): void {
  provided = config;
}
