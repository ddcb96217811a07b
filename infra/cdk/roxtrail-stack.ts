/** RoxtrailStack: the production stack — HTTP API, the four functions, S3 archive, DynamoDB table, schedule, alerts, monitoring, Athena. */
import {
  Annotations,
  Aws,
  CfnCondition,
  type CfnElement,
  CfnOutput,
  CfnResource,
  Duration,
  Fn,
  Stack,
  type StackProps,
  Token,
} from 'aws-cdk-lib';
import type { TableClass } from 'aws-cdk-lib/aws-dynamodb';
import {
  CfnPermission,
  type FunctionUrl,
  FunctionUrlAuthType,
  InvokeMode,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { NagSuppressions } from 'cdk-nag';
import type { Construct, IConstruct } from 'constructs';
import { type HttpHandlerName, ROUTES, type RouteAccess, type RouteAuth } from '../../functions/routes';
import { DEPLOYED } from '../../shared/config/deploy-defaults';
import type { ArchiveMode } from '../../shared/storage/archive-sink';
import { firehoseErasureSettleMs } from '../../shared/storage/erasure-timing';
import { STACK_OUTPUTS } from '../stack-outputs';
import { FUNCTION_ENTRIES } from './bundling';
import { AlertTopic } from './constructs/alert-topic';
import { DailyAggregation } from './constructs/daily-aggregation';
import { DeadLetterQueue } from './constructs/dead-letter-queue';
import { EventArchive } from './constructs/event-archive';
import { EventsAnalytics } from './constructs/events-analytics';
import { FIREHOSE_BUFFERING_SECONDS, FirehoseArchive } from './constructs/firehose-archive';
import { IngestApi } from './constructs/ingest-api';
import { JourneyTable } from './constructs/journey-table';
import { RoxtrailMonitoring } from './constructs/monitoring';
import { RoxtrailFunction } from './constructs/roxtrail-function';
import { skipCheckov } from './nag';
import { FUNCTION_URL_UNAVAILABLE_REGIONS, functionUrlAvailableIn } from './region-support';

function chunked<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let offset = 0; offset < items.length; offset += size) chunks.push(items.slice(offset, offset + size));
  return chunks;
}

