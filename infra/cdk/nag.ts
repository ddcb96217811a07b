/** The cdk-nag rule packs Roxtrail is held to; applied by the CDK app and by the nag test alike. */
import { Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

export interface NagOptions {
  /** Print each finding's explanation, not just its rule id. @default false */
  readonly verbose?: boolean;
  /** Write the CSV/JSON compliance reports next to the template. @default true */
  readonly reports?: boolean;
}

/** Adds the AWS Solutions and Serverless checks to everything under `scope`; findings are error/warning annotations. */
export function addNagChecks(scope: IConstruct, options: NagOptions = {}): void {
  Aspects.of(scope).add(new AwsSolutionsChecks(options));
  Aspects.of(scope).add(new ServerlessChecks(options));
}
