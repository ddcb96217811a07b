import { describe, expect, it } from 'vitest';
import { deployedStackFromOutputs, STACK_OUTPUTS } from '../../infra/stack-outputs';

const outputs: Record<string, string> = {
  ApiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/',
  TrackingUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/',
  BucketName: 'roxtrail-archivebucket-1',
  TableName: 'Roxtrail-JourneysTable-1',
  AlertTopicArn: 'arn:aws:sns:eu-west-1:123456789012:Roxtrail-AlertsTopic-1',
  UndeliveredAlertsQueueArn: 'arn:aws:sqs:eu-west-1:123456789012:Roxtrail-AlertsUndelivered-1',
  CollectorFunctionName: 'Roxtrail-Collector-1',
  QueryFunctionName: 'Roxtrail-Query-1',
  AggregatorFunctionName: 'Roxtrail-Aggregator-1',
  AlertsFunctionName: 'Roxtrail-AlertEvaluator-1',
  AthenaWorkGroupName: 'Roxtrail',
  GlueDatabaseName: 'roxtrail',
};

describe('deployedStackFromOutputs', () => {
  it("points the CLI's storage at the stack's table and bucket, with AWS endpoints", () => {
    const stack = deployedStackFromOutputs('Roxtrail', outputs, 'eu-west-1');
    expect(stack.storage).toEqual({
      tableName: 'Roxtrail-JourneysTable-1',
      bucketName: 'roxtrail-archivebucket-1',
      region: 'eu-west-1',
    });
    expect(stack.aggregatorFunctionName).toBe('Roxtrail-Aggregator-1');
    expect(stack.apiUrl).toBe(outputs.ApiUrl);
  });

  it('names every missing output in one line', () => {
    const { TableName: _table, AlertsFunctionName: _alerts, ...partial } = outputs;
    expect(() => deployedStackFromOutputs('Other', partial, 'eu-west-1')).toThrow(
      /^stack "Other" has no output TableName, AlertsFunctionName: is it a Roxtrail stack\?$/,
    );
  });

  it('works with a stack deployed before TrackingUrl and UndeliveredAlertsQueueArn existed', () => {
    const { TrackingUrl: _tracking, UndeliveredAlertsQueueArn: _queue, ...older } = outputs;
    const stack = deployedStackFromOutputs('Roxtrail', older, 'eu-west-1');
    // Tracking went through the API then; site e-mails get no redrive until the stack is updated.
    expect(stack.trackingUrl).toBe(outputs.ApiUrl);
    expect(stack.alertDeadLetterQueueArn).toBeUndefined();
    expect(stack.tableName).toBe(outputs.TableName);
  });

  it('covers every output the stack creates', () => {
    expect(Object.values(STACK_OUTPUTS).sort()).toEqual(Object.keys(outputs).sort());
  });
});
