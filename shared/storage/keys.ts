/**
 * The single table's key schema (architecture.md, "Data layout"): every `pk`/`sk` is built here and
 * read back only through `parseKey`, so no other module writes or splits a key string by hand.
 *
 * Site ids (SITE_ID_PATTERN), rule ids (RULE_ID_PATTERN), dates, key hashes and user keys hold no `#`;
 * anonymous and user ids may hold anything, so they always come last in their key.
 */

/** The kinds of access key (see table.ts). */
export type KeyKind = 'write' | 'read' | 'admin';

// A type, not an interface: it must be assignable to the SDK's `Record<string, unknown>` items.
export type TableKey = { pk: string; sk: string };

const SITE = 'SITE#';
const SITES_PK = 'SITES';
const KEY = 'KEY#';
const LINK = '#ID#';
const REVERSE_LINK = '#U#';
const JOURNEY = '#J#';
const ANON = 'ANON#';

/** Sort-key prefixes of the items kept in a site's own partition (`SITE#<site>`). */
export const SITE_ITEM_PREFIXES = {
  dirtyDay: 'DIRTY#',
  consentSalt: 'CSALT#',
  day: 'DAY#',
  lease: 'LEASE#',
  erasureJob: 'ERASURE#',
  erasing: 'ERASING#',
  alertState: 'ALERTSTATE#',
  alertHistory: 'ALERT#',
} as const;

type SiteItemKind = keyof typeof SITE_ITEM_PREFIXES;

const P = SITE_ITEM_PREFIXES;

/** A journey item's sort key: the segment's first event time, the archive object's digest, a part number. */
export interface JourneySortKey {
  firstEventMs: number;
  objectDigest: string;
  /** 0 for the first item of a segment; a segment too large for one item continues in parts 1, 2… */
  part: number;
}

function journeySortKey({ firstEventMs, objectDigest, part }: JourneySortKey): string {
  const sk = `${String(firstEventMs).padStart(15, '0')}#${objectDigest}`;
  return part === 0 ? sk : `${sk}#${part}`;
}

/** The partition of a site's own items (config, key refs, marks, days, leases, erasures, alerts). */
export function sitePartition(site: string): string {
  return `${SITE}${site}`;
}

export const keys = {
  siteConfig: (site: string): TableKey => ({ pk: sitePartition(site), sk: 'CONFIG' }),
  siteIndex: (site: string): TableKey => ({ pk: SITES_PK, sk: `${SITE}${site}` }),
  accessKey: (hash: string): TableKey => ({ pk: `${KEY}${hash}`, sk: 'KEY' }),
  siteKeyRef: (site: string, kind: KeyKind, hash: string): TableKey => ({
    pk: sitePartition(site),
    sk: `${KEY}${kind}#${hash}`,
  }),
  link: (site: string, anonymousId: string): TableKey => ({
    pk: `${SITE}${site}${LINK}${anonymousId}`,
    sk: 'USER',
  }),
  reverseLink: (site: string, userId: string, anonymousId: string): TableKey => ({
    pk: reverseLinkPartition(site, userId),
    sk: `${ANON}${anonymousId}`,
  }),
  /** The partition of an actor's journey items. */
  journey: (site: string, actorId: string): string => `${SITE}${site}${JOURNEY}${actorId}`,
  journeySegment: (site: string, actorId: string, sortKey: JourneySortKey): TableKey => ({
    pk: `${SITE}${site}${JOURNEY}${actorId}`,
    sk: journeySortKey(sortKey),
  }),
  dirtyDay: (site: string, date: string): TableKey => ({
    pk: sitePartition(site),
    sk: `${P.dirtyDay}${date}`,
  }),
  consentSalt: (site: string, date: string): TableKey => ({
    pk: sitePartition(site),
    sk: `${P.consentSalt}${date}`,
  }),
  day: (site: string, date: string): TableKey => ({ pk: sitePartition(site), sk: `${P.day}${date}` }),
  lease: (site: string, date: string): TableKey => ({ pk: sitePartition(site), sk: `${P.lease}${date}` }),
  erasureJob: (site: string, userKey: string): TableKey => ({
    pk: sitePartition(site),
    sk: `${P.erasureJob}${userKey}`,
  }),
  erasing: (site: string, userKey: string): TableKey => ({
    pk: sitePartition(site),
    sk: `${P.erasing}${userKey}`,
  }),
  /**
   * What does not fit in the erasing item, in items of their own beside it: more refused ids (`ids`),
   * ids a collector tied to the user (`tie`), the hashed PII met (`hashes`). Read only while the
   * erasing item exists.
   */
  erasingPart: (site: string, userKey: string, list: ErasingList, part: string): TableKey => ({
    pk: sitePartition(site),
    sk: `${erasingPrefix(userKey)}${list}#${part}`,
  }),
  alertState: (site: string, ruleId: string): TableKey => ({
    pk: sitePartition(site),
    sk: `${P.alertState}${ruleId}`,
  }),
  /** Hourly rules notify per evaluation (`slot`: the HH:MM their window ended at), daily ones per day. */
  alertHistory: (site: string, date: string, ruleId: string, slot?: string): TableKey => ({
    pk: sitePartition(site),
    sk: `${alertHistoryPrefix(date)}${ruleId}${slot === undefined ? '' : `#${slot}`}`,
  }),
};

