import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
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
  // With e-mail subscriptions, so that their redrive policies are checked too.
  stack = new RoxtrailStack(app, 'Roxtrail', { alertEmails: ['ops@example.com'] });
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

interface Resource {
  Metadata?: { cdk_nag?: { rules_to_suppress?: { id: string; reason: string }[] } };
}

describe('suppressions', () => {
  it('each sit on a resource, name a rule of the two packs and give a reason of at least a sentence', () => {
    const resources = Object.entries(
      Template.fromStack(stack).toJSON().Resources as Record<string, Resource>,
    );
    const suppressions = resources.flatMap(([resource, { Metadata }]) =>
      (Metadata?.cdk_nag?.rules_to_suppress ?? []).map((rule) => ({ resource, ...rule })),
    );
    expect(suppressions.length).toBeGreaterThan(0);
    for (const suppression of suppressions) {
      expect(suppression.id, suppression.resource).toMatch(/^(AwsSolutions|Serverless)-[A-Za-z0-9]+$/);
      expect(suppression.reason.length, `${suppression.resource} ${suppression.id}`).toBeGreaterThanOrEqual(
        40,
      );
    }
  });
});
