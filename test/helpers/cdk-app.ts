/** A CDK App for infra tests, with the feature flags of cdk.json so tests see what `cdk synth` produces. */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';

const cdkJson: { context?: Record<string, unknown> } = JSON.parse(
  readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'),
);

export interface TestAppOptions {
  /** Bundle Lambda code with esbuild (seconds per function); off for tests that only read the template. */
  readonly bundle: boolean;
  /** Extra context, as `-c key=value` would set it. */
  readonly context?: Record<string, unknown>;
}

export function testApp({ bundle, context }: TestAppOptions): App {
  return new App({
    context: { ...cdkJson.context, ...(bundle ? {} : { [BUNDLING_STACKS]: [] }), ...context },
  });
}
