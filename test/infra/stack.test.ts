import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  BUNDLE_FILE,
  esbuildOptionsFor,
  FUNCTION_ENTRIES,
  type FunctionName,
  REPO_ROOT,
} from '../../infra/cdk/bundling';
import type { RoxtrailFunction } from '../../infra/cdk/constructs/roxtrail-function';
import { RoxtrailStack } from '../../infra/cdk/roxtrail-stack';
import {
  localRoutes,
  QUERY_ROUTE_KEYS,
  TRACKER_ROUTE_KEY,
  TRACKING_ROUTE_KEYS,
} from '../../infra/local/routes';
import { STACK_OUTPUTS } from '../../infra/stack-outputs';
import { testApp } from '../helpers/cdk-app';
import { httpEvent } from '../helpers/http-event';
import {
  actionsOf,
  allStatements,
  arnOf,
  list,
  logicalId,
  logicalIdOf,
  resourcesOf,
  routeTargets,
  type Statement,
  statementsOfRole,
} from '../helpers/template';

let stack: RoxtrailStack;
let template: Template;
let outdir: string;
let functions: Record<FunctionName, RoxtrailFunction>;

beforeAll(() => {
  // The one synthesis of this file, with every function really bundled by esbuild. Docker is made
  // unrunnable, so a fallback to Docker bundling would fail here instead of passing slowly.
  vi.stubEnv('CDK_DOCKER', '/nonexistent/docker');
  const app = testApp({ bundle: true });
  stack = new RoxtrailStack(app, 'Roxtrail');
  template = Template.fromStack(stack);
  outdir = app.outdir;
  vi.unstubAllEnvs();
  functions = {
    collector: stack.collector,
    query: stack.query,
    aggregator: stack.aggregator,
    alerts: stack.alertEvaluator,
  };
  // Four esbuild runs: generous for a loaded CI machine.
}, 180_000);

describe('IngestApi', () => {
  it('routes tracking keys to the collector, query reads and the tracker to the query function and erasure to the eraser', () => {
    const targets = routeTargets(template);
    expect(Object.keys(targets).sort()).toEqual(
      [...TRACKING_ROUTE_KEYS, ...QUERY_ROUTE_KEYS, TRACKER_ROUTE_KEY].sort(),
    );
    expect(targets[TRACKER_ROUTE_KEY]).toBe(logicalId(stack, stack.query));
    for (const key of TRACKING_ROUTE_KEYS) expect(targets[key]).toBe(logicalId(stack, stack.collector));
    for (const key of QUERY_ROUTE_KEYS) {
      expect(targets[key], key).toBe(logicalId(stack, key.startsWith('GET ') ? stack.query : stack.eraser));
    }
    expect(targets['DELETE /v1/sites/{site}/users/{userId}']).toBe(logicalId(stack, stack.eraser));
    expect(Object.keys(targets)).toEqual(
      expect.arrayContaining([
        'POST /v1/{type}',
        'OPTIONS /v1/{type}',
        'GET /v1/sites/{site}/figures',
        'GET /v1/sites/{site}/journeys/{journeyId}',
      ]),
    );
  });

  it('has one payload v2 proxy integration per function', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 3);
    template.allResourcesProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
  });

  it('leaves CORS preflights to the collector (no API-level CORS configuration)', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.absent(),
    });
  });

  it('throttles the auto-deployed $default stage at 1000 rps with bursts of 2000', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
    });
  });

  it('writes JSON access logs without source IPs or paths to a log group kept one month', () => {
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0];
    const settings = stage?.Properties.AccessLogSettings;
    const [logGroupId] = settings.DestinationArn['Fn::GetAtt'];
    expect(template.toJSON().Resources[logGroupId]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 30 },
    });

    const format = JSON.parse(settings.Format);
    expect(format.requestId).toBe('$context.requestId');
    expect(format.routeKey).toBe('$context.routeKey');
    expect(settings.Format).not.toMatch(/sourceIp|\$context\.path|querystring/i);
  });
});

