/**
 * Erasure jobs (api.md "Privacy"): `SITE#<site>` / `ERASURE#<user key>` records a user's erasure — its
 * status and, once done, what it removed — and `SITE#<site>` / `ERASING#<user key>` holds, while it
 * runs, the user's ids, whose incoming events the collector refuses until the job is done. The user key
 * is a digest of the user id salted per site: a finished job keeps counts, not the id.
 *
 * A user's ids have no bound a client cannot push (every identify from a new device links one more), so
 * they are kept in as many items as they need, each under DynamoDB's 400 KB: the erasing item and its
 * parts (keys.erasingPart), which also hold the ids collectors tie to the user meanwhile and the hashed
 * PII met, for a retry. The job item keeps only its status and the days changed.
 */
import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StorageClients } from './clients';
import { batchWrite, type Item, keyOf, queryPrefix, type WriteRequest } from './dynamo';
import { DYNAMO_LIMITS, splitBySize } from './item-size';
import { type ErasingList, keys, parseKey, SITE_ITEM_PREFIXES, sitePartition } from './keys';

export type ErasureStatus = 'pending' | 'running' | 'failed' | 'done';

export interface ErasureJob {
  status: ErasureStatus;
  requestedAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Why the last run failed (`failed`). */
  error?: string;
  /** What the erasure removed (`done`): counts and dates only. */
  summary?: Record<string, unknown>;
  /** Days whose objects changed so far (kept until done, for a retry): at most the archive's days. */
  days?: string[];
}

/** Room left in each item for the keys and the other attributes; ids are at most 1 KB in UTF-8. */
const PART_BYTES = DYNAMO_LIMITS.itemBytes - 16 * 1024;
/** Tied ids of an erasure that ended meanwhile are read by no one: DynamoDB's TTL (or prune) takes them. */
const TIE_TTL_SECONDS = 7 * 24 * 3600;

/** A running job that has not been heard of for this long has died with its function: run it again. */
export const STALE_RUNNING_MS = 20 * 60_000;

export function erasureUserKey(piiSalt: string, userId: string): string {
  return createHash('sha256').update(piiSalt).update('\0').update(userId).digest('hex').slice(0, 40);
}

export async function getErasureJob(
  clients: StorageClients,
  site: string,
  userKey: string,
): Promise<ErasureJob | undefined> {
  const response = await clients.dynamo.send(
    new GetCommand({
      TableName: clients.settings.tableName,
      Key: keys.erasureJob(site, userKey),
      ConsistentRead: true,
    }),
  );
  const item = response.Item;
  if (!item) return undefined;
  return {
    status: item.status as ErasureStatus,
    requestedAt: String(item.requestedAt),
    ...(item.startedAt ? { startedAt: String(item.startedAt) } : {}),
    ...(item.finishedAt ? { finishedAt: String(item.finishedAt) } : {}),
    ...(item.error ? { error: String(item.error) } : {}),
    ...(item.summary ? { summary: item.summary as Record<string, unknown> } : {}),
    ...(Array.isArray(item.days) ? { days: item.days.map(String) } : {}),
  };
}

/** Whether a job still runs somewhere (a run that has not updated it for STALE_RUNNING_MS has died). */
export function isRunning(job: ErasureJob, nowMs: number): boolean {
  return job.status === 'running' && nowMs - Date.parse(job.startedAt ?? job.requestedAt) < STALE_RUNNING_MS;
}

/** Records a new request (pending), keeping what a failed run met (its ids stay refused); returns the job as stored. */
export async function requestErasureJob(
  clients: StorageClients,
  site: string,
  userKey: string,
  ids: readonly string[],
  now: Date,
): Promise<ErasureJob> {
  const previous = await getErasureJob(clients, site, userKey);
  if (previous && isRunning(previous, now.getTime())) return previous;
  // What a failed run met carries over: the days it changed here, its ids and hashes in the parts.
  const unfinished = previous && previous.status !== 'done' ? previous : undefined;
  const job: ErasureJob = {
    status: 'pending',
    requestedAt: now.toISOString(),
    ...(unfinished?.days ? { days: unfinished.days } : {}),
  };
  await clients.dynamo.send(
    new PutCommand({
      TableName: clients.settings.tableName,
      Item: { ...keys.erasureJob(site, userKey), ...job },
    }),
  );
  await setErasingIds(clients, site, userKey, [...ids, ...(await erasingIdsOfJob(clients, site, userKey))]);
  return job;
}

