/** The one config loader: site configs and key lookups, cached per warm container for a short time. */
import type { SiteConfig } from '../config/site';
import type { StorageClients } from './clients';
import { erasingIdsOf } from './erasure-jobs';
import { ERASING_IDS_TTL_MS } from './erasure-timing';
import { getSite, hashAccessKey, type KeyKind, resolveAccessKey, type StoredSite } from './table';

/** Issued keys are 36 characters (table.ts newAccessKey); anything much longer is not a key. */
const MAX_ACCESS_KEY_LENGTH = 200;

export interface SiteCache {
  /** The site a key belongs to (undefined: unknown or retired). */
  siteForKey(key: string, kind: KeyKind): Promise<string | undefined>;
  site(site: string): Promise<StoredSite | undefined>;
  config(site: string): Promise<SiteConfig | undefined>;
  /** The ids whose events are refused while their user's erasure runs (usually none), to its job. */
  erasingIds(site: string): Promise<ReadonlyMap<string, string>>;
}

interface Cached<T> {
  value: T;
  until: number;
}

/** Changes to configs and keys reach warm containers within `ttlMs` (60 s by default). */
export function createSiteCache(clients: StorageClients, ttlMs = 60_000, now = () => Date.now()): SiteCache {
  const keyCache = new Map<string, Cached<string | undefined>>();
  const siteCache = new Map<string, Cached<StoredSite | undefined>>();
  const erasingCache = new Map<string, Cached<ReadonlyMap<string, string>>>();

  async function cached<T>(
    cache: Map<string, Cached<T>>,
    id: string,
    load: () => Promise<T>,
    keepMs = ttlMs,
  ): Promise<T> {
    const hit = cache.get(id);
    if (hit && hit.until > now()) return hit.value;
    const value = await load();
    if (cache.size > 10_000) cache.clear();
    // Unknown keys are cached briefly too, so a misconfigured client cannot hammer the table.
    cache.set(id, { value, until: now() + keepMs });
    return value;
  }

  const site = (id: string) => cached(siteCache, id, () => getSite(clients, id));
  return {
    // Cached by digest, not by the text a caller sent: 10,000 cached 400 KB "keys" would fill the memory.
    siteForKey: async (key, kind) =>
      key.length > MAX_ACCESS_KEY_LENGTH
        ? undefined
        : cached(keyCache, `${kind}:${hashAccessKey(key)}`, () =>
            resolveAccessKey(clients, key, kind, new Date(now())),
          ),
    site,
    config: async (id) => (await site(id))?.config,
    erasingIds: (id) =>
      cached(erasingCache, id, () => erasingIdsOf(clients, id), Math.min(ttlMs, ERASING_IDS_TTL_MS)),
  };
}
