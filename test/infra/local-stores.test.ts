/**
 * The local stores survive what clients and their own code do to them: a request a client abandons
 * before sending its body (the SDK's request timeout does that) is dropped without harm, and a worker
 * that dies anyway is reported and restarted on the same ports with its data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStores, startLocalStores } from '../../infra/local/stores';
import { createStorageClients, type StorageClients } from '../../shared/storage/clients';
import { abandonRequest } from '../helpers/faults';

const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** One attempt each: a store that went away fails the call instead of being retried into success. */
function singleAttemptClients(stores: LocalStores) {
  return {
    dynamo: new DynamoDBClient({
      region: 'us-east-1',
      endpoint: stores.settings.dynamodbEndpoint,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    }),
    s3: new S3Client({
      region: 'us-east-1',
      endpoint: stores.settings.s3Endpoint,
      forcePathStyle: true,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    }),
  };
}

async function expectBothStoresAnswer(stores: LocalStores, key: string): Promise<void> {
  const { dynamo, s3 } = singleAttemptClients(stores);
  try {
    expect((await dynamo.send(new ListTablesCommand({}))).TableNames).toEqual(['roxtrail']);
    await s3.send(new PutObjectCommand({ Bucket: stores.settings.bucketName, Key: key, Body: 'still here' }));
    const object = await s3.send(new GetObjectCommand({ Bucket: stores.settings.bucketName, Key: key }));
    expect(await object.Body?.transformToString()).toBe('still here');
  } finally {
    dynamo.destroy();
    s3.destroy();
  }
}

describe('requests a client abandons', () => {
  let stores: LocalStores;
  const logged: string[] = [];

  beforeAll(async () => {
    stores = await startLocalStores({ log: (line) => logged.push(line) });
  });
  afterAll(() => stores.close());

  it('keeps both stores answering after a DynamoDB request closed before its body (dynalite: "aborted")', async () => {
    await abandonRequest(
      stores.dynamoPort,
      'POST / HTTP/1.1\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.PutItem',
    );
    await abandonRequest(stores.dynamoPort, 'POST / HTTP/1.1\r\nContent-Type: application/x-amz-json-1.0');

    await expectBothStoresAnswer(stores, 'after-dynamo-abort.txt');
    // Dropped in the worker, not rescued by a restart (which refuses connections meanwhile).
    expect(logged).toEqual([]);
  });

  it('keeps both stores answering after S3 requests closed before their bodies', async () => {
    await abandonRequest(stores.s3Port, `PUT /${stores.settings.bucketName}/cut-short.txt HTTP/1.1`);
    await abandonRequest(stores.s3Port, `POST /${stores.settings.bucketName}?delete HTTP/1.1`);

    await expectBothStoresAnswer(stores, 'after-s3-abort.txt');
    expect(logged).toEqual([]);
  });

  it('keeps the previous object when a PUT over it is closed before its body (as S3 does)', async () => {
    const { s3 } = singleAttemptClients(stores);
    const Bucket = stores.settings.bucketName;
    try {
      await s3.send(new PutObjectCommand({ Bucket, Key: 'kept/whole.txt', Body: 'the whole object' }));
      await abandonRequest(stores.s3Port, `PUT /${Bucket}/kept/whole.txt HTTP/1.1`);
      const object = await s3.send(new GetObjectCommand({ Bucket, Key: 'kept/whole.txt' }));
      expect(await object.Body?.transformToString()).toBe('the whole object');
      const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'kept/' }));
      expect(listed.Contents?.map((entry) => entry.Key)).toEqual(['kept/whole.txt']);
    } finally {
      s3.destroy();
    }
    expect(logged).toEqual([]);
  });
});

describe('listings with a delimiter', () => {
  let stores: LocalStores;
  let clients: StorageClients;

  beforeAll(async () => {
    stores = await startLocalStores();
    clients = createStorageClients(stores.settings);
  });
  afterAll(() => stores.close());

  it('answer the common prefixes below deeper directories, as S3 does', async () => {
    const Bucket = stores.settings.bucketName;
    for (const key of [
      'events/site=a/dt=2026-01-01/hh=01/x.ndjson.gz',
      'events/site=a/dt=2026-01-01/hh=02/y.ndjson.gz',
      'events/site=a/dt=2026-01-02/hh=03/z.ndjson.gz',
      'events/site=a/top.txt',
      'events/site=b/dt=2026-01-05/hh=00/w.ndjson.gz',
    ])
      await clients.s3.send(new PutObjectCommand({ Bucket, Key: key, Body: 'x' }));
    const listed = await clients.s3.send(
      new ListObjectsCommand({ Bucket, Prefix: 'events/site=a/', Delimiter: '/' }),
    );
    expect(listed.CommonPrefixes?.map((entry) => entry.Prefix)).toEqual([
      'events/site=a/dt=2026-01-01/',
      'events/site=a/dt=2026-01-02/',
    ]);
    expect(listed.Contents?.map((entry) => entry.Key)).toEqual(['events/site=a/top.txt']);
  });
});

