/**
 * Storage clients whose calls are answered in memory at the SDK's first middleware step, so the
 * collector's own CPU cost is measured; every call is counted (S3 PUTs, DynamoDB write units).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type StorageClients, storageClientsOf } from '../shared/storage/clients';

export interface StorageCounts {
  s3Puts: number;
  /** Bytes of the objects put (gzip NDJSON). */
  s3Bytes: number;
  /** Bytes of the DynamoDB items written (DynamoDB's size rule). */
  itemBytes: number;
  dynamoRequests: number;
  /** Write capacity units: 1 per started KB of each item written (a failed conditional write costs too). */
  writeUnits: number;
}

/** Size of a marshalled attribute value (`{ S: ... }`, `{ N: ... }`, `{ M: ... }` ...), per DynamoDB's rule. */
function attributeSize(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 1;
  const attribute = value as Record<string, unknown>;
  if (typeof attribute.S === 'string') return Buffer.byteLength(attribute.S);
  if (typeof attribute.N === 'string') return Math.ceil(attribute.N.length / 2) + 1;
  if (Array.isArray(attribute.L))
    return 3 + attribute.L.reduce<number>((sum, v) => sum + 1 + attributeSize(v), 0);
  if (typeof attribute.M === 'object' && attribute.M !== null) return 3 + itemSize(attribute.M);
  return 1;
}

/** Attribute names plus values of a marshalled item. */
export function itemSize(item: unknown): number {
  if (typeof item !== 'object' || item === null) return 0;
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + attributeSize(value);
  return size;
}

/**
 * Size of a plain (document-client) value as the attribute `marshall` would make of it, without
 * building that attribute: the count stays exact and costs the timed run almost nothing.
 * test/bench/memory-storage.test.ts checks it against `itemSize(marshall(...))`.
 */
function plainAttributeSize(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'bigint')
    return Math.ceil(value.toString().length / 2) + 1;
  if (Array.isArray(value)) {
    let size = 3;
    for (const item of value) {
      if (item !== undefined && typeof item !== 'function') size += 1 + plainAttributeSize(item);
    }
    return size;
  }
  if (typeof value === 'object' && value !== null && isPlainRecord(value)) return 3 + plainItemSize(value);
  return 1;
}

/** What `marshall` turns into a map (`M`): plain objects and objects without a constructor. */
function isPlainRecord(value: object): boolean {
  const ctor = (value as { constructor?: { name?: string } }).constructor;
  return ctor === undefined || ctor.name === 'Object';
}

/** Attribute names plus values of a plain item, as DynamoDB sizes its marshalled form. */
export function plainItemSize(item: unknown): number {
  if (typeof item !== 'object' || item === null) return 0;
  let size = 0;
  // for...in, as marshall enumerates; undefined values are removed (removeUndefinedValues).
  for (const name in item) {
    const value = (item as Record<string, unknown>)[name];
    if (value === undefined || typeof value === 'function') continue;
    size += Buffer.byteLength(name) + plainAttributeSize(value);
  }
  return size;
}

const units = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

type Input = Record<string, unknown>;

/**
 * The document client hands the base client marshalled commands (`PutItemCommand`, DynamoDB JSON),
 * sized with `itemSize`; commands caught at the document client's `send` carry plain values
 * (`plainItemSize`).
 */
function writeUnitsOf(commandName: string, input: Input, sizeOf: (item: unknown) => number): number {
  switch (commandName) {
    case 'PutCommand':
    case 'PutItemCommand':
      return units(sizeOf(input.Item));
    case 'UpdateCommand':
    case 'DeleteCommand':
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      return units(sizeOf(input.Key) + sizeOf(input.ExpressionAttributeValues));
    case 'BatchWriteCommand':
    case 'BatchWriteItemCommand': {
      let total = 0;
      const tables = (input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: unknown } }[]>;
      for (const requests of Object.values(tables)) {
        for (const request of requests) total += units(sizeOf(request.PutRequest?.Item));
      }
      return total;
    }
    default:
      return 0;
  }
}

/**
 * `viaSdk`: answer after the SDK has built the request (its middleware stack runs); otherwise `send`
 * itself answers, so only our code is measured.
 */
export function createMemoryStorage(options: { viaSdk: boolean } = { viaSdk: true }): {
  clients: StorageClients;
  counts: StorageCounts;
} {
  const counts: StorageCounts = { s3Puts: 0, s3Bytes: 0, itemBytes: 0, dynamoRequests: 0, writeUnits: 0 };
  const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
  const s3 = new S3Client({ region: 'us-east-1', credentials });
  s3.middlewareStack.add(
    (_next, context) => async () => {
      if (context.commandName === 'PutObjectCommand') counts.s3Puts += 1;
      return { output: { $metadata: {} }, response: {} };
    },
    { step: 'initialize', priority: 'high', name: 'answerInMemory' },
  );
  const base = new DynamoDBClient({ region: 'us-east-1', credentials });
  base.middlewareStack.add(
    (_next, context) => async (args) => {
      counts.dynamoRequests += 1;
      counts.writeUnits += writeUnitsOf(context.commandName ?? '', args.input as Input, itemSize);
      return { output: { $metadata: {} }, response: {} };
    },
    { step: 'initialize', priority: 'low', name: 'answerInMemory' },
  );
  const dynamo = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  if (!options.viaSdk) {
    // Replaces `send` on these two instances only; counted by the command's name and its plain input.
    Object.defineProperty(s3, 'send', {
      value: async (command: { constructor: { name: string }; input: { Body?: unknown } }) => {
        if (command.constructor.name === 'PutObjectCommand') {
          counts.s3Puts += 1;
          if (command.input.Body instanceof Uint8Array) counts.s3Bytes += command.input.Body.length;
        }
        return { $metadata: {} };
      },
    });
    Object.defineProperty(dynamo, 'send', {
      value: async (command: { constructor: { name: string }; input: Input }) => {
        counts.dynamoRequests += 1;
        const input = command.input;
        // Items put are sized once, for their write units and their bytes alike.
        const name = command.constructor.name;
        if (name === 'PutCommand') {
          const size = plainItemSize(input.Item);
          counts.writeUnits += units(size);
          counts.itemBytes += size;
        } else if (name === 'BatchWriteCommand') {
          const tables = (input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: unknown } }[]>;
          for (const requests of Object.values(tables)) {
            for (const request of requests) {
              const size = plainItemSize(request.PutRequest?.Item);
              counts.writeUnits += units(size);
              counts.itemBytes += size;
            }
          }
        } else {
          counts.writeUnits += writeUnitsOf(name, input, plainItemSize);
        }
        return { $metadata: {} };
      },
    });
  }
  return {
    clients: storageClientsOf(
      { tableName: 'bench', bucketName: 'bench', region: 'us-east-1' },
      { s3, dynamo },
    ),
    counts,
  };
}
