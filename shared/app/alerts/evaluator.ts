/**
 * Evaluates a site's alert rules for one ended day and delivers the notifications they call for:
 * the pure core decides (shared/alerts), the state item serialises decisions (conditional puts), the
 * history item makes each (rule, day, state) notify at most once, and the outbox makes sure a decided
 * notification is delivered even if this run dies half-way (the next evaluation of the site finishes it).
 */
import { randomUUID } from 'node:crypto';
import type { SNSClient } from '@aws-sdk/client-sns';
import {
  type AlertState,
  decideTransition,
  type Observation,
  observeRule,
  type RuleState,
} from '../../alerts/evaluate';
import { alertMessage } from '../../alerts/messages';
import { type AlertRule, conditionOf, isHourly, validRules } from '../../alerts/rules';
import type { SiteConfig } from '../../config/site';
import type { FiguresDocument } from '../../metrics/figures';
import {
  claimDelivery,
  clearPending,
  createNotification,
  type DeliveryRecord,
  type DeliveryStatus,
  finishDelivery,
  type PendingNotification,
  readNotification,
  readNotifiedStates,
  readRuleState,
  readRuleStates,
  type StoredNotification,
  type StoredRuleState,
  writeRuleState,
} from '../../storage/alerts';
import type { StorageClients } from '../../storage/clients';
import { queryFigures } from '../../storage/table';
import { addDays, localDayBounds } from '../../time';
import { logger } from '../logger';
import {
  type DeliverySettings,
  type DeliveryTarget,
  deliverToTargets,
  deliverySettingsOf,
  deliveryTargets,
} from './deliver';

/** A notification whose targets keep failing is given up (status `failed`, logged) after this many rounds. */
export const MAX_DELIVERY_ROUNDS = 3;
/** Longer than a delivery round can take (attempts × timeout per webhook, in parallel). */
export const DELIVERY_LEASE_MS = 120_000;
/** Conditional-put retries when evaluations of the same rule race. */
const MAX_DECISION_TRIES = 8;

export interface AlertRunOptions {
  /** The figures just computed for the day (read from the table when absent). */
  figures?: FiguresDocument;
  /** Decides whether the day has ended (site-local); the aggregator passes its own clock. */
  now?: Date;
  /** @default deliverySettingsOf(clients.alerts) */
  delivery?: DeliverySettings;
  sns?: () => SNSClient;
}

export interface NotificationOutcome {
  ruleId: string;
  date: string;
  state: AlertState;
  reminder: boolean;
  text: string;
  /** `in_progress`: another run holds the delivery lease. */
  delivery: DeliveryStatus | 'in_progress';
  deliveries: DeliveryRecord[];
}

export interface AlertRunResult {
  site: string;
  date: string;
  skipped?: 'day_not_ended' | 'no_figures';
  observations: Observation[];
  /** Notifications decided by this run, and older ones from the outbox this run delivered. */
  notifications: NotificationOutcome[];
}

function sameState(a: RuleState, b: RuleState): boolean {
  const fields: (keyof RuleState)[] = [
    'notified',
    'notifiedDate',
    'firingSince',
    'lastFiringNotice',
    'evaluatedDate',
    'lastStatus',
  ];
  return fields.every((field) => a[field] === b[field]);
}

function longestBaseline(rules: readonly AlertRule[]): number {
  let longest = 0;
  for (const rule of rules) {
    const condition = conditionOf(rule);
    if ('baselineDays' in condition) longest = Math.max(longest, condition.baselineDays);
  }
  return longest;
}

/** Seconds since the epoch when the history of `date` expires (the site's retention). */
function expiryOf(date: string, retentionDays: number): number {
  return Math.ceil(Date.parse(`${addDays(date, retentionDays)}T00:00:00Z`) / 1000);
}

