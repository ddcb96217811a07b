/** EventArchive: the S3 bucket that is Roxtrail's source of truth (events/, rejected/, reports/, and the derived partials/), plus its access-log bucket. */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type LifecycleRule,
  StorageClass,
  type Transition,
} from 'aws-cdk-lib/aws-s3';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

export interface EventArchiveProps {
  /** Days after which archived (and rejected) events are deleted; the archive's retention. @default 400 */
  readonly retentionDays?: number;
  /** Age at which events/ objects move to S3 Standard-IA. @default Duration.days(30) */
  readonly infrequentAccessAfter?: Duration;
  /** Age at which events/ objects move to S3 Glacier Instant Retrieval. @default Duration.days(90) */
  readonly glacierInstantRetrievalAfter?: Duration;
  /**
   * How long an overwritten or deleted object version is kept. Erasure rewrites archive objects,
   * so this also bounds how long erased events survive in old versions.
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * How long an hour partial (partials/, derived from events/ by the aggregator) is kept after its
   * last write. A day's partials are last written a few hours after the day ends and are needed while
   * the day can still be recomputed: `finalizeAfterHours` (72 h by default) after its end. S3 expires
   * objects at the first midnight (UTC) past this age; a partial that expired is rebuilt from events/.
   * @default Duration.days(4)
   */
  readonly partialExpiration?: Duration;
  /** How long server access logs are kept. @default Duration.days(90) */
  readonly accessLogExpiration?: Duration;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A private, TLS-only, versioned bucket with S3-managed encryption. Event objects age into cheaper
 * storage classes and expire after the retention; every request is logged to a separate bucket.
 */
export class EventArchive extends Construct {
  readonly bucket: Bucket;
  readonly accessLogsBucket: Bucket;

  constructor(scope: Construct, id: string, props: EventArchiveProps = {}) {
    super(scope, id);
    // New buckets have ACLs disabled, so log delivery must be granted by bucket policy, not by the
    // LogDeliveryWrite ACL that CDK uses when this flag is off.
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);

    const retention = Duration.days(props.retentionDays ?? 400);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.accessLogsBucket = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED, // log delivery supports SSE-S3 only
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: props.accessLogExpiration ?? Duration.days(90) }],
      removalPolicy,
    });
    NagSuppressions.addResourceSuppressions(this.accessLogsBucket, [
      { id: 'AwsSolutions-S1', reason: 'This is the access-log bucket; logging it into itself would loop.' },
    ]);

    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'archive/',
      lifecycleRules: lifecycleRules(retention, props),
      removalPolicy,
    });
  }

  /** The collector's access: PUT under events/ and rejected/ only; no reads, nothing under reports/. */
  grantIngest(grantee: IGrantable): Grant[] {
    return [this.bucket.grantPut(grantee, 'events/*'), this.bucket.grantPut(grantee, 'rejected/*')];
  }
}

function lifecycleRules(retention: Duration, props: EventArchiveProps): LifecycleRule[] {
  // S3 rejects a transition at or after the expiry (short retentions in test stacks), and skips
  // objects under 128 KB by default, which keeps small request objects out of IA's minimum charges.
  const transitions: Transition[] = [
    {
      storageClass: StorageClass.INFREQUENT_ACCESS,
      transitionAfter: props.infrequentAccessAfter ?? Duration.days(30),
    },
    {
      storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL,
      transitionAfter: props.glacierInstantRetrievalAfter ?? Duration.days(90),
    },
  ].filter((t) => t.transitionAfter.toDays() < retention.toDays());

  return [
    { id: 'events', prefix: 'events/', transitions, expiration: retention },
    { id: 'rejected', prefix: 'rejected/', expiration: retention },
    {
      id: 'partials',
      prefix: 'partials/',
      expiration: props.partialExpiration ?? Duration.days(4),
      // Every rebuild overwrites a partial: old versions are worth nothing (and hold erased ids).
      noncurrentVersionExpiration: Duration.days(1),
    },
    {
      id: 'indexes',
      // A day's actor index lives as long as the day's events; every run overwrites it (old versions
      // hold hashes of erased ids).
      prefix: 'indexes/',
      expiration: retention,
      noncurrentVersionExpiration: Duration.days(1),
    },
    {
      id: 'versions',
      noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(30),
      expiredObjectDeleteMarker: true,
      abortIncompleteMultipartUploadAfter: Duration.days(1),
    },
  ];
}
