import { describe, expect, it } from 'vitest';
import { runtimeConfigFromEnv } from '../../../shared/config/runtime';
import { createStorageClients } from '../../../shared/storage/clients';

describe('the runtime configuration', () => {
  it('defaults every setting of an empty environment, and treats empty values as unset', () => {
    expect(
      runtimeConfigFromEnv({
        ROXTRAIL_S3_ENDPOINT: '',
        ROXTRAIL_ERASURE_FUNCTION: '',
        ROXTRAIL_ALERTS_FILE: '',
        ROXTRAIL_WEBHOOK_ATTEMPTS: '',
      }),
    ).toStrictEqual({
      storage: {
        tableName: 'roxtrail',
        bucketName: 'roxtrail-archive',
        region: 'us-east-1',
        dynamodbEndpoint: undefined,
        s3Endpoint: undefined,
        firehoseStream: undefined,
        firehoseEndpoint: undefined,
        erasureSettleMs: undefined,
      },
      alerts: {
        file: undefined,
        topicArn: undefined,
        function: undefined,
        webhook: { timeoutMs: 5_000, attempts: 3, backoffMs: 500 },
      },
      erasureFunction: undefined,
      partialBuilderFunction: undefined,
      dashboardDir: undefined,
    });
  });

  it('reads what the CDK stack sets on a function', () => {
    const config = runtimeConfigFromEnv({
      ROXTRAIL_TABLE: 'Journeys',
      ROXTRAIL_BUCKET: 'archive',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'us-west-2',
      ROXTRAIL_FIREHOSE_STREAM: 'stream',
      ROXTRAIL_ERASURE_SETTLE_SECONDS: '390',
      ROXTRAIL_ERASURE_FUNCTION: 'aggregator',
    });
    expect(config.storage).toMatchObject({
      tableName: 'Journeys',
      bucketName: 'archive',
      region: 'eu-west-1',
      firehoseStream: 'stream',
      erasureSettleMs: 390_000,
    });
    expect(config.erasureFunction).toBe('aggregator');
  });

  it('reads where alerts go, the partial builder and the dashboard directory', () => {
    const config = runtimeConfigFromEnv({
      ROXTRAIL_ALERTS_FILE: '/data/alerts.ndjson',
      ROXTRAIL_ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:alerts',
      ROXTRAIL_ALERTS_FUNCTION: 'roxtrail-alerts',
      ROXTRAIL_WEBHOOK_TIMEOUT_MS: '250',
      ROXTRAIL_WEBHOOK_ATTEMPTS: '2.7',
      ROXTRAIL_WEBHOOK_BACKOFF_MS: '40',
      ROXTRAIL_PARTIAL_BUILDER_FUNCTION: 'roxtrail-partials',
      ROXTRAIL_DASHBOARD_DIR: '/opt/dashboard',
    });
    expect(config.alerts).toEqual({
      file: '/data/alerts.ndjson',
      topicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
      function: 'roxtrail-alerts',
      webhook: { timeoutMs: 250, attempts: 2, backoffMs: 40 },
    });
    expect(config.partialBuilderFunction).toBe('roxtrail-partials');
    expect(config.dashboardDir).toBe('/opt/dashboard');
  });

  it('falls back to the default for a webhook tuning that is not a positive number', () => {
    // Lenient, as delivery always was: a mistyped tuning must not keep the alert function from starting.
    const { webhook } = runtimeConfigFromEnv({
      ROXTRAIL_WEBHOOK_TIMEOUT_MS: 'soon',
      ROXTRAIL_WEBHOOK_ATTEMPTS: '0',
      ROXTRAIL_WEBHOOK_BACKOFF_MS: '-5',
    }).alerts;
    expect(webhook).toEqual({ timeoutMs: 5_000, attempts: 3, backoffMs: 500 });
  });

  it('refuses a malformed value, naming the variable', () => {
    expect(() => runtimeConfigFromEnv({ ROXTRAIL_ERASURE_SETTLE_SECONDS: 'soon' })).toThrow(
      /ROXTRAIL_ERASURE_SETTLE_SECONDS/,
    );
  });

  it('refuses a variable that is not text, naming it', () => {
    const env = { ROXTRAIL_ALERTS_FUNCTION: 42 } as unknown as Record<string, string>;
    expect(() => runtimeConfigFromEnv(env)).toThrow(/ROXTRAIL_ALERTS_FUNCTION/);
  });
});

describe('createStorageClients', () => {
  it('makes the SNS, Lambda and Firehose clients on first use, once', () => {
    const clients = createStorageClients(runtimeConfigFromEnv({ AWS_REGION: 'eu-west-1' }).storage);
    expect(clients.sns).toBe(clients.sns);
    expect(clients.lambda).toBe(clients.lambda);
    expect(clients.firehose).toBe(clients.firehose);
  });

  it('carries the alert routing it is given, and sends alerts to webhooks only without one', () => {
    const config = runtimeConfigFromEnv({ ROXTRAIL_ALERTS_FUNCTION: 'roxtrail-alerts' });
    expect(createStorageClients(config.storage, config.alerts).alerts.function).toBe('roxtrail-alerts');
    expect(createStorageClients(config.storage).alerts).toEqual(runtimeConfigFromEnv({}).alerts);
  });
});
