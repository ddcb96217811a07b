/** Site configuration: the zod schema every entry point validates against (api.md, "Site configuration"). */

import * as z from 'zod/mini';
import { alertRulesSchema, defaultAlertRules } from '../alerts/rules';
import { isValidTimeZone } from '../time';
import { ORIGIN_PATTERN } from './origins';

const positiveInt = z.number().check(z.int(), z.positive());

export const touchpointConfigSchema = z.object({
  dailyCost: z._default(z.number().check(z.nonnegative()), 0),
  team: z.optional(z.string().check(z.minLength(1))),
});

export const privacyConfigSchema = z.object({
  pii: z._default(z.array(z.string().check(z.minLength(1))), ['email', 'phone']),
  policy: z._default(z.enum(['hash', 'drop']), 'hash'),
  /** When true and the event carries no `context.ip`, the request's source IP is stored (truncated). */
  collectSourceIp: z._default(z.boolean(), false),
});

/**
 * Alert rules are fully validated (shared/alerts/rules.ts: conditions and figure paths, which is small
 * and pure); a config without `rules` gets api.md's default rules.
 */
export const alertsConfigSchema = z.object({
  rules: z._default(alertRulesSchema, defaultAlertRules),
  webhooks: z._default(z.array(z.url()), []),
  emails: z._default(z.array(z.email()), []),
});

/**
 * The most a site config may take as JSON, in UTF-8 bytes. It is kept in one DynamoDB item, which
 * holds at most 400 KB with its keys, salt and dates (and a map counts its attribute names): 256 KiB
 * leaves room for those and for the defaults a short file gets filled in with.
 */
export const SITE_CONFIG_MAX_BYTES = 256 * 1024;

export const SITE_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const siteConfigSchema = z.object({
  site: z.string().check(z.regex(SITE_ID_PATTERN, 'site must be 1-63 lower-case letters, digits, - or _')),
  name: z._default(z.string(), ''),
  timezone: z._default(
    z.string().check(z.refine(isValidTimeZone, 'timezone must be an IANA time zone such as Europe/Rome')),
    'UTC',
  ),
  currency: z._default(z.string().check(z.regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code')), 'EUR'),
  currencyRates: z._default(z.record(z.string(), z.number().check(z.positive())), {}),
  origins: z._default(
    z.array(
      z
        .string()
        .check(
          z.regex(
            ORIGIN_PATTERN,
            'origins are scheme://host[:port], with :* for any port or *. for any subdomain',
          ),
        ),
    ),
    [],
  ),
  touchpoints: z._default(z.record(z.string(), touchpointConfigSchema), {}),
  conversionWindowHours: z._default(positiveInt, 24),
  sessionGapMinutes: z._default(positiveInt, 30),
  finalizeAfterHours: z._default(z.number().check(z.int(), z.nonnegative()), 72),
  retentionDays: z._default(positiveInt, 400),
  /**
   * Days a journey's items stay in DynamoDB (the journey API's timeline); unset: 90
   * (DEFAULT_JOURNEY_RETENTION_DAYS), never longer than the archive keeps events. The items are most
   * of the table, so its storage and backups scale with this. Erasure does not depend on it: beyond
   * the items it finds a user's days through the day actor indexes.
   */
  journeyRetentionDays: z.optional(positiveInt),
  privacy: z._default(privacyConfigSchema, {
    pii: ['email', 'phone'],
    policy: 'hash',
    collectSourceIp: false,
  }),
  alerts: z._default(alertsConfigSchema, () => ({ rules: defaultAlertRules(), webhooks: [], emails: [] })),
});

export type SiteConfigInput = z.input<typeof siteConfigSchema>;
export type SiteConfig = z.output<typeof siteConfigSchema>;
export type TouchpointConfig = z.output<typeof touchpointConfigSchema>;

export type ConfigParseResult = { ok: true; config: SiteConfig } | { ok: false; message: string };

export function parseSiteConfig(input: unknown): ConfigParseResult {
  const parsed = siteConfigSchema.safeParse(input);
  if (parsed.success) return { ok: true, config: parsed.data };
  return { ok: false, message: z.prettifyError(parsed.error).replace(/\n/g, '; ') };
}

/**
 * Journey items' days when a site sets none: the journey API shows the last quarter of a customer's
 * path (the archive, and Athena over it, keep everything for `retentionDays`), and 400 days of items
 * would cost four times the table storage and backups for timelines seldom read that far back.
 */
export const DEFAULT_JOURNEY_RETENTION_DAYS = 90;

/** Days journey items are kept: `journeyRetentionDays` (default 90), never longer than the archive. */
export function journeyRetentionDaysOf(
  config: Pick<SiteConfig, 'retentionDays' | 'journeyRetentionDays'>,
): number {
  return Math.min(config.journeyRetentionDays ?? DEFAULT_JOURNEY_RETENTION_DAYS, config.retentionDays);
}

/** When a journey item received at `receivedAtMs` expires (epoch seconds, DynamoDB's TTL attribute). */
export function journeyExpiresAt(
  config: Pick<SiteConfig, 'retentionDays' | 'journeyRetentionDays'>,
  receivedAtMs: number,
): number {
  return Math.ceil(receivedAtMs / 1000) + journeyRetentionDaysOf(config) * 86_400;
}

/** A config with every default filled in, for tests and the simulator. */
export function siteConfigWithDefaults(input: SiteConfigInput): SiteConfig {
  return siteConfigSchema.parse(input);
}
