/**
 * Leases per site and day (`SITE#<site>` / `LEASE#<date>`): a day's archive partitions are rewritten by
 * one run at a time — aggregation (compaction, partials) and erasure (rewritten objects) — so no run
 * lists objects another deletes, or reads a file another is overwriting. A lease expires on its own
 * when its holder dies; a live holder renews it.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StorageClients } from './clients';
import { sendConditional } from './dynamo';
import { keys } from './keys';

export interface LeaseOptions {
  /** Who holds it; one run's leases share an owner. @default a random id */
  owner?: string;
  /** How long a lease lives without renewal. @default 120 s */
  ttlMs?: number;
  /** How long to wait for a day another run holds before giving up. @default 15 min */
  waitMs?: number;
  /** How often to ask again while waiting. @default 250 ms */
  pollMs?: number;
}

export interface HeldLeases {
  readonly owner: string;
  release(): Promise<void>;
}

export class LeaseTimeoutError extends Error {
  constructor(site: string, date: string, waitedMs: number) {
    super(`site ${site} day ${date} stayed busy with another run for ${Math.round(waitedMs / 1000)} s`);
    this.name = 'LeaseTimeoutError';
  }
}

const DEFAULTS = { ttlMs: 120_000, waitMs: 15 * 60_000, pollMs: 250 };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function tryAcquire(
  clients: StorageClients,
  site: string,
  date: string,
  owner: string,
  ttlMs: number,
): Promise<boolean> {
  const now = Date.now();
  return sendConditional(
    clients,
    new PutCommand({
      TableName: clients.settings.tableName,
      Item: { ...keys.lease(site, date), owner, untilMs: now + ttlMs },
      ConditionExpression: 'attribute_not_exists(pk) OR untilMs < :now OR #owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':now': now, ':owner': owner },
    }),
  );
}

async function renew(clients: StorageClients, site: string, date: string, owner: string, ttlMs: number) {
  await sendConditional(
    clients,
    new UpdateCommand({
      TableName: clients.settings.tableName,
      Key: keys.lease(site, date),
      UpdateExpression: 'SET untilMs = :until',
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':until': Date.now() + ttlMs, ':owner': owner },
    }),
  );
}

async function release(clients: StorageClients, site: string, date: string, owner: string) {
  await sendConditional(
    clients,
    new DeleteCommand({
      TableName: clients.settings.tableName,
      Key: keys.lease(site, date),
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': owner },
    }),
  );
}

/**
 * Takes the leases of `dates` (in date order, so two runs never wait on each other in a circle),
 * waiting while another run holds one; renews them until released. Throws LeaseTimeoutError after
 * `waitMs` on one day, having released what it took.
 */
export async function acquireDayLeases(
  clients: StorageClients,
  site: string,
  dates: readonly string[],
  options: LeaseOptions = {},
): Promise<HeldLeases> {
  const owner = options.owner ?? randomUUID();
  const { ttlMs, waitMs, pollMs } = { ...DEFAULTS, ...options };
  const held: string[] = [];
  const releaseAll = async () => {
    await Promise.all(held.map((date) => release(clients, site, date, owner).catch(() => undefined)));
  };
  try {
    for (const date of [...new Set(dates)].sort()) {
      const started = Date.now();
      while (!(await tryAcquire(clients, site, date, owner, ttlMs))) {
        if (Date.now() - started > waitMs) throw new LeaseTimeoutError(site, date, Date.now() - started);
        await sleep(pollMs);
      }
      held.push(date);
    }
  } catch (error) {
    await releaseAll();
    throw error;
  }
  const renewal = setInterval(() => {
    for (const date of held) void renew(clients, site, date, owner, ttlMs).catch(() => undefined);
  }, ttlMs / 3);
  renewal.unref();
  return {
    owner,
    async release() {
      clearInterval(renewal);
      await releaseAll();
    },
  };
}

/** Runs `work` holding the days' leases, and releases them however it ends. */
export async function withDayLeases<T>(
  clients: StorageClients,
  site: string,
  dates: readonly string[],
  work: () => Promise<T>,
  options: LeaseOptions = {},
): Promise<T> {
  const leases = await acquireDayLeases(clients, site, dates, options);
  try {
    return await work();
  } finally {
    await leases.release();
  }
}
