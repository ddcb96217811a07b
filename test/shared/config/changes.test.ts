import { describe, expect, it } from 'vitest';
import {
  fieldsResetByApply,
  formatConfigChange,
  mergeSiteConfig,
  SITE_CONFIG_MAPS,
  siteConfigChanges,
} from '../../../shared/config/changes';
import { parseSiteConfig, siteConfigSchema, siteConfigWithDefaults } from '../../../shared/config/site';

const STORED = siteConfigWithDefaults({
  site: 'shop',
  name: 'Shop',
  timezone: 'Europe/Rome',
  origins: ['https://shop.example'],
  touchpoints: { live_chat: { dailyCost: 120, team: 'support' }, size_guide: { dailyCost: 15 } },
  privacy: { pii: ['email', 'phone'], policy: 'drop' },
});

const lines = (before: unknown, after: unknown) => siteConfigChanges(before, after).map(formatConfigChange);

describe('siteConfigChanges', () => {
  it('finds no change between a config and itself, whatever its key order', () => {
    const reversed = (value: unknown): unknown =>
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? Object.fromEntries(
            Object.entries(value)
              .reverse()
              .map(([key, child]) => [key, reversed(child)]),
          )
        : value;

    expect(siteConfigChanges(STORED, { ...STORED })).toEqual([]);
    expect(siteConfigChanges(STORED, reversed(STORED))).toEqual([]);
  });

  it('reports a changed value with both sides, as JSON', () => {
    expect(lines({ site: 's', timezone: 'UTC' }, { site: 's', timezone: 'Europe/Rome' })).toEqual([
      'timezone: "UTC" → "Europe/Rome"',
    ]);
  });

  it('reports touchpoints added, removed and changed, entry by entry, in name order', () => {
    const after = siteConfigWithDefaults({
      ...STORED,
      touchpoints: { live_chat: { dailyCost: 150, team: 'support' }, product_video: { dailyCost: 30 } },
    });
    expect(lines(STORED, after)).toEqual([
      'touchpoints.live_chat.dailyCost: 120 → 150',
      'touchpoints.product_video: added {"dailyCost":30}',
      'touchpoints.size_guide: removed (was {"dailyCost":15})',
    ]);
  });

  it('reports an optional field set and unset', () => {
    expect(lines({ site: 's' }, { site: 's', journeyRetentionDays: 180 })).toEqual([
      'journeyRetentionDays: added 180',
    ]);
    expect(lines({ site: 's', journeyRetentionDays: 180 }, { site: 's' })).toEqual([
      'journeyRetentionDays: removed (was 180)',
    ]);
  });

  it('reports lists of values by what was added and removed, and a reordering as a whole', () => {
    expect(
      lines(
        { origins: ['https://a.example', 'https://b.example'] },
        { origins: ['https://b.example', 'https://c.example'] },
      ),
    ).toEqual(['origins: removed (was "https://a.example")', 'origins: added "https://c.example"']);
    expect(lines({ pii: ['email', 'phone'] }, { pii: ['phone', 'email'] })).toEqual([
      'pii: ["email","phone"] → ["phone","email"]',
    ]);
  });

  it('addresses alert rules by id, as figure paths address list entries', () => {
    const before = {
      alerts: {
        rules: [
          { id: 'a', metric: 'traffic.events', below: 10 },
          { id: 'b', metric: 'rox.value', below: 0 },
        ],
      },
    };
    const after = {
      alerts: {
        rules: [
          { id: 'a', metric: 'traffic.events', below: 20 },
          { id: 'c', metric: 'sales.orders', below: 1 },
        ],
      },
    };
    expect(lines(before, after)).toEqual([
      'alerts.rules[b]: removed (was {"id":"b","metric":"rox.value","below":0})',
      'alerts.rules[a].below: 10 → 20',
      'alerts.rules[c]: added {"id":"c","metric":"sales.orders","below":1}',
    ]);
  });

  it('brackets a key that would not read as one path segment', () => {
    expect(lines({ currencyRates: {} }, { currencyRates: { 'US.D': 1 } })).toEqual([
      'currencyRates[US.D]: added 1',
    ]);
  });

  it('cuts a long value short', () => {
    const [line] = lines({ name: '' }, { name: 'x'.repeat(1_000) });
    expect(line?.length).toBeLessThan(220);
    expect(line).toMatch(/…$/);
  });
});

