/**
 * Hourly alert rules (api.md, "Alerts"): the one evaluation path the scheduler and the backtest share.
 * `observeHourlyAt` reads the hours a rule watches (hour partials, or the archive partitions of hours
 * not built yet — read, never written) and observes every hourly rule at an instant; the scheduler
 * then decides through the stored rule state and delivers, the backtest decides through a state kept
 * in memory and stores and sends nothing.
 */
import { type AlertState, decideTransition, type Observation, type RuleState } from '../../alerts/evaluate';
import {
  endLabel,
  evaluationKeyOf,
  type HourWindow,
  observeHourlyRule,
  planHourlyRule,
} from '../../alerts/hourly';
import { type AlertMessage, alertMessage } from '../../alerts/messages';
import { type AlertRule, isHourly, validRules } from '../../alerts/rules';
import type { SiteConfig } from '../../config/site';
import type { NormalizedEvent } from '../../events/types';
import { storedLinksOf } from '../../metrics/link-snapshot';
import { keepBetterLink, type LinkCandidate, linkPairsOf } from '../../metrics/links';
import { isCurrent } from '../../metrics/partial';
import { slimForFigures } from '../../metrics/slim';
import { computeWindowFigures, type WindowFigures } from '../../metrics/window-figures';
import {
  type PendingNotification,
  readRuleState,
  readSlotNotifiedStates,
  writeRuleState,
} from '../../storage/alerts';
import { listDayObjects, readObjects } from '../../storage/archive-reader';
import type { StorageClients } from '../../storage/clients';
import { getLinkSnapshot, getPartial, listPartialHours } from '../../storage/partials';
import { getSite, listSites } from '../../storage/table';
import { groupByPartition } from '../aggregate/partials';
import { deliverEntries } from './evaluator';

/** The events of some hours of a day and the day's links: what a window's figures read. */
export interface HourSource {
  hoursOf(
    date: string,
    hours: readonly string[],
  ): Promise<{ events: NormalizedEvent[]; links: Map<string, string> }>;
}

/** Keeps at most this many partitions' events between evaluations of one run (a backtest's range). */
const CACHED_PARTITIONS = 400;

/**
 * Hours read from storage: the stored partial where it is current, else the partition's archive
 * objects (not stored: an evaluation writes no partial). The day's links are its stored link snapshot
 * with the links the read events make themselves.
 */
export function storageHourSource(clients: StorageClients, site: string): HourSource {
  const partitions = new Map<string, NormalizedEvent[]>();
  const snapshots = new Map<string, Map<string, LinkCandidate>>();
  const listings = new Map<string, ReturnType<typeof groupByPartition>>();
  const partialHours = new Map<string, Set<string>>();
  async function partition(date: string, hour: string): Promise<NormalizedEvent[]> {
    const id = `${date}T${hour}`;
    const cached = partitions.get(id);
    if (cached) return cached;
    let listing = listings.get(date);
    if (!listing) {
      listing = groupByPartition(await listDayObjects(clients, site, [date]));
      listings.set(date, listing);
    }
    let stored = partialHours.get(date);
    if (!stored) {
      stored = await listPartialHours(clients, site, date);
      partialHours.set(date, stored);
    }
    const objects = listing.find((p) => p.hour === hour)?.objects ?? [];
    let events: NormalizedEvent[] = [];
    const partial = stored.has(hour) ? await getPartial(clients, site, date, hour) : undefined;
    if (partial && isCurrent(partial, objects)) events = partial.events;
    else if (objects.length > 0) {
      await readObjects(clients, objects, (objectEvents) => {
        for (const event of objectEvents) events.push(slimForFigures(event));
      });
    }
    if (partitions.size >= CACHED_PARTITIONS) {
      const oldest = partitions.keys().next().value;
      if (oldest !== undefined) partitions.delete(oldest);
    }
    partitions.set(id, events);
    return events;
  }
  async function snapshotLinks(date: string): Promise<Map<string, LinkCandidate>> {
    const cached = snapshots.get(date);
    if (cached) return cached;
    const snapshot = await getLinkSnapshot(clients, site, date);
    const known = new Map<string, LinkCandidate | null>();
    for (const [anonymousId, userId, time] of snapshot?.entries ?? []) {
      known.set(anonymousId, userId === null ? null : { userId, time: time ?? 0 });
    }
    const links = storedLinksOf(known);
    snapshots.set(date, links);
    return links;
  }
  return {
    async hoursOf(date, hours) {
      const events: NormalizedEvent[] = [];
      for (const hour of [...new Set(hours)].sort()) events.push(...(await partition(date, hour)));
      const candidates = new Map(await snapshotLinks(date));
      for (const event of events) {
        for (const [anonymousId, userId] of linkPairsOf(event)) {
          keepBetterLink(candidates, anonymousId, { userId, time: Date.parse(event.timestamp) });
        }
      }
      const links = new Map<string, string>();
      for (const [anonymousId, candidate] of candidates) links.set(anonymousId, candidate.userId);
      return { events, links };
    },
  };
}

