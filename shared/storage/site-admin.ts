/** Creating and updating sites: validate the config, store it, issue keys on creation. */
import { parseSiteConfig, SITE_CONFIG_MAX_BYTES, type SiteConfig } from '../config/site';
import type { StorageClients } from './clients';
import {
  createSite,
  getSite,
  issueAccessKey,
  type KeyKind,
  listSites,
  rotateAccessKey,
  updateSiteConfig,
} from './table';

export class SiteConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SiteConfigError';
  }
}

/** Why a config over SITE_CONFIG_MAX_BYTES is refused (the CLI says the same of a file). */
export function siteConfigTooLarge(what: string, bytes: number): string {
  const limit = SITE_CONFIG_MAX_BYTES.toLocaleString('en-US');
  return `${what} is too large: ${bytes.toLocaleString('en-US')} bytes, and a site config may take at most ${limit} bytes (256 KiB) of UTF-8, to fit in its DynamoDB item`;
}

export type ApplyResult =
  | { created: true; config: SiteConfig; writeKey: string; readKey: string }
  | { created: false; config: SiteConfig; previous: SiteConfig };

/** Extra checks that need more than the schema (e.g. alert figure paths), plugged in by callers. */
export type ConfigCheck = (config: SiteConfig) => string | undefined;

export async function applySiteConfig(
  clients: StorageClients,
  input: unknown,
  now: Date,
  checks: readonly ConfigCheck[] = [],
): Promise<ApplyResult> {
  const parsed = parseSiteConfig(input);
  if (!parsed.ok) throw new SiteConfigError(`invalid site config: ${parsed.message}`);
  const config = parsed.config;
  const bytes = new TextEncoder().encode(JSON.stringify(config)).length;
  if (bytes > SITE_CONFIG_MAX_BYTES) throw new SiteConfigError(siteConfigTooLarge('the site config', bytes));
  for (const check of checks) {
    const problem = check(config);
    if (problem) throw new SiteConfigError(`invalid site config: ${problem}`);
  }
  const existing = await getSite(clients, config.site);
  if (existing) {
    await updateSiteConfig(clients, config, now);
    return { created: false, config, previous: existing.config };
  }
  if (!(await createSite(clients, config, now))) {
    // Another writer created it between our read and write: apply as an update.
    const winner = await getSite(clients, config.site);
    if (!winner) throw new SiteConfigError(`site ${config.site} could not be stored: apply it again`);
    await updateSiteConfig(clients, config, now);
    return { created: false, config, previous: winner.config };
  }
  const writeKey = await issueAccessKey(clients, config.site, 'write', now);
  const readKey = await issueAccessKey(clients, config.site, 'read', now);
  return { created: true, config, writeKey, readKey };
}

export interface SiteSummary {
  site: string;
  name: string;
  timezone: string;
  currency: string;
  createdAt: string;
}

export async function listSiteSummaries(clients: StorageClients): Promise<SiteSummary[]> {
  const summaries: SiteSummary[] = [];
  for (const id of await listSites(clients)) {
    const stored = await getSite(clients, id);
    if (!stored) continue;
    const { site, name, timezone, currency } = stored.config;
    summaries.push({ site, name, timezone, currency, createdAt: stored.createdAt });
  }
  return summaries;
}

/**
 * The longest the older keys of a kind keep working after a rotation (30 days): time to roll the new
 * key out to every storefront, not a second key kept for good.
 */
export const MAX_KEY_GRACE_HOURS = 720;

/** Why a grace period cannot be used, or undefined: hours from 0 to MAX_KEY_GRACE_HOURS. */
export function keyGraceHoursProblem(graceHours: number): string | undefined {
  return Number.isFinite(graceHours) && graceHours >= 0 && graceHours <= MAX_KEY_GRACE_HOURS
    ? undefined
    : `the grace period is a number of hours from 0 to ${MAX_KEY_GRACE_HOURS} (30 days), got ${graceHours}`;
}

/** Checked before anything is stored: a refused rotation issues no key. */
export async function rotateSiteKey(
  clients: StorageClients,
  site: string,
  kind: KeyKind,
  graceHours: number,
  now: Date,
): Promise<{ key: string; retiring: number; retiresAt: string }> {
  const problem = keyGraceHoursProblem(graceHours);
  if (problem) throw new SiteConfigError(problem);
  if (!(await getSite(clients, site))) throw new SiteConfigError(`unknown site "${site}"`);
  return rotateAccessKey(clients, site, kind, graceHours, now);
}
