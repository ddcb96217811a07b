/**
 * GET /v1/sites/{site}/hours?date=D: a site-local day hour by hour — events, orders and carts of each
 * hour against the seasonal baseline the hourly rules use (api.md "Alerts": the same hour on the same
 * weekday of the previous weeks; median, and the lowest and highest week as the band) — with the
 * day's hourly alerts. What the dashboard's "Today by the hour" chart draws.
 */
import { baselineDates, type HourWindow, median, sameHoursOn } from '../../shared/alerts/hourly';
import { resolveFigure } from '../../shared/alerts/paths';
import { hourlySettingsOf, isHourly } from '../../shared/alerts/rules';
import { type HourSource, storageHourSource, windowFiguresOf } from '../../shared/app/alerts/hourly';
import type { SiteConfig } from '../../shared/config/site';
import { type AlertRecord, queryAlertHistory } from '../../shared/storage/alerts';
import type { StorageClients } from '../../shared/storage/clients';
import { isIsoDate, localDate, localHourSlots } from '../../shared/time';
import { HttpError, type HttpEvent, type HttpResult, jsonResponse } from '../common/http';
import type { QueryDeps } from './handler';

/** The figures the chart shows, by the paths the hourly rules read them at. */
export const HOURLY_CHART_SERIES = {
  events: 'traffic.events',
  orders: 'sales.orders',
  carts: 'carts.created',
} as const;
type Series = keyof typeof HOURLY_CHART_SERIES;

/** Weeks of baseline the chart shows when the site has no hourly rule to take it from. */
const DEFAULT_BASELINE_WEEKS = 4;

export interface BaselineBand {
  median: number;
  min: number;
  max: number;
  /** Weeks that had a value (fewer than 2: no band, as the rules then do not evaluate). */
  weeks: number;
}

export interface HourRow {
  /** Site-local wall-clock hour, "00"–"23" (met twice or never on a DST day). */
  hour: string;
  from: string;
  to: string;
  /** The hour has not ended yet: its figures still grow. */
  partial: boolean;
  values: Record<Series, number | null>;
  baseline: Record<Series, BaselineBand | null>;
}

export interface HourlyChart {
  site: string;
  date: string;
  timezone: string;
  baselineWeeks: number;
  hours: HourRow[];
  /** The day's hourly alert notifications (firing and resolved), in time order. */
  alerts: AlertRecord[];
}

function bandOf(values: readonly (number | null)[]): BaselineBand | null {
  const present = values.filter((value): value is number => value !== null && Number.isFinite(value));
  if (present.length < 2) return null;
  return {
    median: median(present),
    min: Math.min(...present),
    max: Math.max(...present),
    weeks: present.length,
  };
}

export async function hourlyChart(
  clients: StorageClients,
  config: SiteConfig,
  input: { date?: string; now: Date; source?: HourSource },
): Promise<HourlyChart> {
  const nowMs = input.now.getTime();
  const date = input.date ?? localDate(nowMs, config.timezone);
  const source = input.source ?? storageHourSource(clients, config.site);
  const hourlyRules = config.alerts.rules.filter(isHourly);
  // The band spans the longest baseline any hourly rule of the site compares with.
  const baselineWeeks = Math.max(
    hourlyRules.length > 0 ? 0 : DEFAULT_BASELINE_WEEKS,
    ...hourlyRules.map((rule) => hourlySettingsOf(rule).baselineWeeks),
  );
  const figuresOf = async (window: HourWindow, receivedBy: number | undefined) => {
    const figures = await windowFiguresOf(source, config, window, receivedBy);
    const values = {} as Record<Series, number | null>;
    for (const [series, path] of Object.entries(HOURLY_CHART_SERIES) as [Series, string][]) {
      values[series] = resolveFigure(figures, path);
    }
    return values;
  };
  const hours: HourRow[] = [];
  // The hours of the day that have begun by now (all of them for a past day).
  for (const slot of localHourSlots(date, config.timezone).filter((s) => s.start < nowMs)) {
    const window: HourWindow = { date, slots: [slot], start: slot.start, end: slot.end };
    const partial = slot.end > nowMs;
    const values = await figuresOf(window, partial ? nowMs : undefined);
    const weeks = await Promise.all(
      baselineDates(date, baselineWeeks).map((day) => {
        const same = sameHoursOn(window, day, config.timezone);
        return same ? figuresOf(same, undefined) : Promise.resolve(undefined);
      }),
    );
    const baseline = {} as Record<Series, BaselineBand | null>;
    for (const series of Object.keys(HOURLY_CHART_SERIES) as Series[]) {
      baseline[series] = bandOf(weeks.map((week) => (week ? week[series] : null)));
    }
    hours.push({
      hour: slot.hour,
      from: new Date(slot.start).toISOString(),
      to: new Date(slot.end).toISOString(),
      partial,
      values,
      baseline,
    });
  }
  const alerts = (await queryAlertHistory(clients, config.site, date, date))
    .filter((alert) => alert.every === 'hour')
    .sort((a, b) => ((a.window?.to ?? '') < (b.window?.to ?? '') ? -1 : 1));
  return { site: config.site, date, timezone: config.timezone, baselineWeeks, hours, alerts };
}

/** The route: `date` (YYYY-MM-DD, default the site's today), behind the site's read key. */
export async function hourlyChartRoute(deps: QueryDeps, site: string, event: HttpEvent): Promise<HttpResult> {
  const date = event.queryStringParameters?.date;
  if (date !== undefined && !isIsoDate(date)) {
    throw new HttpError(400, 'invalid_date', 'date is YYYY-MM-DD.');
  }
  const stored = await deps.sites.site(site);
  if (!stored) throw new HttpError(404, 'not_found', 'No such resource.');
  return jsonResponse(200, await hourlyChart(deps.clients, stored.config, { date, now: new Date() }));
}
