import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_COLUMNS } from '../../infra/cdk/constructs/events-analytics';
import { appConfigFromContext } from '../../infra/cdk/context';
import { RoxtrailStack } from '../../infra/cdk/roxtrail-stack';
import { testApp } from '../helpers/cdk-app';
import { actionsOf, arnOf, logicalId, resourcesOf, statementsOfRole } from '../helpers/template';

let stack: RoxtrailStack;
let template: Template;
let resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;

beforeAll(() => {
  // The one synthesis of this file: configured from context, as `cdk deploy -c ...` does; no bundling.
  const app = testApp({
    bundle: false,
    context: {
      alertEmails: 'ops@example.com, oncall@example.com',
      aggregatorReservedConcurrency: '2',
      // The two opt-in extras, off by default (test/infra/cost-settings.test.ts).
      dashboard: 'true',
      alertTopicKey: 'true',
    },
  });
  const config = appConfigFromContext(app);
  stack = new RoxtrailStack(app, config.stackName, config.stackProps);
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources;
});

const queueIds = () => ({
  scheduleDeadLetters: logicalId(stack, stack.aggregation.scheduleDeadLetters.queue),
  failedRuns: logicalId(stack, stack.aggregation.failedRuns.queue),
  failedAlertEvaluations: logicalId(stack, stack.failedAlertEvaluations.queue),
  undeliveredAlerts: logicalId(stack, stack.alertTopic.undelivered.queue),
});

describe('context', () => {
  it('names the stack Roxtrail and reserves the aggregator concurrency given', () => {
    expect(stack.stackName).toBe('Roxtrail');
    expect(resources[logicalId(stack, stack.aggregator)]?.Properties.ReservedConcurrentExecutions).toBe(2);
  });

  it('takes alertEmails from cdk.json as a JSON array too', () => {
    const app = testApp({ bundle: false, context: { alertEmails: ['a@example.com', ' b@example.com'] } });
    expect(appConfigFromContext(app).stackProps.alertEmails).toEqual(['a@example.com', 'b@example.com']);
  });

  it('rejects a bad concurrency and a bad address with one clear message', () => {
    const bad = (context: Record<string, unknown>) => () => {
      const app = testApp({ bundle: false, context });
      new RoxtrailStack(app, 'Bad', appConfigFromContext(app).stackProps);
    };
    expect(bad({ aggregatorReservedConcurrency: '0' })).toThrow(/positive integer/);
    expect(bad({ alertEmails: [1, 2] })).toThrow(/comma-separated list of strings/);
    expect(bad({ alertEmails: 'ops@example.com,not-an-address' })).toThrow(
      /Not an e-mail address: 'not-an-address'/,
    );
  });
});

describe('DailyAggregation', () => {
  it('invokes the aggregator every hour on the hour (UTC) with the scheduled-run payload', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 * * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: Match.objectLike({
        Arn: arnOf(logicalId(stack, stack.aggregator)),
        RoleArn: arnOf(logicalId(stack, stack.aggregation.invokeRole)),
      }),
    });
    const hourly = template.findResources('AWS::Scheduler::Schedule', {
      Properties: { ScheduleExpression: 'cron(0 * * * ? *)' },
    });
    expect(Object.values(hourly).map((schedule) => JSON.parse(schedule.Properties.Target.Input))).toEqual([
      { source: 'roxtrail.schedule', scheduledTime: '<aws.scheduler.scheduled-time>' },
    ]);
  });

  it('invokes the daily finalization at 03:30 UTC, with the same retries and dead letters', () => {
    const daily = template.findResources('AWS::Scheduler::Schedule', {
      Properties: { ScheduleExpression: 'cron(30 3 * * ? *)', ScheduleExpressionTimezone: 'Etc/UTC' },
    });
    const [schedule, ...others] = Object.values(daily);
    expect(others).toEqual([]);
    expect(JSON.parse(schedule?.Properties.Target.Input)).toEqual({
      source: 'roxtrail.schedule',
      action: 'finalize',
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });
    expect(schedule?.Properties.Target).toMatchObject({
      Arn: arnOf(logicalId(stack, stack.aggregator)),
      RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
      DeadLetterConfig: { Arn: arnOf(queueIds().scheduleDeadLetters) },
    });
  });

  it('retries a refused invocation 3 times within an hour, then dead-letters it', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: arnOf(queueIds().scheduleDeadLetters) },
      }),
    });
  });

  it('lets Scheduler (of this account only) invoke the aggregator and write its DLQ, nothing else', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ],
      },
    });
    const statements = statementsOfRole(template, stack, stack.aggregation.invokeRole);
    expect(statements.map((s) => [actionsOf(s), resourcesOf(s)])).toEqual([
      [
        ['lambda:InvokeFunction'],
        [
          JSON.stringify(arnOf(logicalId(stack, stack.aggregator))),
          expect.stringMatching(
            new RegExp(
              `^\\{"Fn::Join":\\["",\\[\\{"Fn::GetAtt":\\["${logicalId(stack, stack.aggregator)}","Arn"\\]\\},":\\*"\\]\\]\\}$`,
            ),
          ),
        ],
      ],
      [['sqs:SendMessage'], [JSON.stringify(arnOf(queueIds().scheduleDeadLetters))]],
    ]);
  });

  it('sends runs that failed after one Lambda retry, or waited over an hour, to the failed-runs queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(stack, stack.aggregator) },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: arnOf(queueIds().failedRuns) } },
    });
  });
});

