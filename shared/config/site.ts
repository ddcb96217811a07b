/** Site configuration: the zod schema every entry point validates against (api.md, "Site configuration"). */

import * as z from 'zod/mini';
import { alertRulesSchema, defaultAlertRules, withHourlyDefaults } from '../alerts/rules';
import { isValidTimeZone } from '../time';
import { ORIGIN_PATTERN } from './origins';

/**
 * The bounds of every number and list of a site config (README, "Limits of a site config"). Beyond
 * them a config would break what reads it: numbers past 2^53 cannot be stored in DynamoDB through the
 * SDK, a conversion window is read (and recomputed) a day per 24
 * hours of it, and every alert rule is evaluated at every run.
 */
export const SITE_CONFIG_LIMITS = {
  currencyRates: { entries: 200, maxRate: 1e9 },
  origins: { entries: 100, length: 255 },
  touchpoints: { entries: 100, nameLength: 100, maxDailyCost: 1e9, teamLength: 100 },
  conversionWindowHours: { min: 1, max: 168 },
  sessionGapMinutes: { min: 1, max: 1_440 },
  finalizeAfterHours: { min: 0, max: 720 },
  retentionDays: { min: 1, max: 3_650 },
  journeyRetentionDays: { min: 1, max: 3_650 },
  pii: { entries: 100, length: 100 },
  webhooks: { entries: 10, length: 2_048 },
  emails: { entries: 20 },
  outcomes: {
    windowDays: { min: 1, max: 90 },
    horizonDays: { min: 1, max: 30 },
    lookbackDays: { min: 0, max: 30 },
  },
} as const;

const L = SITE_CONFIG_LIMITS;
const count = (n: number): string => n.toLocaleString('en-US');

/** A whole number in [min, max], with one message saying so for any failure (wrong type included). */
function wholeNumber(field: string, min: number, max: number) {
  const message = `${field} is a whole number from ${count(min)} to ${count(max)}`;
  return z.number(message).check(z.int(message), z.gte(min, message), z.lte(max, message));
}

/** A list of at most `entries` entries. */
function listOf<T extends z.core.SomeType>(field: string, item: T, entries: number) {
  return z
    .array(item, `${field} is a list`)
    .check(z.maxLength(entries, `${field} holds at most ${count(entries)} entries`));
}

/** An object of at most `entries` keys, each 1 to `keyLength` characters when a length is given. */
function mapOf<T extends z.core.SomeType>(field: string, value: T, entries: number, keyLength?: number) {
  const keyMessage = `names in ${field} are 1 to ${count(keyLength ?? 0)} characters`;
  return z.record(z.string(), value, `${field} is an object`).check(
    z.refine((map) => Object.keys(map).length <= entries, `${field} holds at most ${count(entries)} entries`),
    z.refine(
      (map) =>
        keyLength === undefined ||
        Object.keys(map).every((key) => key.length >= 1 && key.length <= keyLength),
      keyMessage,
    ),
  );
}

const DAILY_COST = `dailyCost is a number from 0 to ${count(L.touchpoints.maxDailyCost)} (site currency a day)`;
const TEAM = `team is 1 to ${count(L.touchpoints.teamLength)} characters`;

export const touchpointConfigSchema = z.object({
  dailyCost: z._default(
    z.number(DAILY_COST).check(z.gte(0, DAILY_COST), z.lte(L.touchpoints.maxDailyCost, DAILY_COST)),
    0,
  ),
  team: z.optional(z.string(TEAM).check(z.minLength(1, TEAM), z.maxLength(L.touchpoints.teamLength, TEAM))),
});

const PII_KEY = `pii keys are 1 to ${count(L.pii.length)} characters`;

export const privacyConfigSchema = z.object({
  pii: z._default(
    listOf(
      'pii',
      z.string(PII_KEY).check(z.minLength(1, PII_KEY), z.maxLength(L.pii.length, PII_KEY)),
      L.pii.entries,
    ),
    ['email', 'phone'],
  ),
  policy: z._default(z.enum(['hash', 'drop']), 'hash'),
  /** When true and the event carries no `context.ip`, the request's source IP is stored (truncated). */
  collectSourceIp: z._default(z.boolean(), false),
});

const WEBHOOK = `webhooks are http(s) URLs of at most ${count(L.webhooks.length)} characters`;