describe('Functions', () => {
  const propertiesOf = (fn: RoxtrailFunction) => template.toJSON().Resources[logicalId(stack, fn)].Properties;

  it('are the collector, query, aggregator and alert evaluator, the query handler again as the eraser, and the aggregator again as the partial builder', () => {
    template.resourceCountIs('AWS::Lambda::Function', 6);
    expect(Object.keys(functions).sort()).toEqual(Object.keys(FUNCTION_ENTRIES).sort());
    expect(stack.eraser.handlerPath).toBe(FUNCTION_ENTRIES.query);
    expect(stack.partialBuilder.handlerPath).toBe(FUNCTION_ENTRIES.aggregator);
  });

  it('let the aggregator fan partial building out to the partial builder, and nothing else invoke it', () => {
    const aggregator = propertiesOf(stack.aggregator);
    expect(aggregator.Environment.Variables.ROXTRAIL_PARTIAL_BUILDER_FUNCTION).toEqual({
      Ref: stack.getLogicalId(stack.partialBuilder.node.defaultChild as CfnElement),
    });
    expect(propertiesOf(stack.partialBuilder).ReservedConcurrentExecutions).toBeUndefined();
  });

  it('run nodejs22.x on arm64 with a heap limit of 85% of their memory and no source maps at start-up, and their own log group kept one month, traced but the collector', () => {
    const resources = template.toJSON().Resources;
    for (const fn of [...Object.values(functions), stack.eraser]) {
      expect(propertiesOf(fn)).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
      const memory = propertiesOf(fn).MemorySize;
      // Failures' stacks are mapped when they happen (functions/common/stack-traces.ts), not at every start.
      expect(propertiesOf(fn).Environment.Variables.NODE_OPTIONS, fn.node.id).toBe(
        `--max-old-space-size=${Math.floor(memory * 0.85)}`,
      );
      expect(propertiesOf(fn).TracingConfig, fn.node.id).toEqual(
        fn === stack.collector ? undefined : { Mode: 'Active' },
      );
      const logGroupId = propertiesOf(fn).LoggingConfig.LogGroup.Ref;
      expect(resources[logGroupId]).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        Properties: { RetentionInDays: 30 },
      });
    }
  });

  it('get the table, bucket and service name from their environment', () => {
    const storage = {
      ROXTRAIL_TABLE: { Ref: logicalIdOf(template, 'AWS::DynamoDB::GlobalTable') },
      ROXTRAIL_BUCKET: { Ref: logicalId(stack, stack.archive.bucket) },
      POWERTOOLS_SERVICE_NAME: 'roxtrail',
    };
    for (const fn of [...Object.values(functions), stack.eraser]) {
      expect(propertiesOf(fn).Environment.Variables).toMatchObject(storage);
    }
  });

  it('tell the aggregator which function evaluates alerts, and the evaluator which topic to publish to', () => {
    expect(propertiesOf(stack.aggregator).Environment.Variables.ROXTRAIL_ALERTS_FUNCTION).toEqual({
      Ref: logicalId(stack, stack.alertEvaluator),
    });
    expect(propertiesOf(stack.alertEvaluator).Environment.Variables.ROXTRAIL_ALERT_TOPIC_ARN).toEqual({
      Ref: logicalId(stack, stack.alertTopic.topic),
    });
  });

  it('tell the eraser which function runs erasure jobs, and the aggregator how long a job waits for the Firehose buffer', () => {
    const eraser = propertiesOf(stack.eraser).Environment.Variables;
    expect(eraser.ROXTRAIL_ERASURE_FUNCTION).toEqual({ Ref: logicalId(stack, stack.aggregator) });
    // Firehose buffers up to 300 s by default: the job waits that, a minute of delivery, and 30 s for
    // the collectors to see the refused ids and finish their requests.
    expect(propertiesOf(stack.aggregator).Environment.Variables.ROXTRAIL_ERASURE_SETTLE_SECONDS).toBe('390');
  });

  it('give the alert evaluator a minute, for webhooks tried three times with a 5 s timeout', () => {
    expect(propertiesOf(stack.alertEvaluator)).toMatchObject({ MemorySize: 512, Timeout: 60 });
  });

  it('size the collector and query for API Gateway: 256 and 512 MB, 25 s; the collector, and so its URL, capped by its reserved concurrency', () => {
    expect(propertiesOf(stack.collector)).toMatchObject({ MemorySize: 256, Timeout: 25 });
    expect(propertiesOf(stack.query)).toMatchObject({ MemorySize: 512, Timeout: 25 });
    expect(propertiesOf(stack.collector).ReservedConcurrentExecutions).toBe(100);
    expect(propertiesOf(stack.query).ReservedConcurrentExecutions).toBeUndefined();
  });

  it('give the aggregator 2048 MB, 15 minutes and one reserved execution so runs never overlap', () => {
    expect(propertiesOf(stack.aggregator)).toMatchObject({
      MemorySize: 2048,
      Timeout: 900,
      ReservedConcurrentExecutions: 1,
    });
  });
});

