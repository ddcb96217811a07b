/**
 * The runtime configuration: everything the functions take from their environment, parsed by one zod
 * schema once per process (the serverless-website-analytics `environment.ts` pattern) and passed into
 * the create* factories. Lambda's environment variables come from the CDK stack; the local runtime
 * provides its own (its stores' endpoints, the Firehose stand-in) with `provideRuntimeConfig` instead of
 * writing process.env, before the handler modules are loaded.
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
});

export interface RuntimeConfig {
  storage: StorageSettings;
  /** The query handler's erasure route hands jobs to this function (the aggregator); unset: in process. */
  erasureFunction?: string;
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
    erasureFunction: e.ROXTRAIL_ERASURE_FUNCTION,
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

/** Where alerts go when the environment does not say: what the local runtime and the CLI choose. */
export interface AlertRouting {
  /** Append each alert to this file (and print it): the local runtime's `.roxtrail/alerts.ndjson`. */
  alertsFile?: string;
  /** Hand evaluations to this deployed alert function (the CLI's `--stack`). */
  alertsFunction?: string;
}

let alertRouting: AlertRouting = {};

/**
 * For the local runtime and the CLI, instead of writing ROXTRAIL_ALERTS_FILE / _FUNCTION into
 * process.env: read at each evaluation, after the environment (which still wins).
 */
export function provideAlertRouting(routing: AlertRouting): void {
  alertRouting = { ...alertRouting, ...routing };
}

export function providedAlertRouting(): Readonly<AlertRouting> {
  return alertRouting;
}

/** For the local runtime and the CLI: the configuration the handler modules take when they load. */
export function provideRuntimeConfig(config: RuntimeConfig): void {
  provided = config;
}
