/** Bounds of the site config (issue 15): each number and list has a min and max with a clear message. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../bench/cli';
import { DEMO_SITE_CONFIG } from '../../../infra/local/runtime';
import { ALERT_RULE_LIMITS } from '../../../shared/alerts/rules';
import { parseSiteConfig, SITE_CONFIG_LIMITS } from '../../../shared/config/site';

const L = SITE_CONFIG_LIMITS;
const R = ALERT_RULE_LIMITS;

function messageOf(input: Record<string, unknown>): string {
  const parsed = parseSiteConfig({ site: 'bounds', ...input });
  return parsed.ok ? 'accepted' : parsed.message;
}

const entries = <T>(n: number, value: (i: number) => T): Record<string, T> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, value(i)]));
const list = <T>(n: number, value: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => value(i));
const rule = (extra: Record<string, unknown>) => ({
  alerts: { rules: [{ id: 'r', metric: 'traffic.events', ...extra }] },
});

/** [what, the config at the bound (accepted), one step past it (rejected), the message's start]. */
const BOUNDS: [string, Record<string, unknown>, Record<string, unknown>, string][] = [
  [
    'dailyCost max',
    { touchpoints: { chat: { dailyCost: L.touchpoints.maxDailyCost } } },
    { touchpoints: { chat: { dailyCost: 1e20 } } },
    '✖ dailyCost is a number from 0 to 1,000,000,000 (site currency a day);   → at touchpoints.chat.dailyCost',
  ],
  [
    'dailyCost min',
    { touchpoints: { chat: { dailyCost: 0 } } },
    { touchpoints: { chat: { dailyCost: -1 } } },
    '✖ dailyCost is a number from 0 to 1,000,000,000',
  ],
  [
    'touchpoint count',
    { touchpoints: entries(L.touchpoints.entries, () => ({ dailyCost: 1 })) },
    { touchpoints: entries(L.touchpoints.entries + 1, () => ({ dailyCost: 1 })) },
    '✖ touchpoints holds at most 100 entries;   → at touchpoints',
  ],
  [
    'touchpoint name length',
    { touchpoints: { ['t'.repeat(L.touchpoints.nameLength)]: {} } },
    { touchpoints: { ['t'.repeat(L.touchpoints.nameLength + 1)]: {} } },
    '✖ names in touchpoints are 1 to 100 characters',
  ],
  [
    'team length',
    { touchpoints: { chat: { team: 't'.repeat(L.touchpoints.teamLength) } } },
    { touchpoints: { chat: { team: 't'.repeat(L.touchpoints.teamLength + 1) } } },
    '✖ team is 1 to 100 characters;   → at touchpoints.chat.team',
  ],
  [
    'conversionWindowHours max',
    { conversionWindowHours: L.conversionWindowHours.max },
    { conversionWindowHours: 200_000 },
    '✖ conversionWindowHours is a whole number from 1 to 168;   → at conversionWindowHours',
  ],
  [
    'conversionWindowHours whole',
    { conversionWindowHours: 1 },
    { conversionWindowHours: 1.5 },
    '✖ conversionWindowHours is a whole number from 1 to 168',
  ],
  [
    'sessionGapMinutes max',
    { sessionGapMinutes: L.sessionGapMinutes.max },
    { sessionGapMinutes: L.sessionGapMinutes.max + 1 },
    '✖ sessionGapMinutes is a whole number from 1 to 1,440;   → at sessionGapMinutes',
  ],
  [
    'sessionGapMinutes min',
    { sessionGapMinutes: 1 },
    { sessionGapMinutes: 0 },
    '✖ sessionGapMinutes is a whole number from 1 to 1,440',
  ],
  [
    'finalizeAfterHours max',
    { finalizeAfterHours: L.finalizeAfterHours.max },
    { finalizeAfterHours: L.finalizeAfterHours.max + 1 },
    '✖ finalizeAfterHours is a whole number from 0 to 720;   → at finalizeAfterHours',
  ],
  [
    'retentionDays max',
    { retentionDays: L.retentionDays.max },
    { retentionDays: L.retentionDays.max + 1 },
    '✖ retentionDays is a whole number from 1 to 3,650;   → at retentionDays',
  ],
  [
    'journeyRetentionDays max',
    { journeyRetentionDays: L.journeyRetentionDays.max },
    { journeyRetentionDays: L.journeyRetentionDays.max + 1 },
    '✖ journeyRetentionDays is a whole number from 1 to 3,650;   → at journeyRetentionDays',
  ],
  [
    'currency rate max',
    { currencyRates: { USD: L.currencyRates.maxRate } },
    { currencyRates: { USD: L.currencyRates.maxRate * 10 } },
    '✖ a currency rate is a number above 0 and at most 1,000,000,000 (site currency per unit);   → at currencyRates.USD',
  ],
  [
    'currency rate count',
    { currencyRates: entries(L.currencyRates.entries, () => 1) },
    { currencyRates: entries(L.currencyRates.entries + 1, () => 1) },
    '✖ currencyRates holds at most 200 entries;   → at currencyRates',
  ],
  [
    'origin count',
    { origins: list(L.origins.entries, (i) => `https://o${i}.example`) },
    { origins: list(L.origins.entries + 1, (i) => `https://o${i}.example`) },
    '✖ origins holds at most 100 entries;   → at origins',
  ],
  [
    'origin length',
    { origins: [`https://${'o'.repeat(L.origins.length - 8)}`] },
    { origins: [`https://${'o'.repeat(L.origins.length - 7)}`] },
    '✖ origins are scheme://host[:port], with :* for any port or *. for any subdomain, at most 255 characters;   → at origins[0]',
  ],
  [
    'pii count',
    { privacy: { pii: list(L.pii.entries, (i) => `k${i}`) } },
    { privacy: { pii: list(L.pii.entries + 1, (i) => `k${i}`) } },
    '✖ pii holds at most 100 entries;   → at privacy.pii',
  ],
  [
    'pii key length',
    { privacy: { pii: ['k'.repeat(L.pii.length)] } },
    { privacy: { pii: ['k'.repeat(L.pii.length + 1)] } },
    '✖ pii keys are 1 to 100 characters;   → at privacy.pii[0]',
  ],
  [
    'webhook count',
    { alerts: { webhooks: list(L.webhooks.entries, (i) => `https://hooks.example/${i}`) } },
    { alerts: { webhooks: list(L.webhooks.entries + 1, (i) => `https://hooks.example/${i}`) } },
    '✖ webhooks holds at most 10 entries;   → at alerts.webhooks',
  ],
  [
    'webhook length',
    { alerts: { webhooks: [`https://hooks.example/${'p'.repeat(L.webhooks.length - 22)}`] } },
    { alerts: { webhooks: [`https://hooks.example/${'p'.repeat(L.webhooks.length - 21)}`] } },
    '✖ webhooks are http(s) URLs of at most 2,048 characters;   → at alerts.webhooks[0]',
  ],
  [
    'e-mail count',
    { alerts: { emails: list(L.emails.entries, (i) => `ops${i}@shop.example`) } },
    { alerts: { emails: list(L.emails.entries + 1, (i) => `ops${i}@shop.example`) } },
    '✖ emails holds at most 20 entries;   → at alerts.emails',
  ],
  [
    'rule count',
    { alerts: { rules: list(R.rules, (i) => ({ id: `r${i}`, metric: 'traffic.events', below: 1 })) } },
    { alerts: { rules: list(20_000, (i) => ({ id: `r${i}`, metric: 'traffic.events', below: 1 })) } },
    '✖ alerts.rules holds at most 100 rules;   → at alerts.rules',
  ],
  [
    'above max',
    rule({ above: R.maxMagnitude }),
    rule({ above: 1e20 }),
    '✖ above and below are numbers from -1,000,000,000,000,000 to 1,000,000,000,000,000;   → at alerts.rules[0].above',
  ],
  [
    'below min',
    rule({ below: -R.maxMagnitude }),
    rule({ below: -1e20 }),
    '✖ above and below are numbers from -1,000,000,000,000,000 to 1,000,000,000,000,000;   → at alerts.rules[0].below',
  ],
  [
    'riseBy max',
    rule({ riseBy: R.maxRiseBy }),
    rule({ riseBy: R.maxRiseBy + 1 }),
    '✖ riseBy is a fraction of the baseline, above 0 and at most 1,000 (0.5 = 50 %);   → at alerts.rules[0].riseBy',
  ],
  [
    'dropByPoints max',
    rule({ dropByPoints: R.maxMagnitude }),
    rule({ dropByPoints: 1e20 }),
    '✖ dropByPoints and riseByPoints are numbers above 0 and at most 1,000,000,000,000,000',
  ],
  [
    'minSample.atLeast max',
    rule({ below: 1, minSample: { metric: 'traffic.events', atLeast: R.maxMagnitude } }),
    rule({ below: 1, minSample: { metric: 'traffic.events', atLeast: 1e20 } }),
    '✖ atLeast is a number from 0 to 1,000,000,000,000,000;   → at alerts.rules[0].minSample.atLeast',
  ],
  [
    'remindAfterDays max',
    rule({ below: 1, remindAfterDays: R.maxRemindAfterDays }),
    rule({ below: 1, remindAfterDays: R.maxRemindAfterDays + 1 }),
    '✖ remindAfterDays is a whole number of days from 1 to 365;   → at alerts.rules[0].remindAfterDays',
  ],
  [
    'baselineDays max',
    rule({ dropBy: 0.5, baselineDays: R.maxBaselineDays }),
    rule({ dropBy: 0.5, baselineDays: R.maxBaselineDays + 1 }),
    '✖ baselineDays is a whole number of days from 3 to 90;   → at alerts.rules[0].baselineDays',
  ],
];

