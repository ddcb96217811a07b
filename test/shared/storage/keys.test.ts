import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RULE_ID_PATTERN } from '../../../shared/alerts/rules';
import { SITE_ID_PATTERN } from '../../../shared/config/site';
import {
  alertHistoryPrefix,
  alertHistoryRange,
  dayRange,
  ERASING_LISTS,
  type KeyKind,
  keys,
  type ParsedKey,
  parseKey,
  reverseLinkPartition,
  SITE_ITEM_PREFIXES,
  SITES_PARTITION,
  siteKeyRefPrefix,
  siteOfKey,
  sitePartition,
  type TableKey,
} from '../../../shared/storage/keys';

const site = fc.stringMatching(SITE_ID_PATTERN);
const ruleId = fc.stringMatching(RULE_ID_PATTERN);
/** Anonymous and user ids come from the events as they are: `#` and key-like text included. */
const actorId = fc.oneof(fc.string({ minLength: 1 }), fc.constantFrom('a#J#b', 'ANON#x', '#ID#', 'u#U#v#'));
const date = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((value) => value.toISOString().slice(0, 10));
const slot = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
const hex = fc.stringMatching(/^[0-9a-f]{16,64}$/);
const keyKind = fc.constantFrom<KeyKind>('write', 'read', 'admin');

/** Every key the schema builds, with what parseKey must read back from it. */
type Built = { key: TableKey; parsed: ParsedKey };

const builtKey: fc.Arbitrary<Built> = fc.oneof(
  site.map((s): Built => ({ key: keys.siteConfig(s), parsed: { kind: 'siteConfig', site: s } })),
  site.map((s): Built => ({ key: keys.siteIndex(s), parsed: { kind: 'siteIndex', site: s } })),
  hex.map((hash): Built => ({ key: keys.accessKey(hash), parsed: { kind: 'accessKey', hash } })),
  fc.tuple(site, keyKind, hex).map(
    ([s, kind, hash]): Built => ({
      key: keys.siteKeyRef(s, kind, hash),
      parsed: { kind: 'siteKeyRef', site: s, keyKind: kind, hash },
    }),
  ),
  fc.tuple(site, actorId).map(
    ([s, anonymousId]): Built => ({
      key: keys.link(s, anonymousId),
      parsed: { kind: 'link', site: s, anonymousId },
    }),
  ),
  fc.tuple(site, actorId, actorId).map(
    ([s, userId, anonymousId]): Built => ({
      key: keys.reverseLink(s, userId, anonymousId),
      parsed: { kind: 'reverseLink', site: s, userId, anonymousId },
    }),
  ),
  fc.tuple(site, actorId, fc.integer({ min: 0, max: 4_102_444_800_000 }), hex, fc.nat({ max: 999 })).map(
    ([s, actor, firstEventMs, objectDigest, part]): Built => ({
      key: keys.journeySegment(s, actor, { firstEventMs, objectDigest, part }),
      parsed: { kind: 'journey', site: s, actorId: actor, firstEventMs, objectDigest, part },
    }),
  ),
  fc
    .tuple(
      site,
      date,
      fc.constantFrom('dirtyDay', 'consentSalt', 'day', 'lease') as fc.Arbitrary<
        'dirtyDay' | 'consentSalt' | 'day' | 'lease'
      >,
    )
    .map(([s, d, kind]): Built => ({ key: keys[kind](s, d), parsed: { kind, site: s, date: d } })),
  fc
    .tuple(site, hex, fc.constantFrom('erasureJob', 'erasing') as fc.Arbitrary<'erasureJob' | 'erasing'>)
    .map(
      ([s, userKey, kind]): Built => ({ key: keys[kind](s, userKey), parsed: { kind, site: s, userKey } }),
    ),
  fc.tuple(site, hex, fc.constantFrom(...ERASING_LISTS), fc.stringMatching(/^[0-9a-z.]{1,12}$/)).map(
    ([s, userKey, list, part]): Built => ({
      key: keys.erasingPart(s, userKey, list, part),
      parsed: { kind: 'erasingPart', site: s, userKey, list, part },
    }),
  ),
  fc.tuple(site, ruleId).map(
    ([s, id]): Built => ({
      key: keys.alertState(s, id),
      parsed: { kind: 'alertState', site: s, ruleId: id },
    }),
  ),
  fc.tuple(site, date, ruleId, fc.option(slot, { nil: undefined })).map(
    ([s, d, id, at]): Built => ({
      key: keys.alertHistory(s, d, id, at),
      parsed:
        at === undefined
          ? { kind: 'alertHistory', site: s, date: d, ruleId: id }
          : { kind: 'alertHistory', site: s, date: d, ruleId: id, slot: at },
    }),
  ),
);