/** The partition listing every site (one item per site). */
export const SITES_PARTITION = SITES_PK;

/** The partition of a user's reverse links (one item per anonymous id linked to them). */
export function reverseLinkPartition(site: string, userId: string): string {
  return `${SITE}${site}${REVERSE_LINK}${userId}`;
}

/** The sort-key prefix of a site's key refs of one kind. */
export function siteKeyRefPrefix(kind: KeyKind): string {
  return `${KEY}${kind}#`;
}

/** The lists an erasure keeps in parts beside its erasing item (keys.erasingPart). */
export const ERASING_LISTS = ['ids', 'tie', 'hashes'] as const;
export type ErasingList = (typeof ERASING_LISTS)[number];

function isErasingList(value: string): value is ErasingList {
  return (ERASING_LISTS as readonly string[]).includes(value);
}

/** The sort-key prefix of one erasure's parts (and not of its erasing item): `ERASING#<user key>#`. */
export function erasingPrefix(userKey: string): string {
  return `${P.erasing}${userKey}#`;
}

/** The sort-key prefix of a day's alert history items (every rule, daily and hourly). */
export function alertHistoryPrefix(date: string): string {
  return `${P.alertHistory}${date}#`;
}

/**
 * The sort-key range of a site's alert history from `from` to `to` (inclusive): `~` sorts after `#`,
 * so the upper bound takes every rule of the last day.
 */
export function alertHistoryRange(from: string, to: string): { from: string; to: string } {
  return { from: alertHistoryPrefix(from), to: `${P.alertHistory}${to}~` };
}

/** The sort-key range of a site's figure days from `from` to `to` (inclusive; `from` '' for all up to `to`). */
export function dayRange(from: string, to: string): { from: string; to: string } {
  return { from: `${P.day}${from}`, to: `${P.day}${to}` };
}

/** What a key is, as `parseKey` reads it. */
export type ParsedKey =
  | { kind: 'siteConfig'; site: string }
  | { kind: 'siteIndex'; site: string }
  | { kind: 'accessKey'; hash: string }
  | { kind: 'siteKeyRef'; site: string; keyKind: KeyKind; hash: string }
  | { kind: 'link'; site: string; anonymousId: string }
  | { kind: 'reverseLink'; site: string; userId: string; anonymousId: string }
  | ({ kind: 'journey'; site: string; actorId: string } & JourneySortKey)
  | { kind: 'dirtyDay' | 'consentSalt' | 'day' | 'lease'; site: string; date: string }
  | { kind: 'erasureJob' | 'erasing'; site: string; userKey: string }
  | { kind: 'erasingPart'; site: string; userKey: string; list: ErasingList; part: string }
  | { kind: 'alertState'; site: string; ruleId: string }
  | { kind: 'alertHistory'; site: string; date: string; ruleId: string; slot?: string }
  | { kind: 'unknown' };

const UNKNOWN: ParsedKey = { kind: 'unknown' };
const KEY_KINDS: readonly string[] = ['write', 'read', 'admin'] satisfies KeyKind[];

