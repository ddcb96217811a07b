import { describe, expect, it } from 'vitest';
import { runtimeConfigFromEnv } from '../../../shared/config/runtime';
import { createStorageClients } from '../../../shared/storage/clients';

describe('the runtime configuration', () => {
  it('defaults every storage setting of an empty environment, and treats empty values as unset', () => {
    expect(runtimeConfigFromEnv({ ROXTRAIL_S3_ENDPOINT: '', ROXTRAIL_ERASURE_FUNCTION: '' })).toEqual({
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
      erasureFunction: undefined,
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

  it('refuses a malformed value, naming the variable', () => {
    expect(() => runtimeConfigFromEnv({ ROXTRAIL_ERASURE_SETTLE_SECONDS: 'soon' })).toThrow(
      /ROXTRAIL_ERASURE_SETTLE_SECONDS/,
    );
  });
});

describe('createStorageClients', () => {
  it('makes the SNS, Lambda and Firehose clients on first use, once', () => {
    const clients = createStorageClients(runtimeConfigFromEnv({ AWS_REGION: 'eu-west-1' }).storage);
    expect(clients.sns).toBe(clients.sns);
    expect(clients.lambda).toBe(clients.lambda);
    expect(clients.firehose).toBe(clients.firehose);
  });
});
