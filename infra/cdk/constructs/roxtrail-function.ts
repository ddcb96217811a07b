/** RoxtrailFunction: the one place that fixes runtime, architecture, bundling, logging and tracing for every Lambda. */
import { statSync } from 'node:fs';
import { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import { BUNDLE_OPTIONS, nodeOptionsFor, REPO_ROOT } from '../bundling';

export interface RoxtrailFunctionProps {
  /** The handler module relative to the repository root, e.g. `functions/collector/handler.ts`; it exports `handler`. */
  readonly handlerPath: string;
  /** What the function is for, shown in the Lambda console. @default - no description */
  readonly description?: string;
  /** @default 512 (MB) */
  readonly memorySize?: number;
  /**
   * X-Ray tracing. Lambda samples the first request each second and 5% of the rest, and X-Ray bills
   * per trace: fine for functions invoked now and then, a real line for one invoked per request.
   * @default Tracing.ACTIVE
   */
  readonly tracing?: Tracing;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /**
   * Lambda's own lines per invocation (START and REPORT at INFO). WARN drops them, which matters only
   * for a function invoked per request: ~300 bytes of CloudWatch Logs ingestion each; its duration,
   * errors and throttles stay in the function's metrics. Logs are JSON either way.
   * @default SystemLogLevel.INFO
   */
  readonly systemLogLevel?: SystemLogLevel;
  /** How long the function's logs are kept. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Concurrency reserved for (and capping) this function. @default - unreserved, shares the account pool */
  readonly reservedConcurrentExecutions?: number;
  /** Extra environment variables; NODE_OPTIONS is set by the construct. @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Files the handler reads at run time, copied next to `index.mjs` after bundling: `from` is a file or
   * a directory (its contents are copied) relative to the repository root, `to` a directory relative
   * to the bundle. @default - none
   */
  readonly bundleFiles?: readonly BundleFile[];
  /**
   * Files built into the bundle after it is bundled: `script` is a TypeScript file relative to the
   * repository root, run with tsx from the repository root and given the target directory (relative
   * to the bundle) as its one argument. @default - none
   */
  readonly bundleBuilds?: readonly BundleBuild[];
}

export interface BundleBuild {
  readonly script: string;
  readonly to: string;
}

export interface BundleFile {
  readonly from: string;
  readonly to: string;
}

/** Shell commands (NodejsFunction runs them with bash, locally) copying `files` into the bundle. */
function copyCommands(files: readonly BundleFile[], inputDir: string, outputDir: string): string[] {
  return files.flatMap(({ from, to }) => {
    const target = `${outputDir}/${to}`;
    const source = `${inputDir}/${from}`;
    const copy = statSync(`${REPO_ROOT}${from}`).isDirectory()
      ? `cp -R "${source}/." "${target}/"`
      : `cp "${source}" "${target}/"`;
    return [`mkdir -p "${target}"`, copy];
  });
}

/**
 * A Node.js Lambda bundled locally with esbuild (never in Docker) into one minified, tree-shaken ESM
 * file that includes the AWS SDK v3 clients, on arm64 with X-Ray tracing (unless told otherwise) and
 * its own log group.
 *
 * The execution role is created here rather than by Lambda's default, so that log delivery is a
 * grant on this function's log group instead of the AWSLambdaBasicExecutionRole managed policy
 * (which allows writing to every log group in the account).
 */
export class RoxtrailFunction extends NodejsFunction {
  /** The execution role, for grants and for nag suppressions that concern its policy. */
  readonly executionRole: Role;
  /** The bundled handler module, relative to the repository root. */
  readonly handlerPath: string;

  constructor(scope: Construct, id: string, props: RoxtrailFunctionProps) {
    const memorySize = props.memorySize ?? 512;
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    logGroup.grantWrite(role);
    NagSuppressions.addResourceSuppressions(
      role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (Tracing.ACTIVE).',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );

    super(scope, id, {
      entry: `${REPO_ROOT}${props.handlerPath}`,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: props.tracing ?? Tracing.ACTIVE,
      role,
      logGroup,
      // Powertools writes JSON already; the JSON format lets Lambda filter by level.
      loggingFormat: LoggingFormat.JSON,
      systemLogLevelV2: props.systemLogLevel ?? SystemLogLevel.INFO,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      environment: {
        ...props.environment,
        NODE_OPTIONS: nodeOptionsFor(memorySize),
      },
      // BUNDLE_OPTIONS in NodejsFunction's terms (platform node is implied); test/infra/bundles.test.ts
      // builds the same options directly with esbuild.
      bundling: {
        format: BUNDLE_OPTIONS.format === 'esm' ? OutputFormat.ESM : OutputFormat.CJS,
        target: BUNDLE_OPTIONS.target,
        mainFields: [...BUNDLE_OPTIONS.mainFields],
        banner: BUNDLE_OPTIONS.banner,
        minify: BUNDLE_OPTIONS.minify,
        sourceMap: BUNDLE_OPTIONS.sourcemap,
        sourcesContent: BUNDLE_OPTIONS.sourcesContent,
        externalModules: [...BUNDLE_OPTIONS.external],
        esbuildArgs: Object.fromEntries(
          Object.entries(BUNDLE_OPTIONS.alias).map(([from, to]) => [`--alias:${from}`, to]),
        ),
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir, outputDir) => [
            ...copyCommands(props.bundleFiles ?? [], inputDir, outputDir),
            ...(props.bundleBuilds ?? []).map(
              ({ script, to }) => `cd "${inputDir}" && node --import tsx "${script}" "${outputDir}/${to}"`,
            ),
          ],
        },
      },
    });
    this.executionRole = role;
    this.handlerPath = props.handlerPath;

    NagSuppressions.addResourceSuppressions(this, [
      {
        id: 'AwsSolutions-L1',
        reason: 'Pinned to nodejs22.x, the runtime the bundle (target node20) is built and tested for.',
      },
      {
        id: 'Serverless-LambdaLatestVersion',
        reason: 'Pinned to nodejs22.x, the runtime the bundle (target node20) is built and tested for.',
      },
    ]);
  }
}
