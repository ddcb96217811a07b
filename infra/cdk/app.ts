/**
 * The CDK app (cdk.json runs it with tsx). Context values, set in cdk.json or with `-c key=value`:
 *
 * - `stackName`           CloudFormation stack name; default `Roxtrail`.
 * - `retentionDays`       days archived events are kept in S3; default 400.
 * - `throttleRateLimit`   API stage rate limit, requests per second; default 1000.
 * - `throttleBurstLimit`  API stage burst limit, requests; default 2000.
 * - `alertEmails`         comma-separated addresses for the alert topic (used once alerts land); default none.
 * - `nag`                 run the cdk-nag AWS Solutions and Serverless checks; default true (`-c nag=false` to skip).
 */
import { App } from 'aws-cdk-lib';
import { addNagChecks } from './nag';
import { RoxtrailStack } from './roxtrail-stack';

const app = new App();

const stackName = stringContext('stackName') ?? 'Roxtrail';
new RoxtrailStack(app, stackName, {
  stackName,
  // No `env`: the template is environment-agnostic and deploys to whichever account and region
  // the CLI is pointed at, rather than pinning the region the synthesizing machine happened to have.
  retentionDays: positiveIntegerContext('retentionDays'),
  throttleRateLimit: positiveIntegerContext('throttleRateLimit'),
  throttleBurstLimit: positiveIntegerContext('throttleBurstLimit'),
  alertEmails: listContext('alertEmails'),
});

if (booleanContext('nag') ?? true) addNagChecks(app, { verbose: true });

/** Context arrives as a string from `-c` and as JSON from cdk.json. */
function stringContext(key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new Error(`Context '${key}' must be a single value, got ${JSON.stringify(value)}.`);
  }
  return String(value);
}

function positiveIntegerContext(key: string): number | undefined {
  const raw = stringContext(key);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`Context '${key}' must be a positive integer, got '${raw}'.`);
  }
  return value;
}

function booleanContext(key: string): boolean | undefined {
  const raw = stringContext(key);
  if (raw === undefined) return undefined;
  if (raw !== 'true' && raw !== 'false')
    throw new Error(`Context '${key}' must be true or false, got '${raw}'.`);
  return raw === 'true';
}

function listContext(key: string): string[] {
  const raw = stringContext(key);
  return (raw ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
