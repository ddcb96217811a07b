/**
 * Hostile requests against the collector handler, in-process over healthy in-memory storage: malformed
 * JSON, wrong types, huge strings, deep nesting, prototype-pollution keys, invalid UTF-8, gzip bombs,
 * wrong content types and methods, oversized batches. Never a 5xx, never a throw, never a polluted
 * prototype, always a clear reason; nothing stored holds a write key, a raw IP or clear PII.
 * (Hostile event batches: hostile-events.test.ts.)
 */
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollectorHandler } from '../../functions/collector/handler';
import { createSiteCache } from '../../shared/storage/site-cache';
import {
  answerProblems,
  createHostileSender,
  createSites,
  envelope,
  GZIP_MEMBER_16MB,
  isRecord,
  type Keys,
  pollutionKey,
  requestOf,
  storedProblems,
} from '../helpers/hostile';
import { basicAuthHeader, type HttpHandler, httpEvent } from '../helpers/http-event';
import { createMemoryStorage, type MemoryStorage } from '../helpers/memory-storage';

const SEED = 20261123;
const RUNS = { envelopes: 5_500, pollution: 1_500 };

let memory: MemoryStorage;
let keys: Keys;
let collector: HttpHandler;
const { send, report } = createHostileSender('hostile requests');

beforeAll(async () => {
  memory = createMemoryStorage();
  keys = await createSites(memory.clients);
  collector = createCollectorHandler({ clients: memory.clients, sites: createSiteCache(memory.clients) });
});

afterAll(() => {
  console.info(report());
});

describe('gzip bombs', () => {
  it('stop at the decompression limit: 413, and memory stays bounded', async () => {
    // 128 MB of spaces in 128 KB of gzip (8 members of 16 MB), then 1 GiB in 1 MB (64 members).
    for (const members of [8, 64]) {
      const bomb = Buffer.concat(Array.from({ length: members }, () => GZIP_MEMBER_16MB));
      const maxRssBefore = process.resourceUsage().maxRSS;
      const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
      const started = performance.now();
      for (let i = 0; i < 5; i++) {
        const result = await send(
          collector,
          httpEvent({
            path: '/v1/batch',
            headers: { authorization: basicAuthHeader(keys.writeKey), 'content-encoding': 'gzip' },
            body: bomb,
          }),
        );
        expect(result.status).toBe(413);
        expect(result.body).toMatchObject({ error: 'request_too_large' });
      }
      const elapsed = performance.now() - started;
      const heapAfter = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
      // maxRSS is the process's high-water mark (KB): inflating the bomb would add ≥ 128 MB (or 1 GiB).
      expect(process.resourceUsage().maxRSS - maxRssBefore).toBeLessThan(64 * 1024);
      expect(heapAfter - heapBefore).toBeLessThan(64 * 1024 * 1024);
      expect(elapsed).toBeLessThan(5_000);
    }
  });
});

describe('the collector under hostile requests', () => {
  it(`answers ${RUNS.envelopes} generated requests without a 5xx, a throw or a polluted prototype`, async () => {
    await fc.assert(
      fc.asyncProperty(envelope, async (input) => {
        const stored = memory.objects.size;
        const result = await send(collector, requestOf(input, keys));
        expect(answerProblems(result), `${input.body.kind} ${input.method} ${input.path}`).toEqual([]);
        expect(storedProblems(memory, stored, [keys.writeKey, keys.otherWriteKey])).toEqual([]);
      }),
      { seed: SEED, numRuns: RUNS.envelopes, endOnFailure: true },
    );
  }, 120_000);

  it(`keeps ${RUNS.pollution} bodies full of __proto__, constructor and prototype keys as data`, async () => {
    const places = fc.constantFrom('event', 'properties', 'context', 'traits', 'top');
    const pollutedJson = fc
      .array(fc.tuple(pollutionKey, places), { minLength: 1, maxLength: 6 })
      .map((where) => {
        const payload = (key: string) =>
          `"${key}":{"polluted":"yes","toString":"x","prototype":{"polluted":"yes"}}`;
        const at = (place: string) =>
          where
            .filter(([, p]) => p === place)
            .map(([key]) => `${payload(key)},`)
            .join('');
        const event =
          `{${at('event')}"type":"track","event":"Product Added","anonymousId":"a",` +
          `"properties":{${at('properties')}"cart_id":"c","email":"pii-1@example.com"},` +
          `"traits":{${at('traits')}"plan":"gold"},"context":{${at('context')}"ip":"198.51.100.77"}}`;
        return { event, batch: `{${at('top')}"batch":[${event}]}` };
      });
    await fc.assert(
      fc.asyncProperty(pollutedJson, fc.constantFrom('/v1/batch', '/v1/track'), async (bodies, path) => {
        const stored = memory.objects.size;
        const result = await send(
          collector,
          httpEvent({
            path,
            headers: { authorization: basicAuthHeader(keys.writeKey) },
            body: path === '/v1/batch' ? bodies.batch : bodies.event,
          }),
        );
        expect(answerProblems(result)).toEqual([]);
        expect(result.status).toBe(200);
        expect(storedProblems(memory, stored, [keys.writeKey])).toEqual([]);
        for (const [, bytes] of [...memory.objects.entries()].slice(stored)) {
          for (const line of gunzipSync(bytes).toString('utf8').split('\n').filter(Boolean)) {
            const record: unknown = JSON.parse(line);
            if (isRecord(record)) expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
          }
        }
      }),
      { seed: SEED + 2, numRuns: RUNS.pollution, endOnFailure: true },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 60_000);
});