export interface HourlyObservation {
  rule: AlertRule;
  observation: Observation;
  /** The evaluation's key: the end of the window, ISO. */
  key: string;
  /** Site-local HH:MM the window ended at. */
  slot: string;
}

/** The window figures of `window`'s hours as the source has them (events received by `receivedBy`). */
export async function windowFiguresOf(
  source: HourSource,
  config: SiteConfig,
  window: HourWindow,
  receivedBy: number | undefined,
): Promise<WindowFigures> {
  const { events, links } = await source.hoursOf(
    window.date,
    window.slots.map((slot) => slot.hour),
  );
  return computeWindowFigures({
    config,
    date: window.date,
    window: { start: window.start, end: window.end },
    events,
    links,
    receivedBy,
  });
}

/**
 * What every hourly rule of a site observes at instant `atMs`: its window of today (the events
 * received by `atMs`) against the same hours of the baseline weeks. The one path of the scheduler and
 * the backtest.
 */
export async function observeHourlyAt(
  source: HourSource,
  config: SiteConfig,
  rules: readonly AlertRule[],
  atMs: number,
): Promise<HourlyObservation[]> {
  const cache = new Map<string, Promise<WindowFigures>>();
  const cached = (window: HourWindow, receivedBy: number | undefined) => {
    const id = `${window.start}|${window.end}|${receivedBy ?? ''}`;
    let figures = cache.get(id);
    if (!figures) {
      figures = windowFiguresOf(source, config, window, receivedBy);
      cache.set(id, figures);
    }
    return figures;
  };
  const observed: HourlyObservation[] = [];
  for (const rule of rules.filter(isHourly)) {
    const plan = planHourlyRule(rule, atMs, config.timezone);
    if (!plan) continue;
    const today = await cached(plan.window, atMs);
    const baselines = await Promise.all(
      plan.baselines.map((window) => (window ? cached(window, undefined) : Promise.resolve(undefined))),
    );
    observed.push({
      rule,
      observation: observeHourlyRule(rule, today, baselines, config.timezone),
      key: evaluationKeyOf(plan.window),
      slot: endLabel(plan.window.date, plan.window.end, config.timezone),
    });
  }
  return observed;
}

/** A notification an hourly evaluation decided. */
export interface HourlyNotification {
  entry: PendingNotification;
  at: string;
}

function entryOf(
  config: SiteConfig,
  observed: HourlyObservation,
  notify: { state: AlertState; reminder: boolean; since: string },
): PendingNotification {
  return {
    date: observed.observation.date,
    ruleId: observed.rule.id,
    state: notify.state,
    reminder: notify.reminder,
    since: notify.since,
    slot: observed.slot,
    message: alertMessage({
      site: config.site,
      currency: config.currency,
      rule: observed.rule,
      observation: observed.observation,
      notification: notify,
    }),
  };
}

/** The transition of one hourly observation (decideTransition, keyed by the window's end). */
export function decideHourly(
  observed: HourlyObservation,
  state: RuleState | undefined,
  alreadyNotified: ReadonlySet<AlertState>,
) {
  return decideTransition({
    rule: {},
    observation: { date: observed.key, status: observed.observation.status },
    state,
    alreadyNotified,
  });
}

export interface HourlyRunResult {
  site: string;
  at: string;
  observations: Observation[];
  notifications: PendingNotification[];
}

const MAX_DECISION_TRIES = 8;

/**
 * The scheduled evaluation of a site's hourly rules at `now`: each decision is one conditional write of
 * the rule's state with the notification in its outbox (as daily rules do), so re-running the same
 * hour never notifies twice. Delivery is the daily evaluator's outbox drain (`deliver`).
 */
export async function evaluateHourlyAlerts(
  clients: StorageClients,
  config: SiteConfig,
  options: { now: Date; source?: HourSource; deliver?: (entries: PendingNotification[]) => Promise<void> },
): Promise<HourlyRunResult> {
  const { rules } = validRules(config.alerts.rules);
  const source = options.source ?? storageHourSource(clients, config.site);
  const observed = await observeHourlyAt(source, config, rules, options.now.getTime());
  const notifications: PendingNotification[] = [];
  for (const item of observed) {
    for (let attempt = 0; attempt < MAX_DECISION_TRIES; attempt += 1) {
      const stored = await readRuleState(clients, config.site, item.rule.id);
      const history = await readSlotNotifiedStates(clients, config.site, {
        date: item.observation.date,
        ruleId: item.rule.id,
        slot: item.slot,
      });
      const inOutbox = stored.pending
        .filter((entry) => entry.date === item.observation.date && entry.slot === item.slot)
        .map((entry) => entry.state);
      const decision = decideHourly(item, stored.state, new Set([...history, ...inOutbox]));
      if (decision.stale) break;
      const entry = decision.notify ? entryOf(config, item, decision.notify) : undefined;
      const pending = entry ? [...stored.pending, entry] : stored.pending;
      if (!entry && JSON.stringify(decision.next) === JSON.stringify(stored.state)) break;
      if (
        await writeRuleState(
          clients,
          config.site,
          item.rule.id,
          stored.version,
          decision.next,
          pending,
          options.now,
        )
      ) {
        if (entry) notifications.push(entry);
        break;
      }
    }
  }
  if (options.deliver && notifications.length > 0) await options.deliver(notifications);
  return {
    site: config.site,
    at: options.now.toISOString(),
    observations: observed.map((item) => item.observation),
    notifications,
  };
}

