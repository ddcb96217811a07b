/** The collector with an injected clock: events received at a chosen instant, as on that day. */
import { createCollectorHandler } from '../../functions/collector/handler';
import type { StorageClients } from '../../shared/storage/clients';
import { createSiteCache } from '../../shared/storage/site-cache';
import { basicAuthHeader, httpEvent, invoke, type ParsedResult } from './http-event';

/** Posts `{ batch: events }` with the write key, received at `receivedAtMs`. */
export async function sendAt(
  clients: StorageClients,
  writeKey: string,
  receivedAtMs: number,
  events: readonly Record<string, unknown>[],
): Promise<ParsedResult> {
  const collector = createCollectorHandler({
    clients,
    sites: createSiteCache(clients, 0, () => receivedAtMs),
    now: () => receivedAtMs,
  });
  return invoke(
    collector,
    httpEvent({
      path: '/v1/batch',
      headers: { authorization: basicAuthHeader(writeKey) },
      body: JSON.stringify({ batch: events }),
    }),
  );
}
