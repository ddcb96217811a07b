/**
 * Storage clients whose calls are answered in memory at the SDK's first middleware step, so the
 * collector's own CPU cost is measured; every call is counted (S3 PUTs, DynamoDB write units).
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StorageClients } from '../shared/storage/clients';

export interface StorageCounts {
  s3Puts: number;
  dynamoRequests: number;
  /** Write capacity units: 1 per started KB of each item written (a failed conditional write costs too). */
  writeUnits: number;
}

/** DynamoDB's item size rule (attribute names + values), close enough to count capacity units. */
export function itemSizeBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'number') return Math.ceil(String(value).length / 2) + 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, v) => sum + 1 + itemSizeBytes(v), 0);
  if (typeof value === 'object') {
    let size = 3;
    for (const [name, v] of Object.entries(value)) size += Buffer.byteLength(name) + itemSizeBytes(v);
    return size;
  }
  return 1;
}

const units = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

type Input = Record<string, unknown>;

function writeUnitsOf(commandName: string, input: Input): number {
  switch (commandName) {
    case 'PutCommand':
      return units(itemSizeBytes(input.Item));
    case 'UpdateCommand':
    case 'DeleteCommand':
      return units(itemSizeBytes(input.Key) + itemSizeBytes(input.ExpressionAttributeValues));
    case 'BatchWriteCommand': {
      let total = 0;
      for (const requests of Object.values(
        (input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: unknown } }[]>,
      )) {
        for (const request of requests) total += units(itemSizeBytes(request.PutRequest?.Item));
      }
      return total;
    }
    default:
      return 0;
  }
}

export function createMemoryStorage(): { clients: StorageClients; counts: StorageCounts } {
  const counts: StorageCounts = { s3Puts: 0, dynamoRequests: 0, writeUnits: 0 };
  const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
  const s3 = new S3Client({ region: 'us-east-1', credentials });
  s3.middlewareStack.add(
    (_next, context) => async () => {
      if (context.commandName === 'PutObjectCommand') counts.s3Puts += 1;
      return { output: { $metadata: {} }, response: {} };
    },
    { step: 'initialize', priority: 'high', name: 'answerInMemory' },
  );
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  dynamo.middlewareStack.add(
    (_next, context) => async (args) => {
      counts.dynamoRequests += 1;
      counts.writeUnits += writeUnitsOf(context.commandName ?? '', args.input as Input);
      return { output: { $metadata: {} }, response: {} };
    },
    { step: 'initialize', priority: 'high', name: 'answerInMemory' },
  );
  return {
    clients: { settings: { tableName: 'bench', bucketName: 'bench', region: 'us-east-1' }, s3, dynamo },
    counts,
  };
}