export async function evaluateAlertsForDay(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
  options: AlertRunOptions = {},
): Promise<AlertRunResult> {
  const site = config.site;
  const result: AlertRunResult = { site, date, observations: [], notifications: [] };
  if ((options.now ?? new Date()).getTime() < localDayBounds(date, config.timezone).end) {
    return { ...result, skipped: 'day_not_ended' };
  }
  const figures = options.figures ?? (await queryFigures(clients, site, date, date))[0];
  if (!figures) return { ...result, skipped: 'no_figures' };

  const { rules: allRules, invalid } = validRules(config.alerts.rules);
  // Hourly rules are evaluated during the day (hourly.ts), never on the day's figures.
  const rules = allRules.filter((rule) => !isHourly(rule));
  for (const problem of invalid) logger.warn('alert rule skipped: it no longer validates', { site, problem });
  const bounds = localDayBounds(date, config.timezone);
  const dayWindow = { from: new Date(bounds.start).toISOString(), to: new Date(bounds.end).toISOString() };
  const longest = longestBaseline(rules);
  const [previous, states, notified] = await Promise.all([
    longest > 0
      ? queryFigures(clients, site, addDays(date, -2 * longest), addDays(date, -1))
      : Promise.resolve([]),
    readRuleStates(clients, site),
    readNotifiedStates(clients, site, date),
  ]);

  const decided = new Set<string>();
  for (const rule of rules) {
    const observation = observeRule(rule, figures, previous);
    result.observations.push(observation);
    let stored: StoredRuleState = states.get(rule.id) ?? {
      ruleId: rule.id,
      version: 0,
      state: {},
      pending: [],
    };
    let alreadyNotified = notified.get(rule.id) ?? new Set<AlertState>();
    for (let attempt = 0; attempt < MAX_DECISION_TRIES; attempt += 1) {
      const inOutbox = stored.pending.filter((entry) => entry.date === date).map((entry) => entry.state);
      const decision = decideTransition({
        rule,
        observation,
        state: stored.state,
        alreadyNotified: new Set([...alreadyNotified, ...inOutbox]),
      });
      if (decision.stale || (!decision.notify && sameState(decision.next, stored.state))) break;
      const pending = [...stored.pending];
      if (decision.notify) {
        pending.push({
          date,
          ruleId: rule.id,
          state: decision.notify.state,
          reminder: decision.notify.reminder,
          since: decision.notify.since,
          message: alertMessage({
            site,
            currency: config.currency,
            rule,
            observation,
            notification: decision.notify,
            window: dayWindow,
          }),
        });
      }
      if (await writeRuleState(clients, site, rule.id, stored.version, decision.next, pending, new Date())) {
        stored = { ...stored, version: stored.version + 1, state: decision.next, pending };
        if (decision.notify) decided.add(`${rule.id}|${date}|${decision.notify.state}`);
        break;
      }
      // Another evaluation of this rule won the race: decide again on what it wrote.
      [stored, alreadyNotified] = await Promise.all([
        readRuleState(clients, site, rule.id),
        readNotifiedStates(clients, site, date).then((all) => all.get(rule.id) ?? new Set<AlertState>()),
      ]);
    }
    states.set(rule.id, stored);
  }

  // Deliver every outbox entry: the ones just decided, and any an interrupted run left behind.
  const settings = options.delivery ?? deliverySettingsOf(clients.alerts);
  const targets = deliveryTargets(config, settings, options.sns ?? (() => clients.sns));
  const owner = randomUUID();
  const entries = [...states.values()].flatMap((stored) => stored.pending);
  const outcomes = await Promise.all(
    entries.map((entry) => deliverPending(clients, config, entry, { targets, settings, owner })),
  );
  for (const outcome of outcomes) {
    if (decided.has(`${outcome.ruleId}|${outcome.date}|${outcome.state}`) || outcome.deliveries.length > 0) {
      result.notifications.push(outcome);
    }
  }
  return result;
}

/** Delivers outbox entries decided elsewhere (hourly rules, hourly.ts) the way daily ones are. */
export async function deliverEntries(
  clients: StorageClients,
  config: SiteConfig,
  entries: readonly PendingNotification[],
  options: Pick<AlertRunOptions, 'delivery' | 'sns'> = {},
): Promise<NotificationOutcome[]> {
  const settings = options.delivery ?? deliverySettingsOf(clients.alerts);
  const targets = deliveryTargets(config, settings, options.sns ?? (() => clients.sns));
  const owner = randomUUID();
  return Promise.all(
    entries.map((entry) => deliverPending(clients, config, entry, { targets, settings, owner })),
  );
}

async function deliverPending(
  clients: StorageClients,
  config: SiteConfig,
  entry: PendingNotification,
  context: { targets: readonly DeliveryTarget[]; settings: DeliverySettings; owner: string },
): Promise<NotificationOutcome> {
  const site = config.site;
  const base = {
    ruleId: entry.ruleId,
    date: entry.date,
    state: entry.state,
    reminder: entry.reminder,
    text: entry.message.text,
  };
  const lease = { owner: context.owner, untilMs: Date.now() + DELIVERY_LEASE_MS };
  let current: Pick<StoredNotification, 'deliveries' | 'rounds'> | undefined;
  if (
    await createNotification(
      clients,
      site,
      entry,
      lease,
      new Date(),
      expiryOf(entry.date, config.retentionDays),
    )
  ) {
    current = { deliveries: {}, rounds: 0 };
  } else {
    current = await claimDelivery(clients, site, entry, lease, Date.now());
  }
  if (!current) {
    // Delivered (or given up) already, or another run is delivering it now.
    const stored = await readNotification(clients, site, entry);
    if (stored && stored.delivery !== 'pending') {
      await clearPending(clients, site, entry);
      return { ...base, delivery: stored.delivery, deliveries: [] };
    }
    return { ...base, delivery: 'in_progress', deliveries: [] };
  }

  const done = current.deliveries ?? {};
  const todo = context.targets.filter((target) => !done[target.id]?.ok);
  if (context.settings.console && current.rounds === 0) {
    // stderr: a command's stdout stays its result (`--json` output parses).
    console.error(`  alert: ${entry.message.text}`);
  }
  const records = await deliverToTargets(entry.message, todo);
  const deliveries: Record<string, DeliveryRecord> = { ...done };
  for (const record of records) {
    deliveries[record.target] = {
      ...record,
      attempts: (done[record.target]?.attempts ?? 0) + record.attempts,
    };
  }
  const rounds = current.rounds + 1;
  const delivered = context.targets.every((target) => deliveries[target.id]?.ok);
  const delivery: DeliveryStatus = delivered
    ? 'delivered'
    : rounds >= MAX_DELIVERY_ROUNDS
      ? 'failed'
      : 'pending';
  for (const record of records.filter((r) => !r.ok)) {
    logger.warn('alert delivery failed', {
      site,
      ruleId: entry.ruleId,
      date: entry.date,
      state: entry.state,
      target: record.target,
      error: record.error,
      round: rounds,
      final: delivery === 'failed',
    });
  }
  const recorded = await finishDelivery(clients, site, entry, context.owner, {
    deliveries,
    delivery,
    rounds,
  });
  if (recorded && delivery !== 'pending') await clearPending(clients, site, entry);
  return { ...base, delivery: recorded ? delivery : 'in_progress', deliveries: records };
}
