/** The one place that builds SDK clients; endpoints come from the runtime configuration (shared/config/runtime.ts). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AlertsConfig, WEBHOOKS_ONLY } from '../config/runtime';
import { enforceDynamoLimits } from './local-limits';

export interface StorageSettings {
  tableName: string;
  bucketName: string;
  region: string;
  /** Set for the local stack (dynalite); unset in AWS. */
  dynamodbEndpoint?: string;
  /** Set for the local stack (s3rver); unset in AWS. */
  s3Endpoint?: string;
  /** Firehose archive mode: the delivery stream the collector puts events to (shared/storage/archive-sink.ts). */
  firehoseStream?: string;
  /** Set for the local stack's Firehose stand-in (infra/local/firehose-standin.ts); unset in AWS. */
  firehoseEndpoint?: string;
  /**
   * How long an erasure waits after refusing a user's ids before it reads the archive
   * (shared/storage/erasure-timing.ts ERASURE_SETTLE_MS): longer where accepted events reach the archive
   * later, as behind Firehose's buffer.
   */
  erasureSettleMs?: number;
}

/**
 * Every client the functions use. DynamoDB and S3 are built at once (every function needs them); SNS,
 * Lambda and Firehose on first use, so a cold start pays only for what the function calls.
 */
export interface StorageClients {
  readonly settings: StorageSettings;
  readonly dynamo: DynamoDBDocumentClient;
  readonly s3: S3Client;
  /** The alert topic's client (AWS only). */
  readonly sns: SNSClient;
  /** Asynchronous invocations: alert evaluation, erasure jobs, partial builders (AWS only). */
  readonly lambda: LambdaClient;
  /** Firehose archive mode's client (AWS, or the local stand-in's endpoint). */
  readonly firehose: FirehoseClient;
  /**
   * Where alerts go (the runtime config's `alerts`). It travels with the clients because every path
   * to an alert evaluation passes them, down to the aggregation handing an ended day over.
   */
  readonly alerts: AlertsConfig;
}

/** s3rver accepts only these; dynalite accepts anything. */
const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * Timeouts stay short so a hung store turns into a 503 well inside API Gateway's 30 s, and the
 * client's retry (idempotent by design) does the rest. Without throwOnRequestTimeout the SDK only logs a
 * warning when requestTimeout passes and keeps waiting: a hung store then hangs the function until its
 * own timeout (tested in test/reliability/faults.test.ts).
 */
const REQUEST_HANDLER = { connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true };

export function createStorageClients(
  settings: StorageSettings,
  alerts: AlertsConfig = WEBHOOKS_ONLY,
): StorageClients {
  const dynamoClient = new DynamoDBClient({
    region: settings.region,
    maxAttempts: 3,
    requestHandler: REQUEST_HANDLER,
    ...(settings.dynamodbEndpoint
      ? { endpoint: settings.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS }
      : {}),
  });
  const s3 = new S3Client({
    region: settings.region,
    maxAttempts: 3,
    requestHandler: REQUEST_HANDLER,
    // s3rver cannot verify the flexible checksums newer SDKs add by default.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(settings.s3Endpoint
      ? { endpoint: settings.s3Endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS }
      : {}),
  });
  const dynamo = DynamoDBDocumentClient.from(dynamoClient, {
    marshallOptions: { removeUndefinedValues: true },
  });
  // dynalite measures and batches more loosely than DynamoDB: hold the local stack to AWS's limits.
  if (settings.dynamodbEndpoint) enforceDynamoLimits(dynamoClient);
  return storageClientsOf(settings, { dynamo, s3 }, alerts);
}

/** The clients over the given DynamoDB and S3 clients, with the others built on first use. */
export function storageClientsOf(
  settings: StorageSettings,
  { dynamo, s3 }: Pick<StorageClients, 'dynamo' | 's3'>,
  alerts: AlertsConfig = WEBHOOKS_ONLY,
): StorageClients {
  let sns: SNSClient | undefined;
  let lambda: LambdaClient | undefined;
  let firehose: FirehoseClient | undefined;
  return {
    settings,
    dynamo,
    s3,
    alerts,
    get sns() {
      sns ??= createSnsClient(settings);
      return sns;
    },
    get lambda() {
      lambda ??= createLambdaClient(settings);
      return lambda;
    },
    get firehose() {
      firehose ??= createFirehoseClient(settings);
      return firehose;
    },
  };
}

/** The collector's client in Firehose archive mode (AWS, or the local stand-in's endpoint). */
export function createFirehoseClient(
  settings: Pick<StorageSettings, 'region' | 'firehoseEndpoint'>,
): FirehoseClient {
  return new FirehoseClient({
    region: settings.region,
    maxAttempts: 3,
    requestHandler: REQUEST_HANDLER,
    ...(settings.firehoseEndpoint
      ? { endpoint: settings.firehoseEndpoint, credentials: LOCAL_CREDENTIALS }
      : {}),
  });
}

/** The alert topic's client (AWS only: there is no local SNS; locally alerts go to a file and the console). */
export function createSnsClient(settings: Pick<StorageSettings, 'region'>): SNSClient {
  return new SNSClient({ region: settings.region, maxAttempts: 3, requestHandler: REQUEST_HANDLER });
}

/** For the aggregator's asynchronous invocation of the alert evaluator (AWS only). */
export function createLambdaClient(settings: Pick<StorageSettings, 'region'>): LambdaClient {
  return new LambdaClient({ region: settings.region, maxAttempts: 3, requestHandler: REQUEST_HANDLER });
}

/** Client-side faults that still pass with time: throttling, clock skew, credentials being refreshed. */
const TRANSIENT_CLIENT_FAULTS = new Set([
  'ThrottlingException',
  'Throttling',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'RequestTimeTooSkewed',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
]);

/**
 * True for faults of the stores themselves (network, timeouts, throttling, 5xx): the caller should retry.
 * A request the store rejects as invalid (ValidationException: a key or item too large, AccessDenied)
 * fails the same way on every retry, so it is not one: answering 503 would make clients retry forever.
 */
export function isStorageFault(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as {
    $metadata?: unknown;
    $fault?: string;
    $retryable?: unknown;
    code?: string;
    name?: string;
  };
  if (e.$fault === 'client') return e.$retryable !== undefined || TRANSIENT_CLIENT_FAULTS.has(e.name ?? '');
  if (e.$metadata !== undefined || e.$fault !== undefined) return true;
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(e.code ?? '') ||
    ['TimeoutError', 'RequestTimeout', 'AbortError'].includes(e.name ?? '')
  );
}
