/** The cdk-nag rule packs Roxtrail is held to; applied by the CDK app and by the nag test alike. */
import { Aspects, CfnResource } from 'aws-cdk-lib';
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

/** A checkov check a resource is exempt from, and why (checkov reads `Metadata.checkov.skip`). */
export interface CheckovSkip {
  readonly id: string;
  readonly comment: string;
}

/**
 * Records on the resource behind `construct` the checkov checks it fails by design, with the reason,
 * as cdk-nag's suppressions do for its own rules: a template scan reports them as skipped, not failed.
 */
export function skipCheckov(construct: IConstruct, skips: readonly CheckovSkip[]): void {
  const resource = construct.node.defaultChild;
  if (!(resource instanceof CfnResource)) throw new Error(`${construct.node.path} has no resource to mark`);
  const existing = (resource.getMetadata('checkov') as { skip?: CheckovSkip[] } | undefined)?.skip ?? [];
  resource.addMetadata('checkov', { skip: [...existing, ...skips] });
}
