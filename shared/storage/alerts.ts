/**
 * Alert state and history in the single table (architecture.md, "Data layout"), idempotent through
 * conditional writes only (dynalite has no transactions):
 *
 * - `SITE#<site>` / `ALERTSTATE#<ruleId>` — what the team was last told about a rule (RuleState), a
 *   `version` for optimistic locking, and `pending`: notifications decided but not yet finally
 *   delivered (an outbox). Every decision is one conditional put on this item, so two evaluations
 *   racing for a rule cannot both notify.
 * - `SITE#<site>` / `ALERT#<date>#<ruleId>` — the history: at most one `firing` and one `resolved`
 *   notification per rule and day (created with `attribute_not_exists`), each with its message, its
 *   delivery status per target, and a short delivery lease so one worker delivers at a time.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AlertState, RuleState } from '../alerts/evaluate';
import type { AlertMessage } from '../alerts/messages';
import type { StorageClients } from './clients';
import { type Item, isConditionFailure, queryAll, queryPrefix, sendConditional } from './dynamo';
import {
  alertHistoryPrefix,
  alertHistoryRange,
  keys,
  parseKey,
  SITE_ITEM_PREFIXES,
  sitePartition,
} from './keys';

type HistoryEntry = Pick<PendingNotification, 'date' | 'ruleId' | 'slot'>;

function historyKeyOf(site: string, entry: HistoryEntry) {
  return keys.alertHistory(site, entry.date, entry.ruleId, entry.slot);
}

/** The outcome of one delivery target for one notification. */
export interface DeliveryRecord {
  /** `sns`, `file`, or `webhook <origin> (<hash>)` — webhook URLs are secrets, so never stored whole. */
  target: string;
  ok: boolean;
  attempts: number;
  /** HTTP status of the last attempt (webhooks). */
  status?: number;
  error?: string;
  at: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** A notification decided for a rule and day: kept in the state's outbox until finally delivered. */
export interface PendingNotification {
  date: string;
  ruleId: string;
  state: AlertState;
  reminder: boolean;
  since: string;
  /** Hourly rules: the site-local HH:MM the evaluated window ended at (one history item per evaluation). */
  slot?: string;
  message: AlertMessage;
}

export interface StoredRuleState {
  ruleId: string;
  /** 0 when the item does not exist yet. */
  version: number;
  state: RuleState;
  pending: PendingNotification[];
}

export interface StoredNotification {
  message: AlertMessage;
  reminder: boolean;
  since: string;
  createdAt: string;
  delivery: DeliveryStatus;
  /** Delivery rounds done so far. */
  rounds: number;
  deliveries: Record<string, DeliveryRecord>;
  leaseOwner?: string;
  leaseUntil?: number;
}

/** One entry of the alert history, as the API and the CLI list it. */
export interface AlertRecord extends AlertMessage {
  kind: 'incident' | 'reminder' | 'resolution';
  since: string;
  createdAt: string;
  delivery: DeliveryStatus;
  deliveries: DeliveryRecord[];
}

function pendingKey(entry: Pick<PendingNotification, 'date' | 'state' | 'slot'>): string {
  return entry.slot === undefined
    ? `${entry.date}#${entry.state}`
    : `${entry.date}T${entry.slot}#${entry.state}`;
}

function storedStateOf(item: Item): StoredRuleState {
  const pending = (item.pending ?? {}) as Record<string, PendingNotification>;
  return {
    ruleId: String(item.ruleId),
    version: Number(item.version ?? 0),
    state: (item.state ?? {}) as RuleState,
    pending: Object.values(pending).sort((a, b) => (pendingKey(a) < pendingKey(b) ? -1 : 1)),
  };
}

/** Every rule state of a site (rules removed from the config included: their outbox still drains). */
export async function readRuleStates(
  clients: StorageClients,
  site: string,
): Promise<Map<string, StoredRuleState>> {
  const items = await queryPrefix(clients, sitePartition(site), SITE_ITEM_PREFIXES.alertState, {
    consistent: true,
  });
  return new Map(items.map((item) => [String(item.ruleId), storedStateOf(item)]));
}

export async function readRuleState(
  clients: StorageClients,
  site: string,
  ruleId: string,
): Promise<StoredRuleState> {
  const response = await clients.dynamo.send(
    new GetCommand({
      TableName: clients.settings.tableName,
      Key: keys.alertState(site, ruleId),
      ConsistentRead: true,
    }),
  );
  return response.Item ? storedStateOf(response.Item) : { ruleId, version: 0, state: {}, pending: [] };
}

/**
 * Replaces a rule's state if nobody changed it since it was read (`expectedVersion`); false when
 * another evaluation got there first — the caller reads again and decides again.
 */
export async function writeRuleState(
  clients: StorageClients,
  site: string,
  ruleId: string,
  expectedVersion: number,
  state: RuleState,
  pending: readonly PendingNotification[],
  now: Date,
): Promise<boolean> {
  return sendConditional(
    clients,
    new PutCommand({
      TableName: clients.settings.tableName,
      Item: {
        ...keys.alertState(site, ruleId),
        ruleId,
        version: expectedVersion + 1,
        state,
        pending: Object.fromEntries(pending.map((entry) => [pendingKey(entry), entry])),
        updatedAt: now.toISOString(),
      },
      ...(expectedVersion === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: 'version = :version',
            ExpressionAttributeValues: { ':version': expectedVersion },
          }),
    }),
  );
}

