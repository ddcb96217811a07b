/**
 * The collector also answers at a public Lambda function URL (output TrackingUrl), by default: watched
 * by its own 5xx alarm, capped by `collectorReservedConcurrency`, nag-clean. With
 * `-c trackingFunctionUrl=false` there is no function URL and TrackingUrl is the API.
 */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { appConfigFromContext } from '../../infra/cdk/context';
import { addNagChecks } from '../../infra/cdk/nag';
import { FUNCTION_URL_UNAVAILABLE_REGIONS } from '../../infra/cdk/region-support';
import { RoxtrailStack } from '../../infra/cdk/roxtrail-stack';
import { DEPLOYED } from '../../shared/config/deploy-defaults';
import { FUNCTION_URL_ALARMS } from '../../shared/cost/model';
import { testApp } from '../helpers/cdk-app';
import { logicalId } from '../helpers/template';

function synth(context: Record<string, unknown>): { stack: RoxtrailStack; template: Template } {
  const app = testApp({ bundle: false, context });
  const config = appConfigFromContext(app);
  const stack = new RoxtrailStack(app, 'Roxtrail', config.stackProps);
  addNagChecks(app);
  return { stack, template: Template.fromStack(stack) };
}

let withUrl: { stack: RoxtrailStack; template: Template };
let withoutUrl: { stack: RoxtrailStack; template: Template };

beforeAll(() => {
  withUrl = synth({ collectorReservedConcurrency: '50' });
  withoutUrl = synth({ trackingFunctionUrl: 'false' });
});

