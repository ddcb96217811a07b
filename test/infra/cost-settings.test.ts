/**
 * The stack as the cost model (shared/config/deploy-defaults.ts DEPLOYED) prices it: memory sizes, archive mode,
 * table class and backups, tracing, log retention, lifecycle, and nothing billed by the month without
 * traffic (no customer-managed key, no dashboard, alarms within the free ten) unless asked for.
 */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { appConfigFromContext } from '../../infra/cdk/context';
import { addNagChecks } from '../../infra/cdk/nag';
import { RoxtrailStack } from '../../infra/cdk/roxtrail-stack';
import { DEPLOYED } from '../../shared/config/deploy-defaults';
import { API_ACCESS_LOG_BYTES, FUNCTION_URL_ALARMS } from '../../shared/cost/model';
import { PRICES } from '../../shared/cost/prices';
import { testApp } from '../helpers/cdk-app';
import { logicalId } from '../helpers/template';

let stack: RoxtrailStack;
let template: Template;

beforeAll(() => {
  const app = testApp({ bundle: false });
  stack = new RoxtrailStack(app, 'Roxtrail');
  template = Template.fromStack(stack);
});

const propertiesOf = (id: string) => template.toJSON().Resources[id].Properties;

function fromContext(context: Record<string, unknown>): { stack: RoxtrailStack; template: Template } {
  const app = testApp({ bundle: false, context });
  const config = appConfigFromContext(app);
  const configured = new RoxtrailStack(app, 'Roxtrail', config.stackProps);
  return { stack: configured, template: Template.fromStack(configured) };
}

describe('the default stack, as the cost model prices it', () => {
  it('takes tracking requests at the collector’s function URL (the model bills no API Gateway request for them)', () => {
    expect(DEPLOYED.frontDoor).toBe('function-url');
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', {
      TargetFunctionArn: { 'Fn::GetAtt': [logicalId(stack, stack.collector), 'Arn'] },
    });
  });

  it('gives the collector and the aggregator the memory the model bills', () => {
    expect(propertiesOf(logicalId(stack, stack.collector)).MemorySize).toBe(DEPLOYED.collectorMemoryMb);
    expect(propertiesOf(logicalId(stack, stack.aggregator)).MemorySize).toBe(DEPLOYED.aggregatorMemoryMb);
  });

  it('archives through Firehose with the model’s buffering hints', () => {
    expect(DEPLOYED.archiveMode).toBe('firehose');
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({
        BufferingHints: {
          SizeInMBs: DEPLOYED.firehoseBufferBytes / 1024 ** 2,
          IntervalInSeconds: DEPLOYED.firehoseBufferSeconds,
        },
      }),
    });
  });

  it('keeps the table in Standard-IA with point-in-time recovery', () => {
    expect(DEPLOYED).toMatchObject({ tableClass: 'standard-ia', pointInTimeRecovery: true });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [
        Match.objectLike({
          TableClass: 'STANDARD_INFREQUENT_ACCESS',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      ],
    });
  });

  it('logs JSON everywhere and drops Lambda’s START/REPORT lines for the collector only', () => {
    expect(DEPLOYED.collectorPlatformLogs).toBe(false);
    const functions = Object.entries(template.findResources('AWS::Lambda::Function'));
    for (const [, fn] of functions) expect(fn.Properties.LoggingConfig?.LogFormat).toBe('JSON');
    const quiet = functions
      .filter(([, fn]) => fn.Properties.LoggingConfig?.SystemLogLevel === 'WARN')
      .map(([id]) => id);
    expect(quiet).toEqual([logicalId(stack, stack.collector)]);
  });

  it('traces every function but the collector', () => {
    expect(DEPLOYED.collectorTraced).toBe(false);
    const functions = Object.entries(template.findResources('AWS::Lambda::Function'));
    const untraced = functions
      .filter(([, fn]) => fn.Properties.TracingConfig?.Mode !== 'Active')
      .map(([id]) => id);
    expect(untraced).toEqual([logicalId(stack, stack.collector)]);
    expect(functions.length).toBeGreaterThan(1);
  });

  it('keeps every log group as long as the model stores logs', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThan(5);
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(DEPLOYED.logRetentionDays);
  });

  it('writes access-log lines no longer than the model counts', () => {
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0];
    const typical: Record<string, string> = {
      '$context.requestId': 'JgVqviXXIAMEVzA=',
      '$context.requestTimeEpoch': '1763640000000',
      '$context.routeKey': 'POST /v1/{type}',
      '$context.status': '200',
      '$context.responseLength': '63',
      '$context.responseLatency': '127',
      '$context.integrationLatency': '126',
      '$context.integrationErrorMessage': '-',
      '$context.error.message': '-',
    };
    const format: string = stage?.Properties.AccessLogSettings.Format;
    const line = format.replace(/\$context\.[A-Za-z.]+/g, (variable) => typical[variable] ?? variable);
    expect(line).not.toContain('$context');
    const bytes = Buffer.byteLength(`${line}\n`);
    expect(bytes).toBeLessThanOrEqual(API_ACCESS_LOG_BYTES);
    expect(bytes).toBeGreaterThan(API_ACCESS_LOG_BYTES * 0.85);
  });

  it('ages the archive, its old versions, partials, actor indexes and access logs as the model stores them', () => {
    const rules = propertiesOf(logicalId(stack, stack.archive.bucket)).LifecycleConfiguration.Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({
        Prefix: 'events/',
        Transitions: [
          { StorageClass: 'STANDARD_IA', TransitionInDays: DEPLOYED.infrequentAccessAfterDays },
          { StorageClass: 'GLACIER_IR', TransitionInDays: DEPLOYED.glacierInstantRetrievalAfterDays },
        ],
      }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({
        Prefix: 'partials/',
        ExpirationInDays: DEPLOYED.partialExpirationDays,
        NoncurrentVersionExpiration: { NoncurrentDays: DEPLOYED.partialNoncurrentDays },
      }),
    );
    // A day's actor index lives as long as its events; its superseded versions as long as a partial's.
    expect(rules).toContainEqual(
      expect.objectContaining({
        Prefix: 'indexes/',
        ExpirationInDays: 400,
        NoncurrentVersionExpiration: { NoncurrentDays: DEPLOYED.partialNoncurrentDays },
      }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({
        NoncurrentVersionExpiration: { NoncurrentDays: DEPLOYED.noncurrentVersionDays },
      }),
    );
    const logRules = propertiesOf(logicalId(stack, stack.archive.accessLogsBucket)).LifecycleConfiguration
      .Rules;
    expect(logRules).toEqual([expect.objectContaining({ ExpirationInDays: DEPLOYED.accessLogDays })]);
  });

  it('bills nothing by the month: no KMS key, no dashboard, alarms within the free ten', () => {
    template.resourceCountIs('AWS::KMS::Key', DEPLOYED.kmsKeys);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', DEPLOYED.dashboards);
    template.resourceCountIs('AWS::CloudWatch::Alarm', DEPLOYED.alarms + FUNCTION_URL_ALARMS);
    expect(DEPLOYED.alarms + FUNCTION_URL_ALARMS).toBeLessThanOrEqual(PRICES.cloudwatchFreeAlarms);
    expect(DEPLOYED.kmsKeys).toBe(0);
    expect(DEPLOYED.dashboards).toBe(0);
  });

  it('still denies publishing to the alert topic without TLS', () => {
    const topicId = logicalId(stack, stack.alertTopic.topic);
    expect(propertiesOf(topicId).KmsMasterKeyId).toBeUndefined();
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ],
      },
    });
  });
});