describe('Bundles', () => {
  const bundleOf = (fn: RoxtrailFunction): string => {
    const fnProps = template.toJSON().Resources[logicalId(stack, fn)].Properties;
    const assetHash = String(fnProps.Code.S3Key).replace(/\.zip$/, '');
    return join(outdir, `asset.${assetHash}`);
  };

  it('are built from the handler modules the local runtime serves: functions/<name>/handler.ts', () => {
    for (const [name, fn] of Object.entries(functions)) {
      expect(fn.handlerPath).toBe(`functions/${name}/handler.ts`);
      expect(fn.handlerPath).toBe(FUNCTION_ENTRIES[name as keyof typeof FUNCTION_ENTRIES]);
    }
  });

  it('serve the local HTTP routes from the same handler objects', async () => {
    const collector: { handler: unknown } = await import(join(REPO_ROOT, FUNCTION_ENTRIES.collector));
    const query: { handler: unknown } = await import(join(REPO_ROOT, FUNCTION_ENTRIES.query));
    const local = new Map(localRoutes().map((route) => [route.routeKey, route.handler]));
    for (const [keys, expected] of [
      [TRACKING_ROUTE_KEYS, collector.handler],
      [QUERY_ROUTE_KEYS, query.handler],
    ] as const) {
      for (const key of keys) expect(await local.get(key)?.(), key).toBe(expected);
    }
  });

  it('carry the dashboard next to the query bundle, and serve it from there', async () => {
    const dir = bundleOf(stack.query);
    for (const file of ['index.html', 'app.js', 'style.css', 'vendor/uPlot.esm.js', 'vendor/uPlot.min.css']) {
      expect(readFileSync(join(dir, 'dashboard', file)).length, file).toBeGreaterThan(0);
    }
    type Handler = (
      event: unknown,
      context: unknown,
    ) => Promise<{ statusCode: number; headers?: Record<string, string> }>;
    const bundle: { handler: Handler } = await import(join(dir, BUNDLE_FILE));
    const response = await bundle.handler(httpEvent({ method: 'GET', path: '/dashboard' }), {});
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toMatch(/^text\/html/);
    expect(bundleOf(stack.eraser)).toBe(dir);
  });

  it('carry the browser tracker next to the query bundle and serve it at GET /roxtrail.js', async () => {
    const dir = bundleOf(stack.query);
    const code = readFileSync(join(dir, 'tracker', 'roxtrail.js'), 'utf8');
    expect(code).toContain('export');
    type Handler = (
      event: unknown,
      context: unknown,
    ) => Promise<{ statusCode: number; headers?: Record<string, string>; body?: string }>;
    const bundle: { handler: Handler } = await import(join(dir, BUNDLE_FILE));
    const response = await bundle.handler(httpEvent({ method: 'GET', path: '/roxtrail.js' }), {});
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toMatch(/^text\/javascript/);
    expect(response.headers?.['access-control-allow-origin']).toBe('*');
    expect(response.body).toBe(code);
    const etag = response.headers?.etag ?? '';
    const again = await bundle.handler(
      httpEvent({ method: 'GET', path: '/roxtrail.js', headers: { 'if-none-match': etag } }),
      {},
    );
    expect(again.statusCode).toBe(304);
  });

  it('have no Lambda-only code path (nothing reads Lambda-only environment variables)', () => {
    const sources = ['functions', 'shared'].flatMap((dir) =>
      readdirSync(join(REPO_ROOT, dir), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts'))
        .map((file) => join(REPO_ROOT, dir, file)),
    );
    expect(sources.length).toBeGreaterThan(10);
    for (const file of sources) {
      expect(readFileSync(file, 'utf8'), file).not.toMatch(/AWS_LAMBDA_|LAMBDA_TASK_ROOT|AWS_EXECUTION_ENV/);
    }
  });

  it('are each one ESM file with the AWS SDK inside, byte for byte what esbuildOptionsFor builds', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'roxtrail-bundle-'));
    try {
      for (const [name, fn] of Object.entries(functions)) {
        const code = readFileSync(join(bundleOf(fn), BUNDLE_FILE), 'utf8');
        expect(code.startsWith("import { createRequire } from 'node:module';"), name).toBe(true);
        expect(code, name).not.toMatch(/from\s*["']@aws-sdk\//);
        expect(code, name).toContain(`//# sourceMappingURL=${BUNDLE_FILE}.map`);

        await build(esbuildOptionsFor(fn.handlerPath, join(scratch, name)));
        expect(
          readFileSync(join(scratch, name, BUNDLE_FILE), 'utf8') === code,
          `${name} bundle drifted`,
        ).toBe(true);
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});

describe('EventArchive', () => {
  const archiveProps = { VersioningConfiguration: { Status: 'Enabled' } };

  it('is private, S3-encrypted, versioned, access-logged and retained', () => {
    const logsId = logicalId(stack, stack.archive.accessLogsBucket);
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        ...archiveProps,
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: { DestinationBucketName: { Ref: logsId } },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('ages events into IA at 30 days and Glacier IR at 90, and expires events, rejects, partials and old versions', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      ...archiveProps,
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Prefix: 'events/',
            Status: 'Enabled',
            ExpirationInDays: 400,
            Transitions: [
              { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
              { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
            ],
          }),
          Match.objectLike({ Prefix: 'rejected/', Status: 'Enabled', ExpirationInDays: 400 }),
          // Partials are derived: kept while their day can be recomputed, old versions a day.
          Match.objectLike({
            Prefix: 'partials/',
            Status: 'Enabled',
            ExpirationInDays: 4,
            NoncurrentVersionExpiration: { NoncurrentDays: 1 },
          }),
          Match.objectLike({ Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
        ]),
      },
    });
  });

  it('keeps access logs in a private, encrypted bucket written through a bucket policy, not ACLs', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        VersioningConfiguration: Match.absent(),
        LoggingConfiguration: Match.absent(),
        AccessControl: Match.absent(),
        OwnershipControls: Match.absent(),
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: Match.objectLike({
          BlockPublicAcls: true,
          RestrictPublicBuckets: true,
        }),
      },
      DeletionPolicy: 'Retain',
    });
    const logDelivery = allStatements(template).filter(
      (s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: 'logging.s3.amazonaws.com' }),
    );
    // One statement per logged bucket (the archive, Athena's results), each under its own prefix.
    expect(logDelivery.map((s) => s.Action)).toEqual(['s3:PutObject', 's3:PutObject']);
    expect(logDelivery.map((s) => resourcesOf(s)[0]?.replace(/^.*"(\/[^"]+)"\]\]\}$/, '$1'))).toEqual([
      '/archive/*',
      '/athena-results/*',
    ]);
  });

  it('denies every request without TLS on every bucket (archive, access logs, Athena results)', () => {
    const bucketIds = Object.keys(template.findResources('AWS::S3::Bucket'));
    expect(bucketIds).toHaveLength(3);
    for (const bucketId of bucketIds) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });
});

