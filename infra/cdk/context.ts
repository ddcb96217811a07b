/**
 * The CDK app's configuration, read from context (cdk.json or `-c key=value`):
 *
 * - `stackName`           CloudFormation stack name; default `Roxtrail`.
 * - `retentionDays`       days archived events are kept in S3; default 400.
 * - `throttleRateLimit`   API stage rate limit, requests per second; default 1000.
 * - `throttleBurstLimit`  API stage burst limit, requests; default 2000.
 * - `alertEmails`         comma-separated addresses subscribed to the alert topic by e-mail; default none.
 * - `aggregatorMemoryMb`  memory of the aggregator and the partial builder, 128-10240; default 2048.
 * - `aggregatorReservedConcurrency`  concurrency reserved for the aggregator, or `false` for none
 *                         (accounts whose Lambda concurrency limit is 10 can reserve none); default 1.
 * - `collectorReservedConcurrency`  concurrency reserved for (and capping) the collector; default
 *   DEPLOYED.collectorReservedConcurrency (shared/config/deploy-defaults.ts), `false` for none.
 * - `region`  synthesize for one region (the template then holds only what that region offers).
 * - `trackingFunctionUrl` take tracking requests at a Lambda function URL on the collector too
 *                         (output `TrackingUrl`): no API Gateway charge per request; default true.
 * - `archiveMode`         `firehose` (through a Firehose delivery stream with dynamic partitioning) or
 *                         `direct` (the collector PUTs to S3), same archive layout; default `firehose`.
 * - `tableClass`          `standard-ia` or `standard`, the DynamoDB table class; default `standard-ia`.
 * - `pointInTimeRecovery` the table's point-in-time recovery; default true.
 * - `dashboard`           add the CloudWatch dashboard; default false.
 * - `alertTopicKey`       encrypt the alert topic with a customer-managed KMS key; default false.
 * - `nag`                 run the cdk-nag AWS Solutions and Serverless checks; default true (`-c nag=false` to skip).
 */
import { TableClass } from 'aws-cdk-lib/aws-dynamodb';
import type { IConstruct } from 'constructs';
import type { ArchiveMode } from '../../shared/storage/archive-sink';
import type { RoxtrailStackProps } from './roxtrail-stack';

export interface AppConfig {
  readonly stackName: string;
  readonly stackProps: RoxtrailStackProps;
  readonly nag: boolean;
}

export function appConfigFromContext(scope: IConstruct): AppConfig {
  const context = new ContextReader(scope);
  const stackName = context.string('stackName') ?? 'Roxtrail';
  return {
    stackName,
    stackProps: {
      stackName,
      // No `env` unless `-c region=…`: the template is environment-agnostic and deploys to whichever
      // account and region the CLI is pointed at (leaving out, by a condition, what a region lacks).
      ...regionEnv(context.string('region')),
      retentionDays: context.positiveInteger('retentionDays'),
      throttleRateLimit: context.positiveInteger('throttleRateLimit'),
      throttleBurstLimit: context.positiveInteger('throttleBurstLimit'),
      alertEmails: context.list('alertEmails'),
      aggregatorMemoryMb: context.positiveInteger('aggregatorMemoryMb'),
      aggregatorReservedConcurrency:
        context.string('aggregatorReservedConcurrency') === 'false'
          ? false
          : context.positiveInteger('aggregatorReservedConcurrency'),
      collectorReservedConcurrency:
        context.string('collectorReservedConcurrency') === 'false'
          ? false
          : context.positiveInteger('collectorReservedConcurrency'),
      trackingFunctionUrl: context.boolean('trackingFunctionUrl'),
      archiveMode: archiveModeOf(context.string('archiveMode')),
      tableClass: tableClassOf(context.string('tableClass')),
      pointInTimeRecovery: context.boolean('pointInTimeRecovery'),
      dashboard: context.boolean('dashboard'),
      alertTopicKey: context.boolean('alertTopicKey'),
    },
    nag: context.boolean('nag') ?? true,
  };
}

function regionEnv(region: string | undefined): { env?: { region: string } } {
  if (region === undefined) return {};
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region))
    throw new Error(`Context 'region' must be an AWS region such as eu-south-1, got '${region}'.`);
  return { env: { region } };
}

const ARCHIVE_MODES: readonly ArchiveMode[] = ['direct', 'firehose'];

function archiveModeOf(raw: string | undefined): ArchiveMode | undefined {
  if (raw === undefined) return undefined;
  const mode = ARCHIVE_MODES.find((candidate) => candidate === raw);
  if (!mode) throw new Error(`Context 'archiveMode' must be direct or firehose, got '${raw}'.`);
  return mode;
}

const TABLE_CLASSES: Readonly<Record<string, TableClass>> = {
  standard: TableClass.STANDARD,
  'standard-ia': TableClass.STANDARD_INFREQUENT_ACCESS,
};

function tableClassOf(raw: string | undefined): TableClass | undefined {
  if (raw === undefined) return undefined;
  const tableClass = TABLE_CLASSES[raw];
  if (!tableClass) throw new Error(`Context 'tableClass' must be standard or standard-ia, got '${raw}'.`);
  return tableClass;
}

class ContextReader {
  constructor(private readonly scope: IConstruct) {}

  /** Context arrives as a string from `-c` and as JSON from cdk.json. */
  string(key: string): string | undefined {
    const value: unknown = this.scope.node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new Error(`Context '${key}' must be a single value, got ${JSON.stringify(value)}.`);
    }
    return String(value);
  }

  positiveInteger(key: string): number | undefined {
    const raw = this.string(key);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(`Context '${key}' must be a positive integer, got '${raw}'.`);
    }
    return value;
  }

  boolean(key: string): boolean | undefined {
    const raw = this.string(key);
    if (raw === undefined) return undefined;
    if (raw !== 'true' && raw !== 'false')
      throw new Error(`Context '${key}' must be true or false, got '${raw}'.`);
    return raw === 'true';
  }

  /** A comma-separated string (`-c key=a,b`), or a JSON array of strings in cdk.json. */
  list(key: string): string[] {
    const value: unknown = this.scope.node.tryGetContext(key);
    const items: unknown[] = Array.isArray(value) ? value : [this.string(key) ?? ''];
    if (!items.every((item): item is string => typeof item === 'string')) {
      throw new Error(
        `Context '${key}' must be a comma-separated list of strings, got ${JSON.stringify(value)}.`,
      );
    }
    return items
      .join(',')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
}