describe('Alert evaluation', () => {
  it('retries a failed evaluation twice within 6 hours, then sends it to its dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(stack, stack.alertEvaluator) },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: arnOf(queueIds().failedAlertEvaluations) } },
    });
  });
});

describe('Dead-letter queues', () => {
  it('are SQS-encrypted, keep messages 14 days and refuse requests without TLS', () => {
    const ids = Object.values(queueIds());
    expect(Object.keys(template.findResources('AWS::SQS::Queue')).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      expect(resources[id]?.Properties).toEqual({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });
});

describe('AlertTopic', () => {
  it('is encrypted, with alertTopicKey, with a rotated customer-managed key that CloudWatch alarms may use', () => {
    const topicId = logicalId(stack, stack.alertTopic.topic);
    const key = stack.alertTopic.key;
    if (!key) throw new Error('alertTopicKey=true creates the key');
    const keyId = logicalId(stack, key);
    expect(resources[topicId]?.Properties.KmsMasterKeyId).toEqual(arnOf(keyId));
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
          },
        ]),
      },
    });
  });

  it('denies publishing without TLS', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: logicalId(stack, stack.alertTopic.topic) }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Principal: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ],
      },
    });
  });

  it('subscribes each address of the alertEmails context by e-mail, undeliverable ones dead-lettered', () => {
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription'));
    expect(subscriptions.map((s) => s.Properties.Endpoint)).toEqual([
      'ops@example.com',
      'oncall@example.com',
    ]);
    for (const subscription of subscriptions) {
      expect(subscription.Properties).toMatchObject({
        Protocol: 'email',
        TopicArn: { Ref: logicalId(stack, stack.alertTopic.topic) },
        RedrivePolicy: { deadLetterTargetArn: arnOf(queueIds().undeliveredAlerts) },
      });
    }
  });

  it('lets the topic dead-letter into its queue even without the stack’s own subscriptions, for the sites’ e-mails the CLI subscribes', () => {
    const app = testApp({ bundle: false });
    const bare = new RoxtrailStack(app, 'Bare');
    const bareTemplate = Template.fromStack(bare);
    bareTemplate.resourceCountIs('AWS::SNS::Subscription', 0);
    const queue = logicalId(bare, bare.alertTopic.undelivered.queue);
    bareTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queue }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'sns.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
            Condition: { ArnEquals: { 'aws:SourceArn': { Ref: logicalId(bare, bare.alertTopic.topic) } } },
          }),
        ]),
      },
    });
    expect(bareTemplate.findOutputs('UndeliveredAlertsQueueArn').UndeliveredAlertsQueueArn?.Value).toEqual({
      'Fn::GetAtt': [queue, 'Arn'],
    });
  });
});

