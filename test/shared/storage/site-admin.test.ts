/** Site configs against dynalite: the size limit that keeps a config inside its DynamoDB item. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStores, startLocalStores } from '../../../infra/local/stores';
import { SITE_CONFIG_MAX_BYTES, siteConfigWithDefaults } from '../../../shared/config/site';
import { createStorageClients, type StorageClients } from '../../../shared/storage/clients';
import {
  applySiteConfig,
  listSiteSummaries,
  MAX_KEY_GRACE_HOURS,
  rotateSiteKey,
  SiteConfigError,
} from '../../../shared/storage/site-admin';
import { getSite } from '../../../shared/storage/table';
import { scanTable } from '../../helpers/dump-stores';

let stores: LocalStores;
let clients: StorageClients;
beforeAll(async () => {
  stores = await startLocalStores();
  clients = createStorageClients(stores.settings);
});
afterAll(() => stores.close());

const NOW = new Date('2026-11-20T12:00:00Z');

/** A config whose JSON takes exactly `bytes` UTF-8 bytes, padded in its name with `filler`. */
function configOfBytes(site: string, bytes: number, filler: 'x' | 'é') {
  const base = new TextEncoder().encode(JSON.stringify(siteConfigWithDefaults({ site }))).length;
  const fillerBytes = new TextEncoder().encode(filler).length;
  const name =
    filler.repeat(Math.floor((bytes - base) / fillerBytes)) + 'x'.repeat((bytes - base) % fillerBytes);
  const config = siteConfigWithDefaults({ site, name });
  expect(new TextEncoder().encode(JSON.stringify(config)).length).toBe(bytes);
  return config;
}

describe('applySiteConfig and the size of a config', () => {
  it('stores a config of exactly 256 KiB: the limit fits in a DynamoDB item with room to spare', async () => {
    const result = await applySiteConfig(clients, configOfBytes('at-limit', SITE_CONFIG_MAX_BYTES, 'x'), NOW);
    expect(result.created).toBe(true);
    expect((await getSite(clients, 'at-limit'))?.config).toEqual(result.config);
  });

  it('refuses a config one UTF-8 byte over the limit, counting bytes rather than characters, and stores nothing', async () => {
    const config = configOfBytes('over-limit', SITE_CONFIG_MAX_BYTES + 1, 'é');
    expect(JSON.stringify(config).length).toBeLessThan(SITE_CONFIG_MAX_BYTES);
    const applying = applySiteConfig(clients, config, NOW);
    await expect(applying).rejects.toThrow(SiteConfigError);
    await expect(applying).rejects.toThrow(
      'the site config is too large: 262,145 bytes, and a site config may take at most 262,144 bytes (256 KiB)',
    );
    expect(await getSite(clients, 'over-limit')).toBeUndefined();
    expect((await listSiteSummaries(clients)).map((s) => s.site)).toEqual(['at-limit']);
  });
});

describe('rotateSiteKey and the grace period', () => {
  it.each([1e12, 720.5, -1, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses %d hours before it stores anything',
    async (graceHours) => {
      const site = 'grace-shop';
      if (!(await getSite(clients, site)))
        await applySiteConfig(clients, siteConfigWithDefaults({ site }), NOW);
      const keysBefore = await scanTable(clients);

      const rotating = rotateSiteKey(clients, site, 'write', graceHours, NOW);

      await expect(rotating).rejects.toThrow(SiteConfigError);
      await expect(rotating).rejects.toThrow(
        `the grace period is a number of hours from 0 to ${MAX_KEY_GRACE_HOURS} (30 days), got ${graceHours}`,
      );
      expect(await scanTable(clients)).toEqual(keysBefore);
    },
  );
});
