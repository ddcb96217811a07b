/** EventsAnalytics: the Athena path over the archive — a Glue table over events/ with partition projection, and a workgroup. */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface EventsAnalyticsProps {
  /** The event archive (EventArchive.bucket); the table reads its `events/` prefix. */
  readonly archive: IBucket;
  /** Where the results bucket's server access logs go (prefix `athena-results/`). */
  readonly accessLogsBucket: IBucket;
  /** Glue database name (lower case, digits, underscores). @default - the stack name in lower case, other characters as `_` */
  readonly databaseName?: string;
  /** @default 'events' */
  readonly tableName?: string;
  /** Athena workgroup name. @default - the stack name */
  readonly workGroupName?: string;
  /**
   * First day partition projection considers. Events are accepted with any event time (imports,
   * backfills), so days before this exist in S3 but are invisible to Athena until it is moved back.
   * @default '2020-01-01'
   */
  readonly firstDay?: string;
  /** How long query results are kept. @default Duration.days(30) */
  readonly resultsExpiration?: Duration;
  /**
   * A query that would scan more is cancelled: Athena charges per byte scanned, and a forgotten
   * `WHERE dt` reads the whole archive. @default 100 GiB
   */
  readonly bytesScannedCutoffPerQuery?: number;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** The normalized event of metrics.md §1 (shared/events/types.ts). Glue lower-cases column names; the SerDe matches JSON keys case-insensitively. */
export const EVENT_COLUMNS: readonly CfnTable.ColumnProperty[] = [
  { name: 'messageid', type: 'string', comment: 'messageId: identity of the event for de-duplication' },
  { name: 'type', type: 'string', comment: 'track, page, screen, identify, alias, group' },
  { name: 'event', type: 'string', comment: 'track event name' },
  { name: 'name', type: 'string', comment: 'page or screen name' },
  { name: 'userid', type: 'string' },
  { name: 'anonymousid', type: 'string' },
  { name: 'previousid', type: 'string', comment: 'alias: the id linked to userId' },
  { name: 'groupid', type: 'string' },
  { name: 'timestamp', type: 'string', comment: 'event time, ISO 8601 UTC (skew-corrected, future-clamped)' },
  { name: 'originaltimestamp', type: 'string', comment: "the client's timestamp, if sent" },
  { name: 'receivedat', type: 'string', comment: 'server clock, ISO 8601 UTC with milliseconds' },
  { name: 'sentat', type: 'string' },
  // Free-form objects stay JSON text: read them with json_extract_scalar(properties, '$.order_id').
  { name: 'properties', type: 'string', comment: 'JSON object, after privacy scrubbing' },
  { name: 'traits', type: 'string', comment: 'JSON object, after privacy scrubbing' },
  { name: 'context', type: 'string', comment: 'JSON object, after privacy scrubbing' },
];

/** Partitions as the collector writes them: events/site=<site>/dt=<site-local day>/hh=<site-local hour>/. */
export const EVENT_PARTITION_KEYS: readonly CfnTable.ColumnProperty[] = [
  {
    name: 'site',
    type: 'string',
    comment: 'the site the write key belongs to (the JSON field of the same name)',
  },
  { name: 'dt', type: 'string', comment: 'site-local day of the event time, yyyy-MM-dd' },
  { name: 'hh', type: 'string', comment: 'site-local hour of the event time, 00-23' },
];

/**
 * Partition projection computes partitions from the key layout, so nothing (no crawler, no
 * MSCK REPAIR) has to register the hourly partitions the collector creates. `site` is injected:
 * every query names its site (`WHERE site = 'demo'`), which also keeps scans per site.
 */
export class EventsAnalytics extends Construct {
  readonly database: CfnDatabase;
  readonly table: CfnTable;
  readonly workGroup: CfnWorkGroup;
  readonly resultsBucket: Bucket;
  readonly databaseName: string;
  readonly tableName: string;
  readonly workGroupName: string;

  constructor(scope: Construct, id: string, props: EventsAnalyticsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.databaseName = props.databaseName ?? stack.stackName.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    this.tableName = props.tableName ?? 'events';
    this.workGroupName = props.workGroupName ?? stack.stackName;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const eventsLocation = `s3://${props.archive.bucketName}/events/`;

    this.database = new CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: {
        name: this.databaseName,
        description: 'Roxtrail event archive (Athena path)',
      },
    });

    this.table = new CfnTable(this, 'EventsTable', {
      catalogId: stack.account,
      databaseName: this.databaseName,
      tableInput: {
        name: this.tableName,
        description: 'Normalized events, one JSON object per line, gzip NDJSON (metrics.md §1)',
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: [...EVENT_PARTITION_KEYS],
        parameters: {
          classification: 'json',
          compressionType: 'gzip',
          EXTERNAL: 'TRUE',
          'projection.enabled': 'true',
          'projection.site.type': 'injected',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          // Site-local days run up to 14 hours ahead of UTC (UTC+14), so "today" may be tomorrow in UTC terms.
          'projection.dt.range': `${props.firstDay ?? '2020-01-01'},NOW+1DAYS`,
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'projection.hh.type': 'integer',
          'projection.hh.range': '0,23',
          'projection.hh.digits': '2',
          'storage.location.template': `${eventsLocation}site=\${site}/dt=\${dt}/hh=\${hh}/`,
        },
        storageDescriptor: {
          location: eventsLocation,
          columns: [...EVENT_COLUMNS],
          // Text input reads .gz objects decompressed, by their extension.
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: {
            serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            parameters: { 'case.insensitive': 'TRUE', 'ignore.malformed.json': 'FALSE' },
          },
        },
      },
    });
    this.table.node.addDependency(this.database);

    this.resultsBucket = new Bucket(this, 'Results', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'athena-results/',
      lifecycleRules: [
        {
          expiration: props.resultsExpiration ?? Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy,
    });

    this.workGroup = new CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: 'Roxtrail: queries over the event archive',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        // Clients cannot send results elsewhere, unencrypted, or past the scan cutoff.
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery ?? 100 * 1024 ** 3,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/results/`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });
  }
}