export async function updateErasureJob(
  clients: StorageClients,
  site: string,
  userKey: string,
  change: Partial<ErasureJob>,
): Promise<void> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  for (const [field, value] of Object.entries(change)) {
    names[`#${field}`] = field;
    if (value === undefined) removes.push(`#${field}`);
    else {
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
  }
  await clients.dynamo.send(
    new UpdateCommand({
      TableName: clients.settings.tableName,
      Key: keys.erasureJob(site, userKey),
      UpdateExpression: [
        sets.length ? `SET ${sets.join(', ')}` : '',
        removes.length ? `REMOVE ${removes.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join(' '),
      ExpressionAttributeNames: names,
      ...(sets.length ? { ExpressionAttributeValues: values } : {}),
    }),
  );
}

function partItems(
  site: string,
  userKey: string,
  list: ErasingList,
  values: readonly string[],
  partName: (index: number) => string,
): Item[] {
  const runs = splitBySize(
    values,
    (run) => ({ ...keys.erasingPart(site, userKey, list, 'x'), ids: run }),
    PART_BYTES,
  );
  return runs.map((run, index) => ({ ...keys.erasingPart(site, userKey, list, partName(index)), ids: run }));
}

/** Every part of one erasure, and its erasing item, read consistently. */
async function erasureParts(clients: StorageClients, site: string, userKey: string): Promise<Item[]> {
  return queryPrefix(clients, sitePartition(site), `${SITE_ITEM_PREFIXES.erasing}${userKey}`, {
    consistent: true,
  });
}

function idsOf(item: Item): string[] {
  return Array.isArray(item.ids) ? item.ids.map(String) : [];
}

/**
 * Replaces a list kept in numbered parts (`ids`, `hashes`): the new parts first, then the ones past
 * them go, so a reader meanwhile sees more, never less.
 */
async function replaceList(
  clients: StorageClients,
  list: 'ids' | 'hashes',
  parts: readonly Item[],
  existing: readonly Item[],
): Promise<void> {
  await batchWrite(
    clients,
    parts.map((item) => ({ PutRequest: { Item: item } })),
  );
  const written = new Set(parts.map((item) => String(item.sk)));
  const stale: WriteRequest[] = [];
  for (const item of existing) {
    const parsed = parseKey({ pk: item.pk, sk: item.sk });
    if (parsed.kind === 'erasingPart' && parsed.list === list && !written.has(String(item.sk)))
      stale.push({ DeleteRequest: { Key: keyOf(item) } });
  }
  await batchWrite(clients, stale);
}

/**
 * The ids the collector refuses while the user's erasure runs: the erasing item holds the first of
 * them, `ids` parts the rest. Ids tied to the user by collectors stay in their own parts.
 */
export async function setErasingIds(
  clients: StorageClients,
  site: string,
  userKey: string,
  ids: readonly string[],
): Promise<void> {
  const [first = { ids: [] }, ...more] = partItems(site, userKey, 'ids', [...new Set(ids)].sort(), String);
  const existing = await erasureParts(clients, site, userKey);
  await replaceList(clients, 'ids', more, existing);
  await clients.dynamo.send(
    new PutCommand({
      TableName: clients.settings.tableName,
      Item: { ...keys.erasing(site, userKey), ids: first.ids },
    }),
  );
}

/** Hashed PII met so far, for a retry to scrub rejected events with (kept until the job is done). */
export async function setErasingHashes(
  clients: StorageClients,
  site: string,
  userKey: string,
  hashes: readonly string[],
): Promise<void> {
  const parts = partItems(site, userKey, 'hashes', [...new Set(hashes)].sort(), String);
  await replaceList(clients, 'hashes', parts, await erasureParts(clients, site, userKey));
}

/** The job's erasing item and every part go: its parts first, so a crash midway leaves the ids refused. */
export async function clearErasingIds(clients: StorageClients, site: string, userKey: string): Promise<void> {
  const items = await erasureParts(clients, site, userKey);
  const parts = items.filter((item) => parseKey({ pk: item.pk, sk: item.sk }).kind === 'erasingPart');
  await batchWrite(
    clients,
    parts.map((item) => ({ DeleteRequest: { Key: keyOf(item) } })),
  );
  await batchWrite(clients, [{ DeleteRequest: { Key: keys.erasing(site, userKey) } }]);
}

/**
 * Every id of every user whose erasure runs on the site, with its job's user key (cached for seconds).
 * Parts count only beside their erasing item: ids tied after an erasure ended refuse nothing.
 */
export async function erasingIdsOf(clients: StorageClients, site: string): Promise<Map<string, string>> {
  const byUser = new Map<string, { running: boolean; ids: string[] }>();
  const items = await queryPrefix(clients, sitePartition(site), SITE_ITEM_PREFIXES.erasing);
  for (const item of items) {
    const parsed = parseKey({ pk: item.pk, sk: item.sk });
    if (parsed.kind !== 'erasing' && parsed.kind !== 'erasingPart') continue;
    if (parsed.kind === 'erasingPart' && parsed.list === 'hashes') continue;
    const user = byUser.get(parsed.userKey) ?? { running: false, ids: [] };
    if (parsed.kind === 'erasing') user.running = true;
    user.ids.push(...idsOf(item));
    byUser.set(parsed.userKey, user);
  }
  const ids = new Map<string, string>();
  for (const [userKey, user] of byUser) if (user.running) for (const id of user.ids) ids.set(id, userKey);
  return ids;
}

/** The ids refused for one erasure now: those it set, and those collectors tied to them since. */
export async function erasingIdsOfJob(
  clients: StorageClients,
  site: string,
  userKey: string,
): Promise<string[]> {
  const ids = new Set<string>();
  for (const item of await erasureParts(clients, site, userKey)) {
    const parsed = parseKey({ pk: item.pk, sk: item.sk });
    if (parsed.kind === 'erasing' || (parsed.kind === 'erasingPart' && parsed.list !== 'hashes'))
      for (const id of idsOf(item)) ids.add(id);
  }
  return [...ids];
}

/** The hashed PII an unfinished run of the erasure met. */
export async function erasingHashesOfJob(
  clients: StorageClients,
  site: string,
  userKey: string,
): Promise<string[]> {
  const hashes: string[] = [];
  for (const item of await erasureParts(clients, site, userKey)) {
    const parsed = parseKey({ pk: item.pk, sk: item.sk });
    if (parsed.kind === 'erasingPart' && parsed.list === 'hashes') hashes.push(...idsOf(item));
  }
  return hashes;
}

/**
 * Adds ids a refused event tied to a running erasure (a collector's write), in parts of their own named
 * by their digest, so a retried request writes the same parts again. Written after the erasure ended,
 * they are read by no one and expire.
 */
export async function tieErasingIds(
  clients: StorageClients,
  site: string,
  userKey: string,
  ids: readonly string[],
  nowMs: number = Date.now(),
): Promise<void> {
  const sorted = [...new Set(ids)].sort();
  const digest = createHash('sha256').update(sorted.join('\0')).digest('hex').slice(0, 16);
  const expiresAt = Math.ceil(nowMs / 1000) + TIE_TTL_SECONDS;
  const parts = partItems(site, userKey, 'tie', sorted, (index) => `${digest}.${index}`);
  await batchWrite(
    clients,
    parts.map((item) => ({ PutRequest: { Item: { ...item, expiresAt } } })),
  );
}
