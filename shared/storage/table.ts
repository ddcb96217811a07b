/** The DynamoDB single table (architecture.md, "Data layout"): sites, keys, identity links, journeys, marks. */

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type SiteConfig, siteConfigSchema } from '../config/site';
import { type IdentityLinkCandidate, type JourneyEntry, journeySegmentsOf } from '../events/ingest';
import type { NormalizedEvent } from '../events/types';
import type { FiguresDocument } from '../metrics/figures';
import { figuresDocumentOf } from '../metrics/figures-schema';
import type { StorageClients } from './clients';
import { batchGet, batchWrite, queryAll, queryPrefix, sendConditional } from './dynamo';
import { DYNAMO_LIMITS, itemBytes, splitBySize } from './item-size';
import {
  dayRange,
  type KeyKind,
  keys,
  parseKey,
  reverseLinkPartition,
  SITE_ITEM_PREFIXES,
  SITES_PARTITION,
  siteKeyRefPrefix,
  sitePartition,
} from './keys';

export type { KeyKind } from './keys';

/* ---------------------------------------------------------------- sites */

export interface StoredSite {
  config: SiteConfig;
  /** Salt of the site's PII hashes; never shown to users. */
  piiSalt: string;
  createdAt: string;
  updatedAt: string;
}

export async function getSite(clients: StorageClients, site: string): Promise<StoredSite | undefined> {
  const response = await clients.dynamo.send(
    new GetCommand({
      TableName: clients.settings.tableName,
      Key: keys.siteConfig(site),
      ConsistentRead: true,
    }),
  );
  const item = response.Item;
  if (!item) return undefined;
  const config = siteConfigSchema.safeParse(item.config);
  if (!config.success)
    throw new Error(`the stored config of site "${site}" does not match the site config schema`);
  return {
    config: config.data,
    piiSalt: String(item.piiSalt),
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt),
  };
}

