/** JourneyTable: the single DynamoDB table that projects the archive (journeys, identity links, sites, figures, alerts). */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export interface JourneyTableProps {
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * `pk`/`sk` strings as laid out in shared/storage/table.ts, on-demand capacity, point-in-time
 * recovery, encryption with the AWS-managed key and the `expiresAt` TTL that ages journey items out.
 */
export class JourneyTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: JourneyTableProps = {}) {
    super(scope, id);
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      encryption: TableEncryptionV2.awsManagedKey(),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
