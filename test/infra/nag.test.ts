import { Annotations, Match } from 'aws-cdk-lib/assertions';
import type { SynthesisMessage } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { addNagChecks } from '../../infra/cdk/nag';
import { RoxtrailStack } from '../../infra/cdk/roxtrail-stack';
import { testApp } from '../helpers/cdk-app';

const findings = (messages: SynthesisMessage[]): string[] =>
  messages.map((m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`);

let stack: RoxtrailStack;
let annotations: Annotations;

beforeAll(() => {
  // The rules read the template, not the bundle, so this synthesis skips esbuild.
  const app = testApp({ bundle: false });
  stack = new RoxtrailStack(app, 'Roxtrail');
  addNagChecks(app);
  annotations = Annotations.fromStack(stack);
});

describe('cdk-nag', () => {
  it.each(['AwsSolutions', 'Serverless'])('finds no unsuppressed %s errors', (pack) => {
    const errors = annotations.findError('*', Match.stringLikeRegexp(`${pack}-.*`));
    expect(findings(errors)).toEqual([]);
  });

  it.each(['AwsSolutions', 'Serverless'])('finds no unsuppressed %s warnings', (pack) => {
    const warnings = annotations.findWarning('*', Match.stringLikeRegexp(`${pack}-.*`));
    expect(findings(warnings)).toEqual([]);
  });

  it('suppresses per resource only, never stack-wide', () => {
    expect(stack.templateOptions.metadata?.cdk_nag).toBeUndefined();
  });
});
