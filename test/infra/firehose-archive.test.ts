/** The stack's archive modes: firehose (FirehoseArchive, the default) and direct, with their grants and nag. */
import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FIREHOSE_DATA_PREFIX,
  FIREHOSE_ERROR_PREFIX,
  FIREHOSE_PARTITION_QUERY,
  FirehoseArchive,
} from '../../infra/cdk/constructs/firehose-archive';
import { appConfigFromContext } from '../../infra/cdk/context';
import { addNagChecks } from '../../infra/cdk/nag';
import { RoxtrailStack } from '../../infra/cdk/roxtrail-stack';
import { testApp } from '../helpers/cdk-app';
import {
  actionsOf,
  allStatements,
  arnOf,
  logicalId,
  resourcesOf,
  type Statement,
  statementsOfRole,
} from '../helpers/template';

let firehose: RoxtrailStack;
let template: Template;
let direct: RoxtrailStack;
let directTemplate: Template;

beforeAll(() => {
  firehose = new RoxtrailStack(testApp({ bundle: false }), 'Roxtrail');
  template = Template.fromStack(firehose);
  direct = new RoxtrailStack(testApp({ bundle: false }), 'Roxtrail', { archiveMode: 'direct' });
  directTemplate = Template.fromStack(direct);
}, 60_000);

/** `events` for a `<bucket>.Arn/events/*` resource, the resource's JSON otherwise. */
const prefixes = (statement: Statement): string[] =>
  resourcesOf(statement).map((r) => /"\/([a-z-]+)\/\*"\]\]\}$/.exec(r)?.[1] ?? r);
const isS3 = (s: Statement) => actionsOf(s).some((a) => a.startsWith('s3:'));
const isFirehose = (s: Statement) => actionsOf(s).some((a) => a.startsWith('firehose:'));

function streamOf(stack: RoxtrailStack): FirehoseArchive {
  if (!stack.firehoseArchive) throw new Error('no FirehoseArchive in this stack');
  return stack.firehoseArchive;
}

describe('archiveMode firehose (the default): the delivery stream', () => {
  it('is one Direct PUT stream, encrypted with an AWS-owned key, writing into the archive bucket', () => {
    template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 1);
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'DirectPut',
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
      ExtendedS3DestinationConfiguration: Match.objectLike({
        BucketARN: arnOf(logicalId(firehose, firehose.archive.bucket)),
        RoleARN: arnOf(logicalId(firehose, streamOf(firehose).role)),
      }),
    });
  });

  it('writes gzip NDJSON under events/site=/dt=/hh= from each line’s site, dt and hh, errors under firehose-errors/', () => {
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({
        Prefix:
          'events/site=!{partitionKeyFromQuery:site}/dt=!{partitionKeyFromQuery:dt}/hh=!{partitionKeyFromQuery:hh}/',
        ErrorOutputPrefix: 'firehose-errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/',
        CompressionFormat: 'GZIP',
        FileExtension: '.ndjson.gz',
        BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 300 },
        DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            {
              Type: 'RecordDeAggregation',
              Parameters: [{ ParameterName: 'SubRecordType', ParameterValue: 'JSON' }],
            },
            {
              Type: 'MetadataExtraction',
              Parameters: [
                {
                  ParameterName: 'MetadataExtractionQuery',
                  ParameterValue: '{site: .site, dt: .dt, hh: .hh}',
                },
                { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
              ],
            },
            { Type: 'AppendDelimiterToRecord', Parameters: [] },
          ],
        },
      }),
    });
    // The prefix uses exactly the keys the JQ query extracts.
    const used = [...FIREHOSE_DATA_PREFIX.matchAll(/!\{partitionKeyFromQuery:(\w+)\}/g)].map((m) => m[1]);
    const extracted = [...FIREHOSE_PARTITION_QUERY.matchAll(/(\w+): \./g)].map((m) => m[1]);
    expect(used).toEqual(['site', 'dt', 'hh']);
    expect(extracted).toEqual(used);
    expect(FIREHOSE_ERROR_PREFIX).toContain('!{firehose:error-output-type}');
  });

  it('logs delivery errors to its own log group, kept a month', () => {
    const stream = streamOf(firehose);
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({
        CloudWatchLoggingOptions: Match.objectLike({
          Enabled: true,
          LogGroupName: { Ref: logicalId(firehose, stream.logGroup) },
        }),
      }),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('takes other buffering hints as props', () => {
    const stack = new Stack();
    new FirehoseArchive(stack, 'Archive', {
      bucket: new Bucket(stack, 'Bucket'),
      bufferingSize: Size.mebibytes(128),
      bufferingInterval: Duration.seconds(60),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({
        BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 60 },
      }),
    });
  });

  it('expires firehose-errors/ with the archive’s retention', () => {
    const bucket = template.toJSON().Resources[logicalId(firehose, firehose.archive.bucket)];
    const rules = bucket.Properties.LifecycleConfiguration.Rules as {
      Prefix?: string;
      ExpirationInDays?: number;
    }[];
    expect(rules).toContainEqual(
      expect.objectContaining({ Prefix: 'firehose-errors/', ExpirationInDays: 400 }),
    );
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: 'events/', ExpirationInDays: 400 }));
  });
});

