/**
 * FirehoseArchive: the delivery stream of the firehose archive mode. The collector puts one record per
 * request partition (shared/storage/archive-sink.ts); the stream de-aggregates the NDJSON lines, reads
 * each line's `site`, `dt` and `hh` (the site-local day and hour, which the collector adds because JQ
 * has no IANA time zones) and writes gzip NDJSON into the archive bucket under the very layout the
 * direct mode writes: `events/site=S/dt=D/hh=H/<stream>-<version>-<time>-<uuid>.ndjson.gz`.
 */
import { Duration, Size } from 'aws-cdk-lib';
import { Grant, type IGrantable, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

export interface FirehoseArchiveProps {
  /** The archive bucket (EventArchive.bucket). */
  readonly bucket: Bucket;
  /**
   * Buffer size per partition before an object is written; 64–128 MiB with dynamic partitioning.
   * @default Size.mebibytes(64)
   */
  readonly bufferingSize?: Size;
  /**
   * Buffer age per partition before an object is written (events reach the archive, and the figures,
   * up to this long after they are acknowledged); 60–900 s with dynamic partitioning.
   * @default Duration.seconds(300)
   */
  readonly bufferingInterval?: Duration;
  /** How long records Firehose could not partition or deliver are kept under `firehose-errors/`. @default Duration.days(400) */
  readonly errorRetention?: Duration;
  /** How long the stream's delivery error logs are kept. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/** The delivery stream's buffering interval unless the stack sets another. */
export const FIREHOSE_BUFFERING_SECONDS = 300;

/** Where records go: the archive's layout, partitioned by the fields every line carries. */
export const FIREHOSE_DATA_PREFIX =
  'events/site=!{partitionKeyFromQuery:site}/dt=!{partitionKeyFromQuery:dt}/hh=!{partitionKeyFromQuery:hh}/';
/** Records Firehose could not partition or deliver, by error type and arrival day. */
export const FIREHOSE_ERROR_PREFIX = 'firehose-errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/';
/** The JQ 1.6 query that extracts the partition keys of the prefix from each line. */
export const FIREHOSE_PARTITION_QUERY = '{site: .site, dt: .dt, hh: .hh}';

/**
 * A Direct PUT delivery stream, encrypted at rest with an AWS-owned key, that writes into the archive
 * bucket (SSE-S3 by the bucket's default encryption) with dynamic partitioning; delivery errors are
 * logged to its own log group. Grant producers with `grantPutRecordBatch`.
 *
 * The L1 resource on purpose: aws-kinesisfirehose's S3Bucket destination grants read and write on the
 * whole bucket (the stream could read and delete every archived event), and its DeliveryStream adds
 * an unused CIDR mapping to the template. Here the role may only put objects under `events/` and
 * `firehose-errors/`.
 */
export class FirehoseArchive extends Construct {
  readonly stream: CfnDeliveryStream;
  /** The role Firehose assumes to write into the bucket and the log group. */
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: FirehoseArchiveProps) {
    super(scope, id);
    const { bucket } = props;
    this.role = new Role(this, 'DeliveryRole', {
      assumedBy: new ServicePrincipal('firehose.amazonaws.com'),
      description: 'Firehose archive stream: writes events/ and firehose-errors/ of the archive bucket',
    });
    this.logGroup = new LogGroup(this, 'DeliveryLogs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    const logStream = this.logGroup.addStream('S3Delivery');
    const grants = [
      bucket.grantPut(this.role, 'events/*'),
      bucket.grantPut(this.role, 'firehose-errors/*'),
      // Bucket-level metadata Firehose reads when it writes (no object data, no key listing).
      Grant.addToPrincipal({
        grantee: this.role,
        actions: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
        resourceArns: [bucket.bucketArn],
      }),
      this.logGroup.grantWrite(this.role),
    ];

    this.stream = new CfnDeliveryStream(this, 'Stream', {
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
      extendedS3DestinationConfiguration: {
        bucketArn: bucket.bucketArn,
        roleArn: this.role.roleArn,
        prefix: FIREHOSE_DATA_PREFIX,
        errorOutputPrefix: FIREHOSE_ERROR_PREFIX,
        fileExtension: '.ndjson.gz',
        compressionFormat: 'GZIP',
        bufferingHints: {
          sizeInMBs: (props.bufferingSize ?? Size.mebibytes(64)).toMebibytes(),
          intervalInSeconds: (
            props.bufferingInterval ?? Duration.seconds(FIREHOSE_BUFFERING_SECONDS)
          ).toSeconds(),
        },
        dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } },
        processingConfiguration: {
          enabled: true,
          processors: [
            // One record holds a request partition's NDJSON lines (at most 500): split them again.
            {
              type: 'RecordDeAggregation',
              parameters: [{ parameterName: 'SubRecordType', parameterValue: 'JSON' }],
            },
            {
              type: 'MetadataExtraction',
              parameters: [
                { parameterName: 'MetadataExtractionQuery', parameterValue: FIREHOSE_PARTITION_QUERY },
                { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
              ],
            },
            // Firehose writes de-aggregated records back to back: the delimiter makes each a line again.
            { type: 'AppendDelimiterToRecord', parameters: [] },
          ],
        },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: this.logGroup.logGroupName,
          logStreamName: logStream.logStreamName,
        },
      },
    });
    // The stream checks its role when it is created: the policies must exist first.
    for (const grant of grants) grant.applyBefore(this.stream);

    bucket.addLifecycleRule({
      id: 'firehose-errors',
      prefix: 'firehose-errors/',
      expiration: props.errorRetention ?? Duration.days(400),
    });
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Firehose names the objects it writes (stream, time and a random id under the partition prefixes), so prefixes are the narrowest scope: PUT under events/ and firehose-errors/ only. s3:Abort* (part of grantPut) aborts its own multipart uploads.',
          appliesTo: [
            'Action::s3:Abort*',
            { regex: '/^Resource::<.+\\.Arn>\\/(events|firehose-errors)\\/\\*$/' },
          ],
        },
      ],
      true,
    );
  }

  /** PutRecordBatch on this stream only: the one call the collector makes. */
  grantPutRecordBatch(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['firehose:PutRecordBatch'],
      resourceArns: [this.stream.attrArn],
    });
  }
}
