/** Embedded DynamoDB- and S3-protocol servers (dynalite, s3rver) with data on disk, for the local stack and tests. */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import S3rver from 's3rver';
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

export async function startLocalStores(options: LocalStoresOptions = {}): Promise<LocalStores> {
  const host = options.host ?? '127.0.0.1';
  const s3Dir = options.dataDir ? join(options.dataDir, 's3') : undefined;
  const dynamoDir = options.dataDir ? join(options.dataDir, 'dynamodb') : undefined;
  if (dynamoDir) mkdirSync(dynamoDir, { recursive: true });
  if (s3Dir) mkdirSync(s3Dir, { recursive: true });

  const dynamoServer = dynalite({ path: dynamoDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    dynamoServer.once('error', reject);
    dynamoServer.listen(options.dynamoPort ?? 0, host, () => resolve());
  });
  const dynamoPort = (dynamoServer.address() as AddressInfo).port;

  const s3Directory = s3Dir ?? join(process.env.TMPDIR ?? '/tmp', `roxtrail-s3-${process.pid}-${dynamoPort}`);
  const newS3Server = (port: number) =>
    new S3rver({ port, address: host, directory: s3Directory, silent: true, resetOnClose: !s3Dir });
  let s3Server: S3rver | undefined = newS3Server(options.s3Port ?? 0);
  const { port: s3Port } = await s3Server.run();

  const settings: StorageSettings = {
    tableName: options.tableName ?? LOCAL_TABLE,
    bucketName: options.bucketName ?? LOCAL_BUCKET,
    region: 'us-east-1',
    dynamodbEndpoint: `http://${host}:${dynamoPort}`,
    s3Endpoint: `http://${host}:${s3Port}`,
  };
  await ensureTableAndBucket(createStorageClients(settings));

  return {
    settings,
    dynamoPort,
    s3Port,
    async stopS3() {
      await s3Server?.close();
      s3Server = undefined;
    },
    async restartS3() {
      if (s3Server) return;
      s3Server = newS3Server(s3Port);
      await s3Server.run();
    },
    async close() {
      await s3Server?.close();
      await new Promise<void>((resolve) => dynamoServer.close(() => resolve()));
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