describe('cost options from context', () => {
  it('tableClass=standard and pointInTimeRecovery=false give a Standard table without backups', () => {
    const { template: custom } = fromContext({ tableClass: 'standard', pointInTimeRecovery: 'false' });
    custom.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [
        Match.objectLike({
          TableClass: 'STANDARD',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
        }),
      ],
    });
  });

  it('aggregatorMemoryMb=10240 sizes the aggregator and the partial builder (and their heap) for a 10 M-event day', () => {
    const { stack: custom, template: sized } = fromContext({ aggregatorMemoryMb: '10240' });
    for (const fn of [custom.aggregator, custom.partialBuilder]) {
      expect(sized.toJSON().Resources[logicalId(custom, fn)].Properties).toMatchObject({
        MemorySize: 10_240,
        Environment: { Variables: { NODE_OPTIONS: '--max-old-space-size=8704' } },
      });
    }
    expect(() => fromContext({ aggregatorMemoryMb: '20000' })).toThrow(
      'aggregatorMemoryMb must be 128-10240',
    );
  });

  it('refuses an unknown table class with a clear message', () => {
    expect(() => fromContext({ tableClass: 'glacier' })).toThrow(
      "Context 'tableClass' must be standard or standard-ia, got 'glacier'.",
    );
  });

  it('dashboard=true and alertTopicKey=true add the dashboard and the topic’s rotated key', () => {
    const { template: custom } = fromContext({ dashboard: 'true', alertTopicKey: 'true' });
    custom.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    custom.resourceCountIs('AWS::KMS::Key', 1);
    custom.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('without point-in-time recovery, cdk-nag is satisfied by a reasoned suppression on the table', () => {
    const app = testApp({ bundle: false, context: { pointInTimeRecovery: 'false' } });
    const custom = new RoxtrailStack(app, 'Roxtrail', appConfigFromContext(app).stackProps);
    addNagChecks(app);
    const annotations = Annotations.fromStack(custom);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('(AwsSolutions|Serverless)-.*')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('(AwsSolutions|Serverless)-.*')),
    ].map((m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`);
    expect(findings).toEqual([]);
    const table = Object.values(Template.fromStack(custom).findResources('AWS::DynamoDB::GlobalTable'))[0];
    expect(table?.Metadata?.cdk_nag?.rules_to_suppress).toEqual([
      expect.objectContaining({ id: 'AwsSolutions-DDB3', reason: expect.stringMatching(/replay/) }),
    ]);
  }, 60_000);
});