describe('JourneyTable', () => {
  it('is pk/sk, on demand, Standard-IA, with point-in-time recovery, the expiresAt TTL and AWS-managed encryption, retained', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        Replicas: [
          Match.objectLike({
            TableClass: 'STANDARD_INFREQUENT_ACCESS',
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          }),
        ],
      },
      DeletionPolicy: 'Retain',
    });
  });
});

describe('Least privilege', () => {
  const s3Statements = (fn: RoxtrailFunction): Statement[] =>
    statementsOfRole(template, stack, fn.executionRole).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('s3:')),
    );
  const dynamoActions = (fn: RoxtrailFunction): string[] =>
    statementsOfRole(template, stack, fn.executionRole)
      .flatMap(actionsOf)
      .filter((a) => a.startsWith('dynamodb:'))
      .sort();
  const prefixes = (statement: Statement | undefined): string[] =>
    (statement ? resourcesOf(statement) : []).map((r) => /"\/([a-z]+)\/\*"\]\]\}$/.exec(r)?.[1] ?? r);
  const writes = (actions: string[]) => actions.filter((a) => /^s3:(Put|Delete|Abort|\*)/.test(a));
  const isRead = (a: string) => /^s3:(Get|List)/.test(a);
  const ARCHIVE_ARN = () => JSON.stringify(arnOf(logicalId(stack, stack.archive.bucket)));

  it('lets the collector put objects under rejected/ only (events go through Firehose), and read nothing', () => {
    const s3 = s3Statements(stack.collector);
    expect(s3).toHaveLength(1);
    expect(actionsOf(s3[0] as Statement)).toContain('s3:PutObject');
    expect(actionsOf(s3[0] as Statement).filter(isRead)).toEqual([]);
    expect(prefixes(s3[0])).toEqual(['rejected']);
  });

  it('gives the collector exactly the table operations on its write path', () => {
    expect(dynamoActions(stack.collector)).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
  });

  it('lets the query function read reports/, events/ and partials/ (the hour-by-hour chart) and the table, and write nothing', () => {
    const s3 = s3Statements(stack.query);
    expect(s3).toHaveLength(1);
    expect(writes(actionsOf(s3[0] as Statement))).toEqual([]);
    expect(prefixes(s3[0])).toEqual([ARCHIVE_ARN(), 'events', 'partials', 'reports']);
    const dynamo = dynamoActions(stack.query);
    expect(dynamo).toContain('dynamodb:Query');
    expect(dynamo.filter((a) => /Put|Update|Delete|Write/.test(a))).toEqual([]);
  });

  it('lets the aggregator read events/ and rejected/, keep partials/ and indexes/, write reports/, compact events/, run erasures, and read and write the table', () => {
    const s3 = s3Statements(stack.aggregator);
    const reads = s3.filter((s) => actionsOf(s).some(isRead));
    const writers = s3.filter((s) => writes(actionsOf(s)).length > 0);
    expect(reads).toHaveLength(1);
    expect(writes(actionsOf(reads[0] as Statement))).toEqual([]);
    expect(prefixes(reads[0])).toEqual([ARCHIVE_ARN(), 'events', 'indexes', 'partials', 'rejected']);
    for (const statement of writers) expect(actionsOf(statement).filter(isRead)).toEqual([]);
    const prefixesWith = (pattern: RegExp) =>
      [
        ...new Set(
          writers.filter((s) => actionsOf(s).some((a) => pattern.test(a))).flatMap((s) => prefixes(s)),
        ),
      ].sort();
    expect(prefixesWith(/^s3:PutObject/)).toEqual(['events', 'indexes', 'partials', 'rejected', 'reports']);
    // Compaction deletes events/; erasure jobs delete the user's rejected/ objects and the changed
    // days' partials/ and indexes/.
    expect(prefixesWith(/^s3:DeleteObject/)).toEqual(['events', 'indexes', 'partials', 'rejected']);
    expect(dynamoActions(stack.aggregator)).toEqual(
      expect.arrayContaining([
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
      ]),
    );
  });

  it('lets the alert evaluator read reports/, events/ and partials/ (hourly rules), read and write the table, and publish to the alert topic only', () => {
    const statements = statementsOfRole(template, stack, stack.alertEvaluator.executionRole);
    const s3 = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(s3.flatMap((s) => writes(actionsOf(s)))).toEqual([]);
    expect([...new Set(s3.flatMap((s) => prefixes(s)))].sort()).toEqual(
      [ARCHIVE_ARN(), 'events', 'partials', 'reports'].sort(),
    );
    expect(dynamoActions(stack.alertEvaluator)).toEqual(
      expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query']),
    );
    const publish = statements.filter((s) => actionsOf(s).includes('sns:Publish'));
    expect(publish.map(resourcesOf)).toEqual([
      [JSON.stringify({ Ref: logicalId(stack, stack.alertTopic.topic) })],
    ]);
  });

  it('lets the aggregator invoke the alert evaluator and the partial builder (fanned-out builds), nothing else; only Scheduler invokes the aggregator', () => {
    const invokes = (fn: RoxtrailFunction) => ({
      arn: JSON.stringify(arnOf(logicalId(stack, fn))),
      versions: JSON.stringify({ 'Fn::Join': ['', [arnOf(logicalId(stack, fn)), ':*']] }),
    });
    const aggregatorInvokes = statementsOfRole(template, stack, stack.aggregator.executionRole).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('lambda:')),
    );
    expect(aggregatorInvokes.flatMap(actionsOf)).toEqual(
      aggregatorInvokes.map(() => 'lambda:InvokeFunction'),
    );
    expect(aggregatorInvokes.flatMap(resourcesOf).sort()).toEqual(
      [
        ...Object.values(invokes(stack.alertEvaluator)),
        ...Object.values(invokes(stack.partialBuilder)),
      ].sort(),
    );
    // The other callers: the eraser (hands erasure jobs to the aggregator) and Scheduler.
    const everyInvoke = allStatements(template).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('lambda:')),
    );
    expect(everyInvoke.flatMap(resourcesOf).sort()).toEqual(
      [
        ...Object.values(invokes(stack.alertEvaluator)),
        ...Object.values(invokes(stack.aggregator)),
        ...Object.values(invokes(stack.aggregator)),
        ...Object.values(invokes(stack.partialBuilder)),
      ].sort(),
    );
  });

  it('lets only the aggregator compact and erase under events/ and rejected/, the collector put rejected/; the eraser writes no object', () => {
    const writersOf = (prefix: string, pattern: RegExp): string[] =>
      [...Object.entries(functions), ['eraser', stack.eraser] as const]
        .filter(([, fn]) =>
          s3Statements(fn).some(
            (s) => actionsOf(s).some((a) => pattern.test(a)) && prefixes(s).includes(prefix),
          ),
        )
        .map(([name]) => name)
        .sort();
    // Firehose's role writes events/ in the default archive mode (test/infra/firehose-archive.test.ts).
    expect(writersOf('events', /^s3:PutObject/)).toEqual(['aggregator']);
    expect(writersOf('events', /^s3:DeleteObject/)).toEqual(['aggregator']);
    expect(writersOf('rejected', /^s3:PutObject/)).toEqual(['aggregator', 'collector']);
    expect(writersOf('rejected', /^s3:DeleteObject/)).toEqual(['aggregator']);
    expect(writersOf('reports', /^s3:PutObject/)).toEqual(['aggregator']);
    expect(writersOf('partials', /^s3:PutObject/)).toEqual(['aggregator']);
    expect(writersOf('partials', /^s3:DeleteObject/)).toEqual(['aggregator']);
    expect(s3Statements(stack.eraser)).toEqual([]);
  });

  it('grants object reads on no prefix but reports/ (query, aggregator, alerts), events/, rejected/, partials/ and indexes/ (aggregator)', () => {
    const readResources = allStatements(template)
      .filter((s) => s.Effect === 'Allow' && actionsOf(s).some((a) => a.startsWith('s3:GetObject')))
      .flatMap((s) => prefixes(s));
    expect([...new Set(readResources)].sort()).toEqual(
      [ARCHIVE_ARN(), 'events', 'rejected', 'reports', 'partials', 'indexes'].sort(),
    );
  });

  it("attaches no AWS managed policies (logs are a grant on the function's own log group)", () => {
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('has no statement allowing every action, nor a wildcard action on every resource', () => {
    for (const statement of allStatements(template)) {
      const actions = list(statement.Action);
      expect(actions, JSON.stringify(statement)).not.toContain('*');
      if (statement.Effect === 'Allow' && resourcesOf(statement).includes('*')) {
        expect(
          actions.filter((a) => a.includes('*')),
          JSON.stringify(statement),
        ).toEqual([]);
      }
    }
  });
});