describe('the collector behind a function URL (the default)', () => {
  it('is public (the write key is checked inside) and answers CORS preflights itself', () => {
    const { stack, template } = withUrl;
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      InvokeMode: 'BUFFERED',
      TargetFunctionArn: { 'Fn::GetAtt': [logicalId(stack, stack.collector), 'Arn'] },
      // A static CORS list would answer preflights before the collector's per-site origins could.
      Cors: Match.absent(),
    });
  });

  it('lets anyone invoke the collector through the URL, and only through it', () => {
    const { stack, template } = withUrl;
    const collector = { 'Fn::GetAtt': [logicalId(stack, stack.collector), 'Arn'] };
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunctionUrl',
      FunctionName: collector,
      Principal: '*',
      FunctionUrlAuthType: 'NONE',
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: collector,
      Principal: '*',
      InvokedViaFunctionUrl: true,
    });
  });

  it('outputs the URL as TrackingUrl and keeps the tracking routes on the API', () => {
    const { template } = withUrl;
    const [url] = Object.keys(template.findResources('AWS::Lambda::Url'));
    // Where the region offers function URLs (the template is environment-agnostic), else the API.
    const outputs = template.findOutputs('*');
    expect(outputs.TrackingUrl?.Value).toEqual({
      'Fn::If': ['FunctionUrlsOffered', { 'Fn::GetAtt': [url, 'FunctionUrl'] }, outputs.ApiUrl?.Value],
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /v1/{type}' });
  });

  it('raises an alarm on the URL’s 5xx answers, which the API stage never sees', () => {
    const { stack, template } = withUrl;
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Url5xxCount',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack, stack.collector) } }],
      Statistic: 'Sum',
      Period: 300,
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', DEPLOYED.alarms + FUNCTION_URL_ALARMS);
  });

  it('caps the collector with the reserved concurrency the context asks for', () => {
    const { stack, template } = withUrl;
    const collector = template.toJSON().Resources[logicalId(stack, stack.collector)];
    expect(collector.Properties.ReservedConcurrentExecutions).toBe(50);
  });

  it('passes cdk-nag', () => {
    const annotations = Annotations.fromStack(withUrl.stack);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('(AwsSolutions|Serverless)-.*')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('(AwsSolutions|Serverless)-.*')),
    ].map((m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`);
    expect(findings).toEqual([]);
  });
});

describe('with trackingFunctionUrl=false', () => {
  it('has no function URL, the API as TrackingUrl and no alarm for it', () => {
    const { stack, template } = withoutUrl;
    template.resourceCountIs('AWS::Lambda::Url', 0);
    const outputs = template.findOutputs('*');
    expect(outputs.TrackingUrl?.Value).toEqual(outputs.ApiUrl?.Value);
    template.resourceCountIs('AWS::CloudWatch::Alarm', DEPLOYED.alarms);
    expect(stack.trackingFunctionUrl).toBeUndefined();
  });

  it('rejects a trackingFunctionUrl that is not true or false', () => {
    expect(() => synth({ trackingFunctionUrl: 'yes' })).toThrow(
      "Context 'trackingFunctionUrl' must be true or false, got 'yes'.",
    );
  });
});

describe('the default reserved concurrency', () => {
  it('caps the collector at DEPLOYED.collectorReservedConcurrency unless told otherwise, or not at all with false', () => {
    const byDefault = synth({});
    const collector = (result: { stack: RoxtrailStack; template: Template }) =>
      result.template.toJSON().Resources[logicalId(result.stack, result.stack.collector)].Properties;
    expect(collector(byDefault).ReservedConcurrentExecutions).toBe(DEPLOYED.collectorReservedConcurrency);
    expect(DEPLOYED.collectorReservedConcurrency).toBe(100);
    expect(
      collector(synth({ collectorReservedConcurrency: 'false' })).ReservedConcurrentExecutions,
    ).toBeUndefined();
  });
});

describe('what checkov would flag by design', () => {
  type Resource = { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> };
  const checkovSkips = (resource: Resource) =>
    (
      (resource.Metadata?.checkov as { skip?: { id: string; comment: string }[] } | undefined)?.skip ?? []
    ).filter((skip) => skip.comment.length > 20);
  const resourcesOf = (template: Template, type: string) =>
    Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(
      ([, resource]) => resource.Type === type,
    );

  it.each([
    ['the default', {}],
    ['no reservation for the collector', { collectorReservedConcurrency: 'false' }],
  ])('every function either reserves concurrency or says why not (CKV_AWS_115), %s', (_name, context) => {
    const { template } = synth(context);
    const functions = resourcesOf(template, 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(6);
    const unexplained = functions
      .filter(([, fn]) => fn.Properties?.ReservedConcurrentExecutions === undefined)
      .filter(([, fn]) => !checkovSkips(fn).some((skip) => skip.id === 'CKV_AWS_115'))
      .map(([id]) => id);
    expect(unexplained).toEqual([]);
  });

  it('the public function URL says why it has no AWS auth (CKV_AWS_258)', () => {
    const urls = resourcesOf(withUrl.template, 'AWS::Lambda::Url');
    expect(urls).toHaveLength(1);
    expect(urls.map(([, url]) => checkovSkips(url).map((skip) => skip.id))).toEqual([['CKV_AWS_258']]);
  });
});

describe('regions without function URLs', () => {
  it('keeps the URL and its permissions, in the environment-agnostic template, to regions that offer it', () => {
    const { template } = withUrl;
    const conditioned = (type: string) =>
      Object.values(template.findResources(type)).filter((r) => r.Condition === 'FunctionUrlsOffered').length;
    expect(conditioned('AWS::Lambda::Url')).toBe(1);
    expect(conditioned('AWS::Lambda::Permission')).toBe(2);
    const condition = JSON.stringify(template.toJSON().Conditions.FunctionUrlsOffered);
    for (const region of FUNCTION_URL_UNAVAILABLE_REGIONS) expect(condition).toContain(`"${region}"`);
    expect(condition).not.toContain('"eu-south-1"');
    const tracking = template.findOutputs('TrackingUrl').TrackingUrl?.Value;
    expect(tracking['Fn::If'][0]).toBe('FunctionUrlsOffered');
  });

  it('synthesized for me-central-1: tracking from the HTTP API, and the synth says so', () => {
    const { stack, template } = synth({ region: 'me-central-1' });
    template.resourceCountIs('AWS::Lambda::Url', 0);
    const outputs = template.findOutputs('*');
    expect(outputs.TrackingUrl?.Value).toEqual(outputs.ApiUrl?.Value);
    const warnings = Annotations.fromStack(stack)
      .findWarning('*', Match.stringLikeRegexp('function URLs are not offered in me-central-1'))
      .map((m) => String(m.entry.data));
    expect(warnings).toHaveLength(1);
  });

  it('fails with the flag to use when the URL is asked for where there is none', () => {
    expect(() => synth({ region: 'me-central-1', trackingFunctionUrl: 'true' })).toThrow(
      /not offered in me-central-1: deploy with -c trackingFunctionUrl=false/,
    );
  });

  it('keeps the URL, unconditioned, in a region that offers it', () => {
    const { template } = synth({ region: 'eu-south-1' });
    template.resourceCountIs('AWS::Lambda::Url', 1);
    expect(template.toJSON().Conditions).toBeUndefined();
  });

  it('rejects a region that is not one', () => {
    expect(() => synth({ region: 'mars-1' })).toThrow("Context 'region' must be an AWS region");
  });
});
