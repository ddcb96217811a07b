/**
 * The backtest (api.md, "Backtest"): what the scheduler would have notified over a range of days —
 * hourly rules at every hour (hourly.ts, the scheduler's own path), daily rules once each day ended —
 * over the archived data, with rule states in memory: nothing is sent or stored.
 */
import { type AlertState, decideTransition, observeRule, type RuleState } from '../../alerts/evaluate';
import { alertMessage } from '../../alerts/messages';
import { type AlertRule, conditionOf, isHourly } from '../../alerts/rules';
import type { SiteConfig } from '../../config/site';
import type { StorageClients } from '../../storage/clients';
import { queryFigures } from '../../storage/table';
import { addDays, datesBetween, localDayBounds } from '../../time';
import {
  type BacktestNotification,
  backtestHourly,
  backtestNotificationOf,
  type HourSource,
  storageHourSource,
} from './hourly';

const HOUR = 3_600_000;

export interface BacktestResult {
  site: string;
  from: string;
  to: string;
  notifications: BacktestNotification[];
}

export async function backtestAlerts(
  clients: StorageClients,
  config: SiteConfig,
  input: {
    from: string;
    to: string;
    rules: readonly AlertRule[];
    source?: HourSource;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<BacktestResult> {
  const { from, to, rules } = input;
  const start = localDayBounds(from, config.timezone).start;
  const end = localDayBounds(to, config.timezone).end;
  const hourly = await backtestHourly(
    input.source ?? storageHourSource(clients, config.site),
    config,
    rules,
    // The evaluations at the full hours from the range's first day to the first one after its end,
    // which watches the last day's last hour (a full UTC hour is a site-local one, or its :30 / :45).
    { fromMs: start, toMs: end + HOUR - 1, dates: { from, to } },
    input.onProgress,
  );
  const daily = await backtestDaily(
    clients,
    config,
    rules.filter((rule) => !isHourly(rule)),
    from,
    to,
  );
  const notifications = [...hourly, ...daily].sort((a, b) =>
    a.at < b.at ? -1 : a.at > b.at ? 1 : a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0,
  );
  return { site: config.site, from, to, notifications };
}

/** Daily rules on the stored figures of each day, decided as the evaluator decides them. */
async function backtestDaily(
  clients: StorageClients,
  config: SiteConfig,
  rules: readonly AlertRule[],
  from: string,
  to: string,
): Promise<BacktestNotification[]> {
  if (rules.length === 0) return [];
  let longest = 0;
  for (const rule of rules) {
    const condition = conditionOf(rule);
    if ('baselineDays' in condition) longest = Math.max(longest, condition.baselineDays);
  }
  const stored = await queryFigures(clients, config.site, addDays(from, -2 * longest), to);
  const states = new Map<string, RuleState>();
  const notifications: BacktestNotification[] = [];
  for (const date of datesBetween(from, to)) {
    const figures = stored.find((document) => document.date === date);
    if (!figures) continue;
    const bounds = localDayBounds(date, config.timezone);
    const at = new Date(bounds.end).toISOString();
    for (const rule of rules) {
      const observation = observeRule(rule, figures, stored);
      const decision = decideTransition({
        rule,
        observation,
        state: states.get(rule.id),
        alreadyNotified: new Set<AlertState>(),
      });
      states.set(rule.id, decision.next);
      if (!decision.notify) continue;
      const message = alertMessage({
        site: config.site,
        currency: config.currency,
        rule,
        observation,
        notification: decision.notify,
        window: { from: new Date(bounds.start).toISOString(), to: at },
      });
      notifications.push(backtestNotificationOf(message, at));
    }
  }
  return notifications;
}