describe('archiveMode firehose: grants', () => {
  it('let the stream’s role, assumed by Firehose only, put objects under events/ and firehose-errors/ and read none', () => {
    const stream = streamOf(firehose);
    const role = template.toJSON().Resources[logicalId(firehose, stream.role)];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: 'firehose.amazonaws.com' }, Action: 'sts:AssumeRole' }),
    ]);
    const s3 = statementsOfRole(template, firehose, stream.role).filter(isS3);
    const puts = s3.filter((s) => actionsOf(s).includes('s3:PutObject'));
    expect(puts.flatMap(prefixes).sort()).toEqual(['events', 'firehose-errors']);
    const actions = s3.flatMap(actionsOf);
    expect(actions.filter((a) => /^s3:(GetObject|Delete|List(?!BucketMultipartUploads)|\*)/.test(a))).toEqual(
      [],
    );
    const bucketLevel = s3.filter((s) => actionsOf(s).includes('s3:GetBucketLocation'));
    expect(bucketLevel.map(resourcesOf)).toEqual([
      [JSON.stringify(arnOf(logicalId(firehose, firehose.archive.bucket)))],
    ]);
    const logs = statementsOfRole(template, firehose, stream.role).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('logs:')),
    );
    expect(logs.flatMap(resourcesOf)).toEqual([JSON.stringify(arnOf(logicalId(firehose, stream.logGroup)))]);
  });

  it('let the collector PutRecordBatch on this stream only, and PUT objects under rejected/ only', () => {
    const statements = statementsOfRole(template, firehose, firehose.collector.executionRole);
    const puts = statements.filter(isFirehose);
    expect(puts.map((s) => [actionsOf(s), resourcesOf(s)])).toEqual([
      [
        ['firehose:PutRecordBatch'],
        [JSON.stringify(arnOf(firehose.getLogicalId(streamOf(firehose).stream)))],
      ],
    ]);
    const s3 = statements.filter(isS3);
    expect(s3).toHaveLength(1);
    expect(prefixes(s3[0] as Statement)).toEqual(['rejected']);
    expect(actionsOf(s3[0] as Statement).filter((a) => /^s3:(Get|List)/.test(a))).toEqual([]);
  });

  it('give no other principal any Firehose action', () => {
    const firehoseStatements = allStatements(template).filter(isFirehose);
    expect(firehoseStatements).toHaveLength(1);
  });

  it('tell the collector the stream’s name; the aggregator still reads events/ as before', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Tracking API'),
      Environment: {
        Variables: Match.objectLike({
          ROXTRAIL_FIREHOSE_STREAM: { Ref: firehose.getLogicalId(streamOf(firehose).stream) },
        }),
      },
    });
    const reads = statementsOfRole(template, firehose, firehose.aggregator.executionRole)
      .filter(isS3)
      .filter((s) => actionsOf(s).some((a) => a.startsWith('s3:GetObject')));
    expect(reads.flatMap(prefixes)).toEqual(expect.arrayContaining(['events', 'rejected']));
  });
});

describe('archiveMode direct (the opt-out)', () => {
  it('has no delivery stream, no Firehose grant and no stream in the collector’s environment', () => {
    expect(direct.firehoseArchive).toBeUndefined();
    directTemplate.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 0);
    expect(allStatements(directTemplate).filter(isFirehose)).toEqual([]);
    const functions = Object.values(directTemplate.findResources('AWS::Lambda::Function'));
    for (const fn of functions)
      expect(fn.Properties.Environment?.Variables?.ROXTRAIL_FIREHOSE_STREAM).toBeUndefined();
  });

  it('lets the collector PUT under events/ and rejected/', () => {
    const s3 = statementsOfRole(directTemplate, direct, direct.collector.executionRole).filter(isS3);
    expect(s3.flatMap(prefixes)).toEqual(['events', 'rejected']);
  });
});

describe('archiveMode from context', () => {
  const modeOf = (value?: string) =>
    appConfigFromContext(
      testApp({ bundle: false, context: value === undefined ? {} : { archiveMode: value } }),
    ).stackProps.archiveMode;

  it('reads direct or firehose, and leaves the default to the stack', () => {
    expect(modeOf()).toBeUndefined();
    expect(modeOf('direct')).toBe('direct');
    expect(modeOf('firehose')).toBe('firehose');
  });

  it('refuses anything else with a clear message', () => {
    expect(() => modeOf('kinesis')).toThrow(
      "Context 'archiveMode' must be direct or firehose, got 'kinesis'.",
    );
  });
});

describe('cdk-nag in direct mode', () => {
  it('finds no unsuppressed AwsSolutions or Serverless errors or warnings', () => {
    const app = testApp({ bundle: false });
    const stack = new RoxtrailStack(app, 'Roxtrail', {
      archiveMode: 'direct',
      alertEmails: ['ops@example.com'],
    });
    addNagChecks(app);
    const annotations = Annotations.fromStack(stack);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('(AwsSolutions|Serverless)-.*')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('(AwsSolutions|Serverless)-.*')),
    ].map((m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`);
    expect(findings).toEqual([]);
  }, 60_000);
});
