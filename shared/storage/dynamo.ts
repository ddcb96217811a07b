/** The DynamoDB calls every table module shares: paged queries, conditional writes, batches with retries. */

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DeleteCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import pMap from 'p-map';
import type { StorageClients } from './clients';

export type Item = Record<string, unknown>;

/** Every item a query matches, page after page. */
export async function queryAll(
  clients: StorageClients,
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await clients.dynamo.send(
      new QueryCommand({ ...input, TableName: clients.settings.tableName, ExclusiveStartKey: startKey }),
    );
    items.push(...((page.Items ?? []) as Item[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Every item of one partition, by key (never a Scan). */
export function partitionItems(clients: StorageClients, pk: string, consistent = false): Promise<Item[]> {
  return queryAll(clients, {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': pk },
    ...(consistent ? { ConsistentRead: true } : {}),
  });
}

/** Every item of a partition whose sort key starts with `prefix`. */
export function queryPrefix(
  clients: StorageClients,
  pk: string,
  prefix: string,
  options: { consistent?: boolean } = {},
): Promise<Item[]> {
  return queryAll(clients, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
    ...(options.consistent ? { ConsistentRead: true } : {}),
  });
}

/** The error DynamoDB (and dynalite, which throws a plain named error) gives when a condition failed. */
export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (typeof error === 'object' &&
      error !== null &&
      (error as { name?: string }).name === 'ConditionalCheckFailedException')
  );
}

/** Runs a conditional write: false when its condition failed (another write already won). */
async function conditional(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Sends a conditional write: false when its condition failed (another write already won). */
export function sendConditional(
  clients: StorageClients,
  command: PutCommand | UpdateCommand | DeleteCommand,
): Promise<boolean> {
  // The document client's send is overloaded per command type; each branch picks its overload.
  return conditional(() => {
    if (command instanceof PutCommand) return clients.dynamo.send(command);
    if (command instanceof UpdateCommand) return clients.dynamo.send(command);
    return clients.dynamo.send(command);
  });
}

export type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

/** DynamoDB's batch limits: 25 writes and 100 reads per call. */
const BATCH_WRITE_SIZE = 25;
const BATCH_GET_SIZE = 100;
const MAX_RETRIES = 8;

/** Writes in batches of 25, retrying unprocessed items with exponential backoff. */
export async function batchWrite(clients: StorageClients, requests: readonly WriteRequest[]): Promise<void> {
  for (let offset = 0; offset < requests.length; offset += BATCH_WRITE_SIZE) {
    let pending = requests.slice(offset, offset + BATCH_WRITE_SIZE) as WriteRequest[];
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > MAX_RETRIES) throw new Error('DynamoDB kept returning unprocessed items');
      if (attempt > 0) await sleep(50 * 2 ** attempt);
      const response = await clients.dynamo.send(
        new BatchWriteCommand({ RequestItems: { [clients.settings.tableName]: pending } }),
      );
      pending = (response.UnprocessedItems?.[clients.settings.tableName] ?? []) as WriteRequest[];
    }
  }
}

/**
 * The items of the given keys, fetched by key (100 per call, `concurrency` calls in flight), retrying
 * unprocessed keys with exponential backoff; missing items are simply absent.
 */
export async function batchGet(
  clients: StorageClients,
  keys: readonly Item[],
  options: { concurrency?: number } = {},
): Promise<Item[]> {
  const found: Item[] = [];
  const fetchChunk = async (chunk: readonly Item[]) => {
    let requestKeys: Item[] = [...chunk];
    for (let attempt = 0; requestKeys.length > 0; attempt += 1) {
      if (attempt > MAX_RETRIES) throw new Error('DynamoDB kept returning unprocessed keys');
      if (attempt > 0) await sleep(50 * 2 ** attempt);
      const response = await clients.dynamo.send(
        new BatchGetCommand({ RequestItems: { [clients.settings.tableName]: { Keys: requestKeys } } }),
      );
      found.push(...(response.Responses?.[clients.settings.tableName] ?? []));
      requestKeys = (response.UnprocessedKeys?.[clients.settings.tableName]?.Keys ?? []) as Item[];
    }
  };
  const chunks = Array.from({ length: Math.ceil(keys.length / BATCH_GET_SIZE) }, (_, index) =>
    keys.slice(index * BATCH_GET_SIZE, (index + 1) * BATCH_GET_SIZE),
  );
  await pMap(chunks, fetchChunk, { concurrency: options.concurrency ?? 8 });
  return found;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** An item's primary key, to delete or rewrite it. */
export function keyOf(item: Item): { pk: unknown; sk: unknown } {
  return { pk: item.pk, sk: item.sk };
}
