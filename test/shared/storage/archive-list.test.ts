import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStores, startLocalStores } from '../../../infra/local/stores';
import { listObjects } from '../../../shared/storage/archive';
import { createStorageClients } from '../../../shared/storage/clients';

let stores: LocalStores;
beforeAll(async () => {
  stores = await startLocalStores();
});
afterAll(async () => {
  await stores.close();
});

describe('listObjects against s3rver', () => {
  it('lists a partition holding more than 1,000 objects completely and in key order', async () => {
    const clients = createStorageClients(stores.settings);
    const keys = Array.from(
      { length: 1105 },
      (_, i) => `events/site=s/dt=2026-11-02/hh=10/${String(i).padStart(5, '0')}.ndjson.gz`,
    );
    let next = 0;
    const put = async () => {
      while (next < keys.length) {
        const key = keys[next++];
        if (key)
          await clients.s3.send(
            new PutObjectCommand({ Bucket: stores.settings.bucketName, Key: key, Body: 'x' }),
          );
      }
    };
    await Promise.all(Array.from({ length: 16 }, put));
    // Count the pages asked for: a store that answered all 1,105 keys at once would hide a lister
    // that never follows the marker.
    const pages: { marker?: string; count: number }[] = [];
    clients.s3.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'ListObjectsCommand') {
          const input = args.input as { Marker?: string };
          const output = result.output as { Contents?: unknown[] };
          pages.push({ marker: input.Marker, count: output.Contents?.length ?? 0 });
        }
        return result;
      },
      { step: 'initialize', name: 'countListPages' },
    );
    const listed = await listObjects(clients, 'events/site=s/dt=2026-11-02/');
    expect(listed.map((o) => o.key)).toEqual(keys);
    expect(pages.map((page) => page.count)).toEqual([1000, 105]);
    expect(pages.map((page) => page.marker)).toEqual([undefined, keys[999]]);
  }, 60_000);
});