export interface RoxtrailStackProps extends StackProps {
  /** Days archived events are kept in S3 before they expire. @default 400 */
  readonly retentionDays?: number;
  /** The API stage's steady-state rate limit, requests per second. @default 1000 */
  readonly throttleRateLimit?: number;
  /** The API stage's burst limit, requests. @default 2000 */
  readonly throttleBurstLimit?: number;
  /** Addresses subscribed to the alert topic by e-mail. @default - none */
  readonly alertEmails?: readonly string[];
  /**
   * Concurrency reserved for (and capping) the collector. With `trackingFunctionUrl` it is the only
   * bound on tracking traffic there (a function URL has no stage throttling): about requests per
   * second × 0.05 s.
   * @default - unreserved
   */
  readonly collectorReservedConcurrency?: number | false;
  /**
   * Takes tracking requests at a Lambda function URL on the collector too (output `TrackingUrl`, the
   * `endpoint` of trackers and SDKs). Same handler, same payload (format 2.0), same write keys and
   * per-site CORS, but no API Gateway charge: $1 less per million requests, the largest line of the
   * bill at 10 events a request (`npx roxtrail cost --front-door http-api` compares). What it lacks:
   * the stage's rate limit (cap with `collectorReservedConcurrency`), access logs, custom domains
   * without CloudFront. The API keeps its tracking routes, so clients can use either; `false` makes
   * the API the only way in.
   * @default true
   */
  readonly trackingFunctionUrl?: boolean;
  /**
   * Concurrency reserved for the aggregator. 1 keeps scheduled runs from overlapping (a late one
   * waits in Lambda's queue) and bounds the load on the table. `false` leaves it unreserved, for
   * accounts whose concurrency limit is still 10 (Lambda keeps 10 unreserved, so none can be reserved).
   * @default 1
   */
  readonly aggregatorReservedConcurrency?: number | false;
  /**
   * Memory of the aggregator and the partial builder, 128–10,240 MB. A day's merge holds its events in
   * one invocation: `npm run bench` prints the largest day a size holds (about 3 M events at 2,048 MB
   * on the bench's traffic) and the size a 10 M-event day needs (about 7,000).
   * @default 2048
   */
  readonly aggregatorMemoryMb?: number;
  /** When the scheduled aggregation runs. @default - hourly, on the hour (UTC) */
  readonly aggregationSchedule?: ScheduleExpression;
  /**
   * How the collector archives accepted events: `firehose`, PutRecordBatch to a FirehoseArchive
   * delivery stream that buffers them into the archive layout, or `direct`, an S3 PUT per request
   * partition. Firehose wins in the cost model at 10 events a request (`npx roxtrail cost --mode
   * direct` compares); direct puts events in the archive at once instead of within 5 minutes.
   * @default 'firehose'
   */
  readonly archiveMode?: ArchiveMode;
  /** The table's class (JourneyTable). @default TableClass.STANDARD_INFREQUENT_ACCESS */
  readonly tableClass?: TableClass;
  /** The table's point-in-time recovery (JourneyTable). @default true */
  readonly pointInTimeRecovery?: boolean;
  /** Adds the CloudWatch dashboard ($3 a month beyond the account's three free ones). @default false */
  readonly dashboard?: boolean;
  /** Encrypts the alert topic with a customer-managed KMS key ($1–3 a month). @default false */
  readonly alertTopicKey?: boolean;
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

/** The read actions grantRead gives on a prefix. */
const S3_READ_ACTIONS = ['s3:GetObject*', 's3:GetBucket*', 's3:List*'];

/** AwsSolutions-IAM5 allows wildcards only with a reason: these are the prefix grants of `role`, by name. */
function suppressPrefixWildcards(
  role: IConstruct,
  reason: string,
  prefixes: string[],
  actions: string[],
): void {
  NagSuppressions.addResourceSuppressions(
    role,
    [
      {
        id: 'AwsSolutions-IAM5',
        reason,
        appliesTo: [
          ...actions.map((action) => `Action::${action}`),
          { regex: `/^Resource::<.+\\.Arn>\\/(${prefixes.join('|')})\\/\\*$/` },
        ],
      },
    ],
    true,
  );
}

/** Why a route has no API Gateway authorizer (cdk-nag AwsSolutions-APIG4), by who may call it (functions/routes.ts). */
const ROUTE_AUTH_REASONS: Readonly<Record<RouteAuth, string>> = {
  'write-key':
    "Tracking endpoints are authenticated by the site's write key inside the collector: Segment clients send it as Basic auth or in the JSON body, which an authorizer never sees.",
  'read-key':
    "Query endpoints are authenticated by the site's read key (Bearer) inside the query function, which also checks that the key opens the site in the path.",
  'admin-key':
    "Erasure is authenticated by the site's admin key inside the handler, which checks that the key opens the site in the path.",
  none: 'Public by design and holding no data: CORS preflights carry no credentials, the dashboard page asks for the read key itself, and the browser tracker is a script every shop page loads.',
};

/** The dashboard's static files, where functions/query/static.ts looks for them next to the bundle. */
const DASHBOARD_FILES = [
  { from: 'web/dashboard', to: 'dashboard' },
  { from: 'node_modules/uplot/dist/uPlot.esm.js', to: 'dashboard/vendor' },
  { from: 'node_modules/uplot/dist/uPlot.min.css', to: 'dashboard/vendor' },
];

/** The browser tracker, built where functions/query/static.ts serves it from (`GET /roxtrail.js`). */
const TRACKER_BUILD = [{ script: 'web/tracker/build.ts', to: 'tracker' }];

/** Why the API's functions reserve no concurrency (checkov CKV_AWS_115). */
const BEHIND_API_THROTTLE =
  "Reached only through the HTTP API, whose stage throttle (throttleRateLimit / throttleBurstLimit) caps it; a reservation would only take from the account's pool.";
const SYNCHRONOUS_ONLY =
  'Invoked synchronously over HTTP only (API Gateway; the collector also at its function URL): failures go back to the client, which retries (requests are idempotent). No async events to dead-letter.';

export class RoxtrailStack extends Stack {
  readonly api: IngestApi;
  readonly archive: EventArchive;
  /** The delivery stream the collector archives through, in firehose archive mode only. */
  readonly firehoseArchive?: FirehoseArchive;
  readonly journeys: JourneyTable;
  readonly collector: RoxtrailFunction;
  /** The collector's function URL, with `trackingFunctionUrl` only. */
  readonly trackingFunctionUrl?: FunctionUrl;
  /**
   * Environment-agnostic templates: true in the regions that offer function URLs (region-support.ts);
   * the URL and its permissions exist only there.
   */
  private functionUrlCondition?: CfnCondition;
  readonly aggregator: RoxtrailFunction;
  readonly query: RoxtrailFunction;
  /**
   * The query handler again, behind the routes that write (erasure): same code, the write access
   * erasure needs, so that the function behind the read routes cannot write events/.
   */
  readonly eraser: RoxtrailFunction;
  /** Builds hour partials when the aggregator fans a day out. */
  readonly partialBuilder: RoxtrailFunction;
  readonly alertEvaluator: RoxtrailFunction;
  readonly aggregation: DailyAggregation;
  readonly alertTopic: AlertTopic;
  /** Alert evaluations that still failed after Lambda's retries. */
  readonly failedAlertEvaluations: DeadLetterQueue;
  readonly monitoring: RoxtrailMonitoring;
  readonly analytics: EventsAnalytics;

