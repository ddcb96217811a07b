/**
 * Healthy in-memory storage behind the real SDK clients: a middleware answers S3 and DynamoDB commands
 * from Maps before anything is sent. For parser fuzzing, where thousands of requests must run in seconds;
 * integration tests use the real local stores instead.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { InitializeHandlerOutput, InitializeMiddleware, MetadataBearer } from '@smithy/types';
import { createStorageClients, type StorageClients } from '../../shared/storage/clients';

type Item = Record<string, unknown>;

export interface MemoryStorage {
  clients: StorageClients;
  objects: Map<string, Buffer>;
  items: Map<string, Item>;
  /** Commands answered, by name (e.g. `PutObjectCommand`). */
  calls: Map<string, number>;
}

function record(value: unknown): Item {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Item) : {};
}

function itemKey(key: Item): string {
  return `${String(key.pk)}\u0000${String(key.sk)}`;
}

function bodyBytes(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (typeof body === 'string') return Buffer.from(body);
  return Buffer.alloc(0);
}

function answer<Output extends object>(output: object): InitializeHandlerOutput<Output> {
  return { output: { $metadata: {}, ...output } as Output & MetadataBearer, response: {} };
}

/** Items of one partition, optionally narrowed by `begins_with(sk, :prefix)` or `sk BETWEEN :from AND :to`. */
function queryItems(items: Map<string, Item>, input: Item): Item[] {
  const values = record(input.ExpressionAttributeValues);
  const condition = String(input.KeyConditionExpression ?? '');
  const pk = String(values[':pk']);
  const out: Item[] = [];
  for (const item of items.values()) {
    if (item.pk !== pk) continue;
    const sk = String(item.sk);
    if (condition.includes('begins_with') && !sk.startsWith(String(values[':prefix']))) continue;
    if (condition.includes('BETWEEN') && (sk < String(values[':from']) || sk > String(values[':to'])))
      continue;
    out.push(item);
  }
  const limit = typeof input.Limit === 'number' ? input.Limit : undefined;
  return out.sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : 1)).slice(0, limit);
}

export function createMemoryStorage(): MemoryStorage {
  const clients = createStorageClients({
    tableName: 'memory',
    bucketName: 'memory',
    region: 'us-east-1',
    dynamodbEndpoint: 'http://127.0.0.1:9',
    s3Endpoint: 'http://127.0.0.1:9',
  });
  const objects = new Map<string, Buffer>();
  const items = new Map<string, Item>();
  const calls = new Map<string, number>();

  const s3: InitializeMiddleware<object, MetadataBearer> = (_next, context) => async (args) => {
    const name = context.commandName ?? '';
    calls.set(name, (calls.get(name) ?? 0) + 1);
    const input = record(args.input);
    const key = String(input.Key ?? '');
    switch (name) {
      case 'PutObjectCommand':
        objects.set(key, bodyBytes(input.Body));
        return answer({});
      case 'GetObjectCommand': {
        const bytes = objects.get(key);
        if (!bytes) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: {} });
        return answer({
          Body: {
            transformToByteArray: async () => new Uint8Array(bytes),
            transformToString: async () => bytes.toString('utf8'),
          },
        });
      }
      case 'DeleteObjectCommand':
        objects.delete(key);
        return answer({});
      case 'ListObjectsCommand':
      case 'ListObjectsV2Command': {
        const prefix = String(input.Prefix ?? '');
        const contents = [...objects.entries()]
          .filter(([k]) => k.startsWith(prefix))
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => ({ Key: k, Size: v.length }));
        return answer({ Contents: contents, IsTruncated: false });
      }
      default:
        return answer({});
    }
  };

  const dynamo: InitializeMiddleware<object, MetadataBearer> = (_next, context) => async (args) => {
    const name = context.commandName ?? '';
    calls.set(name, (calls.get(name) ?? 0) + 1);
    const input = record(args.input);
    switch (name) {
      case 'GetItemCommand': {
        const item = items.get(itemKey(record(input.Key)));
        return answer(item ? { Item: structuredClone(item) } : {});
      }
      case 'PutItemCommand': {
        const item = record(input.Item);
        const key = itemKey(item);
        if (String(input.ConditionExpression ?? '') === 'attribute_not_exists(pk)' && items.has(key)) {
          throw new ConditionalCheckFailedException({ message: 'exists', $metadata: {} });
        }
        items.set(key, structuredClone(item));
        return answer({});
      }
      case 'DeleteItemCommand':
        items.delete(itemKey(record(input.Key)));
        return answer({});
      case 'BatchWriteItemCommand': {
        for (const requests of Object.values(record(input.RequestItems))) {
          for (const request of Array.isArray(requests) ? requests : []) {
            const put = record(record(request).PutRequest).Item;
            const del = record(record(request).DeleteRequest).Key;
            if (put) items.set(itemKey(record(put)), structuredClone(record(put)));
            else if (del) items.delete(itemKey(record(del)));
          }
        }
        return answer({ UnprocessedItems: {} });
      }
      case 'BatchGetItemCommand': {
        const responses: Record<string, Item[]> = {};
        for (const [table, request] of Object.entries(record(input.RequestItems))) {
          const wanted = record(request).Keys;
          responses[table] = (Array.isArray(wanted) ? wanted : [])
            .map((key) => items.get(itemKey(record(key))))
            .filter((item): item is Item => item !== undefined);
        }
        return answer({ Responses: responses, UnprocessedKeys: {} });
      }
      case 'QueryCommand':
        return answer({ Items: queryItems(items, input) });
      default:
        // UpdateItem (day marks, key retirement) and anything else: accepted, not modelled.
        return answer({});
    }
  };

  clients.s3.middlewareStack.add(s3, { step: 'initialize', priority: 'high', name: 'memoryS3' });
  clients.dynamo.middlewareStack.add(dynamo, { step: 'initialize', priority: 'high', name: 'memoryDynamo' });
  return { clients, objects, items, calls };
}
