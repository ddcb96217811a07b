/**
 * The deployed stack's CloudFormation outputs: their names (RoxtrailStack creates exactly these) and
 * what the CLI's `--stack` makes of them: the contract between infra/cdk and infra/local, in neither
 * (they do not import each other). No CDK import: the CLI loads this module.
 */
import type { StorageSettings } from '../shared/storage/clients';

export const STACK_OUTPUTS = {
  apiUrl: 'ApiUrl',
  /** Where trackers and SDKs send events: the collector's function URL, or the API. */
  trackingUrl: 'TrackingUrl',
  bucketName: 'BucketName',
  tableName: 'TableName',
  alertTopicArn: 'AlertTopicArn',
  /** Where SNS puts alerts it could not deliver: the CLI's site e-mail subscriptions redrive there. */
  alertDeadLetterQueueArn: 'UndeliveredAlertsQueueArn',
  collectorFunctionName: 'CollectorFunctionName',
  queryFunctionName: 'QueryFunctionName',
  aggregatorFunctionName: 'AggregatorFunctionName',
  alertsFunctionName: 'AlertsFunctionName',
  athenaWorkGroupName: 'AthenaWorkGroupName',
  glueDatabaseName: 'GlueDatabaseName',
} as const;

/**
 * Outputs added after the first release: a stack deployed before them still works with the CLI until
 * it is updated (tracking at the API, site e-mails without a redrive).
 */
const LATER_OUTPUTS = ['trackingUrl', 'alertDeadLetterQueueArn'] as const;

type LaterOutput = (typeof LATER_OUTPUTS)[number];

export type DeployedStack = {
  readonly [K in Exclude<keyof typeof STACK_OUTPUTS, LaterOutput>]: string;
} & {
  readonly [K in LaterOutput]: string | undefined;
} & {
  /** Where the CLI's SDK clients go: the stack's table and bucket, AWS endpoints (no local servers). */
  readonly storage: StorageSettings;
};

/**
 * The stack as the CLI needs it, from its outputs (`DescribeStacks`' `Outputs` as key/value pairs, or
 * one stack's entry in the file `cdk deploy --outputs-file` writes). Fails with one line naming every
 * missing output, which is what an older or foreign stack looks like.
 */
export function deployedStackFromOutputs(
  stackName: string,
  outputs: Readonly<Record<string, string | undefined>>,
  region: string,
): DeployedStack {
  const later: readonly string[] = LATER_OUTPUTS;
  const missing = Object.entries(STACK_OUTPUTS)
    .filter(([key, name]) => !later.includes(key) && !outputs[name])
    .map(([, name]) => name);
  if (missing.length > 0) {
    throw new Error(`stack "${stackName}" has no output ${missing.join(', ')}: is it a Roxtrail stack?`);
  }
  const value = (key: keyof typeof STACK_OUTPUTS): string => outputs[STACK_OUTPUTS[key]] ?? '';
  return {
    apiUrl: value('apiUrl'),
    trackingUrl: outputs[STACK_OUTPUTS.trackingUrl] || outputs[STACK_OUTPUTS.apiUrl],
    bucketName: value('bucketName'),
    tableName: value('tableName'),
    alertTopicArn: value('alertTopicArn'),
    alertDeadLetterQueueArn: outputs[STACK_OUTPUTS.alertDeadLetterQueueArn] || undefined,
    collectorFunctionName: value('collectorFunctionName'),
    queryFunctionName: value('queryFunctionName'),
    aggregatorFunctionName: value('aggregatorFunctionName'),
    alertsFunctionName: value('alertsFunctionName'),
    athenaWorkGroupName: value('athenaWorkGroupName'),
    glueDatabaseName: value('glueDatabaseName'),
    storage: { tableName: value('tableName'), bucketName: value('bucketName'), region },
  };
}
