/**
 * Storage clients whose calls are answered in memory at the SDK's first middleware step, so the
 * collector's own CPU cost is measured; every call is counted (S3 PUTs, DynamoDB write units).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { StorageClients } from '../shared/storage/clients';

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

/** Document-client inputs carry plain values; size them as the marshalled items they become. */
function marshalledInput(input: Input): Input {
  const marshal = (value: unknown): unknown =>
    marshall(value as Record<string, unknown>, { removeUndefinedValues: true });
  if (input.Item) return { ...input, Item: marshal(input.Item) };
  if (input.Key)
    return {
      ...input,
      Key: marshal(input.Key),
      ExpressionAttributeValues: input.ExpressionAttributeValues
        ? marshal(input.ExpressionAttributeValues)
        : undefined,
    };
  if (input.RequestItems) {
    const tables = input.RequestItems as Record<string, { PutRequest?: { Item: unknown } }[]>;
    const RequestItems: Record<string, unknown[]> = {};
    for (const [table, requests] of Object.entries(tables)) {
      RequestItems[table] = requests.map((r) =>
        r.PutRequest ? { PutRequest: { Item: marshal(r.PutRequest.Item) } } : r,
      );
    }
    return { ...input, RequestItems };
  }
  return input;
}

const units = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

type Input = Record<string, unknown>;

/** The document client hands the base client marshalled commands (`PutItemCommand`, DynamoDB JSON). */
function writeUnitsOf(commandName: string, input: Input): number {
  switch (commandName) {
    case 'PutCommand':
    case 'PutItemCommand':
      return units(itemSize(input.Item));
    case 'UpdateCommand':
    case 'DeleteCommand':
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      return units(itemSize(input.Key) + itemSize(input.ExpressionAttributeValues));
    case 'BatchWriteCommand':
    case 'BatchWriteItemCommand': {
      let total = 0;
      const tables = (input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: unknown } }[]>;
      for (const requests of Object.values(tables)) {
        for (const request of requests) total += units(itemSize(request.PutRequest?.Item));
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
      counts.writeUnits += writeUnitsOf(context.commandName ?? '', args.input as Input);
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
        const input = marshalledInput(command.input);
        counts.writeUnits += writeUnitsOf(command.constructor.name, input);
        if (command.constructor.name === 'PutCommand') counts.itemBytes += itemSize(input.Item);
        if (command.constructor.name === 'BatchWriteCommand') {
          const tables = (input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: unknown } }[]>;
          for (const requests of Object.values(tables)) {
            for (const request of requests) counts.itemBytes += itemSize(request.PutRequest?.Item);
          }
        }
        return { $metadata: {} };
      },
    });
  }
  return {
    clients: { settings: { tableName: 'bench', bucketName: 'bench', region: 'us-east-1' }, s3, dynamo },
    counts,
  };
}
