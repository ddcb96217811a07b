/**
 * Hostile event batches (any field of any type, ids too long for a key, bad timestamps, pollution keys,
 * deep nesting, PII and IPs in odd places) through the collector handler: every event is accepted or
 * rejected with a reason, nothing stored holds a write key, a raw IP or clear PII — over in-memory
 * storage for volume, then over real dynalite and s3rver, whose key and item limits are the real ones.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollectorHandler } from '../../functions/collector/handler';
import { type LocalStores, startLocalStores } from '../../infra/local/stores';
import { createStorageClients } from '../../shared/storage/clients';
import { createSiteCache } from '../../shared/storage/site-cache';
import {
  answerProblems,
  createHostileSender,
  createSites,
  hostileEvent,
  type Keys,
  serialize,
  storedProblems,
} from '../helpers/hostile';
import { basicAuthHeader, type HttpHandler, httpEvent } from '../helpers/http-event';
import { createMemoryStorage, type MemoryStorage } from '../helpers/memory-storage';

const SEED = 20261124;
const RUNS = { events: 3_000, realStores: 150 };
const { send, report } = createHostileSender('hostile batches');

afterAll(() => {
  console.info(report());
});

describe('hostile batches over in-memory storage', () => {
  let memory: MemoryStorage;
  let keys: Keys;
  let collector: HttpHandler;

  beforeAll(async () => {
    memory = createMemoryStorage();
    keys = await createSites(memory.clients);
    collector = createCollectorHandler({ clients: memory.clients, sites: createSiteCache(memory.clients) });
  });

  it(`account for every event of ${RUNS.events} batches, event by event`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileEvent, { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        async (batch, inBody) => {
          const stored = memory.objects.size;
          const body = serialize(inBody ? { writeKey: keys.writeKey, batch } : { batch });
          const result = await send(
            collector,
            httpEvent({
              path: '/v1/batch',
              headers: inBody ? {} : { authorization: basicAuthHeader(keys.writeKey) },
              body,
            }),
          );
          expect(answerProblems(result)).toEqual([]);
          if (Buffer.byteLength(body) > 500 * 1024) {
            expect(result.status).toBe(413);
            return;
          }
          expect(result.status).toBe(200);
          const answer = result.body as { accepted: number; rejected: { index: number }[] };
          expect(answer.accepted + answer.rejected.length).toBe(batch.length);
          const indexes = answer.rejected.map((r) => r.index);
          expect(new Set(indexes).size).toBe(indexes.length);
          expect(storedProblems(memory, stored, [keys.writeKey])).toEqual([]);
        },
      ),
      { seed: SEED, numRuns: RUNS.events, endOnFailure: true },
    );
  }, 120_000);
});

describe('hostile batches over real dynalite and s3rver', () => {
  let stores: LocalStores;
  let keys: Keys;
  let collector: HttpHandler;

  beforeAll(async () => {
    stores = await startLocalStores();
    const clients = createStorageClients(stores.settings);
    keys = await createSites(clients);
    collector = createCollectorHandler({ clients, sites: createSiteCache(clients) });
  });
  afterAll(async () => {
    await stores.close();
  });

  it(`store or reject each event of ${RUNS.realStores} batches, never a 5xx from the stores`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostileEvent, { minLength: 1, maxLength: 8 }), async (batch) => {
        const body = serialize({ batch });
        const result = await send(
          collector,
          httpEvent({ path: '/v1/batch', headers: { authorization: basicAuthHeader(keys.writeKey) }, body }),
        );
        expect(answerProblems(result)).toEqual([]);
        expect(result.status).toBe(Buffer.byteLength(body) > 500 * 1024 ? 413 : 200);
      }),
      { seed: SEED + 1, numRuns: RUNS.realStores, endOnFailure: true },
    );
  }, 60_000);
});