/** Takes a notification out of the outbox once its delivery is final. */
export async function clearPending(
  clients: StorageClients,
  site: string,
  entry: Pick<PendingNotification, 'date' | 'state' | 'ruleId' | 'slot'>,
): Promise<void> {
  await sendConditional(
    clients,
    new UpdateCommand({
      TableName: clients.settings.tableName,
      Key: keys.alertState(site, entry.ruleId),
      UpdateExpression: 'REMOVE pending.#key SET version = version + :one',
      ConditionExpression: 'attribute_exists(pending.#key)',
      ExpressionAttributeNames: { '#key': pendingKey(entry) },
      ExpressionAttributeValues: { ':one': 1 },
    }),
  );
}

/** The states already notified for each rule on a day. */
export async function readNotifiedStates(
  clients: StorageClients,
  site: string,
  date: string,
): Promise<Map<string, Set<AlertState>>> {
  const items = await queryPrefix(clients, sitePartition(site), alertHistoryPrefix(date), {
    consistent: true,
  });
  const notified = new Map<string, Set<AlertState>>();
  for (const item of items) {
    // An hourly rule's evaluation (a slot in its key) is read by readSlotNotifiedStates.
    const parsed = parseKey({ pk: item.pk, sk: item.sk });
    if (parsed.kind !== 'alertHistory' || parsed.slot !== undefined) continue;
    const states = new Set<AlertState>();
    if (item.firing) states.add('firing');
    if (item.resolved) states.add('resolved');
    notified.set(String(item.ruleId), states);
  }
  return notified;
}

/** The states already notified for one hourly evaluation of a rule (its history item). */
export async function readSlotNotifiedStates(
  clients: StorageClients,
  site: string,
  entry: HistoryEntry,
): Promise<Set<AlertState>> {
  const response = await clients.dynamo.send(
    new GetCommand({
      TableName: clients.settings.tableName,
      Key: historyKeyOf(site, entry),
      ConsistentRead: true,
    }),
  );
  const states = new Set<AlertState>();
  if (response.Item?.firing) states.add('firing');
  if (response.Item?.resolved) states.add('resolved');
  return states;
}

/**
 * Writes a notification into the history, holding its delivery lease; false when the rule already
 * has a notification of this state for this day (the claim that makes "never twice" hold).
 */
export async function createNotification(
  clients: StorageClients,
  site: string,
  entry: PendingNotification,
  lease: { owner: string; untilMs: number },
  now: Date,
  expiresAt: number,
): Promise<boolean> {
  const notification: StoredNotification = {
    message: entry.message,
    reminder: entry.reminder,
    since: entry.since,
    createdAt: now.toISOString(),
    delivery: 'pending',
    rounds: 0,
    deliveries: {},
    leaseOwner: lease.owner,
    leaseUntil: lease.untilMs,
  };
  return sendConditional(
    clients,
    new UpdateCommand({
      TableName: clients.settings.tableName,
      Key: historyKeyOf(site, entry),
      UpdateExpression:
        'SET #state = :notification, #site = :site, #date = :date, #rule = :rule, #metric = :metric, #expires = :expires',
      ConditionExpression: 'attribute_not_exists(#state)',
      ExpressionAttributeNames: {
        '#state': entry.state,
        '#site': 'site',
        '#date': 'date',
        '#rule': 'ruleId',
        '#metric': 'metric',
        '#expires': 'expiresAt',
      },
      ExpressionAttributeValues: {
        ':notification': notification,
        ':site': site,
        ':date': entry.date,
        ':rule': entry.ruleId,
        ':metric': entry.message.metric,
        ':expires': expiresAt,
      },
    }),
  );
}

