import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { RoxtrailStack } from '../../infra/cdk/roxtrail-stack';
import { testApp } from '../helpers/cdk-app';

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
}
interface PolicyDocument {
  Statement: Statement[];
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
/** Resources as strings; tokens such as `{ "Fn::Join": [...] }` become their JSON, which keeps the literal suffixes. */
const resourcesOf = (statement: Statement): string[] =>
  list(statement.Resource).map((r) => (typeof r === 'string' ? r : JSON.stringify(r)));

/** Every policy statement in the template: IAM policies, inline role policies and bucket policies. */
function allStatements(template: Template): Statement[] {
  const documents: PolicyDocument[] = [
    ...Object.values(template.findResources('AWS::IAM::Policy')).map((r) => r.Properties.PolicyDocument),
    ...Object.values(template.findResources('AWS::IAM::Role')).flatMap((r) =>
      (r.Properties.Policies ?? []).map((p: { PolicyDocument: PolicyDocument }) => p.PolicyDocument),
    ),
    ...Object.values(template.findResources('AWS::S3::BucketPolicy')).map((r) => r.Properties.PolicyDocument),
  ];
  return documents.flatMap((d) => d.Statement);
}

function logicalIdOf(template: Template, type: string, props: Record<string, unknown> = {}): string {
  const ids = Object.keys(template.findResources(type, { Properties: props }));
  expect(ids, `exactly one ${type}`).toHaveLength(1);
  return ids[0] ?? '';
}

let stack: RoxtrailStack;
let template: Template;
let outdir: string;

beforeAll(() => {
  // The one synthesis of this file, with the collector really bundled by esbuild. Docker is made
  // unrunnable, so a fallback to Docker bundling would fail here instead of passing slowly.
  vi.stubEnv('CDK_DOCKER', '/nonexistent/docker');
  const app = testApp({ bundle: true });
  stack = new RoxtrailStack(app, 'Roxtrail');
  template = Template.fromStack(stack);
  outdir = app.outdir;
  vi.unstubAllEnvs();
});

describe('IngestApi', () => {
  it('routes exactly the tracking route keys to the collector with payload v2', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual([
      'OPTIONS /v1/{type}',
      'POST /v1/{type}',
    ]);

    const integrationId = logicalIdOf(template, 'AWS::ApiGatewayV2::Integration');
    for (const route of routes) {
      expect(route.Properties.Target).toEqual({
        'Fn::Join': ['', ['integrations/', { Ref: integrationId }]],
      });
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: {
        'Fn::GetAtt': [stack.getLogicalId(stack.collector.node.defaultChild as CfnElement), 'Arn'],
      },
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

describe('Collector function', () => {
  it('runs nodejs22.x on arm64 with active tracing, its own log group and no reserved concurrency', () => {
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 512,
      Timeout: 25,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^CollectorLogGroup') } },
      ReservedConcurrentExecutions: Match.absent(),
    });
    const logGroup = template.findResources('AWS::Logs::LogGroup');
    const collectorLogGroup = Object.entries(logGroup).find(([id]) => id.startsWith('CollectorLogGroup'));
    expect(collectorLogGroup?.[1].Properties.RetentionInDays).toBe(30);
  });

  it('gets the table, bucket and service name from its environment, and source maps', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          ROXTRAIL_TABLE: { Ref: logicalIdOf(template, 'AWS::DynamoDB::GlobalTable') },
          ROXTRAIL_BUCKET: { Ref: logicalIdOf(template, 'AWS::S3::Bucket', { VersioningConfiguration: {} }) },
          POWERTOOLS_SERVICE_NAME: 'roxtrail',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });

  it('is bundled into one ESM file that includes the AWS SDK and loads', async () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    const assetHash = String(fn?.Properties.Code.S3Key).replace(/\.zip$/, '');
    const bundleDir = join(outdir, `asset.${assetHash}`);
    const code = readFileSync(join(bundleDir, 'index.mjs'), 'utf8');

    expect(code.startsWith("import { createRequire } from 'node:module';")).toBe(true);
    expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
    expect(code).toContain('//# sourceMappingURL=index.mjs.map');
    const bundle: { handler?: unknown } = await import(join(bundleDir, 'index.mjs'));
    expect(typeof bundle.handler).toBe('function');
  });
});

describe('EventArchive', () => {
  const archiveProps = { VersioningConfiguration: { Status: 'Enabled' } };

  it('is private, S3-encrypted, versioned, access-logged and retained', () => {
    const logsId = logicalIdOf(template, 'AWS::S3::Bucket', { VersioningConfiguration: Match.absent() });
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

  it('ages events into IA at 30 days and Glacier IR at 90, and expires events, rejects and old versions', () => {
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
          Match.objectLike({ Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
        ]),
      },
    });
  });

  it('keeps its access logs in a private, encrypted bucket written through a bucket policy, not ACLs', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        VersioningConfiguration: Match.absent(),
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
    expect(logDelivery).toHaveLength(1);
    expect(logDelivery[0]?.Action).toBe('s3:PutObject');
  });

  it('denies every request without TLS on both buckets', () => {
    const bucketIds = Object.keys(template.findResources('AWS::S3::Bucket'));
    expect(bucketIds).toHaveLength(2);
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
  it('is pk/sk, on demand, with point-in-time recovery, the expiresAt TTL and AWS-managed encryption, retained', () => {
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
          Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
        ],
      },
      DeletionPolicy: 'Retain',
    });
  });
});

describe('Least privilege', () => {
  const collectorStatements = (): Statement[] => {
    const roleId = stack.getLogicalId(stack.collector.executionRole.node.defaultChild as CfnElement);
    return Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties.PolicyDocument as PolicyDocument).Statement);
  };

  it('lets the collector put objects under events/ and rejected/ only', () => {
    const s3 = collectorStatements().filter((s) => list(s.Action).some((a) => a.startsWith('s3:')));
    expect(s3).toHaveLength(1);
    expect(list(s3[0]?.Action ?? [])).toContain('s3:PutObject');
    const resources = s3[0] ? resourcesOf(s3[0]) : [];
    expect(resources).toHaveLength(2);
    expect(resources[0]).toMatch(/"\/events\/\*"\]\]\}$/);
    expect(resources[1]).toMatch(/"\/rejected\/\*"\]\]\}$/);
  });

  it('gives the collector exactly the table operations on its write path', () => {
    const dynamo = collectorStatements().filter((s) => list(s.Action).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(1);
    expect(list(dynamo[0]?.Action ?? []).sort()).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
  });

  it('grants nobody s3:GetObject (reports/ and events/ stay unreadable to the collector)', () => {
    const allowed = allStatements(template)
      .filter((s) => s.Effect === 'Allow')
      .flatMap((s) => list(s.Action));
    expect(allowed.filter((a) => /^s3:(Get|\*)/.test(a))).toEqual([]);
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

it('outputs the API URL, bucket name and table name', () => {
  const outputs = template.findOutputs('*');
  expect(Object.keys(outputs).sort()).toEqual(['ApiUrl', 'BucketName', 'TableName']);
});

describe('props', () => {
  it('passes retention, throttling and reserved concurrency through', () => {
    const app = testApp({ bundle: false });
    const custom = Template.fromStack(
      new RoxtrailStack(app, 'Custom', {
        retentionDays: 60,
        throttleRateLimit: 50,
        throttleBurstLimit: 100,
        collectorReservedConcurrency: 20,
      }),
    );

    custom.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    custom.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 20 });
    // Glacier IR at 90 days would come after the 60-day expiry, so only the IA transition remains.
    custom.hasResourceProperties('AWS::S3::Bucket', {
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