  constructor(scope: Construct, id: string, props: RoxtrailStackProps = {}) {
    super(scope, id, {
      description: 'Roxtrail: serverless journey tracking for online shops',
      ...props,
    });

    this.archive = new EventArchive(this, 'Archive', { retentionDays: props.retentionDays });
    this.journeys = new JourneyTable(this, 'Journeys', {
      tableClass: props.tableClass,
      pointInTimeRecovery: props.pointInTimeRecovery,
    });
    this.api = new IngestApi(this, 'Api', {
      rateLimit: props.throttleRateLimit,
      burstLimit: props.throttleBurstLimit,
    });
    this.alertTopic = new AlertTopic(this, 'Alerts', {
      emails: props.alertEmails,
      customerManagedKey: props.alertTopicKey,
    });
    const storageEnvironment = {
      ROXTRAIL_TABLE: this.journeys.table.tableName,
      ROXTRAIL_BUCKET: this.archive.bucket.bucketName,
      POWERTOOLS_SERVICE_NAME: 'roxtrail',
    };

    // Collector: PUT under events/ and rejected/ (firehose mode: PutRecordBatch to the stream and PUT
    // under rejected/), the table operations of its write path. No reads.
    this.collector = new RoxtrailFunction(this, 'Collector', {
      handlerPath: FUNCTION_ENTRIES.collector,
      description: 'Tracking API: validates, archives to S3, projects to DynamoDB',
      // Under API Gateway's 30 s integration limit, above the SDK's own timeouts and retries
      // (shared/storage/clients.ts), so a hung store ends in the handler's 503, not a Lambda timeout.
      timeout: Duration.seconds(25),
      // A request waits on S3 or Firehose and DynamoDB far longer than it computes (~1 ms of CPU at a
      // full core) and the process holds ~100 MB, so 256 MB is enough. Lambda's CPU share grows with
      // memory (one vCPU at 1,769 MB): at 256 MB that millisecond takes ~7, and a cold start's module
      // initialization is slower too, but the GB-seconds billed still halve against 512 MB.
      memorySize: 256,
      // Lambda would sample the first request each second and 5% of the rest: ~3 M traces a month at
      // 100 M events, $15 — more than the function itself. Latency and errors are in its metrics.
      tracing: Tracing.DISABLED,
      // Its START/REPORT lines would be ~3 GB of log ingestion a month at 100 M events.
      systemLogLevel: SystemLogLevel.WARN,
      reservedConcurrentExecutions:
        props.collectorReservedConcurrency === false
          ? undefined
          : (props.collectorReservedConcurrency ?? DEPLOYED.collectorReservedConcurrency),
      environment: storageEnvironment,
    });
    if ((props.archiveMode ?? 'firehose') === 'firehose') {
      // Accepted events go through the delivery stream; the collector still PUTs rejected/ itself.
      this.firehoseArchive = new FirehoseArchive(this, 'FirehoseArchive', {
        bucket: this.archive.bucket,
        errorRetention: Duration.days(props.retentionDays ?? 400),
      });
      this.firehoseArchive.grantPutRecordBatch(this.collector);
      this.archive.bucket.grantPut(this.collector, 'rejected/*');
      this.collector.addEnvironment('ROXTRAIL_FIREHOSE_STREAM', this.firehoseArchive.stream.ref);
    } else this.archive.grantIngest(this.collector);
    this.journeys.table.grant(this.collector, ...COLLECTOR_TABLE_ACTIONS);
    suppressPrefixWildcards(
      this.collector.executionRole,
      'Object keys are per-request content hashes, so a prefix is the narrowest scope: PUT under events/ and rejected/ only. s3:Abort* (part of grantPut) aborts its own multipart uploads.',
      ['events', 'rejected'],
      ['s3:Abort*'],
    );
    NagSuppressions.addResourceSuppressions(this.collector, [
      { id: 'Serverless-LambdaDLQ', reason: SYNCHRONOUS_ONLY },
      {
        id: 'Serverless-LambdaTracing',
        reason:
          'The collector runs once per tracking request: X-Ray would record about 3 million traces a month at 100 M events (Lambda samples 1 a second plus 5%), costing more than the function. Its duration, errors and throttles are CloudWatch metrics and alarms; the other functions are traced.',
      },
    ]);
    if (props.collectorReservedConcurrency === false) {
      skipCheckov(this.collector, [
        {
          id: 'CKV_AWS_115',
          comment: 'Reserved concurrency turned off by the deployer (-c collectorReservedConcurrency=false).',
        },
      ]);
    }
    if (this.wantsFunctionUrl(props.trackingFunctionUrl)) {
      // Public (auth type NONE) for the reason above: the write key is checked inside. No CORS
      // configuration, as on the API: the collector answers preflights from each site's origins.
      this.trackingFunctionUrl = this.collector.addFunctionUrl({
        authType: FunctionUrlAuthType.NONE,
        invokeMode: InvokeMode.BUFFERED,
      });
      this.functionUrlCondition = this.onlyWhereFunctionUrlsAre(this.trackingFunctionUrl);
      skipCheckov(this.trackingFunctionUrl, [
        {
          id: 'CKV_AWS_258',
          comment:
            "Public by design: storefronts send tracking without AWS credentials. The collector checks each site's write key and origins, and its reserved concurrency caps the URL.",
        },
      ]);
    }

    // Query: reads the table, reports/, and events/ and partials/ for the hour-by-hour chart (the
    // hours hourly rules watch, GET /v1/sites/{site}/hours); cannot write anything. It also serves
    // the dashboard, whose static files travel in its bundle (functions/query/static.ts).
    this.query = new RoxtrailFunction(this, 'Query', {
      handlerPath: FUNCTION_ENTRIES.query,
      description: 'Query API: figures, journeys, alerts and the dashboard behind the site read key',
      timeout: Duration.seconds(25),
      environment: storageEnvironment,
      bundleFiles: DASHBOARD_FILES,
      bundleBuilds: TRACKER_BUILD,
    });
    this.journeys.table.grantReadData(this.query);
    this.archive.bucket.grantRead(this.query, 'reports/*');
    this.archive.bucket.grantRead(this.query, 'events/*');
    this.archive.bucket.grantRead(this.query, 'partials/*');
    suppressPrefixWildcards(
      this.query.executionRole,
      "Reads reports/ (figures documents), events/ and partials/ (the hours hourly rules watch), each keyed by site and day, so a prefix is the narrowest scope. s3:GetObject*, s3:GetBucket* and s3:List* are grantRead's read-only actions.",
      ['reports', 'events', 'partials'],
      S3_READ_ACTIONS,
    );
    NagSuppressions.addResourceSuppressions(this.query, [
      { id: 'Serverless-LambdaDLQ', reason: SYNCHRONOUS_ONLY },
    ]);
    skipCheckov(this.query, [{ id: 'CKV_AWS_115', comment: BEHIND_API_THROTTLE }]);

    // Alert evaluator: reads reports/ and the table, writes alert state to the table, publishes to the topic;
    // hourly rules read the hours they watch from events/ and partials/ (read only: nothing is built).
    this.alertEvaluator = new RoxtrailFunction(this, 'AlertEvaluator', {
      handlerPath: FUNCTION_ENTRIES.alerts,
      description:
        "Alerts: evaluates a site's rules for an ended day, and hourly rules after every run; notifies SNS and webhooks",
      // Webhooks are tried in parallel, each up to 3 times with a 5 s timeout (shared/app/alerts/deliver.ts).
      timeout: Duration.seconds(60),
      environment: { ...storageEnvironment, ROXTRAIL_ALERT_TOPIC_ARN: this.alertTopic.topic.topicArn },
    });
    skipCheckov(this.alertEvaluator, [
      {
        id: 'CKV_AWS_115',
        comment:
          'Invoked only by the aggregator (reserved concurrency 1), once per site and run: its concurrency is bounded by its one caller.',
      },
    ]);
    this.journeys.table.grantReadWriteData(this.alertEvaluator);
    this.archive.bucket.grantRead(this.alertEvaluator, 'reports/*');
    this.archive.bucket.grantRead(this.alertEvaluator, 'events/*');
    this.archive.bucket.grantRead(this.alertEvaluator, 'partials/*');
    this.alertTopic.topic.grantPublish(this.alertEvaluator);
    this.failedAlertEvaluations = new DeadLetterQueue(this, 'FailedAlertEvaluations', {
      purpose: 'alert evaluations that failed after Lambda retried them',
    });
    this.alertEvaluator.configureAsyncInvoke({
      onFailure: new SqsDestination(this.failedAlertEvaluations.queue),
      // Evaluation is idempotent (one notification per rule, day and state), so retrying is safe.
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });
    suppressPrefixWildcards(
      this.alertEvaluator.executionRole,
      "Reads reports/ (figures documents), events/ and partials/ (the hours hourly rules watch), each keyed by site and day, so a prefix is the narrowest scope. s3:GetObject*, s3:GetBucket* and s3:List* are grantRead's read-only actions.",
      ['reports', 'events', 'partials'],
      S3_READ_ACTIONS,
    );
    if (this.alertTopic.key) {
      NagSuppressions.addResourceSuppressions(
        this.alertEvaluator.executionRole,
        [
          {
            id: 'AwsSolutions-IAM5',
            reason:
              "Publishing to the KMS-encrypted alert topic (grantPublish) needs kms:GenerateDataKey* on the topic's own key, the only resource of that statement.",
            appliesTo: ['Action::kms:GenerateDataKey*'],
          },
        ],
        true,
      );
    }
    NagSuppressions.addResourceSuppressions(this.alertEvaluator, [
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'Asynchronous failures go to an on-failure destination instead (FailedAlertEvaluations), which also records the error and the request; a DeadLetterConfig as well would split failures over two queues.',
      },
    ]);

