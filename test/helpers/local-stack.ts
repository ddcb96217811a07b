/** A real local stack for integration tests: dynalite + s3rver on random ports and the HTTP adapter. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createCollectorHandler } from '../../functions/collector/handler';
import { createQueryHandler } from '../../functions/query/handler';
import { writeEndpoints } from '../../infra/local/data-dir';
import { type LocalRoute, startLocalHttpServer } from '../../infra/local/http-adapter';
import { QUERY_ROUTE_KEYS, TRACKING_ROUTE_KEYS } from '../../infra/local/routes';
import { type LocalStores, startLocalStores } from '../../infra/local/stores';
import { inProcessErasureRunner } from '../../shared/app/aggregate/erasure';
import type { AlertsConfig } from '../../shared/config/runtime';
import { type SiteConfigInput, siteConfigWithDefaults } from '../../shared/config/site';
import type { NormalizedEvent } from '../../shared/events/types';
import { getObjectBytes, listObjects } from '../../shared/storage/archive';
import { createStorageClients, type StorageClients } from '../../shared/storage/clients';
import { applySiteConfig } from '../../shared/storage/site-admin';
import { createSiteCache } from '../../shared/storage/site-cache';

export const TEST_ERASURE_SETTLE_MS = 300;

export interface TestStack {
  url: string;
  clients: StorageClients;
  stores: LocalStores;
  dataDir: string;
  /** Creates a site and returns its keys. */
  createSite(config: SiteConfigInput): Promise<{ writeKey: string; readKey: string }>;
  /** Every archived event of a site, in key order. */
  archivedEvents(site: string): Promise<NormalizedEvent[]>;
  archivedKeys(prefix: string): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startTestStack(
  extraRoutes: (clients: StorageClients) => LocalRoute[] = () => [],
  options: {
    erasureSettleMs?: number;
    /** The collector's clock (receivedAt), for tests that must not depend on today's date. @default Date.now */
    now?: () => number;
    /** Where the stack's clients send alerts (`clients.alerts`). @default the site's webhooks only */
    alerts?: AlertsConfig;
  } = {},
): Promise<TestStack> {
  const erasureSettleMs = options.erasureSettleMs ?? TEST_ERASURE_SETTLE_MS;
  const dataDir = mkdtempSync(join(tmpdir(), 'roxtrail-test-'));
  const stores = await startLocalStores({ dataDir });
  const clients = createStorageClients(stores.settings, options.alerts);
  // No caching in tests: a key rotated or a config changed is visible to the next request.
  const collector = createCollectorHandler({
    clients,
    sites: createSiteCache(clients, 0, options.now),
    now: options.now,
  });
  // Collectors here cache no erasing ids: an erasure need wait only for requests in flight.
  const query = createQueryHandler({
    clients,
    sites: createSiteCache(clients, 0),
    erasures: inProcessErasureRunner(clients, { settleMs: erasureSettleMs }),
  });
  const routes: LocalRoute[] = [
    ...TRACKING_ROUTE_KEYS.map((routeKey) => ({ routeKey, handler: async () => collector })),
    ...QUERY_ROUTE_KEYS.map((routeKey) => ({ routeKey, handler: async () => query })),
    ...extraRoutes(clients),
  ];
  const http = await startLocalHttpServer(routes, 0);
  // The real CLI (bench/cli.ts) finds this stack the way it finds a running `roxtrail start`.
  writeEndpoints(dataDir, {
    pid: process.pid,
    url: http.url,
    startedAt: new Date().toISOString(),
    storage: stores.settings,
    erasureSettleMs,
  });
  return {
    url: http.url,
    clients,
    stores,
    dataDir,
    async createSite(config) {
      const result = await applySiteConfig(clients, siteConfigWithDefaults(config), new Date());
      if (!result.created) throw new Error(`site ${config.site} already exists`);
      return { writeKey: result.writeKey, readKey: result.readKey };
    },
    async archivedEvents(site) {
      const events: NormalizedEvent[] = [];
      for (const object of await listObjects(clients, `events/site=${site}/`)) {
        const text = gunzipSync(await getObjectBytes(clients, object.key)).toString('utf8');
        for (const line of text.split('\n')) if (line) events.push(JSON.parse(line) as NormalizedEvent);
      }
      return events;
    },
    async archivedKeys(prefix) {
      return (await listObjects(clients, prefix)).map((object) => object.key);
    },
    async stop() {
      await http.close();
      await stores.close().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function basicAuth(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}

/**
 * Sends NDJSON lines through `/v1/batch` in batches of `batchSize`, as a client would: every answer
 * that is not a 200 with no rejection throws. The events accepted.
 */
export async function sendLines(
  stack: Pick<TestStack, 'url'>,
  writeKey: string,
  lines: readonly string[],
  batchSize: number,
): Promise<number> {
  let accepted = 0;
  for (let offset = 0; offset < lines.length; offset += batchSize) {
    const batch = lines.slice(offset, offset + batchSize).map((line) => JSON.parse(line) as unknown);
    const response = await fetch(`${stack.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
      body: JSON.stringify({ batch }),
    });
    const body = (await response.json()) as { accepted: number; rejected: unknown[] };
    if (response.status !== 200 || body.rejected.length > 0)
      throw new Error(`batch at line ${offset}: ${response.status} ${JSON.stringify(body)}`);
    accepted += body.accepted;
  }
  return accepted;
}
