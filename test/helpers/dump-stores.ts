/**
 * Whole-store dumps for tests that must prove something is nowhere: a DynamoDB Scan (never used in
 * product code) and every S3 object, gunzipped when it is gzip.
 */
import { gunzipSync } from 'node:zlib';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { getObjectBytes, listObjects } from '../../shared/storage/archive';
import type { StorageClients } from '../../shared/storage/clients';

export async function scanTable(clients: StorageClients): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await clients.dynamo.send(
      new ScanCommand({ TableName: clients.settings.tableName, ExclusiveStartKey: startKey }),
    );
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** key → text of every object under the prefix. */
export async function dumpBucket(clients: StorageClients, prefix = ''): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for (const object of await listObjects(clients, prefix)) {
    const bytes = Buffer.from(await getObjectBytes(clients, object.key));
    const gzip = bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
    texts.set(object.key, (gzip ? gunzipSync(bytes) : bytes).toString('utf8'));
  }
  return texts;
}

/** Where any of the needles occurs: `item pk/sk` or the object key, with the needle. */
export function occurrences(
  items: readonly Record<string, unknown>[],
  objects: ReadonlyMap<string, string>,
  needles: readonly string[],
): string[] {
  const found: string[] = [];
  for (const item of items) {
    const text = JSON.stringify(item);
    for (const needle of needles)
      if (text.includes(needle)) found.push(`item ${String(item.pk)} / ${String(item.sk)}: ${needle}`);
  }
  for (const [key, text] of objects) {
    for (const needle of needles) if (text.includes(needle)) found.push(`object ${key}: ${needle}`);
  }
  return found;
}
