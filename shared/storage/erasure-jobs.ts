/**
 * Erasure jobs (api.md "Privacy"): `SITE#<site>` / `ERASURE#<user key>` records a user's erasure — its
 * status and, once done, what it removed — and `SITE#<site>` / `ERASING#<user key>` holds, while it
 * runs, the user's ids, whose incoming events the collector refuses until the job is done. The user key
 * is a digest of the user id salted per site: a finished job keeps counts, not the id.
 */
import { createHash } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StorageClients } from './clients';
import { queryPrefix } from './dynamo';
import { keys, parseKey, SITE_ITEM_PREFIXES, sitePartition } from './keys';

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
  /** Anonymous ids met so far: a retry starts from them (kept until done). */
  anonymousIds: string[];
  /** Days whose objects changed and hashed PII met so far (kept until done, for a retry). */
  days?: string[];
  hashes?: string[];
}

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
    anonymousIds: Array.isArray(item.anonymousIds) ? item.anonymousIds.map(String) : [],
    ...(Array.isArray(item.days) ? { days: item.days.map(String) } : {}),
    ...(Array.isArray(item.hashes) ? { hashes: item.hashes.map(String) } : {}),
  };
}

/** Whether a job still runs somewhere (a run that has not updated it for STALE_RUNNING_MS has died). */
export function isRunning(job: ErasureJob, nowMs: number): boolean {
  return job.status === 'running' && nowMs - Date.parse(job.startedAt ?? job.requestedAt) < STALE_RUNNING_MS;
}

/** Records a new request (pending), keeping the ids a failed run met; returns the job as stored. */
export async function requestErasureJob(
  clients: StorageClients,
  site: string,
  userKey: string,
  ids: readonly string[],
  now: Date,
): Promise<ErasureJob> {
  const previous = await getErasureJob(clients, site, userKey);
  if (previous && isRunning(previous, now.getTime())) return previous;
  // What a failed run met carries over: its ids, the days it changed, the hashes it saw.
  const unfinished = previous && previous.status !== 'done' ? previous : undefined;
  const job: ErasureJob = {
    status: 'pending',
    requestedAt: now.toISOString(),
    anonymousIds: unfinished?.anonymousIds ?? [],
    ...(unfinished?.days ? { days: unfinished.days } : {}),
    ...(unfinished?.hashes ? { hashes: unfinished.hashes } : {}),
  };
  await clients.dynamo.send(
    new PutCommand({
      TableName: clients.settings.tableName,
      Item: { ...keys.erasureJob(site, userKey), ...job },
    }),
  );
  await setErasingIds(clients, site, userKey, [...ids, ...job.anonymousIds]);
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

/** The ids the collector refuses while the user's erasure runs. */
export async function setErasingIds(
  clients: StorageClients,
  site: string,
  userKey: string,
  ids: readonly string[],
): Promise<void> {
  await clients.dynamo.send(
    new PutCommand({
      TableName: clients.settings.tableName,
      Item: { ...keys.erasing(site, userKey), ids: [...new Set(ids)].sort() },
    }),
  );
}

export async function clearErasingIds(clients: StorageClients, site: string, userKey: string): Promise<void> {
  await clients.dynamo.send(
    new DeleteCommand({ TableName: clients.settings.tableName, Key: keys.erasing(site, userKey) }),
  );
}

/** Every id of every user whose erasure runs on the site, with its job's user key (cached for seconds). */
export async function erasingIdsOf(clients: StorageClients, site: string): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const items = await queryPrefix(clients, sitePartition(site), SITE_ITEM_PREFIXES.erasing);
  for (const item of items) {
    const parsed = parseKey({ pk: item.pk, sk: item.sk });
    if (parsed.kind !== 'erasing') continue;
    if (Array.isArray(item.ids)) for (const id of item.ids) ids.set(String(id), parsed.userKey);
  }
  return ids;
}

/** The ids refused for one erasure now: those it set, and those collectors tied to them since. */
export async function erasingIdsOfJob(
  clients: StorageClients,
  site: string,
  userKey: string,
): Promise<string[]> {
  const response = await clients.dynamo.send(
    new GetCommand({
      TableName: clients.settings.tableName,
      Key: keys.erasing(site, userKey),
      ConsistentRead: true,
    }),
  );
  const ids = response.Item?.ids;
  return Array.isArray(ids) ? ids.map(String) : [];
}

/**
 * Adds ids a refused event tied to a running erasure (a collector's write): nothing when the erasure
 * has ended meanwhile.
 */
export async function tieErasingIds(
  clients: StorageClients,
  site: string,
  userKey: string,
  ids: readonly string[],
): Promise<void> {
  try {
    await clients.dynamo.send(
      new UpdateCommand({
        TableName: clients.settings.tableName,
        Key: keys.erasing(site, userKey),
        UpdateExpression: 'SET ids = list_append(ids, :ids)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':ids': [...ids] },
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
  }
}