describe('mergeSiteConfig (JSON merge patch)', () => {
  it('merges objects key by key at any depth and keeps what the patch does not name', () => {
    const merged = mergeSiteConfig(STORED, {
      timezone: 'America/New_York',
      touchpoints: { live_chat: { dailyCost: 99 } },
      privacy: { policy: 'hash' },
    });
    const parsed = parseSiteConfig(merged);
    if (!parsed.ok) throw new Error(parsed.message);

    expect(parsed.config.timezone).toBe('America/New_York');
    expect(parsed.config.name).toBe('Shop');
    expect(parsed.config.touchpoints).toEqual({
      live_chat: { dailyCost: 99, team: 'support' },
      size_guide: { dailyCost: 15 },
    });
    expect(parsed.config.privacy).toEqual({
      pii: ['email', 'phone'],
      policy: 'hash',
      collectSourceIp: false,
    });
  });

  it('replaces arrays whole', () => {
    const merged = mergeSiteConfig(STORED, { origins: ['https://new.example'] }) as { origins: string[] };
    expect(merged.origins).toEqual(['https://new.example']);
  });

  it('removes a key given as null, which then takes its default', () => {
    const merged = mergeSiteConfig(STORED, { timezone: null, touchpoints: { size_guide: null } });
    const parsed = parseSiteConfig(merged);
    if (!parsed.ok) throw new Error(parsed.message);

    expect(parsed.config.timezone).toBe('UTC');
    expect(Object.keys(parsed.config.touchpoints)).toEqual(['live_chat']);
  });

  it('changes nothing given an empty patch, and leaves its inputs alone', () => {
    const before = JSON.stringify(STORED);
    expect(siteConfigChanges(STORED, mergeSiteConfig(STORED, {}))).toEqual([]);
    expect(JSON.stringify(STORED)).toBe(before);
  });

  it('keeps a "__proto__" key as data, never as the prototype', () => {
    const patch = JSON.parse('{"touchpoints":{"__proto__":{"dailyCost":1}}}');
    const merged = mergeSiteConfig({ touchpoints: {} }, patch) as { touchpoints: object };
    expect(Object.getPrototypeOf(merged.touchpoints)).toBe(Object.prototype);
    expect(Object.hasOwn(merged.touchpoints, '__proto__')).toBe(true);
  });
});

describe('fieldsResetByApply', () => {
  const applied = (input: unknown) => {
    const parsed = parseSiteConfig(input);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.config;
  };

  it('names the fields a partial file leaves out while the stored config sets them (the tester’s case)', () => {
    const input = { site: 'shop', name: 'Shop' };
    expect(fieldsResetByApply(STORED, input, applied(input))).toEqual([
      { path: 'origins', before: ['https://shop.example'], after: [] },
      {
        path: 'privacy',
        before: STORED.privacy,
        after: { pii: ['email', 'phone'], policy: 'hash', collectSourceIp: false },
      },
      { path: 'timezone', before: 'Europe/Rome', after: 'UTC' },
      { path: 'touchpoints', before: STORED.touchpoints, after: {} },
    ]);
  });

  it('names nothing when the fields left out already hold their defaults', () => {
    const stored = siteConfigWithDefaults({ site: 'shop', timezone: 'Europe/Rome' });
    const input = { site: 'shop', timezone: 'Asia/Tokyo' };
    expect(fieldsResetByApply(stored, input, applied(input))).toEqual([]);
  });

  it('looks into the records a file gives: a privacy block without its policy', () => {
    const input = { ...STORED, privacy: { pii: ['email'] } };
    expect(fieldsResetByApply(STORED, input, applied(input))).toEqual([
      { path: 'privacy.policy', before: 'drop', after: 'hash' },
    ]);
  });

  it('takes a map a file gives as all of it, but looks into its entries', () => {
    const input = { ...STORED, touchpoints: { live_chat: { dailyCost: 120 } } };
    expect(fieldsResetByApply(STORED, input, applied(input))).toEqual([
      { path: 'touchpoints.live_chat.team', before: 'support', after: undefined },
    ]);
  });

  it('lists the schema’s maps: every record of the site config schema is in SITE_CONFIG_MAPS', () => {
    const shape = siteConfigSchema.def.shape;
    const records = Object.entries(shape)
      .filter(([, field]) => {
        const def = field._zod.def;
        const inner = def.type === 'default' || def.type === 'optional' ? def.innerType._zod.def : def;
        return inner.type === 'record';
      })
      .map(([key]) => key);
    expect([...SITE_CONFIG_MAPS].sort()).toEqual(records.sort());
  });
});