/** Some sites' hourly evaluations failed; the others ran (their results are kept here). */
export class HourlyAlertsError extends Error {
  constructor(
    readonly failures: { site: string; error: string }[],
    readonly results: HourlyRunResult[],
  ) {
    super(
      `hourly alert evaluation failed for ${failures.length} site(s): ${failures.map((f) => `${f.site}: ${f.error}`).join('; ')}`,
    );
    this.name = 'HourlyAlertsError';
  }
}

/**
 * After every scheduled run: the hourly rules of every site. A site that fails does not stop the
 * others; the run then throws HourlyAlertsError (in AWS: the alert Lambda's Errors, its alarm, its
 * retries and its failure destination).
 */
export async function runHourlyAlerts(
  clients: StorageClients,
  options: {
    now?: Date;
    deliver?: (config: SiteConfig, entries: PendingNotification[]) => Promise<void>;
  } = {},
): Promise<HourlyRunResult[]> {
  const now = options.now ?? new Date();
  const results: HourlyRunResult[] = [];
  const failures: { site: string; error: string }[] = [];
  for (const site of await listSites(clients)) {
    try {
      const stored = await getSite(clients, site);
      if (!stored) continue;
      const config = stored.config;
      if (!config.alerts.rules.some(isHourly)) continue;
      results.push(
        await evaluateHourlyAlerts(clients, config, {
          now,
          deliver: options.deliver
            ? (entries) => options.deliver?.(config, entries) ?? Promise.resolve()
            : undefined,
        }),
      );
    } catch (error) {
      failures.push({ site, error: error instanceof Error ? error.message : String(error) });
    }
  }
  if (failures.length > 0) throw new HourlyAlertsError(failures, results);
  return results;
}

/** What the scheduler runs after every scheduled aggregation (local and AWS): evaluate and deliver. */
export function runScheduledHourlyAlerts(clients: StorageClients, now?: Date): Promise<HourlyRunResult[]> {
  return runHourlyAlerts(clients, {
    now,
    deliver: async (config, entries) => {
      await deliverEntries(clients, config, entries);
    },
  });
}

/** One notification of the backtest (api.md, "Backtest"). */
export interface BacktestNotification {
  ruleId: string;
  every: 'day' | 'hour';
  state: AlertState;
  date: string;
  at: string;
  metric: string;
  value: number | null;
  baseline: number | null;
  threshold: number | null;
  text: string;
}

export function backtestNotificationOf(message: AlertMessage, at: string): BacktestNotification {
  return {
    ruleId: message.ruleId,
    every: message.every,
    state: message.state,
    date: message.date,
    at,
    metric: message.metric,
    value: Number.isFinite(message.value) ? message.value : null,
    baseline: message.baseline ?? null,
    threshold: message.threshold ?? null,
    text: message.text,
  };
}

/**
 * Replays the hourly rules at every full hour from `fromMs` to `toMs` (inclusive) through the same
 * observation and decision as the scheduler, with the rule states in memory: nothing is stored or sent.
 * With `dates`, only the windows of those site-local days count (the evaluation at a range's first
 * midnight watches the day before it).
 */
export async function backtestHourly(
  source: HourSource,
  config: SiteConfig,
  rules: readonly AlertRule[],
  range: { fromMs: number; toMs: number; dates?: { from: string; to: string } },
  onHour?: (done: number, total: number) => void,
): Promise<BacktestNotification[]> {
  const states = new Map<string, RuleState>();
  const notified = new Set<string>();
  const notifications: BacktestNotification[] = [];
  const HOUR = 3_600_000;
  const first = Math.ceil(range.fromMs / HOUR) * HOUR;
  const total = Math.max(0, Math.floor((range.toMs - first) / HOUR) + 1);
  let done = 0;
  for (let at = first; at <= range.toMs; at += HOUR) {
    for (const item of await observeHourlyAt(source, config, rules, at)) {
      const { date } = item.observation;
      if (range.dates && (date < range.dates.from || date > range.dates.to)) continue;
      const id = `${item.rule.id}|${item.key}`;
      const already = new Set<AlertState>(
        (['firing', 'resolved'] as const).filter((state) => notified.has(`${id}|${state}`)),
      );
      const decision = decideHourly(item, states.get(item.rule.id), already);
      if (decision.stale) continue;
      states.set(item.rule.id, decision.next);
      if (!decision.notify) continue;
      notified.add(`${id}|${decision.notify.state}`);
      notifications.push(backtestNotificationOf(entryOf(config, item, decision.notify).message, item.key));
    }
    done += 1;
    onHour?.(done, total);
  }
  return notifications;
}