    // Aggregator: reads events/ and rejected/, keeps hour partials under partials/, writes reports/ and
    // the table, hands ended days to alerts.
    const aggregatorConcurrency = props.aggregatorReservedConcurrency ?? 1;
    const aggregatorMemory = props.aggregatorMemoryMb ?? DEPLOYED.aggregatorMemoryMb;
    if (aggregatorMemory < 128 || aggregatorMemory > 10_240) {
      throw new Error(`aggregatorMemoryMb must be 128-10240, got ${aggregatorMemory}.`);
    }
    this.aggregator = new RoxtrailFunction(this, 'Aggregator', {
      handlerPath: FUNCTION_ENTRIES.aggregator,
      description: 'Daily figures: the hourly scheduled run, or explicit days',
      // Memory buys CPU: one pass over a day's gzip NDJSON is CPU-bound.
      memorySize: aggregatorMemory,
      timeout: Duration.minutes(15),
      reservedConcurrentExecutions: aggregatorConcurrency === false ? undefined : aggregatorConcurrency,
      environment: { ...storageEnvironment, ROXTRAIL_ALERTS_FUNCTION: this.alertEvaluator.functionName },
    });
    this.archive.bucket.grantRead(this.aggregator, 'events/*');
    this.archive.bucket.grantRead(this.aggregator, 'rejected/*');
    this.archive.bucket.grantPut(this.aggregator, 'reports/*');
    this.archive.bucket.grantRead(this.aggregator, 'partials/*');
    this.archive.bucket.grantPut(this.aggregator, 'partials/*');
    this.archive.bucket.grantPut(this.aggregator, 'indexes/*');
    // Erasure jobs (shared/app/aggregate/erasure.ts) rewrite or delete the user's rejected/ objects, read
    // the actor indexes/ of days whose journey items expired, and delete the changed days' partials/
    // and indexes/ before recomputing them.
    this.archive.bucket.grantPut(this.aggregator, 'rejected/*');
    this.archive.bucket.grantDelete(this.aggregator, 'rejected/*');
    this.archive.bucket.grantRead(this.aggregator, 'indexes/*');
    this.archive.bucket.grantDelete(this.aggregator, 'indexes/*');
    this.archive.bucket.grantDelete(this.aggregator, 'partials/*');
    // Compaction merges a settled hour's objects into one and deletes the originals (aggregator/compact.ts).
    this.archive.bucket.grantPut(this.aggregator, 'events/*');
    this.archive.bucket.grantDelete(this.aggregator, 'events/*');
    this.journeys.table.grantReadWriteData(this.aggregator);
    this.alertEvaluator.grantInvoke(this.aggregator);
    // A day too large for one invocation builds its partials in parallel invocations of the partial
    // builder (functions/aggregator/lambda-builder.ts): the aggregator's handler deployed again, as the
    // aggregator's reserved concurrency of 1 would throttle invocations of itself.
    this.partialBuilder = new RoxtrailFunction(this, 'PartialBuilder', {
      handlerPath: FUNCTION_ENTRIES.aggregator,
      description: 'Builds hour partials for a fanned-out aggregation',
      memorySize: aggregatorMemory,
      timeout: Duration.minutes(15),
      environment: storageEnvironment,
    });
    this.archive.bucket.grantRead(this.partialBuilder, 'events/*');
    this.archive.bucket.grantPut(this.partialBuilder, 'events/*');
    this.archive.bucket.grantDelete(this.partialBuilder, 'events/*');
    this.archive.bucket.grantReadWrite(this.partialBuilder, 'partials/*');
    suppressPrefixWildcards(
      this.partialBuilder.executionRole,
      "Reads and compacts events/ (keys per site, day, hour and content hash) and writes partials/ (one per site, day and hour): prefixes are the narrowest scope; the actions are grantRead/grantPut/grantDelete/grantReadWrite's.",
      ['events', 'partials'],
      [...S3_READ_ACTIONS, 's3:PutObject*', 's3:Abort*', 's3:DeleteObject*'],
    );
    NagSuppressions.addResourceSuppressions(this.partialBuilder, [
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'Invoked synchronously (RequestResponse) by the aggregator, which sees every failure and fails its run: nothing asynchronous to dead-letter.',
      },
    ]);
    skipCheckov(this.partialBuilder, [
      {
        id: 'CKV_AWS_115',
        comment:
          'Invoked only by the aggregator (reserved concurrency 1), a bounded number of hours at a time: a reservation would only take from the account pool.',
      },
    ]);
    this.partialBuilder.grantInvoke(this.aggregator);
    this.aggregator.addEnvironment('ROXTRAIL_PARTIAL_BUILDER_FUNCTION', this.partialBuilder.functionName);
    // An erasure waits for what the delivery stream buffers before it reads the archive (erase.ts).
    if (this.firehoseArchive)
      this.aggregator.addEnvironment(
        'ROXTRAIL_ERASURE_SETTLE_SECONDS',
        String(firehoseErasureSettleMs(FIREHOSE_BUFFERING_SECONDS) / 1000),
      );
    suppressPrefixWildcards(
      this.aggregator.executionRole,
      "Reads events/ and rejected/ (keys per site, day, hour and content hash), reads and writes partials/ (one per site, day and hour), writes reports/ and indexes/ (one per site and day), and compacts events/ (puts the merged object, deletes the originals); erasure jobs rewrite or delete rejected/ objects and delete the changed days' partials/ and indexes/: prefixes are the narrowest scope. s3:GetObject*, s3:GetBucket* and s3:List* are grantRead's read-only actions (List* lists a day's partitions); s3:Abort* (grantPut) aborts its own multipart uploads; s3:DeleteObject* (grantDelete) removes compacted originals.",
      ['events', 'rejected', 'reports', 'partials', 'indexes'],
      [...S3_READ_ACTIONS, 's3:Abort*', 's3:DeleteObject*'],
    );
    NagSuppressions.addResourceSuppressions(
      this.aggregator.executionRole,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'grantInvoke covers the alert evaluator and its versions/aliases (`<arn>:*`): the scope is that one function, which the aggregator invokes asynchronously with { site, date }.',
          appliesTo: [
            `Resource::<${this.getLogicalId(this.alertEvaluator.node.defaultChild as CfnElement)}.Arn>:*`,
          ],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'grantInvoke covers the partial builder and its versions/aliases (`<arn>:*`): the scope is that one function, which the aggregator invokes with chunks of hour partitions.',
          appliesTo: [
            `Resource::<${this.getLogicalId(this.partialBuilder.node.defaultChild as CfnElement)}.Arn>:*`,
          ],
        },
      ],
      true,
    );
    NagSuppressions.addResourceSuppressions(this.aggregator, [
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'Asynchronous failures go to an on-failure destination instead (DailyAggregation.failedRuns), which also records the error and the request; a DeadLetterConfig as well would split failed runs over two queues.',
      },
    ]);
    // Eraser: the query handler for the erasure route. It records the job, refuses the user's ids
    // and hands the job to the aggregator (asynchronously: retried once, then FailedRuns), which
    // rewrites the archive and recomputes the days; so it writes only the table's job items.
    this.eraser = new RoxtrailFunction(this, 'Eraser', {
      handlerPath: FUNCTION_ENTRIES.query,
      description:
        'Erasure (DELETE /v1/sites/{site}/users/{userId}): records the job, the aggregator runs it',
      timeout: Duration.seconds(25),
      environment: { ...storageEnvironment, ROXTRAIL_ERASURE_FUNCTION: this.aggregator.functionName },
      bundleFiles: DASHBOARD_FILES,
      bundleBuilds: TRACKER_BUILD,
    });
    this.journeys.table.grantReadWriteData(this.eraser);
    this.aggregator.grantInvoke(this.eraser);
    NagSuppressions.addResourceSuppressions(
      this.eraser.executionRole,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'grantInvoke covers the aggregator and its versions/aliases (`<arn>:*`): the scope is that one function, invoked asynchronously with { action: "erase-user", site, userId }.',
          appliesTo: [
            `Resource::<${this.getLogicalId(this.aggregator.node.defaultChild as CfnElement)}.Arn>:*`,
          ],
        },
      ],
      true,
    );
    NagSuppressions.addResourceSuppressions(this.eraser, [
      { id: 'Serverless-LambdaDLQ', reason: SYNCHRONOUS_ONLY },
    ]);
    skipCheckov(this.eraser, [{ id: 'CKV_AWS_115', comment: BEHIND_API_THROTTLE }]);
    this.addApiRoutes({
      collector: { write: this.collector },
      query: { read: this.query, write: this.eraser },
    });

    this.aggregation = new DailyAggregation(this, 'Aggregation', {
      aggregator: this.aggregator,
      schedule: props.aggregationSchedule,
    });

    this.monitoring = new RoxtrailMonitoring(this, 'Monitoring', {
      dashboard: props.dashboard,
      alertTopic: this.alertTopic.topic,
      apiStage: this.api.stage,
      collector: this.collector,
      collectorUrl: this.trackingFunctionUrl !== undefined,
      aggregator: this.aggregator,
      alertEvaluator: this.alertEvaluator,
      functions: {
        collector: this.collector,
        query: this.query,
        aggregator: this.aggregator,
        alerts: this.alertEvaluator,
        eraser: this.eraser,
      },
      deadLetterQueues: {
        ScheduleDeadLetters: this.aggregation.scheduleDeadLetters.queue,
        AggregatorFailedRuns: this.aggregation.failedRuns.queue,
        FailedAlertEvaluations: this.failedAlertEvaluations.queue,
        UndeliveredAlerts: this.alertTopic.undelivered.queue,
      },
    });

    this.analytics = new EventsAnalytics(this, 'Analytics', {
      archive: this.archive.bucket,
      accessLogsBucket: this.archive.accessLogsBucket,
    });

    new CfnOutput(this, STACK_OUTPUTS.apiUrl, {
      value: this.api.url,
      description: 'Base URL of the tracking and query API',
    });
    new CfnOutput(this, STACK_OUTPUTS.trackingUrl, {
      value: this.trackingUrl(),
      description: this.trackingFunctionUrl
        ? "Tracking endpoint: the collector's function URL (the API's tracking routes work too)"
        : 'Tracking endpoint (the API)',
    });
    new CfnOutput(this, STACK_OUTPUTS.bucketName, {
      value: this.archive.bucket.bucketName,
      description: 'S3 event archive',
    });
    new CfnOutput(this, STACK_OUTPUTS.tableName, {
      value: this.journeys.table.tableName,
      description: 'DynamoDB table',
    });
    new CfnOutput(this, STACK_OUTPUTS.alertTopicArn, {
      value: this.alertTopic.topic.topicArn,
      description: 'SNS alert topic',
    });
    new CfnOutput(this, STACK_OUTPUTS.alertDeadLetterQueueArn, {
      value: this.alertTopic.undelivered.queue.queueArn,
      description: 'Alerts SNS could not deliver (the redrive target of every e-mail subscription)',
    });
    new CfnOutput(this, STACK_OUTPUTS.collectorFunctionName, { value: this.collector.functionName });
    new CfnOutput(this, STACK_OUTPUTS.queryFunctionName, { value: this.query.functionName });
    new CfnOutput(this, STACK_OUTPUTS.aggregatorFunctionName, {
      value: this.aggregator.functionName,
      description: 'Invoke with {"site","date"} or {"site","from","to"} to (re)compute days',
    });
    new CfnOutput(this, STACK_OUTPUTS.alertsFunctionName, {
      value: this.alertEvaluator.functionName,
      description: 'Invoke with {"site","date"} to evaluate alert rules for an ended day',
    });
    new CfnOutput(this, STACK_OUTPUTS.athenaWorkGroupName, { value: this.analytics.workGroupName });
    new CfnOutput(this, STACK_OUTPUTS.glueDatabaseName, {
      value: this.analytics.databaseName,
      description: `Athena: SELECT ... FROM "${this.analytics.databaseName}"."${this.analytics.tableName}" WHERE site = '...'`,
    });
  }

  /**
   * Whether the collector gets a function URL: by default where the region offers them. In a region
   * known not to (region-support.ts), the default serves tracking from the HTTP API and says so in
   * the synth output; asking for the URL there explicitly is an error.
   */
  /**
   * Every route of the table (functions/routes.ts) to the function deployed for its handler and access:
   * a route whose handler and access have no function here fails the synthesis.
   */
  private addApiRoutes(
    deployed: Readonly<Record<HttpHandlerName, Partial<Record<RouteAccess, RoxtrailFunction>>>>,
  ): void {
    for (const route of ROUTES) {
      const fn = deployed[route.handler][route.access];
      if (!fn)
        throw new Error(`No ${route.access} function deployed for ${route.handler} (${route.routeKey}).`);
      NagSuppressions.addResourceSuppressions(this.api.addRoutes([route.routeKey], fn), [
        { id: 'AwsSolutions-APIG4', reason: ROUTE_AUTH_REASONS[route.auth] },
      ]);
    }
  }

  private wantsFunctionUrl(asked: boolean | undefined): boolean {
    if (asked === false) return false;
    const region = this.region;
    if (Token.isUnresolved(region) || functionUrlAvailableIn(region)) return true;
    if (asked === true) {
      throw new Error(
        `Lambda function URLs (AWS::Lambda::Url) are not offered in ${region}: deploy with -c trackingFunctionUrl=false, and tracking is served by the HTTP API.`,
      );
    }
    Annotations.of(this).addWarning(
      `Lambda function URLs are not offered in ${region}: tracking is served by the HTTP API only (TrackingUrl is the API), as with -c trackingFunctionUrl=false.`,
    );
    return false;
  }

  /** An environment-agnostic template keeps the URL and its permissions to regions that offer it. */
  private onlyWhereFunctionUrlsAre(url: FunctionUrl): CfnCondition | undefined {
    if (!Token.isUnresolved(this.region)) return undefined;
    const condition = new CfnCondition(this, 'FunctionUrlsOffered', {
      expression: Fn.conditionNot(
        Fn.conditionOr(
          ...chunked(FUNCTION_URL_UNAVAILABLE_REGIONS, 10).map((regions) =>
            regions.length === 1
              ? Fn.conditionEquals(Aws.REGION, regions[0])
              : Fn.conditionOr(...regions.map((region) => Fn.conditionEquals(Aws.REGION, region))),
          ),
        ),
      ),
    });
    // The URL, and the two permissions addFunctionUrl gives the collector for it.
    const permissions = this.collector.node.children.filter(
      (child): child is CfnPermission =>
        child instanceof CfnPermission && child.node.id.startsWith('invoke-function'),
    );
    for (const resource of [url.node.defaultChild, ...permissions])
      if (resource instanceof CfnResource) resource.cfnOptions.condition = condition;
    return condition;
  }

  private trackingUrl(): string {
    const url = this.trackingFunctionUrl?.url;
    if (url === undefined) return this.api.url;
    if (this.functionUrlCondition === undefined) return url;
    return Fn.conditionIf(this.functionUrlCondition.logicalId, url, this.api.url).toString();
  }
}
