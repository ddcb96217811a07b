/** Reading IAM statements and resources out of a synthesized CloudFormation template, for infra tests. */
import type { CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { expect } from 'vitest';

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
}
export interface PolicyDocument {
  Statement: Statement[];
}

export const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Resources as strings; tokens such as `{ "Fn::Join": [...] }` become their JSON, which keeps the literal suffixes. */
export const resourcesOf = (statement: Statement): string[] =>
  list(statement.Resource).map((r) => (typeof r === 'string' ? r : JSON.stringify(r)));

export const actionsOf = (statement: Statement): string[] => list(statement.Action);

/** Every policy statement in the template: IAM policies, inline role policies and bucket policies. */
export function allStatements(template: Template): Statement[] {
  const documents: PolicyDocument[] = [
    ...Object.values(template.findResources('AWS::IAM::Policy')).map((r) => r.Properties.PolicyDocument),
    ...Object.values(template.findResources('AWS::IAM::Role')).flatMap((r) =>
      (r.Properties.Policies ?? []).map((p: { PolicyDocument: PolicyDocument }) => p.PolicyDocument),
    ),
    ...Object.values(template.findResources('AWS::S3::BucketPolicy')).map((r) => r.Properties.PolicyDocument),
  ];
  return documents.flatMap((d) => d.Statement);
}

/** The logical id CloudFormation knows a construct's default resource by. */
export function logicalId(stack: Stack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** The statements of the IAM policies attached to `role`. */
export function statementsOfRole(template: Template, stack: Stack, role: IRole): Statement[] {
  const roleRef = JSON.stringify([{ Ref: logicalId(stack, role) }]);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === roleRef)
    .flatMap((p) => (p.Properties.PolicyDocument as PolicyDocument).Statement);
}

/** The one resource of `type` whose properties match; fails the test unless there is exactly one. */
export function logicalIdOf(template: Template, type: string, props: Record<string, unknown> = {}): string {
  const ids = Object.keys(template.findResources(type, { Properties: props }));
  expect(ids, `exactly one ${type}`).toHaveLength(1);
  return ids[0] ?? '';
}

/** `{ "Fn::GetAtt": [id, "Arn"] }`, as CloudFormation references a resource's ARN. */
export const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** The function (logical id) each HTTP API route's integration invokes, by route key. */
export function routeTargets(template: Template): Record<string, string> {
  const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
  const targets: Record<string, string> = {};
  for (const route of Object.values(template.findResources('AWS::ApiGatewayV2::Route'))) {
    const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref;
    targets[route.Properties.RouteKey] =
      integrations[integrationId]?.Properties.IntegrationUri['Fn::GetAtt'][0];
  }
  return targets;
}