function isKeyKind(value: string): value is KeyKind {
  return KEY_KINDS.includes(value);
}

function parseJourneySortKey(sk: string): JourneySortKey | undefined {
  const match = /^(\d{15})#([^#]+)(?:#(\d+))?$/.exec(sk);
  if (!match?.[1] || !match[2]) return undefined;
  return { firstEventMs: Number(match[1]), objectDigest: match[2], part: match[3] ? Number(match[3]) : 0 };
}

function parseSiteItem(site: string, sk: string): ParsedKey {
  if (sk === 'CONFIG') return { kind: 'siteConfig', site };
  if (sk.startsWith(KEY)) {
    const [kind, hash, ...rest] = sk.slice(KEY.length).split('#');
    if (kind === undefined || !isKeyKind(kind) || hash === undefined || rest.length > 0) return UNKNOWN;
    return { kind: 'siteKeyRef', site, keyKind: kind, hash };
  }
  // ALERTSTATE# before ALERT#: the longer prefix first.
  if (sk.startsWith(P.alertState)) return { kind: 'alertState', site, ruleId: sk.slice(P.alertState.length) };
  if (sk.startsWith(P.alertHistory)) {
    const [date, ruleId, slot, ...rest] = sk.slice(P.alertHistory.length).split('#');
    if (date === undefined || ruleId === undefined || rest.length > 0) return UNKNOWN;
    return slot === undefined
      ? { kind: 'alertHistory', site, date, ruleId }
      : { kind: 'alertHistory', site, date, ruleId, slot };
  }
  for (const kind of ['dirtyDay', 'consentSalt', 'day', 'lease'] as const satisfies SiteItemKind[]) {
    if (sk.startsWith(P[kind])) return { kind, site, date: sk.slice(P[kind].length) };
  }
  if (sk.startsWith(P.erasing)) {
    const [userKey = '', list, part, ...rest] = sk.slice(P.erasing.length).split('#');
    if (list === undefined) return { kind: 'erasing', site, userKey };
    if (!isErasingList(list) || part === undefined || part === '' || rest.length > 0) return UNKNOWN;
    return { kind: 'erasingPart', site, userKey, list, part };
  }
  if (sk.startsWith(P.erasureJob))
    return { kind: 'erasureJob', site, userKey: sk.slice(P.erasureJob.length) };
  return UNKNOWN;
}

/** What a table key is and what it names; `unknown` for a key this schema does not build. */
export function parseKey(key: { pk: unknown; sk: unknown }): ParsedKey {
  if (typeof key.pk !== 'string' || typeof key.sk !== 'string') return UNKNOWN;
  const { pk, sk } = key;
  if (pk === SITES_PK)
    return sk.startsWith(SITE) ? { kind: 'siteIndex', site: sk.slice(SITE.length) } : UNKNOWN;
  if (pk.startsWith(KEY)) return sk === 'KEY' ? { kind: 'accessKey', hash: pk.slice(KEY.length) } : UNKNOWN;
  if (!pk.startsWith(SITE)) return UNKNOWN;
  const rest = pk.slice(SITE.length);
  const end = rest.indexOf('#');
  if (end === -1) return parseSiteItem(rest, sk);
  const site = rest.slice(0, end);
  const tail = rest.slice(end);
  if (tail.startsWith(LINK)) {
    return sk === 'USER' ? { kind: 'link', site, anonymousId: tail.slice(LINK.length) } : UNKNOWN;
  }
  if (tail.startsWith(REVERSE_LINK)) {
    if (!sk.startsWith(ANON)) return UNKNOWN;
    return {
      kind: 'reverseLink',
      site,
      userId: tail.slice(REVERSE_LINK.length),
      anonymousId: sk.slice(ANON.length),
    };
  }
  if (tail.startsWith(JOURNEY)) {
    const sortKey = parseJourneySortKey(sk);
    return sortKey ? { kind: 'journey', site, actorId: tail.slice(JOURNEY.length), ...sortKey } : UNKNOWN;
  }
  return UNKNOWN;
}

/** The site a key belongs to (access keys name none: their item's `site` attribute does). */
export function siteOfKey(parsed: ParsedKey): string | undefined {
  return 'site' in parsed ? parsed.site : undefined;
}