it('outputs what the CLI needs to find the stack: API, bucket, table, topic, functions, Athena', () => {
  const outputs = template.findOutputs('*');
  expect(Object.keys(outputs).sort()).toEqual(Object.values(STACK_OUTPUTS).sort());
  expect(Object.keys(outputs)).toEqual(
    expect.arrayContaining(['ApiUrl', 'BucketName', 'TableName', 'AlertTopicArn', 'AggregatorFunctionName']),
  );
  expect(outputs.AggregatorFunctionName?.Value).toEqual({ Ref: logicalId(stack, stack.aggregator) });
});

describe('props', () => {
  it('passes retention, throttling and reserved concurrency through', () => {
    const app = testApp({ bundle: false });
    const custom = new RoxtrailStack(app, 'Custom', {
      retentionDays: 60,
      throttleRateLimit: 50,
      throttleBurstLimit: 100,
      collectorReservedConcurrency: 20,
      aggregatorReservedConcurrency: false,
    });
    const customTemplate = Template.fromStack(custom);

    customTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    const reserved = (fn: RoxtrailFunction) =>
      customTemplate.toJSON().Resources[logicalId(custom, fn)].Properties.ReservedConcurrentExecutions;
    expect(reserved(custom.collector)).toBe(20);
    expect(reserved(custom.aggregator)).toBeUndefined();
    // Glacier IR at 90 days would come after the 60-day expiry, so only the IA transition remains.
    customTemplate.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Prefix: 'events/',
            ExpirationInDays: 60,
            Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
          }),
        ]),
      },
    });
  });
});