describe('site config bounds', () => {
  it.each(BOUNDS)(
    '%s: accepts the bound and refuses one step past it, saying so',
    (_what, at, past, start) => {
      expect(messageOf(at)).toBe('accepted');
      expect(messageOf(past).startsWith(start)).toBe(true);
    },
  );

  it('names a number sent as text with the same message', () => {
    expect(messageOf({ conversionWindowHours: '24' })).toBe(
      '✖ conversionWindowHours is a whole number from 1 to 168;   → at conversionWindowHours',
    );
  });

  it('accepts the demo site and every conformance site config', () => {
    const shared = resolve(REPO_ROOT, '..', 'shared');
    const files = readdirSync(shared)
      .filter((name) => name.startsWith('conformance'))
      .map((name) => join(shared, name, 'site.json'))
      .filter((file) => existsSync(file));

    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files)
      expect(parseSiteConfig(JSON.parse(readFileSync(file, 'utf8'))).ok, file).toBe(true);
    expect(parseSiteConfig(DEMO_SITE_CONFIG).ok).toBe(true);
  });
});

describe("the README's table of limits", () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Limits of a site config'));
  const rows = new Map(
    [...section.matchAll(/^\| (.+?) \| (.+?) \| (.+?) \|$/gm)].map((m) => [
      m[1] ?? '',
      [m[2] ?? '', m[3] ?? ''],
    ]),
  );
  const n = (value: number): string => value.toLocaleString('en-US');

  it.each([
    ['`currencyRates`', '0 entries', `${n(L.currencyRates.entries)} entries`],
    ['a rate in `currencyRates` (site currency per unit)', 'above 0', n(L.currencyRates.maxRate)],
    [
      '`origins`',
      '0 entries',
      `${n(L.origins.entries)} entries, each at most ${n(L.origins.length)} characters`,
    ],
    [
      '`touchpoints`',
      '0 entries',
      `${n(L.touchpoints.entries)} entries, names of 1 to ${n(L.touchpoints.nameLength)} characters`,
    ],
    ['`touchpoints.<t>.dailyCost`', '0', n(L.touchpoints.maxDailyCost)],
    ['`touchpoints.<t>.team`', '1 character', `${n(L.touchpoints.teamLength)} characters`],
    [
      '`conversionWindowHours` (whole hours)',
      n(L.conversionWindowHours.min),
      `${n(L.conversionWindowHours.max)} (a week)`,
    ],
    [
      '`sessionGapMinutes` (whole minutes)',
      n(L.sessionGapMinutes.min),
      `${n(L.sessionGapMinutes.max)} (a day)`,
    ],
    [
      '`finalizeAfterHours` (whole hours)',
      n(L.finalizeAfterHours.min),
      `${n(L.finalizeAfterHours.max)} (30 days)`,
    ],
    ['`retentionDays` (whole days)', n(L.retentionDays.min), n(L.retentionDays.max)],
    [
      '`journeyRetentionDays` (whole days)',
      n(L.journeyRetentionDays.min),
      `${n(L.journeyRetentionDays.max)} (and never beyond \`retentionDays\`)`,
    ],
    ['`privacy.pii`', '0 keys', `${n(L.pii.entries)} keys, each 1 to ${n(L.pii.length)} characters`],
    ['`alerts.rules`', '0 rules', `${n(R.rules)} rules`],
    ['`above`, `below` of a rule', `-${n(R.maxMagnitude)}`, n(R.maxMagnitude)],
    ['`riseBy` of a rule', 'above 0', n(R.maxRiseBy)],
    ['`dropByPoints`, `riseByPoints` of a rule', 'above 0', n(R.maxMagnitude)],
    ['`baselineDays` of a rule (whole days)', '3', n(R.maxBaselineDays)],
    ['`minSample.atLeast` of a rule', '0', n(R.maxMagnitude)],
    ['`remindAfterDays` of a rule (whole days)', '1', n(R.maxRemindAfterDays)],
    [
      '`alerts.webhooks`',
      '0 URLs',
      `${n(L.webhooks.entries)} URLs, each at most ${n(L.webhooks.length)} characters`,
    ],
    ['`alerts.emails`', '0 addresses', `${n(L.emails.entries)} addresses`],
  ])('gives the bounds the schema enforces for %s', (field, min, max) => {
    expect(rows.get(field)).toEqual([min, max]);
  });
});
