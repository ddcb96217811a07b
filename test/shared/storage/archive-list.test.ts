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
    const listed = await listObjects(clients, 'events/site=s/dt=2026-11-02/');
    expect(listed.map((o) => o.key)).toEqual(keys);
  }, 60_000);
});