/** Creates the site (false when it already exists). */
export async function createSite(clients: StorageClients, config: SiteConfig, now: Date): Promise<boolean> {
  const written = await sendConditional(
    clients,
    new PutCommand({
      TableName: clients.settings.tableName,
      Item: {
        ...keys.siteConfig(config.site),
        config,
        piiSalt: randomBytes(16).toString('hex'),
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  if (!written) return false;
  await clients.dynamo.send(
    new PutCommand({
      TableName: clients.settings.tableName,
      Item: { ...keys.siteIndex(config.site), site: config.site, createdAt: now.toISOString() },
    }),
  );
  return true;
}

export async function updateSiteConfig(
  clients: StorageClients,
  config: SiteConfig,
  now: Date,
): Promise<void> {
  await clients.dynamo.send(
    new UpdateCommand({
      TableName: clients.settings.tableName,
      Key: keys.siteConfig(config.site),
      UpdateExpression: 'SET #config = :config, updatedAt = :now',
      ExpressionAttributeNames: { '#config': 'config' },
      ExpressionAttributeValues: { ':config': config, ':now': now.toISOString() },
      ConditionExpression: 'attribute_exists(pk)',
    }),
  );
}

export async function listSites(clients: StorageClients): Promise<string[]> {
  const items = await queryAll(clients, {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': SITES_PARTITION },
  });
  return items.map((item) => String(item.site)).sort();
}

/* ---------------------------------------------------------------- access keys */

/**
 * write: sends events (public in browsers: it sits in the storefront's page); read: figures and journeys;
 * admin: destructive calls (erasing a user), issued on demand with `roxtrail sites rotate-key --kind admin`.
 */

const KEY_PREFIXES: Readonly<Record<KeyKind, string>> = { write: 'rxw', read: 'rxr', admin: 'rxa' };

export function hashAccessKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function newAccessKey(kind: KeyKind): string {
  return `${KEY_PREFIXES[kind]}_${randomBytes(24).toString('base64url')}`;
}

/** Stores only the hash; the plain key is returned once to the caller. */
export async function issueAccessKey(
  clients: StorageClients,
  site: string,
  kind: KeyKind,
  now: Date,
): Promise<string> {
  const key = newAccessKey(kind);
  const hash = hashAccessKey(key);
  const createdAt = now.toISOString();
  await clients.dynamo.send(
    new PutCommand({
      TableName: clients.settings.tableName,
      Item: { ...keys.accessKey(hash), site, kind, createdAt },
    }),
  );
  await clients.dynamo.send(
    new PutCommand({
      TableName: clients.settings.tableName,
      Item: { ...keys.siteKeyRef(site, kind, hash), kind, hash, createdAt },
    }),
  );
  return key;
}

/**
 * Issues a new key and lets the site's older keys of that kind keep working for `graceHours`, so
 * storefronts can roll out the new key without losing events.
 */
export async function rotateAccessKey(
  clients: StorageClients,
  site: string,
  kind: KeyKind,
  graceHours: number,
  now: Date,
): Promise<{ key: string; retiring: number; retiresAt: string }> {
  // Everything that can fail on the arguments comes before the new key is stored: a key issued and
  // then lost to an error would be valid and known to nobody.
  const retiresAtMs = now.getTime() + graceHours * 3_600_000;
  const retiresAt = new Date(retiresAtMs).toISOString();
  const expiresAt = Math.ceil(retiresAtMs / 1000);
  const previous = await queryPrefix(clients, sitePartition(site), siteKeyRefPrefix(kind));
  const key = await issueAccessKey(clients, site, kind, now);
  let retiring = 0;
  for (const ref of previous) {
    if (ref.retiresAt !== undefined) continue;
    const hash = String(ref.hash);
    retiring += 1;
    for (const itemKey of [keys.accessKey(hash), keys.siteKeyRef(site, kind, hash)]) {
      await clients.dynamo.send(
        new UpdateCommand({
          TableName: clients.settings.tableName,
          Key: itemKey,
          UpdateExpression: 'SET retiresAt = :retiresAt, expiresAt = :expiresAt',
          ExpressionAttributeValues: { ':retiresAt': retiresAt, ':expiresAt': expiresAt },
        }),
      );
    }
  }
  return { key, retiring, retiresAt };
}

/** The site a key belongs to, or undefined for an unknown, wrong-kind or retired key. */
export async function resolveAccessKey(
  clients: StorageClients,
  key: string,
  kind: KeyKind,
  now: Date,
): Promise<string | undefined> {
  const hash = hashAccessKey(key);
  const response = await clients.dynamo.send(
    new GetCommand({ TableName: clients.settings.tableName, Key: keys.accessKey(hash) }),
  );
  const item = response.Item;
  if (!item || item.kind !== kind) return undefined;
  // The lookup is by hash already; compare again in constant time so no code path branches on key bytes.
  const parsed = parseKey({ pk: item.pk, sk: item.sk });
  const stored = Buffer.from(parsed.kind === 'accessKey' ? parsed.hash : '', 'hex');
  if (stored.length !== 32 || !timingSafeEqual(stored, Buffer.from(hash, 'hex'))) return undefined;
  if (typeof item.retiresAt === 'string' && Date.parse(item.retiresAt) <= now.getTime()) return undefined;
  return String(item.site);
}

/* ---------------------------------------------------------------- identity links */

export interface StoredLink {
  anonymousId: string;
  userId: string;
  eventTimeMs: number;
}

/**
 * Earliest event time wins, ties to the smaller userId — as a conditional write, so concurrent
 * requests and replays converge on the same link without transactions.
 */
export async function linkIdentity(
  clients: StorageClients,
  site: string,
  link: IdentityLinkCandidate,
): Promise<boolean> {
  const written = await sendConditional(
    clients,
    new PutCommand({
      TableName: clients.settings.tableName,
      Item: { ...keys.link(site, link.anonymousId), userId: link.userId, eventTimeMs: link.eventTimeMs },
      ConditionExpression:
        'attribute_not_exists(pk) OR eventTimeMs > :t OR (eventTimeMs = :t AND userId > :u)',
      ExpressionAttributeValues: { ':t': link.eventTimeMs, ':u': link.userId },
    }),
  );
  if (!written) return false;
  await clients.dynamo.send(
    new PutCommand({
      TableName: clients.settings.tableName,
      Item: { ...keys.reverseLink(site, link.userId, link.anonymousId), anonymousId: link.anonymousId },
    }),
  );
  return true;
}

/** Links of the given anonymous ids, fetched by key (100 per call, 8 calls in flight), never by Scan. */
export async function getLinks(
  clients: StorageClients,
  site: string,
  anonymousIds: Iterable<string>,
): Promise<Map<string, StoredLink>> {
  const links = new Map<string, StoredLink>();
  const ids = [...new Set(anonymousIds)];
  const items = await batchGet(
    clients,
    ids.map((id) => keys.link(site, id)),
  );
  for (const item of items) {
    const parsed = parseKey({ pk: item.pk, sk: item.sk });
    if (parsed.kind !== 'link') continue;
    links.set(parsed.anonymousId, {
      anonymousId: parsed.anonymousId,
      userId: String(item.userId),
      eventTimeMs: Number(item.eventTimeMs),
    });
  }
  return links;
}

/** Anonymous ids currently linked to a user (reverse items checked against the winning link). */
export async function linkedAnonymousIds(
  clients: StorageClients,
  site: string,
  userId: string,
): Promise<string[]> {
  const reverse = await queryAll(clients, {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': reverseLinkPartition(site, userId) },
  });
  const candidates = reverse.map((item) => String(item.anonymousId));
  const links = await getLinks(clients, site, candidates);
  return candidates.filter((id) => links.get(id)?.userId === userId);
}

/* ---------------------------------------------------------------- journeys */

/** A journey item's size limit, under DynamoDB's 400 KB with room for its key and TTL. */
export const JOURNEY_ITEM_MAX_BYTES = DYNAMO_LIMITS.itemBytes - 1024;

/**
 * One journey item per actor per archive object, keyed by the object: `replay` rebuilds exactly the
 * items the collector wrote, and a retried request overwrites its own items.
 */
export async function putJourneySegments(
  clients: StorageClients,
  site: string,
  objects: readonly { key: string; events: readonly NormalizedEvent[] }[],
  expiresAt: number,
): Promise<void> {
  const items = objects.flatMap((object) => {
    const objectDigest = createHash('sha256').update(object.key).digest('hex').slice(0, 16);
    return journeySegmentsOf(object.events).flatMap((segment) => {
      const itemOf = (entries: readonly JourneyEntry[], part = 0) => ({
        // A segment too large for one item continues in `<sk>#1`, `<sk>#2`…: the reader merges them.
        ...keys.journeySegment(site, segment.actorId, {
          firstEventMs: segment.firstEventMs,
          objectDigest,
          part,
        }),
        entries,
        expiresAt,
      });
      // Sized with the longest key a part can get (`#999`), so every part fits whatever its number.
      return splitBySize(segment.entries, (entries) => itemOf(entries, 999), JOURNEY_ITEM_MAX_BYTES).map(
        (entries, part) => itemOf(entries, part),
      );
    });
  });
  if (items.length === 1 && items[0]) {
    await clients.dynamo.send(new PutCommand({ TableName: clients.settings.tableName, Item: items[0] }));
    return;
  }
  await batchWrite(
    clients,
    items.map((Item) => ({ PutRequest: { Item } })),
  );
}

export async function getJourneyEntries(
  clients: StorageClients,
  site: string,
  actorId: string,
): Promise<JourneyEntry[]> {
  const items = await queryAll(clients, {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.journey(site, actorId) },
  });
  return items.flatMap((item) => (item.entries ?? []) as JourneyEntry[]);
}

/* ---------------------------------------------------------------- recomputation marks */

/** One idempotent write per site and day: "events for this day arrived at `markedAtMs`". */
export async function markDayForRecomputation(
  clients: StorageClients,
  site: string,
  date: string,
  markedAtMs: number,
): Promise<void> {
  await clients.dynamo.send(
    new UpdateCommand({
      TableName: clients.settings.tableName,
      Key: keys.dirtyDay(site, date),
      UpdateExpression: 'SET markedAtMs = if_not_exists(markedAtMs, :zero), lastMarkedAtMs = :now',
      ExpressionAttributeValues: { ':zero': markedAtMs, ':now': markedAtMs },
    }),
  );
}

export interface DayMark {
  date: string;
  lastMarkedAtMs: number;
}

export async function listMarkedDays(clients: StorageClients, site: string): Promise<DayMark[]> {
  const items = await queryPrefix(clients, sitePartition(site), SITE_ITEM_PREFIXES.dirtyDay);
  return items.flatMap((item) => {
    const parsed = parseKey({ pk: item.pk, sk: item.sk });
    return parsed.kind === 'dirtyDay'
      ? [{ date: parsed.date, lastMarkedAtMs: Number(item.lastMarkedAtMs) }]
      : [];
  });
}

/** Clears a mark only if no event arrived after `handledBeforeMs`, so a mark set mid-run survives. */
export async function clearDayMark(
  clients: StorageClients,
  site: string,
  date: string,
  handledBeforeMs: number,
): Promise<boolean> {
  return sendConditional(
    clients,
    new DeleteCommand({
      TableName: clients.settings.tableName,
      Key: keys.dirtyDay(site, date),
      ConditionExpression: 'lastMarkedAtMs < :before',
      ExpressionAttributeValues: { ':before': handledBeforeMs },
    }),
  );
}

/* ---------------------------------------------------------------- consent salts */

/**
 * A random salt per site and day for events without analytics consent: ids are stable within the
 * day (sessions still count) and cannot be linked across days once the salt expires.
 */
export async function consentSaltFor(clients: StorageClients, site: string, date: string): Promise<string> {
  const key = keys.consentSalt(site, date);
  const existing = await clients.dynamo.send(
    new GetCommand({ TableName: clients.settings.tableName, Key: key, ConsistentRead: true }),
  );
  if (existing.Item?.salt) return String(existing.Item.salt);
  const salt = randomBytes(16).toString('hex');
  const expiresAt = Math.ceil(Date.parse(`${date}T00:00:00Z`) / 1000) + 3 * 86_400;
  const written = await sendConditional(
    clients,
    new PutCommand({
      TableName: clients.settings.tableName,
      Item: { ...key, salt, expiresAt },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  if (written) return salt;
  // Another request stored the day's salt first: everyone uses that one.
  const winner = await clients.dynamo.send(
    new GetCommand({ TableName: clients.settings.tableName, Key: key, ConsistentRead: true }),
  );
  return String(winner.Item?.salt);
}

/**
 * A warm collector skips re-marking a day it marked less than this long ago; the aggregator therefore
 * only clears marks older than its run start minus this, so no arrival is ever left unmarked.
 */
export const MARK_REFRESH_MS = 60_000;

/* ---------------------------------------------------------------- daily figures */

/** The latest revision stored for a day (0 when never computed). */
export async function getFiguresRevision(
  clients: StorageClients,
  site: string,
  date: string,
): Promise<number> {
  const response = await clients.dynamo.send(
    new GetCommand({
      TableName: clients.settings.tableName,
      Key: keys.day(site, date),
      ProjectionExpression: 'revision',
      ConsistentRead: true,
    }),
  );
  return Number(response.Item?.revision ?? 0);
}

/** The figures item of a day as DynamoDB sizes it. */
export function figuresItemBytes(site: string, figures: FiguresDocument): number {
  return itemBytes({
    ...keys.day(site, figures.date),
    revision: figures.revision,
    status: figures.status,
    figures,
  });
}

/**
 * Throws when DynamoDB could not store the day's figures item: the run must fail (and its alarm fire)
 * before anything is written, not succeed with the day missing.
 */
export function assertFiguresStorable(site: string, figures: FiguresDocument): void {
  const bytes = figuresItemBytes(site, figures);
  if (bytes > DYNAMO_LIMITS.itemBytes) {
    throw new Error(
      `the figures of ${site} on ${figures.date} are ${bytes} bytes, over DynamoDB's ${DYNAMO_LIMITS.itemBytes}-byte item limit`,
    );
  }
}

/**
 * Stores a day's figures unless a newer revision is already there (a concurrent run won):
 * returns false in that case.
 */
export async function putFigures(
  clients: StorageClients,
  site: string,
  figures: FiguresDocument,
): Promise<boolean> {
  // `status` beside the document: the daily finalization finds provisional days without reading them.
  const item = {
    ...keys.day(site, figures.date),
    revision: figures.revision,
    status: figures.status,
    figures,
  };
  return sendConditional(
    clients,
    new PutCommand({
      TableName: clients.settings.tableName,
      Item: item,
      ConditionExpression: 'attribute_not_exists(pk) OR revision < :revision',
      ExpressionAttributeValues: { ':revision': figures.revision },
    }),
  );
}

/**
 * Computed days up to `lastDate` (inclusive) still stored as provisional, ascending. Days stored before
 * the status attribute existed count as provisional: finalizing one again costs a recomputation.
 */
export async function listProvisionalDays(
  clients: StorageClients,
  site: string,
  lastDate: string,
): Promise<string[]> {
  const items = await queryAll(clients, {
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    FilterExpression: 'attribute_not_exists(#status) OR #status = :provisional',
    ProjectionExpression: 'sk',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':pk': sitePartition(site),
      ':from': dayRange('', lastDate).from,
      ':to': dayRange('', lastDate).to,
      ':provisional': 'provisional',
    },
  });
  return items.flatMap((item) => {
    const parsed = parseKey({ pk: sitePartition(site), sk: item.sk });
    return parsed.kind === 'day' ? [parsed.date] : [];
  });
}

/** Computed days between two dates (inclusive), ascending. */
export async function queryFigures(
  clients: StorageClients,
  site: string,
  from: string,
  to: string,
): Promise<FiguresDocument[]> {
  const items = await queryAll(clients, {
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ExpressionAttributeValues: {
      ':pk': sitePartition(site),
      ':from': dayRange(from, to).from,
      ':to': dayRange(from, to).to,
    },
  });
  return items.map((item) => {
    const date = parseKey({ pk: sitePartition(site), sk: String(item.sk) });
    return figuresDocumentOf(item.figures, `${site} on ${date.kind === 'day' ? date.date : String(item.sk)}`);
  });
}
