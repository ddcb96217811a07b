/** Embedded DynamoDB- and S3-protocol servers (dynalite, s3rver) with data on disk, for the local stack and tests. */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import {
  createStorageClients,
  type StorageClients,
  type StorageSettings,
} from '../../shared/storage/clients';

export interface LocalStores {
  settings: StorageSettings;
  dynamoPort: number;
  s3Port: number;
  /** Stops only the S3 server (fault-injection tests); `restartS3` brings it back on the same port and data. */
  stopS3(): Promise<void>;
  restartS3(): Promise<void>;
  /**
   * Stops only the DynamoDB server, cutting in-flight requests; `restartDynamo` brings it back on the same
   * port. The table's data survives only with a `dataDir` (an in-memory table starts empty again).
   */
  stopDynamo(): Promise<void>;
  restartDynamo(): Promise<void>;
  close(): Promise<void>;
}

export interface LocalStoresOptions {
  /** Directory for the LevelDB and the S3 files; omit for an in-memory table (tests). */
  dataDir?: string;
  host?: string;
  dynamoPort?: number;
  s3Port?: number;
  tableName?: string;
  bucketName?: string;
}

export const LOCAL_TABLE = 'roxtrail';
export const LOCAL_BUCKET = 'roxtrail-archive';

type StoreCommand = 'stopS3' | 'restartS3' | 'stopDynamo' | 'restartDynamo' | 'close';

/** The stores run on a worker thread (stores-worker.mjs): their own core, the same process. */
export async function startLocalStores(options: LocalStoresOptions = {}): Promise<LocalStores> {
  const host = options.host ?? '127.0.0.1';
  const s3Dir = options.dataDir ? join(options.dataDir, 's3') : undefined;
  const dynamoDir = options.dataDir ? join(options.dataDir, 'dynamodb') : undefined;
  if (dynamoDir) mkdirSync(dynamoDir, { recursive: true });
  if (s3Dir) mkdirSync(s3Dir, { recursive: true });
  const s3Directory = s3Dir ?? mkdtempSync(join(tmpdir(), 'roxtrail-s3-'));

  const worker = new Worker(new URL('./stores-worker.mjs', import.meta.url), {
    workerData: {
      host,
      dynamoDir,
      s3Directory,
      resetOnClose: !s3Dir,
      dynamoPort: options.dynamoPort,
      s3Port: options.s3Port,
    },
  });
  const ports = await new Promise<{ dynamoPort: number; s3Port: number }>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (message: { dynamoPort: number; s3Port: number }) => resolve(message));
  });
  let nextId = 0;
  const send = (command: StoreCommand) =>
    new Promise<void>((resolve, reject) => {
      const id = nextId++;
      const onMessage = (message: { id?: number; ok?: boolean; message?: string }) => {
        if (message.id !== id) return;
        worker.off('message', onMessage);
        if (message.ok) resolve();
        else reject(new Error(message.message ?? `store command ${command} failed`));
      };
      worker.on('message', onMessage);
      worker.postMessage({ id, command });
    });

  const settings: StorageSettings = {
    tableName: options.tableName ?? LOCAL_TABLE,
    bucketName: options.bucketName ?? LOCAL_BUCKET,
    region: 'us-east-1',
    dynamodbEndpoint: `http://${host}:${ports.dynamoPort}`,
    s3Endpoint: `http://${host}:${ports.s3Port}`,
  };
  await ensureTableAndBucket(createStorageClients(settings));

  let closed = false;
  return {
    settings,
    dynamoPort: ports.dynamoPort,
    s3Port: ports.s3Port,
    stopS3: () => send('stopS3'),
    restartS3: () => send('restartS3'),
    stopDynamo: () => send('stopDynamo'),
    restartDynamo: () => send('restartDynamo'),
    async close() {
      if (closed) return;
      closed = true;
      await send('close');
      await worker.terminate();
    },
  };
}

/** The same table and bucket shape the CDK stack defines (pk/sk strings, no GSI). */
export async function ensureTableAndBucket(clients: StorageClients): Promise<void> {
  const raw = new DynamoDBClient({
    region: clients.settings.region,
    endpoint: clients.settings.dynamodbEndpoint,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  try {
    await raw.send(new DescribeTableCommand({ TableName: clients.settings.tableName }));
  } catch {
    await raw.send(
      new CreateTableCommand({
        TableName: clients.settings.tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
  }
  raw.destroy();
  try {
    await clients.s3.send(new HeadBucketCommand({ Bucket: clients.settings.bucketName }));
  } catch {
    await clients.s3.send(new CreateBucketCommand({ Bucket: clients.settings.bucketName }));
  }
}
