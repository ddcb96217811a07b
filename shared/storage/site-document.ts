/** The stored site config as a document to read, edit and apply again (`sites get`, `sites apply --merge`). */
import { mergeSiteConfig } from '../config/changes';
import { parseSiteConfig, type SiteConfig } from '../config/site';
import type { StorageClients } from './clients';
import { SiteConfigError } from './site-admin';
import { getSite } from './table';

/**
 * The site's config document, exactly the fields of the schema (shared/config/site.ts), defaults
 * filled in. Keys and the PII salt are kept apart from it (their own items and attributes), so it
 * holds no key material and can be edited and applied again as it is.
 */
export async function siteConfigDocument(clients: StorageClients, site: string): Promise<SiteConfig> {
  const stored = await getSite(clients, site);
  if (!stored) throw new SiteConfigError(`unknown site "${site}" (roxtrail sites list shows the sites)`);
  const parsed = parseSiteConfig(stored.config);
  return parsed.ok ? parsed.config : stored.config;
}

/**
 * A partial config merged onto the stored one (JSON merge patch, shared/config/changes.ts), to be
 * validated and applied like a whole file. The site is the patch's `site`, else `site`; both given,
 * they must agree. Only an existing site can be merged onto.
 */
export async function mergedSiteConfigInput(
  clients: StorageClients,
  patch: unknown,
  site: string | undefined,
): Promise<unknown> {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    throw new SiteConfigError('a --merge file must hold a JSON object');
  const named = 'site' in patch ? patch.site : undefined;
  if (named !== undefined && typeof named !== 'string') throw new SiteConfigError('site must be a string');
  if (named !== undefined && site !== undefined && named !== site)
    throw new SiteConfigError(`the file is for site "${named}", not "${site}"`);
  const target = named ?? site;
  if (target === undefined)
    throw new SiteConfigError('--merge needs the site: --site S, or "site" in the file');
  const stored = await getSite(clients, target);
  if (!stored)
    throw new SiteConfigError(
      `unknown site "${target}": sites apply without --merge creates it from a whole file`,
    );
  return mergeSiteConfig(stored.config, { ...patch, site: target });
}