describe('the table key schema', () => {
  it('reads back every key it builds, whatever the ids hold', () => {
    fc.assert(
      fc.property(builtKey, ({ key, parsed }) => {
        expect(parseKey(key)).toEqual(parsed);
      }),
      { numRuns: 2_000 },
    );
  });

  it('builds keys that no other kind of key parses as', () => {
    fc.assert(
      fc.property(builtKey, builtKey, (a, b) => {
        if (a.key.pk === b.key.pk && a.key.sk === b.key.sk) expect(a.parsed).toEqual(b.parsed);
      }),
    );
  });

  it('keeps the key strings the stored data already uses', () => {
    expect(keys.siteConfig('shop')).toEqual({ pk: 'SITE#shop', sk: 'CONFIG' });
    expect(keys.siteIndex('shop')).toEqual({ pk: 'SITES', sk: 'SITE#shop' });
    expect(keys.accessKey('ab12')).toEqual({ pk: 'KEY#ab12', sk: 'KEY' });
    expect(keys.siteKeyRef('shop', 'read', 'ab12')).toEqual({ pk: 'SITE#shop', sk: 'KEY#read#ab12' });
    expect(keys.link('shop', 'anon-1')).toEqual({ pk: 'SITE#shop#ID#anon-1', sk: 'USER' });
    expect(keys.reverseLink('shop', 'u1', 'anon-1')).toEqual({ pk: 'SITE#shop#U#u1', sk: 'ANON#anon-1' });
    expect(keys.journey('shop', 'anon-1')).toBe('SITE#shop#J#anon-1');
    expect(
      keys.journeySegment('shop', 'a', { firstEventMs: 1_700_000_000_000, objectDigest: 'd1', part: 0 }),
    ).toEqual({
      pk: 'SITE#shop#J#a',
      sk: '001700000000000#d1',
    });
    expect(keys.journeySegment('shop', 'a', { firstEventMs: 5, objectDigest: 'd1', part: 2 }).sk).toBe(
      '000000000000005#d1#2',
    );
    expect(keys.dirtyDay('shop', '2026-11-16')).toEqual({ pk: 'SITE#shop', sk: 'DIRTY#2026-11-16' });
    expect(keys.consentSalt('shop', '2026-11-16').sk).toBe('CSALT#2026-11-16');
    expect(keys.day('shop', '2026-11-16').sk).toBe('DAY#2026-11-16');
    expect(keys.lease('shop', '2026-11-16').sk).toBe('LEASE#2026-11-16');
    expect(keys.erasureJob('shop', 'k1').sk).toBe('ERASURE#k1');
    expect(keys.erasing('shop', 'k1').sk).toBe('ERASING#k1');
    expect(keys.alertState('shop', 'r1')).toEqual({ pk: 'SITE#shop', sk: 'ALERTSTATE#r1' });
    expect(keys.alertHistory('shop', '2026-11-16', 'r1').sk).toBe('ALERT#2026-11-16#r1');
    expect(keys.alertHistory('shop', '2026-11-16', 'r1', '14:00').sk).toBe('ALERT#2026-11-16#r1#14:00');
  });

  it('gives query prefixes and ranges that hold exactly the keys they name', () => {
    expect(sitePartition('shop')).toBe(keys.siteConfig('shop').pk);
    expect(SITES_PARTITION).toBe(keys.siteIndex('shop').pk);
    expect(reverseLinkPartition('shop', 'u1')).toBe(keys.reverseLink('shop', 'u1', 'a').pk);
    expect(keys.siteKeyRef('shop', 'write', 'ab').sk.startsWith(siteKeyRefPrefix('write'))).toBe(true);
    expect(keys.siteKeyRef('shop', 'write', 'ab').sk.startsWith(siteKeyRefPrefix('read'))).toBe(false);
    expect(keys.dirtyDay('shop', '2026-11-16').sk.startsWith(SITE_ITEM_PREFIXES.dirtyDay)).toBe(true);
    fc.assert(
      fc.property(date, date, date, ruleId, fc.option(slot, { nil: undefined }), (a, b, d, id, at) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        const sk = keys.alertHistory('shop', d, id, at).sk;
        const range = alertHistoryRange(from, to);
        expect(range.from <= sk && sk <= range.to).toBe(d >= from && d <= to);
        expect(sk.startsWith(alertHistoryPrefix(d))).toBe(true);
        const day = keys.day('shop', d).sk;
        const days = dayRange(from, to);
        expect(days.from <= day && day <= days.to).toBe(d >= from && d <= to);
      }),
    );
  });

  it('does not take a state item for a history item, nor a link for a journey', () => {
    expect(parseKey({ pk: 'SITE#shop', sk: 'ALERTSTATE#r1' }).kind).toBe('alertState');
    expect(parseKey(keys.link('shop', 'a#J#b')).kind).toBe('link');
    expect(parseKey({ pk: 'SITE#shop', sk: 'ALERT#2026-11-16#r1#14:00#x' }).kind).toBe('unknown');
  });

  it('reads keys it does not build as unknown, with no site', () => {
    for (const key of [
      { pk: 'BENCH#1', sk: 'X' },
      { pk: 'SITE#shop', sk: 'SOMETHING' },
      { pk: 'SITE#shop#X#y', sk: 'USER' },
      { pk: 'SITE#shop#J#a', sk: 'not-a-segment' },
      { pk: 'SITES', sk: 'other' },
      { pk: 1, sk: 'KEY' },
    ]) {
      const parsed = parseKey(key);
      expect(parsed.kind).toBe('unknown');
      expect(siteOfKey(parsed)).toBeUndefined();
    }
    expect(siteOfKey(parseKey(keys.accessKey('ab')))).toBeUndefined();
    expect(siteOfKey(parseKey(keys.reverseLink('shop', 'u', 'a')))).toBe('shop');
  });
});
