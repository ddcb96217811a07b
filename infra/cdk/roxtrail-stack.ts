/** RoxtrailStack: the production stack — HTTP API, collector, S3 archive and DynamoDB table. */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import { TRACKING_ROUTE_KEYS } from '../local/routes';
import { EventArchive } from './constructs/event-archive';
import { IngestApi } from './constructs/ingest-api';
import { JourneyTable } from './constructs/journey-table';
import { RoxtrailFunction } from './constructs/roxtrail-function';

export interface RoxtrailStackProps extends StackProps {
  /** Days archived events are kept in S3 before they expire. @default 400 */
  readonly retentionDays?: number;
  /** The API stage's steady-state rate limit, requests per second. @default 1000 */
  readonly throttleRateLimit?: number;
  /** The API stage's burst limit, requests. @default 2000 */
  readonly throttleBurstLimit?: number;
  /** Addresses to subscribe to the alert topic (wired with the alert evaluator). @default - none */
  readonly alertEmails?: readonly string[];
  /** Concurrency reserved for (and capping) the collector. @default - unreserved */
  readonly collectorReservedConcurrency?: number;
}

/**
 * What the collector does with the table (shared/storage/table.ts, via site-cache and the handler):
 * read site config, keys and consent salts, check origins, write journeys, links and day marks.
 * A new table operation on the collector's path must be added here, or it fails with AccessDenied.
 */
const COLLECTOR_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:BatchWriteItem',
];

export class RoxtrailStack extends Stack {
  readonly api: IngestApi;
  readonly archive: EventArchive;
  readonly journeys: JourneyTable;
  readonly collector: RoxtrailFunction;

  constructor(scope: Construct, id: string, props: RoxtrailStackProps = {}) {
    super(scope, id, {
      description: 'Roxtrail: serverless journey tracking for online shops',
      ...props,
    });

    this.archive = new EventArchive(this, 'Archive', { retentionDays: props.retentionDays });
    this.journeys = new JourneyTable(this, 'Journeys');
    this.api = new IngestApi(this, 'Api', {
      rateLimit: props.throttleRateLimit,
      burstLimit: props.throttleBurstLimit,
    });

    this.collector = new RoxtrailFunction(this, 'Collector', {
      handlerPath: 'functions/collector/handler.ts',
      description: 'Tracking API: validates, archives to S3, projects to DynamoDB',
      // Under API Gateway's 30 s integration limit, above the SDK's own timeouts and retries
      // (shared/storage/clients.ts), so a hung store ends in the handler's 503, not a Lambda timeout.
      timeout: Duration.seconds(25),
      reservedConcurrentExecutions: props.collectorReservedConcurrency,
      environment: {
        ROXTRAIL_TABLE: this.journeys.table.tableName,
        ROXTRAIL_BUCKET: this.archive.bucket.bucketName,
        POWERTOOLS_SERVICE_NAME: 'roxtrail',
      },
    });
    this.archive.grantIngest(this.collector);
    this.journeys.table.grant(this.collector, ...COLLECTOR_TABLE_ACTIONS);

    const trackingRoutes = this.api.addRoutes(TRACKING_ROUTE_KEYS, this.collector);

    NagSuppressions.addResourceSuppressions(
      this.collector.executionRole,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Object keys are per-request content hashes, so a prefix is the narrowest scope: PUT under events/ and rejected/ only. s3:Abort* (part of grantPut) aborts its own multipart uploads.',
          appliesTo: ['Action::s3:Abort*', { regex: '/^Resource::<.+\\.Arn>\\/(events|rejected)\\/\\*$/' }],
        },
      ],
      true,
    );
    NagSuppressions.addResourceSuppressions(this.collector, [
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'Invoked synchronously by API Gateway only: failures go back to the client, which retries (requests are idempotent). No async events to dead-letter.',
      },
    ]);
    NagSuppressions.addResourceSuppressions(trackingRoutes, [
      {
        id: 'AwsSolutions-APIG4',
        reason:
          "Tracking endpoints are authenticated by the site's write key inside the collector: Segment clients send it as Basic auth or in the JSON body, which an authorizer never sees. CORS preflights carry no credentials by design.",
      },
    ]);

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the tracking API' });
    new CfnOutput(this, 'BucketName', {
      value: this.archive.bucket.bucketName,
      description: 'S3 event archive',
    });
    new CfnOutput(this, 'TableName', { value: this.journeys.table.tableName, description: 'DynamoDB table' });
  }
}
