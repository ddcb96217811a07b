/** The DynamoDB single table (architecture.md, "Data layout"): sites, keys, identity links, journeys, marks. */

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import pMap from 'p-map';
import type { SiteConfig } from '../config/site';
import { type IdentityLinkCandidate, type JourneyEntry, journeySegmentsOf } from '../events/ingest';
import type { NormalizedEvent } from '../events/types';
import type { FiguresDocument } from '../metrics/figures';
import type { StorageClients } from './clients';
import { DYNAMO_LIMITS, itemBytes, splitBySize } from './item-size';

type Item = Record<string, unknown>;

export const keys = {
  siteConfig: (site: string) => ({ pk: `SITE#${site}`, sk: 'CONFIG' }),
  siteIndex: (site: string) => ({ pk: 'SITES', sk: `SITE#${site}` }),
  accessKey: (hash: string) => ({ pk: `KEY#${hash}`, sk: 'KEY' }),
  siteKeyRef: (site: string, kind: KeyKind, hash: string) => ({
    pk: `SITE#${site}`,
    sk: `KEY#${kind}#${hash}`,
  }),
  link: (site: string, anonymousId: string) => ({ pk: `SITE#${site}#ID#${anonymousId}`, sk: 'USER' }),
  reverseLink: (site: string, userId: string, anonymousId: string) => ({
    pk: `SITE#${site}#U#${userId}`,
    sk: `ANON#${anonymousId}`,
  }),
  journey: (site: string, actorId: string) => `SITE#${site}#J#${actorId}`,
  dirtyDay: (site: string, date: string) => ({ pk: `SITE#${site}`, sk: `DIRTY#${date}` }),
  consentSalt: (site: string, date: string) => ({ pk: `SITE#${site}`, sk: `CSALT#${date}` }),
  day: (site: string, date: string) => ({ pk: `SITE#${site}`, sk: `DAY#${date}` }),
  lease: (site: string, date: string) => ({ pk: `SITE#${site}`, sk: `LEASE#${date}` }),
  erasureJob: (site: string, userKey: string) => ({ pk: `SITE#${site}`, sk: `ERASURE#${userKey}` }),
  erasing: (site: string, userKey: string) => ({ pk: `SITE#${site}`, sk: `ERASING#${userKey}` }),
};

/** Every item a query matches, page after page. */
export async function queryAll(
  clients: StorageClients,
  input: Omit<QueryCommandInput, 'TableName'>,
): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await clients.dynamo.send(
      new QueryCommand({ ...input, TableName: clients.settings.tableName, ExclusiveStartKey: startKey }),
    );
    items.push(...((page.Items ?? []) as Item[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (typeof error === 'object' &&
      error !== null &&
      (error as { name?: string }).name === 'ConditionalCheckFailedException')
  );
}

/** Sends a conditional write: false when its condition failed (another write already won). */
export async function sendConditional(
  clients: StorageClients,
  command: PutCommand | UpdateCommand | DeleteCommand,
): Promise<boolean> {
  try {
    // The document client's send is overloaded per command type; each branch picks its overload.
    if (command instanceof PutCommand) await clients.dynamo.send(command);
    else if (command instanceof UpdateCommand) await clients.dynamo.send(command);
    else await clients.dynamo.send(command);
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

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
  return {
    config: item.config as SiteConfig,
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
    ExpressionAttributeValues: { ':pk': 'SITES' },
  });
  return items.map((item) => String(item.site)).sort();
}

/* ---------------------------------------------------------------- access keys */

/**
 * write: sends events (public in browsers: it sits in the storefront's page); read: figures and journeys;
 * admin: destructive calls (erasing a user), issued on demand with `roxtrail sites rotate-key --kind admin`.
 */
export type KeyKind = 'write' | 'read' | 'admin';

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
  const previous = await queryAll(clients, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': `SITE#${site}`, ':prefix': `KEY#${kind}#` },
  });
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
  const stored = Buffer.from(String(item.pk).slice(4), 'hex');
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
  const prefix = `SITE#${site}#ID#`;
  const fetchChunk = async (chunk: string[]) => {
    let requestKeys: Record<string, unknown>[] = chunk.map((id) => keys.link(site, id));
    for (let attempt = 0; requestKeys.length > 0; attempt += 1) {
      if (attempt > 8) throw new Error('DynamoDB kept returning unprocessed keys');
      if (attempt > 0) await sleep(50 * 2 ** attempt);
      const response = await clients.dynamo.send(
        new BatchGetCommand({ RequestItems: { [clients.settings.tableName]: { Keys: requestKeys } } }),
      );
      for (const item of response.Responses?.[clients.settings.tableName] ?? []) {
        const anonymousId = String(item.pk).slice(prefix.length);
        links.set(anonymousId, {
          anonymousId,
          userId: String(item.userId),
          eventTimeMs: Number(item.eventTimeMs),
        });
      }
      requestKeys = (response.UnprocessedKeys?.[clients.settings.tableName]?.Keys ?? []) as Record<
        string,
        unknown
      >[];
    }
  };
  const chunks = Array.from({ length: Math.ceil(ids.length / 100) }, (_, index) =>
    ids.slice(index * 100, (index + 1) * 100),
  );
  await pMap(chunks, fetchChunk, { concurrency: 8 });
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
    ExpressionAttributeValues: { ':pk': `SITE#${site}#U#${userId}` },
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
      const sk = `${String(segment.firstEventMs).padStart(15, '0')}#${objectDigest}`;
      const itemOf = (entries: readonly JourneyEntry[], part = 0) => ({
        pk: keys.journey(site, segment.actorId),
        // A segment too large for one item continues in `<sk>#1`, `<sk>#2`…: the reader merges them.
        sk: part === 0 ? sk : `${sk}#${part}`,
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

type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

export async function batchWrite(clients: StorageClients, requests: readonly WriteRequest[]): Promise<void> {
  for (let offset = 0; offset < requests.length; offset += 25) {
    let pending = requests.slice(offset, offset + 25) as WriteRequest[];
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > 8) throw new Error('DynamoDB kept returning unprocessed items');
      if (attempt > 0) await sleep(50 * 2 ** attempt);
      const response = await clients.dynamo.send(
        new BatchWriteCommand({ RequestItems: { [clients.settings.tableName]: pending } }),
      );
      pending = (response.UnprocessedItems?.[clients.settings.tableName] ?? []) as WriteRequest[];
    }
  }
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
  const items = await queryAll(clients, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': `SITE#${site}`, ':prefix': 'DIRTY#' },
  });
  return items.map((item) => ({
    date: String(item.sk).slice('DIRTY#'.length),
    lastMarkedAtMs: Number(item.lastMarkedAtMs),
  }));
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
  try {
    await clients.dynamo.send(
      new PutCommand({
        TableName: clients.settings.tableName,
        Item: { ...key, salt, expiresAt },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return salt;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const winner = await clients.dynamo.send(
      new GetCommand({ TableName: clients.settings.tableName, Key: key, ConsistentRead: true }),
    );
    return String(winner.Item?.salt);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
      ':pk': `SITE#${site}`,
      ':from': 'DAY#',
      ':to': `DAY#${lastDate}`,
      ':provisional': 'provisional',
    },
  });
  return items.map((item) => String(item.sk).slice('DAY#'.length));
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
    ExpressionAttributeValues: { ':pk': `SITE#${site}`, ':from': `DAY#${from}`, ':to': `DAY#${to}` },
  });
  return items.map((item) => item.figures as FiguresDocument);
}