export async function readNotification(
  clients: StorageClients,
  site: string,
  entry: Pick<PendingNotification, 'date' | 'state' | 'ruleId' | 'slot'>,
): Promise<StoredNotification | undefined> {
  const response = await clients.dynamo.send(
    new GetCommand({
      TableName: clients.settings.tableName,
      Key: historyKeyOf(site, entry),
      ConsistentRead: true,
    }),
  );
  return response.Item?.[entry.state] as StoredNotification | undefined;
}

/**
 * Takes the delivery lease of a notification still pending whose lease is free or expired (its
 * holder crashed); the notification as stored, or undefined when someone else holds it or it is done.
 */
export async function claimDelivery(
  clients: StorageClients,
  site: string,
  entry: Pick<PendingNotification, 'date' | 'state' | 'ruleId' | 'slot'>,
  lease: { owner: string; untilMs: number },
  nowMs: number,
): Promise<StoredNotification | undefined> {
  try {
    const response = await clients.dynamo.send(
      new UpdateCommand({
        TableName: clients.settings.tableName,
        Key: historyKeyOf(site, entry),
        UpdateExpression: 'SET #state.leaseOwner = :owner, #state.leaseUntil = :until',
        ConditionExpression:
          '#state.delivery = :pending AND (attribute_not_exists(#state.leaseUntil) OR #state.leaseUntil < :now)',
        ExpressionAttributeNames: { '#state': entry.state },
        ExpressionAttributeValues: {
          ':owner': lease.owner,
          ':until': lease.untilMs,
          ':pending': 'pending',
          ':now': nowMs,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return response.Attributes?.[entry.state] as StoredNotification | undefined;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/** Records a delivery round and releases the lease — only if this worker still holds it. */
export async function finishDelivery(
  clients: StorageClients,
  site: string,
  entry: Pick<PendingNotification, 'date' | 'state' | 'ruleId' | 'slot'>,
  owner: string,
  result: { deliveries: Record<string, DeliveryRecord>; delivery: DeliveryStatus; rounds: number },
): Promise<boolean> {
  return sendConditional(
    clients,
    new UpdateCommand({
      TableName: clients.settings.tableName,
      Key: historyKeyOf(site, entry),
      UpdateExpression:
        'SET #state.deliveries = :deliveries, #state.delivery = :delivery, #state.rounds = :rounds REMOVE #state.leaseOwner, #state.leaseUntil',
      ConditionExpression: '#state.leaseOwner = :owner',
      ExpressionAttributeNames: { '#state': entry.state },
      ExpressionAttributeValues: {
        ':deliveries': result.deliveries,
        ':delivery': result.delivery,
        ':rounds': result.rounds,
        ':owner': owner,
      },
    }),
  );
}

const STATE_ORDER: Record<AlertState, number> = { firing: 0, resolved: 1 };

/** The alert history between two days (inclusive): by day, rule, then firing before resolved. */
export async function queryAlertHistory(
  clients: StorageClients,
  site: string,
  from: string,
  to: string,
): Promise<AlertRecord[]> {
  const range = alertHistoryRange(from, to);
  const items = await queryAll(clients, {
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ExpressionAttributeValues: { ':pk': sitePartition(site), ':from': range.from, ':to': range.to },
    ConsistentRead: true,
  });
  const records: AlertRecord[] = [];
  for (const item of items) {
    for (const state of ['firing', 'resolved'] as const) {
      const notification = item[state] as StoredNotification | undefined;
      if (!notification) continue;
      records.push({
        ...notification.message,
        kind: state === 'resolved' ? 'resolution' : notification.reminder ? 'reminder' : 'incident',
        since: notification.since,
        createdAt: notification.createdAt,
        delivery: notification.delivery,
        deliveries: Object.values(notification.deliveries ?? {}).sort((a, b) =>
          a.target < b.target ? -1 : 1,
        ),
      });
    }
  }
  return records.sort(
    (a, b) =>
      (a.date < b.date ? -1 : a.date > b.date ? 1 : 0) ||
      (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0) ||
      STATE_ORDER[a.state] - STATE_ORDER[b.state],
  );
}