describe('writes and deletes racing in one directory', () => {
  let stores: LocalStores;
  let clients: StorageClients;
  const logged: string[] = [];

  beforeAll(async () => {
    stores = await startLocalStores({ log: (line) => logged.push(line) });
    clients = createStorageClients(stores.settings);
  });
  afterAll(() => stores.close());

  // s3rver removes a key's directory once a delete leaves it empty; a PUT into it at that moment used to
  // fail to open its file, uncaught, and take the worker and the in-memory table down with it.
  it('lose no write and keep the worker (and its in-memory table) alive', async () => {
    const Bucket = stores.settings.bucketName;
    await clients.dynamo.send(
      new PutCommand({ TableName: stores.settings.tableName, Item: { pk: 'race', sk: 'table', kept: true } }),
    );
    const rounds = 40;
    const body = (round: number, writer: number) => `round ${round} writer ${writer}`;
    for (let round = 0; round < rounds; round += 1) {
      const directory = `race/dt=${round % 3}/hh=${round % 5}`;
      await Promise.all([
        ...[0, 1, 2].map((writer) =>
          clients.s3.send(
            new PutObjectCommand({
              Bucket,
              Key: `${directory}/w${writer}-${round}.json`,
              Body: body(round, writer),
            }),
          ),
        ),
        ...[0, 1, 2].map((writer) =>
          clients.s3.send(
            new DeleteObjectCommand({ Bucket, Key: `${directory}/w${writer}-${round - 15}.json` }),
          ),
        ),
      ]);
    }
    for (let round = rounds - 15; round < rounds; round += 1) {
      for (const writer of [0, 1, 2]) {
        const key = `race/dt=${round % 3}/hh=${round % 5}/w${writer}-${round}.json`;
        const object = await clients.s3.send(new GetObjectCommand({ Bucket, Key: key }));
        expect(await object.Body?.transformToString(), key).toBe(body(round, writer));
      }
    }
    const row = await clients.dynamo.send(
      new GetCommand({ TableName: stores.settings.tableName, Key: { pk: 'race', sk: 'table' } }),
    );
    expect(row.Item?.kept).toBe(true);
    expect(logged).toEqual([]);
  }, 60_000);
});

describe('a stores worker that dies', () => {
  let dataDir: string;
  let stores: LocalStores;
  let clients: StorageClients;
  const logged: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'roxtrail-stores-'));
    stores = await startLocalStores({ dataDir, log: (line) => logged.push(line) });
    clients = createStorageClients(stores.settings);
  });
  afterAll(async () => {
    await stores.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is reported and restarted on the same ports, with the table and the objects written before', async () => {
    const { tableName, bucketName } = stores.settings;
    await clients.dynamo.send(new PutCommand({ TableName: tableName, Item: { pk: 'P', sk: 'S', n: 7 } }));
    await clients.s3.send(new PutObjectCommand({ Bucket: bucketName, Key: 'kept.txt', Body: 'kept' }));

    await stores.crashForTest();

    expect(logged).toEqual([
      expect.stringMatching(
        new RegExp(
          `^stores: ERROR .*worker died \\(Error: stores worker crashed on request.*\\); restarting them on ports ${stores.dynamoPort} and ${stores.s3Port} with the same data$`,
        ),
      ),
      `stores: the DynamoDB and S3 servers run again on ports ${stores.dynamoPort} and ${stores.s3Port}`,
    ]);
    // The same clients, the same endpoints: the data written before the death is there.
    const item = await clients.dynamo.send(
      new GetCommand({ TableName: tableName, Key: { pk: 'P', sk: 'S' } }),
    );
    expect(item.Item).toEqual({ pk: 'P', sk: 'S', n: 7 });
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucketName, Key: 'kept.txt' }));
    expect(await object.Body?.transformToString()).toBe('kept');
    await expectBothStoresAnswer(stores, 'after-restart.txt');
  });

  it('is restarted again after a second death, and still takes the fault-injection commands', async () => {
    logged.length = 0;
    await stores.crashForTest();
    expect(logged).toHaveLength(2);
    await stores.stopS3();
    await stores.restartS3();
    await expectBothStoresAnswer(stores, 'after-second-restart.txt');
  });

  it('comes back with the table (empty) when the table lived in memory', async () => {
    const inMemoryLog: string[] = [];
    const inMemory = await startLocalStores({ log: (line) => inMemoryLog.push(line) });
    try {
      await inMemory.crashForTest();
      expect(inMemoryLog[0]).toContain('the in-memory table starts empty');
      const memoryClients = createStorageClients(inMemory.settings);
      const { tableName } = inMemory.settings;
      await memoryClients.dynamo.send(new PutCommand({ TableName: tableName, Item: { pk: 'A', sk: 'B' } }));
      const item = await memoryClients.dynamo.send(
        new GetCommand({ TableName: tableName, Key: { pk: 'A', sk: 'B' } }),
      );
      expect(item.Item).toEqual({ pk: 'A', sk: 'B' });
    } finally {
      await inMemory.close();
    }
  });
});
