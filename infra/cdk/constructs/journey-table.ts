/** JourneyTable: the single DynamoDB table that projects the archive (journeys, identity links, sites, figures, alerts). */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableClass, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

export interface JourneyTableProps {
  /**
   * Standard-IA stores for $0.10 per GB-month instead of $0.25 and charges 25% more per request. Journey
   * items are written once and kept for the retention (400 days by default) but seldom read, so
   * storage is the larger bill; Standard pays off only with short retentions (`npx roxtrail cost
   * --table-class standard` compares). Switching later is an in-place table update.
   * @default TableClass.STANDARD_INFREQUENT_ACCESS
   */
  readonly tableClass?: TableClass;
  /**
   * Point-in-time recovery: 35 days of restorable history, billed $0.20 per GB-month of table (the
   * largest storage line at scale). Journeys, links and figures can be rebuilt from the archive
   * (`roxtrail replay`, `roxtrail aggregate`); site configurations, keys and alert state cannot.
   * @default true
   */
  readonly pointInTimeRecovery?: boolean;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * `pk`/`sk` strings as laid out in shared/storage/table.ts, on-demand capacity, encryption with the
 * AWS-managed key and the `expiresAt` TTL that ages journey items out.
 */
export class JourneyTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: JourneyTableProps = {}) {
    super(scope, id);
    const pointInTimeRecovery = props.pointInTimeRecovery ?? true;
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      tableClass: props.tableClass ?? TableClass.STANDARD_INFREQUENT_ACCESS,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: pointInTimeRecovery },
      timeToLiveAttribute: 'expiresAt',
      encryption: TableEncryptionV2.awsManagedKey(),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    if (!pointInTimeRecovery) {
      NagSuppressions.addResourceSuppressions(this.table, [
        {
          id: 'AwsSolutions-DDB3',
          reason:
            'Point-in-time recovery turned off on request (pointInTimeRecovery=false) to save its $0.20 per GB-month: journeys, links and figures are rebuilt from the versioned S3 archive with roxtrail replay and aggregate; site configurations are re-applied from their files.',
        },
      ]);
    }
  }
}