/**
 * Alert rules are fully validated (shared/alerts/rules.ts: conditions and figure paths, which is small
 * and pure); a config without `rules` gets api.md's default rules.
 */
export const alertsConfigSchema = z.object({
  rules: z._default(alertRulesSchema.check(z.overwrite(withHourlyDefaults)), defaultAlertRules),
  webhooks: z._default(
    listOf('webhooks', z.url(WEBHOOK).check(z.maxLength(L.webhooks.length, WEBHOOK)), L.webhooks.entries),
    [],
  ),
  emails: z._default(listOf('emails', z.email('emails are e-mail addresses'), L.emails.entries), []),
});

/**
 * The most a site config may take as JSON, in UTF-8 bytes. It is kept in one DynamoDB item, which
 * holds at most 400 KB with its keys, salt and dates (and a map counts its attribute names): 256 KiB
 * leaves room for those and for the defaults a short file gets filled in with.
 */
export const SITE_CONFIG_MAX_BYTES = 256 * 1024;

export const SITE_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const RATE = `a currency rate is a number above 0 and at most ${count(L.currencyRates.maxRate)} (site currency per unit)`;
const ORIGIN = `origins are scheme://host[:port], with :* for any port or *. for any subdomain, at most ${count(L.origins.length)} characters`;

export const siteConfigSchema = z.object({
  site: z.string().check(z.regex(SITE_ID_PATTERN, 'site must be 1-63 lower-case letters, digits, - or _')),
  name: z._default(z.string(), ''),
  timezone: z._default(
    z.string().check(z.refine(isValidTimeZone, 'timezone must be an IANA time zone such as Europe/Rome')),
    'UTC',
  ),
  currency: z._default(z.string().check(z.regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code')), 'EUR'),
  currencyRates: z._default(
    mapOf(
      'currencyRates',
      z.number(RATE).check(z.positive(RATE), z.lte(L.currencyRates.maxRate, RATE)),
      L.currencyRates.entries,
    ),
    {},
  ),
  origins: z._default(
    listOf(
      'origins',
      z.string(ORIGIN).check(z.regex(ORIGIN_PATTERN, ORIGIN), z.maxLength(L.origins.length, ORIGIN)),
      L.origins.entries,
    ),
    [],
  ),
  touchpoints: z._default(
    mapOf('touchpoints', touchpointConfigSchema, L.touchpoints.entries, L.touchpoints.nameLength),
    {},
  ),
  conversionWindowHours: z._default(
    wholeNumber('conversionWindowHours', L.conversionWindowHours.min, L.conversionWindowHours.max),
    24,
  ),
  sessionGapMinutes: z._default(
    wholeNumber('sessionGapMinutes', L.sessionGapMinutes.min, L.sessionGapMinutes.max),
    30,
  ),
  finalizeAfterHours: z._default(
    wholeNumber('finalizeAfterHours', L.finalizeAfterHours.min, L.finalizeAfterHours.max),
    72,
  ),
  retentionDays: z._default(wholeNumber('retentionDays', L.retentionDays.min, L.retentionDays.max), 400),
  /**
   * Days a journey's items stay in DynamoDB (the journey API's timeline); unset: 90
   * (DEFAULT_JOURNEY_RETENTION_DAYS), never longer than the archive keeps events. The items are most
   * of the table, so its storage and backups scale with this. Erasure does not depend on it: beyond
   * the items it finds a user's days through the day actor indexes.
   */
  journeyRetentionDays: z.optional(
    wholeNumber('journeyRetentionDays', L.journeyRetentionDays.min, L.journeyRetentionDays.max),
  ),
  /** metrics.md §7: the exposure window, how long each exposure is followed, the covariates' lookback. */
  outcomes: z._default(
    z.object({
      windowDays: z._default(
        wholeNumber('outcomes.windowDays', L.outcomes.windowDays.min, L.outcomes.windowDays.max),
        28,
      ),
      horizonDays: z._default(
        wholeNumber('outcomes.horizonDays', L.outcomes.horizonDays.min, L.outcomes.horizonDays.max),
        7,
      ),
      lookbackDays: z._default(
        wholeNumber('outcomes.lookbackDays', L.outcomes.lookbackDays.min, L.outcomes.lookbackDays.max),
        7,
      ),
    }),
    () => ({ windowDays: 28, horizonDays: 7, lookbackDays: 7 }),
  ),
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
