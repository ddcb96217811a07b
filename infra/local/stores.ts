/** Embedded DynamoDB- and S3-protocol servers (dynalite, s3rver) with data on disk, for the local stack and tests. */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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
  /**
   * Makes the stores' worker die of an uncaught exception (fault-injection tests); resolves once it runs
   * again, restarted as after any other death.
   */
  crashForTest(): Promise<void>;
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
  /** Where a death and restart of the stores' worker is reported. @default console.error */
  log?: (line: string) => void;
}

export const LOCAL_TABLE = 'roxtrail';
export const LOCAL_BUCKET = 'roxtrail-archive';

type StoreCommand = 'stopS3' | 'restartS3' | 'stopDynamo' | 'restartDynamo' | 'crash' | 'close';

interface StoresWorkerData {
  host: string;
  dynamoDir?: string;
  s3Directory: string;
  resetOnClose: boolean;
  dynamoPort?: number;
  s3Port?: number;
}

interface CommandReply {
  id?: number;
  ok?: boolean;
  message?: string;
}

/** The longest wait between two attempts to bring a dead worker back (the ports may be taken meanwhile). */
const MAX_RESTART_DELAY_MS = 5_000;

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Starts the worker and resolves with its ports once both servers listen. */
async function spawnStoresWorker(
  data: StoresWorkerData,
): Promise<{ worker: Worker; dynamoPort: number; s3Port: number }> {
  const worker = new Worker(new URL('./stores-worker.mjs', import.meta.url), { workerData: data });
  try {
    const ready = await new Promise<{ dynamoPort: number; s3Port: number }>((resolve, reject) => {
      const onExit = (code: number) =>
        reject(new Error(`the stores' worker exited with code ${code} while starting`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (message: { dynamoPort: number; s3Port: number }) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        resolve(message);
      });
    });
    return { worker, ...ready };
  } catch (error) {
    await worker.terminate();
    throw error;
  }
}

/**
 * The stores run on a worker thread (stores-worker.mjs): their own core, the same process. A worker
 * that dies (an uncaught exception in dynalite or s3rver) is reported on `log` and started again on
 * the same ports and data directory. Its 'exit' comes once the thread has stopped and its LevelDB is
 * closed, so the new worker can open the directory (one process, one thread at a time).
 */
export async function startLocalStores(options: LocalStoresOptions = {}): Promise<LocalStores> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? ((line: string) => console.error(line));
  const s3Dir = options.dataDir ? join(options.dataDir, 's3') : undefined;
  const dynamoDir = options.dataDir ? join(options.dataDir, 'dynamodb') : undefined;
  if (dynamoDir) mkdirSync(dynamoDir, { recursive: true });
  if (s3Dir) mkdirSync(s3Dir, { recursive: true });
  const s3Directory = s3Dir ?? mkdtempSync(join(tmpdir(), 'roxtrail-s3-'));
  const workerData: StoresWorkerData = {
    host,
    dynamoDir,
    s3Directory,
    resetOnClose: !s3Dir,
    dynamoPort: options.dynamoPort,
    s3Port: options.s3Port,
  };

  const first = await spawnStoresWorker(workerData);
  const { dynamoPort, s3Port } = first;
  // A restarted worker listens where the first one did: clients keep their endpoints.
  workerData.dynamoPort = dynamoPort;
  workerData.s3Port = s3Port;
  const settings: StorageSettings = {
    tableName: options.tableName ?? LOCAL_TABLE,
    bucketName: options.bucketName ?? LOCAL_BUCKET,
    region: 'us-east-1',
    dynamodbEndpoint: `http://${host}:${dynamoPort}`,
    s3Endpoint: `http://${host}:${s3Port}`,
  };
  const clients = createStorageClients(settings);

  let worker = first.worker;
  let workerRunning = true;
  let closed = false;
  /** Set while a dead worker is being replaced; commands wait for it. */
  let restarting: Promise<void> | undefined;
  let nextId = 0;
  const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();

  const restart = async () => {
    for (let attempt = 1; !closed; attempt += 1) {
      try {
        const next = await spawnStoresWorker(workerData);
        if (closed) {
          await next.worker.terminate();
          return;
        }
        supervise(next.worker);
        break;
      } catch (error) {
        const delayMs = Math.min(MAX_RESTART_DELAY_MS, 100 * 2 ** attempt);
        log(`stores: restart attempt ${attempt} failed (${errorText(error)}); trying again in ${delayMs} ms`);
        await sleep(delayMs);
      }
    }
    if (closed) return;
    log(`stores: the DynamoDB and S3 servers run again on ports ${dynamoPort} and ${s3Port}`);
    // An in-memory table died with the worker: the new one needs the table again.
    await ensureTableAndBucket(clients).catch((error: unknown) =>
      log(`stores: ERROR the table or bucket could not be checked after the restart (${errorText(error)})`),
    );
  };

  const supervise = (current: Worker) => {
    worker = current;
    workerRunning = true;
    let death: unknown;
    current.on('message', (reply: CommandReply) => {
      if (reply.id === undefined) return;
      const waiting = pending.get(reply.id);
      pending.delete(reply.id);
      if (reply.ok) waiting?.resolve();
      else waiting?.reject(new Error(reply.message ?? 'store command failed'));
    });
    current.on('error', (error) => {
      death = error;
    });
    current.once('exit', (code) => {
      workerRunning = false;
      for (const [id, waiting] of pending) {
        pending.delete(id);
        waiting.reject(new Error(`the stores' worker died before answering (exit code ${code})`));
      }
      if (closed) return;
      const data = dynamoDir ? 'the same data' : 'the same S3 files (the in-memory table starts empty)';
      log(
        `stores: ERROR the DynamoDB and S3 servers' worker died (${death === undefined ? `exit code ${code}` : errorText(death)}); restarting them on ports ${dynamoPort} and ${s3Port} with ${data}`,
      );
      restarting = restart().finally(() => {
        restarting = undefined;
      });
    });
  };
  supervise(worker);

  const send = async (command: StoreCommand): Promise<void> => {
    await restarting;
    const id = nextId++;
    const answered = new Promise<void>((resolve, reject) => pending.set(id, { resolve, reject }));
    worker.postMessage({ id, command });
    return answered;
  };

  try {
    await ensureTableAndBucket(clients);
  } catch (error) {
    closed = true;
    await worker.terminate();
    throw error;
  }
  return {
    settings,
    dynamoPort,
    s3Port,
    stopS3: () => send('stopS3'),
    restartS3: () => send('restartS3'),
    stopDynamo: () => send('stopDynamo'),
    restartDynamo: () => send('restartDynamo'),
    async crashForTest() {
      const dying = worker;
      const exited = new Promise((resolve) => dying.once('exit', resolve));
      await send('crash');
      await exited;
      await restarting;
    },
    async close() {
      if (closed) return;
      closed = true;
      await restarting;
      if (workerRunning) {
        await send('close');
        await worker.terminate();
      }
      clients.dynamo.destroy();
      clients.s3.destroy();
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
