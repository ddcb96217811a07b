/**
 * AWS list prices used by the cost model, us-east-1, arm64 Lambda, on-demand DynamoDB, first tiers.
 * Checked on 2026-11-23 against the public pricing pages (aws.amazon.com/<service>/pricing) as
 * recalled from them; update the date and values together when prices change.
 */
export const PRICES = {
  asOf: '2026-11-23',
  region: 'us-east-1',
  source:
    'AWS public pricing pages: api-gateway, lambda, s3, dynamodb, kinesis/data-firehose, sns, eventbridge, cloudwatch',
  /** HTTP API, first 300 M requests/month, per million. */
  httpApiPerMillion: 1.0,
  /** Lambda arm64 duration, per GB-second. */
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaRequestsPerMillion: 0.2,
  /** S3 Standard PUT/COPY/POST/LIST, per 1,000 requests. */
  s3PutPerThousand: 0.005,
  /** S3 Standard GET/SELECT, per 1,000 requests. */
  s3GetPerThousand: 0.0004,
  /** S3 Standard storage, first 50 TB, per GB-month. */
  s3StoragePerGbMonth: 0.023,
  /** DynamoDB on-demand write request units, per million. */
  dynamoWritePerMillion: 0.625,
  /** DynamoDB on-demand read request units, per million. */
  dynamoReadPerMillion: 0.125,
  dynamoStoragePerGbMonth: 0.25,
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
  cloudwatchLogsStoragePerGbMonth: 0.03,
} as const;

export type Prices = typeof PRICES;
