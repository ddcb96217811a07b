/**
 * AWS list prices used by the cost model, us-east-1, arm64 Lambda, on-demand DynamoDB, first tiers,
 * without free tiers (the model says where it counts one). Checked on 2026-11-23 against the public
 * pricing pages (aws.amazon.com/<service>/pricing) as recalled from them; update the date and values
 * together when prices change.
 */
export const PRICES = {
  asOf: '2026-11-23',
  region: 'us-east-1',
  source:
    'AWS public pricing pages: api-gateway, lambda, s3, dynamodb, kinesis/data-firehose, sns, eventbridge, cloudwatch, xray, kms',
  /** HTTP API, first 300 M requests/month, per million. */
  httpApiPerMillion: 1.0,
  /** Lambda arm64 duration, per GB-second (billed per 1 ms). */
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaRequestsPerMillion: 0.2,
  /** S3 Standard PUT/COPY/POST/LIST, per 1,000 requests (DELETE is free). */
  s3PutPerThousand: 0.005,
  /** S3 Standard GET/SELECT, per 1,000 requests. */
  s3GetPerThousand: 0.0004,
  /** S3 Standard storage, first 50 TB, per GB-month. */
  s3StoragePerGbMonth: 0.023,
  /** S3 Standard-IA storage, per GB-month. */
  s3InfrequentAccessPerGbMonth: 0.0125,
  /** S3 Glacier Instant Retrieval storage, per GB-month. */
  s3GlacierInstantPerGbMonth: 0.004,
  /** Lifecycle transitions into Standard-IA and into Glacier Instant Retrieval, per 1,000 objects. */
  s3TransitionToIaPerThousand: 0.01,
  s3TransitionToGlacierInstantPerThousand: 0.02,
  /** DynamoDB Standard table class, on-demand: write and read request units per million, storage per GB-month. */
  dynamoWritePerMillion: 0.625,
  dynamoReadPerMillion: 0.125,
  dynamoStoragePerGbMonth: 0.25,
  /** DynamoDB Standard-IA table class: requests cost 25% more, storage 60% less. */
  dynamoIaWritePerMillion: 0.78125,
  dynamoIaReadPerMillion: 0.15625,
  dynamoIaStoragePerGbMonth: 0.1,
  /** Continuous backups (point-in-time recovery), per GB-month of table size, either table class. */
  dynamoPitrPerGbMonth: 0.2,
  /** DynamoDB bills each item's bytes plus this much per item for indexing. */
  dynamoItemOverheadBytes: 100,
  /** Firehose Direct PUT ingestion, first 500 TB/month, per GB after rounding each record up to 5 KB. */
  firehosePerGb: 0.029,
  firehoseRecordRoundingBytes: 5 * 1024,
  /** Firehose dynamic partitioning: per GB processed and per 1,000 S3 objects delivered. */
  firehosePartitioningPerGb: 0.02,
  firehoseObjectsPerThousand: 0.005,
  /** Firehose JQ processing, per hour of processing time. */
  firehoseJqPerHour: 0.07,
  snsPublishPerMillion: 0.5,
  schedulerPerMillion: 1.0,
  cloudwatchLogsIngestPerGb: 0.5,
  /** CloudWatch Logs archive, per GB-month (billed compressed). */
  cloudwatchLogsStoragePerGbMonth: 0.03,
  /** Standard-resolution metric alarm, per alarm-month; each account gets 10 free. */
  cloudwatchAlarmPerMonth: 0.1,
  cloudwatchFreeAlarms: 10,
  /** Dashboard, per dashboard-month; each account gets 3 free (up to 50 metrics each). */
  cloudwatchDashboardPerMonth: 3,
  cloudwatchFreeDashboards: 3,
  /** X-Ray traces recorded, per million. */
  xrayTracesPerMillion: 5,
  /**
   * A customer-managed KMS key, per key-month; automatic rotation adds $1 a month for each of the
   * first two rotations, so a rotated key settles at $3.
   */
  kmsKeyPerMonth: 1,
  kmsBilledRotations: 2,
} as const;

export type Prices = typeof PRICES;