describe('RoxtrailMonitoring', () => {
  const alarms = () => Object.values(template.findResources('AWS::CloudWatch::Alarm'));

  it('raises API 5xx, function URL 5xx, collector throttles, aggregator errors, alert evaluator errors and one depth alarm per dead-letter queue', () => {
    expect(alarms()).toHaveLength(5 + Object.keys(queueIds()).length);
    expect(
      alarms()
        .map((a) => `${a.Properties.Namespace} ${a.Properties.MetricName}`)
        .sort(),
    ).toEqual([
      'AWS/ApiGateway 5xx',
      'AWS/Lambda Errors',
      'AWS/Lambda Errors',
      'AWS/Lambda Throttles',
      'AWS/Lambda Url5xxCount',
      'AWS/SQS ApproximateNumberOfMessagesVisible',
      'AWS/SQS ApproximateNumberOfMessagesVisible',
      'AWS/SQS ApproximateNumberOfMessagesVisible',
      'AWS/SQS ApproximateNumberOfMessagesVisible',
    ]);
  });

  it('pages when an hourly alert evaluation fails: the alert function’s errors raise their own alarm', () => {
    // The aggregator invokes the alert function asynchronously, so its errors never reach the
    // aggregator's alarm; one failed evaluation in an hour is enough.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack, stack.alertEvaluator) } }],
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: logicalId(stack, stack.alertTopic.topic) }],
    });
  });

  it('publishes every alarm and its return to OK to the alert topic', () => {
    const topic = { Ref: logicalId(stack, stack.alertTopic.topic) };
    for (const alarm of alarms()) {
      expect(alarm.Properties).toMatchObject({
        AlarmActions: [topic],
        OKActions: [topic],
        TreatMissingData: 'notBreaching',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('watches the right resources with the right thresholds', () => {
    const dimension = (name: string, value: unknown) => [{ Name: name, Value: value }];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: '5xx',
      Dimensions: [
        { Name: 'ApiId', Value: { Ref: logicalId(stack, stack.api.httpApi) } },
        { Name: 'Stage', Value: '$default' },
      ],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 5,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Throttles',
      Dimensions: dimension('FunctionName', { Ref: logicalId(stack, stack.collector) }),
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: dimension('FunctionName', { Ref: logicalId(stack, stack.aggregator) }),
      Period: 3600,
      Threshold: 1,
    });
    for (const queueId of Object.values(queueIds())) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: dimension('QueueName', { 'Fn::GetAtt': [queueId, 'QueueName'] }),
        Statistic: 'Maximum',
        Threshold: 1,
      });
    }
  });

  it('has, with the dashboard context, a dashboard with API requests, latency and errors, per-function invocations, errors, throttles and duration, and DLQ depth', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'Roxtrail' });
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    for (const metric of [
      '\\"Count\\"',
      '\\"Latency\\"',
      '\\"5xx\\"',
      '\\"4xx\\"',
      '\\"Invocations\\"',
      '\\"Errors\\"',
      '\\"Throttles\\"',
      '\\"Duration\\"',
      '\\"ApproximateNumberOfMessagesVisible\\"',
      'alarm',
    ]) {
      expect(body).toContain(metric);
    }
  });
});

describe('EventsAnalytics', () => {
  const table = () => Object.values(template.findResources('AWS::Glue::Table'))[0]?.Properties;
  const archiveRef = () => ({ Ref: logicalId(stack, stack.archive.bucket) });

  it('creates the roxtrail Glue database with an events table over events/', () => {
    template.hasResourceProperties('AWS::Glue::Database', {
      CatalogId: { Ref: 'AWS::AccountId' },
      DatabaseInput: { Name: 'roxtrail' },
    });
    expect(table()).toMatchObject({
      DatabaseName: 'roxtrail',
      TableInput: {
        Name: 'events',
        TableType: 'EXTERNAL_TABLE',
        StorageDescriptor: {
          Location: { 'Fn::Join': ['', ['s3://', archiveRef(), '/events/']] },
          InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
        },
      },
    });
  });

  it('has a column for each normalized event field of metrics.md §1, and site/dt/hh partitions', () => {
    const columns = table()?.TableInput.StorageDescriptor.Columns.map((c: { Name: string }) => c.Name);
    expect(columns).toEqual(EVENT_COLUMNS.map((c) => c.name));
    for (const field of [
      'messageId',
      'type',
      'event',
      'name',
      'userId',
      'anonymousId',
      'previousId',
      'timestamp',
      'originalTimestamp',
      'receivedAt',
      'properties',
      'traits',
      'context',
    ]) {
      expect(columns).toContain(field.toLowerCase());
    }
    expect(
      table()?.TableInput.PartitionKeys.map((c: { Name: string; Type: string }) => `${c.Name} ${c.Type}`),
    ).toEqual(['site string', 'dt string', 'hh string']);
  });

  it('projects partitions: site injected, dt daily yyyy-MM-dd up to tomorrow, hh 00-23, in the collector key layout', () => {
    expect(table()?.TableInput.Parameters).toEqual({
      classification: 'json',
      compressionType: 'gzip',
      EXTERNAL: 'TRUE',
      'projection.enabled': 'true',
      'projection.site.type': 'injected',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2020-01-01,NOW+1DAYS',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
      'projection.hh.type': 'integer',
      'projection.hh.range': '0,23',
      'projection.hh.digits': '2',
      'storage.location.template': {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's placeholders, literally
        'Fn::Join': ['', ['s3://', archiveRef(), '/events/site=${site}/dt=${dt}/hh=${hh}/']],
      },
    });
  });

  it('has an Athena workgroup that enforces encrypted results in its own bucket and a scan cutoff', () => {
    const resultsId = logicalId(stack, stack.analytics.resultsBucket);
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'Roxtrail',
      State: 'ENABLED',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 100 * 1024 ** 3,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: resultsId }, '/results/']] },
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      },
    });
  });

  it('keeps query results 30 days in a private, encrypted, access-logged bucket', () => {
    const resultsId = logicalId(stack, stack.analytics.resultsBucket);
    expect(resources[resultsId]?.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: logicalId(stack, stack.archive.accessLogsBucket) },
        LogFilePrefix: 'athena-results/',
      },
      LifecycleConfiguration: {
        Rules: [expect.objectContaining({ ExpirationInDays: 30, Status: 'Enabled' })],
      },
    });
  });
});
