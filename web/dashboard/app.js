// @ts-check
/**
 * The Roxtrail dashboard: asks for a site, a date range and the site's read key, fetches the figures
 * (and the alert history) from the query API on the same origin, and draws them.
 */
import { COLORS, renderChart, renderCurveChart } from './charts.js';
import * as fmt from './format.js';
import { renderHourCharts } from './hours.js';

/**
 * @typedef {import('../../shared/metrics/figures').FiguresDocument} Figures
 * @typedef {import('../../shared/alerts/messages').AlertMessage & { kind: 'incident' | 'reminder' | 'resolution' }} AlertRecord
 * @typedef {import('./charts.js').ChartSpec} ChartSpec
 * @typedef {import('./charts.js').Marker} Marker
 * @typedef {ReturnType<typeof renderChart>} Chart
 * @typedef {import('./hours.js').HourlyChart} HourlyChart
 */

/**
 * The sections that look across days (metrics.md §7 outcomes, §8 customers), typed here from the
 * spec's JSON until the figures types carry them (shared/metrics/outcomes.ts `OutcomesFigures`,
 * shared/metrics/customers.ts `CustomersFigures`). Days computed without them lack the keys.
 * @typedef {{
 *   touchpoint: string, cost: number, exposed: number, controls: number,
 *   revenuePerJourneyExposed: number | null, revenuePerJourneyControl: number | null,
 *   naiveIncrementalRevenue: number | null, naiveRox: number | null,
 *   strata: number, usableStrata: number, coverage: number | null,
 *   incrementalRevenuePerJourney: number | null,
 *   incrementalRevenuePerJourneyLow: number | null, incrementalRevenuePerJourneyHigh: number | null,
 *   incrementalRevenue: number | null, incrementalRevenueLow: number | null, incrementalRevenueHigh: number | null,
 *   rox: number | null, roxLow: number | null, roxHigh: number | null,
 *   verdict: 'pays' | 'loses' | 'unclear' | null,
 * }} OutcomeTouchpoint
 * @typedef {{ rox: {
 *   exposureFrom: string, exposureTo: string, windowDays: number, horizonDays: number, lookbackDays: number,
 *   touchpoints: OutcomeTouchpoint[],
 * } }} Outcomes
 * @typedef {{ respondents: number, revenuePerRespondent: number | null, repurchaseRate: number | null }} RespondentGroup
 * @typedef {{ month: string, customers: number, retained: (number | null)[], revenuePerCustomer: (number | null)[] }} Cohort
 * @typedef {{
 *   new: number, returning: number, repeatRate: number | null,
 *   retention30: number | null, ltv30: number | null, retention90: number | null, ltv90: number | null,
 *   cohorts: Cohort[],
 *   experienceValue: {
 *     from: string, to: string, gap: number | null,
 *     promoters: RespondentGroup, passives: RespondentGroup, detractors: RespondentGroup,
 *   },
 * }} Customers
 */

const KEY_PREFIX = 'roxtrail.readKey.';
const SITE_KEY = 'roxtrail.site';
const DEFAULT_DAYS = 14;

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
function byId(id, type) {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`#${id} is missing`);
  return element;
}

/**
 * @param {string} tag
 * @param {Record<string, string>} [attributes]
 * @param {(Node | string)[]} [children]
 */
function el(tag, attributes = {}, children = []) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) element.append(child);
  return element;
}

const ui = {
  form: byId('controls', HTMLFormElement),
  site: byId('site', HTMLInputElement),
  from: byId('from', HTMLInputElement),
  to: byId('to', HTMLInputElement),
  key: byId('read-key', HTMLInputElement),
  forget: byId('forget', HTMLButtonElement),
  status: byId('status', HTMLParagraphElement),
  overview: byId('overview', HTMLElement),
  day: byId('day', HTMLSelectElement),
  dayStatus: byId('day-status', HTMLSpanElement),
  kpis: byId('kpis', HTMLDivElement),
  alerts: byId('alerts', HTMLElement),
  alertList: byId('alert-list', HTMLOListElement),
  trends: byId('trends', HTMLElement),
  charts: byId('charts', HTMLDivElement),
  detail: byId('day-detail', HTMLElement),
  funnel: byId('funnel', HTMLOListElement),
  touchpoints: byId('touchpoints', HTMLTableElement),
  outcomes: byId('outcomes', HTMLElement),
  outcomesAsOf: byId('outcomes-as-of', HTMLSpanElement),
  outcomesBody: byId('outcomes-body', HTMLDivElement),
  customers: byId('customers', HTMLElement),
  customersAsOf: byId('customers-as-of', HTMLSpanElement),
  customersBody: byId('customers-body', HTMLDivElement),
  hours: byId('hours', HTMLElement),
  hoursTitle: byId('hours-title', HTMLHeadingElement),
  hoursNote: byId('hours-note', HTMLSpanElement),
  hoursSub: byId('hours-sub', HTMLParagraphElement),
  hourCharts: byId('hour-charts', HTMLDivElement),
  hourAlerts: byId('hour-alerts', HTMLOListElement),
};

/**
 * @type {{
 *   figures: Figures[],
 *   byDate: Map<string, Figures>,
 *   alerts: AlertRecord[] | undefined,
 *   dates: string[],
 *   day: string | undefined,
 *   charts: Chart[],
 *   hours: HourlyChart | undefined,
 * }}
 */
const state = {
  figures: [],
  byDate: new Map(),
  alerts: undefined,
  dates: [],
  day: undefined,
  charts: [],
  hours: undefined,
};

/** The API lives next to the page: `/dashboard` → `/`, `/stage/dashboard` → `/stage/`. */
const apiBase = new URL('.', window.location.href);

/** @param {string} text @param {'info' | 'ok' | 'warn' | 'error'} [kind] */
function setStatus(text, kind = 'info') {
  ui.status.textContent = text;
  ui.status.dataset.kind = kind;
}

/* ------------------------------------------------------------------------------------ the form */

function readHash() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  return {
    site: params.get('site') ?? undefined,
    from: params.get('from') ?? undefined,
    to: params.get('to') ?? undefined,
    day: params.get('day') ?? undefined,
  };
}

function writeHash() {
  const params = new URLSearchParams({ site: ui.site.value, from: ui.from.value, to: ui.to.value });
  if (state.day) params.set('day', state.day);
  // The read key never goes into the URL.
  history.replaceState(null, '', `#${params}`);
}

/** The last `days` complete days: today is still coming in, so ranges end yesterday unless asked. @param {number} days */
function setRange(days) {
  const to = fmt.addDays(fmt.today(), -1);
  ui.to.value = to;
  ui.from.value = fmt.addDays(to, 1 - days);
}

/** @param {string} site */
function storedKey(site) {
  try {
    return sessionStorage.getItem(KEY_PREFIX + site) ?? '';
  } catch {
    return '';
  }
}

/** @param {string} site @param {string} key */
function storeKey(site, key) {
  try {
    sessionStorage.setItem(KEY_PREFIX + site, key);
    localStorage.setItem(SITE_KEY, site);
  } catch {
    // Storage blocked: the key lives in the form only.
  }
}

function init() {
  const hash = readHash();
  let rememberedSite = '';
  try {
    rememberedSite = localStorage.getItem(SITE_KEY) ?? '';
  } catch {
    rememberedSite = '';
  }
  ui.site.value = hash.site ?? (rememberedSite || 'demo');
  if (hash.from && hash.to) {
    ui.from.value = hash.from;
    ui.to.value = hash.to;
  } else {
    setRange(DEFAULT_DAYS);
  }
  state.day = hash.day;
  ui.key.value = storedKey(ui.site.value);

  for (const button of document.querySelectorAll('.presets button')) {
    button.addEventListener('click', () => {
      setRange(Number(button.getAttribute('data-days') ?? DEFAULT_DAYS));
      if (ui.form.checkValidity()) void load();
    });
  }
  ui.site.addEventListener('change', () => {
    ui.key.value = storedKey(ui.site.value) || ui.key.value;
  });
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void load();
  });
  ui.forget.addEventListener('click', () => {
    try {
      sessionStorage.removeItem(KEY_PREFIX + ui.site.value);
    } catch {
      // nothing stored
    }
    ui.key.value = '';
    ui.key.focus();
    setStatus('The read key is forgotten in this tab.');
  });
  ui.day.addEventListener('change', () => pickDay(ui.day.value));

  if (ui.key.value) void load();
  else {
    setStatus('Enter the read key of the site to see its figures.');
    ui.key.focus();
  }
}

/* ------------------------------------------------------------------------------------ fetching */

class ApiError extends Error {}

/** @param {string} path @param {string} key */
async function getJson(path, key) {
  let response;
  try {
    response = await fetch(new URL(path, apiBase), { headers: { authorization: `Bearer ${key}` } });
  } catch {
    throw new ApiError('Cannot reach the Roxtrail API. Is the stack running?');
  }
  /** @type {unknown} */
  let body;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const message =
      typeof body === 'object' && body !== null && 'message' in body
        ? String(body.message)
        : response.statusText;
    throw new ApiError(`${response.status}: ${message}`, { cause: response.status });
  }
  return body;
}

async function load() {
  if (!ui.form.reportValidity()) return;
  const site = ui.site.value.trim();
  const key = ui.key.value.trim();
  const from = ui.from.value;
  const to = ui.to.value;
  if (from > to) {
    setStatus('"From" must not be after "To".', 'error');
    return;
  }
  storeKey(site, key);
  writeHash();
  setStatus(`Loading ${site}…`);
  const range = `from=${from}&to=${to}`;
  const sitePath = `v1/sites/${encodeURIComponent(site)}`;
  try {
    const [figuresBody, alertsBody, hoursBody] = await Promise.all([
      getJson(`${sitePath}/figures?${range}`, key),
      getJson(`${sitePath}/alerts?${range}`, key).catch((error) => {
        // Figures still show when the alert history cannot be read.
        console.warn('alert history unavailable', error);
        return undefined;
      }),
      // The last day of the range hour by hour (today, with the default range).
      getJson(`${sitePath}/hours?date=${to}`, key).catch((error) => {
        console.warn('hourly figures unavailable', error);
        return undefined;
      }),
    ]);
    state.hours = /** @type {HourlyChart | undefined} */ (hoursBody);
    const figures = /** @type {{ figures?: Figures[] }} */ (figuresBody).figures ?? [];
    const alerts = /** @type {{ alerts?: AlertRecord[] } | undefined} */ (alertsBody)?.alerts;
    state.figures = figures;
    state.byDate = new Map(figures.map((f) => [f.date, f]));
    state.alerts = alerts;
    state.dates = fmt.datesBetween(from, to);
    render(site, from, to);
  } catch (error) {
    hideAll();
    const status = error instanceof ApiError ? error.cause : undefined;
    const hint =
      status === 401
        ? ' Check the read key (roxtrail start prints the demo site’s).'
        : status === 403
          ? ' Each read key opens one site.'
          : '';
    setStatus(`${error instanceof Error ? error.message : String(error)}${hint}`, 'error');
  }
}

function hideAll() {
  for (const chart of state.charts) chart.destroy();
  state.charts = [];
  ui.overview.hidden = true;
  ui.alerts.hidden = true;
  ui.trends.hidden = true;
  ui.detail.hidden = true;
  ui.outcomes.hidden = true;
  ui.customers.hidden = true;
  ui.hours.hidden = true;
}

/* ------------------------------------------------------------------------------------ rendering */

/** @param {string} site @param {string} from @param {string} to */
function render(site, from, to) {
  hideAll();
  const computed = state.figures;
  if (computed.length === 0) {
    setStatus(
      `No computed days for ${site} between ${from} and ${to}. Figures are computed hourly; ` +
        `roxtrail aggregate --site ${site} --from ${from} --to ${to} computes them now.`,
      'warn',
    );
    return;
  }
  const provisional = computed.filter((f) => f.status === 'provisional').length;
  const fired = (state.alerts ?? []).filter((a) => a.state === 'firing').length;
  const first = computed[0];
  setStatus(
    `${site} · ${computed.length} computed day(s) of ${state.dates.length} · ${provisional} provisional` +
      (state.alerts ? ` · ${fired} alert(s) fired` : ' · alert history unavailable') +
      (first ? ` · ${first.timezone}, ${first.currency}` : ''),
    'ok',
  );

  // The day in the hash if it is computed, else the latest day that had traffic.
  const withTraffic = computed.filter((f) => f.traffic.events > 0);
  const latest = (withTraffic[withTraffic.length - 1] ?? computed[computed.length - 1])?.date;
  if (!state.day || !state.byDate.has(state.day)) state.day = latest;

  ui.day.replaceChildren(
    ...[...computed]
      .reverse()
      .map((f) =>
        el('option', { value: f.date }, [
          `${fmt.longDayLabel(f.date)}${inProgress(f) ? ' (today, in progress)' : f.status === 'provisional' ? ' (provisional)' : ''}`,
        ]),
      ),
  );
  ui.day.value = state.day ?? '';

  renderAlerts();
  renderHours();
  renderCharts();
  renderDay();
  ui.overview.hidden = false;
  ui.trends.hidden = false;
  ui.detail.hidden = false;
  // The views over a window read the last computed day of the range, whichever day is picked.
  const asOf = computed[computed.length - 1];
  if (asOf) {
    ui.outcomes.hidden = false;
    ui.customers.hidden = false;
    renderOutcomes(site, asOf);
    renderCustomers(site, asOf);
  }
}

/** @param {string} date */
function pickDay(date) {
  if (!state.byDate.has(date)) return;
  state.day = date;
  ui.day.value = date;
  writeHash();
  for (const chart of state.charts) chart.select(date);
  renderDay();
}

/* ------------------------------------------------------------------------- by the hour */

function renderHours() {
  const hours = state.hours;
  if (!hours || hours.hours.length === 0) return;
  const today = fmt.todayIn(hours.timezone);
  ui.hoursTitle.textContent =
    hours.date === today ? 'Today by the hour' : `${fmt.longDayLabel(hours.date)} by the hour`;
  const partial = hours.hours.some((row) => row.partial);
  ui.hoursNote.textContent = `${hours.timezone}${partial ? ' · the current hour still grows' : ''}`;
  ui.hoursSub.textContent =
    `Each site-local hour against the same hour on the same weekday of the previous ${hours.baselineWeeks} weeks, ` +
    'as the hourly alert rules compare it.';
  ui.hours.hidden = false;
  state.charts.push(renderHourCharts(ui.hourCharts, hours));
  const firing = hours.alerts.filter((alert) => alert.state === 'firing');
  const resolved = hours.alerts.filter((alert) => alert.state === 'resolved');
  ui.hourAlerts.replaceChildren(
    ...(hours.alerts.length === 0
      ? [el('li', { class: 'empty' }, ['No hourly alert on this day.'])]
      : hours.alerts.map((alert) =>
          el('li', { class: `alert ${alert.state}`, 'data-rule': alert.ruleId }, [
            el('span', { class: 'alert-state' }, [alert.state]),
            el('span', { class: 'alert-when' }, [
              alert.window ? `at ${fmt.clockIn(alert.window.to, hours.timezone, hours.date)}` : '',
            ]),
            el('span', { class: 'alert-text' }, [alert.text]),
          ]),
        )),
  );
  ui.hourAlerts.setAttribute('aria-label', `${firing.length} fired, ${resolved.length} resolved`);
}

/* --------------------------------------------------------------------------- alerts */

/** Which chart shows an alert's figure. @param {string} metric */
function chartOfMetric(metric) {
  if (metric.startsWith('traffic.') || metric.startsWith('quality.')) return 'traffic';
  if (metric.startsWith('funnel.') || metric.startsWith('carts.') || metric.startsWith('checkouts.'))
    return 'conversion';
  if (metric.startsWith('sales.')) return 'revenue';
  if (metric.startsWith('rox.')) return 'rox';
  if (metric.startsWith('experience.friction')) return 'friction';
  if (metric.startsWith('experience.')) return 'experience';
  if (metric.startsWith('experiments')) return 'conversion';
  return 'traffic';
}

/** @param {string} chartId @returns {Marker[]} */
function markersFor(chartId) {
  return (state.alerts ?? [])
    .filter((a) => chartOfMetric(a.metric) === chartId && a.kind !== 'reminder')
    .map((a) => ({ date: a.date, state: a.state, text: a.text }));
}

/**
 * Alert episodes: a rule firing on a day, its reminders, and the day it resolved (if it has).
 * @typedef {{ ruleId: string, fired: AlertRecord, resolved: AlertRecord | undefined, reminders: number }} Episode
 * @param {AlertRecord[]} alerts in time order
 * @returns {Episode[]}
 */
function episodesOf(alerts) {
  /** @type {Episode[]} */
  const episodes = [];
  /** @type {Map<string, Episode>} */
  const open = new Map();
  for (const alert of alerts) {
    const current = open.get(alert.ruleId);
    if (alert.state === 'firing') {
      if (current) current.reminders++;
      else {
        const episode = { ruleId: alert.ruleId, fired: alert, resolved: undefined, reminders: 0 };
        episodes.push(episode);
        open.set(alert.ruleId, episode);
      }
    } else if (current) {
      current.resolved = alert;
      open.delete(alert.ruleId);
    } else {
      // Resolved in range, fired before it.
      episodes.push({ ruleId: alert.ruleId, fired: alert, resolved: alert, reminders: 0 });
    }
  }
  // Still firing first, then the most recent.
  return episodes.sort(
    (a, b) =>
      Number(Boolean(a.resolved)) - Number(Boolean(b.resolved)) ||
      (a.fired.date < b.fired.date ? 1 : a.fired.date > b.fired.date ? -1 : 0) ||
      (a.ruleId < b.ruleId ? -1 : 1),
  );
}

/** @param {string} date @param {string} label */
function dayButton(date, label) {
  const button = el(
    'button',
    { type: 'button', class: 'alert-day', title: `Show ${fmt.longDayLabel(date)}` },
    [label],
  );
  button.addEventListener('click', () => pickDay(date));
  return button;
}

function renderAlerts() {
  const alerts = state.alerts;
  ui.alerts.hidden = false;
  if (!alerts) {
    ui.alertList.replaceChildren(el('li', { class: 'empty' }, ['The alert history could not be read.']));
    return;
  }
  if (alerts.length === 0) {
    ui.alertList.replaceChildren(el('li', { class: 'empty' }, ['No alert fired or resolved in this range.']));
    return;
  }
  const items = episodesOf(alerts).map((episode) => {
    const firing = !episode.resolved;
    /** @type {(Node | string)[]} */
    const when = [dayButton(episode.fired.date, fmt.dayLabel(episode.fired.date))];
    if (episode.resolved && episode.resolved !== episode.fired) {
      when.push(' → ', dayButton(episode.resolved.date, fmt.dayLabel(episode.resolved.date)));
    }
    const reminders =
      episode.reminders > 0 ? ` (${episode.reminders} reminder${episode.reminders > 1 ? 's' : ''})` : '';
    /** @type {Record<string, string>} */
    const attributes = { class: `alert ${firing ? 'firing' : 'resolved'}` };
    if (episode.resolved && episode.resolved !== episode.fired) attributes.title = episode.resolved.text;
    return el('li', attributes, [
      el('span', { class: 'alert-state' }, [firing ? 'firing' : 'resolved']),
      el('span', { class: 'alert-when' }, when),
      el('span', { class: 'alert-text' }, [
        episode.fired.state === 'firing' ? episode.fired.text : (episode.resolved?.text ?? ''),
        reminders,
      ]),
    ]);
  });
  ui.alertList.replaceChildren(...items);
}

/* --------------------------------------------------------------------------- charts */

/**
 * @param {(f: Figures) => number | null | undefined} read
 * @returns {(number | null)[]}
 */
function seriesOf(read) {
  return state.dates.map((date) => {
    const figures = state.byDate.get(date);
    if (!figures) return null;
    const value = read(figures);
    return value === undefined ? null : value;
  });
}

/** @param {string} title @param {string} note @param {string} id */
function chartFrame(title, note, id) {
  const heading = el('h3', { id: `chart-${id}-title` }, [title]);
  const body = el('div', { class: 'chart-body' });
  const summary = el('p', { class: 'chart-note', id: `chart-${id}-note` }, [note]);
  const table = el('details', { class: 'chart-table' });
  const figure = el(
    'figure',
    { class: 'chart', 'aria-labelledby': `chart-${id}-title`, 'aria-describedby': `chart-${id}-note` },
    [heading, summary, body, table],
  );
  return { figure, body, table };
}

/** A table with the chart's numbers, for screen readers and for copying. @param {HTMLElement} details @param {ChartSpec} spec */
function fillTable(details, spec) {
  const head = el('tr', {}, [
    el('th', { scope: 'col' }, ['Day']),
    ...spec.series.map((s) => el('th', { scope: 'col' }, [s.label])),
  ]);
  const rows = spec.dates.map((date, i) =>
    el('tr', {}, [
      el('th', { scope: 'row' }, [`${fmt.dayLabel(date)}${spec.provisional[i] ? ' (provisional)' : ''}`]),
      ...spec.series.map((s) => el('td', {}, [s.format(s.values[i] ?? null)])),
    ]),
  );
  details.replaceChildren(
    el('summary', {}, ['Values']),
    el('div', { class: 'table-wrap' }, [el('table', {}, [el('thead', {}, [head]), el('tbody', {}, rows)])]),
  );
}

/** @param {(number | null)[]} values @param {(v: number | null) => string} format */
function rangeNote(values, format) {
  const present = values.filter((v) => v !== null);
  if (present.length === 0) return 'No data.';
  return `from ${format(Math.min(...present))} to ${format(Math.max(...present))}`;
}

function renderCharts() {
  const currency = state.figures[0]?.currency ?? 'EUR';
  const money = (/** @type {number | null} */ v) => fmt.money(v, currency);
  const provisional = state.dates.map((date) => state.byDate.get(date)?.status === 'provisional');
  const touchpointNames = [
    ...new Set(state.figures.flatMap((f) => f.rox.touchpoints.map((t) => t.touchpoint))),
  ].sort();
  const touchpointColors = [COLORS.orange, COLORS.green, COLORS.purple, COLORS.sky, COLORS.vermillion];

  /** @type {{ id: string, title: string, note: (spec: ChartSpec) => string, spec: Omit<ChartSpec, 'title' | 'dates' | 'provisional' | 'markers' | 'selected' | 'onPick'> }[]} */
  const charts = [
    {
      id: 'traffic',
      title: 'Events and journeys',
      note: (spec) => `Activity events ${rangeNote(spec.series[0]?.values ?? [], fmt.count)} a day.`,
      spec: {
        axes: [{ scale: 'count', format: fmt.count, label: 'per day' }],
        series: [
          {
            label: 'Events',
            values: seriesOf((f) => f.traffic.events),
            color: COLORS.blue,
            format: fmt.count,
          },
          {
            label: 'Sessions',
            values: seriesOf((f) => f.traffic.sessions),
            color: COLORS.sky,
            format: fmt.count,
            dash: [6, 3],
          },
          {
            label: 'Journeys',
            values: seriesOf((f) => f.traffic.journeys),
            color: COLORS.orange,
            format: fmt.count,
          },
        ],
      },
    },
    {
      id: 'conversion',
      title: 'Conversion and cart abandonment',
      note: (spec) =>
        `Cart abandonment ${rangeNote(spec.series[1]?.values ?? [], fmt.percent)}; conversion ${rangeNote(spec.series[0]?.values ?? [], fmt.percent)}.`,
      spec: {
        axes: [
          { scale: 'rate', format: fmt.percent, label: 'rate', range: [0, 1] },
          { scale: 'money', format: money, label: `abandoned value (${currency})`, side: 'right' },
        ],
        series: [
          {
            label: 'Conversion',
            values: seriesOf((f) => f.funnel.conversionRate),
            color: COLORS.green,
            scale: 'rate',
            format: fmt.percent,
          },
          {
            label: 'Cart abandonment',
            values: seriesOf((f) => f.carts.abandonmentRate),
            color: COLORS.vermillion,
            scale: 'rate',
            format: fmt.percent,
            width: 2.5,
          },
          {
            label: 'Checkout abandonment',
            values: seriesOf((f) => f.checkouts.abandonmentRate),
            color: COLORS.purple,
            scale: 'rate',
            format: fmt.percent,
            dash: [6, 3],
          },
          {
            label: 'Abandoned value',
            values: seriesOf((f) => f.carts.abandonedValue),
            color: COLORS.grey,
            scale: 'money',
            format: money,
            dash: [2, 3],
            width: 1.5,
          },
        ],
      },
    },
    {
      id: 'revenue',
      title: 'Revenue',
      note: (spec) => `Revenue ${rangeNote(spec.series[0]?.values ?? [], money)} a day.`,
      spec: {
        axes: [
          { scale: 'money', format: money, label: currency },
          { scale: 'orders', format: fmt.count, label: 'orders', side: 'right' },
        ],
        series: [
          {
            label: 'Revenue',
            values: seriesOf((f) => f.sales.revenue),
            color: COLORS.blue,
            scale: 'money',
            format: money,
            width: 2.5,
          },
          {
            label: 'Net of refunds',
            values: seriesOf((f) => f.sales.netRevenue),
            color: COLORS.sky,
            scale: 'money',
            format: money,
            dash: [6, 3],
          },
          {
            label: 'Orders',
            values: seriesOf((f) => f.sales.orders),
            color: COLORS.orange,
            scale: 'orders',
            format: fmt.count,
          },
        ],
      },
    },
    {
      id: 'rox',
      title: 'Return on experience (ROX)',
      note: (spec) =>
        `(incremental revenue − daily cost) / daily cost per touchpoint; site ROX ${rangeNote(spec.series[0]?.values ?? [], fmt.ratio)}.`,
      spec: {
        axes: [{ scale: 'rox', format: fmt.ratio, label: 'ROX (arcsinh scale)', asinh: true }],
        series: [
          {
            label: 'Site',
            values: seriesOf((f) => f.rox.value),
            color: COLORS.ink,
            scale: 'rox',
            format: fmt.ratio,
            width: 2.5,
          },
          ...touchpointNames.map((name, i) => ({
            label: name.replace(/_/g, ' '),
            values: seriesOf((f) => f.rox.touchpoints.find((t) => t.touchpoint === name)?.rox),
            color: touchpointColors[i % touchpointColors.length] ?? COLORS.grey,
            scale: 'rox',
            format: fmt.ratio,
            width: 1.5,
            dash: i % 2 === 1 ? [6, 3] : undefined,
          })),
        ],
      },
    },
    {
      id: 'experience',
      title: 'Customer and employee experience',
      note: (spec) =>
        `NPS ${rangeNote(spec.series[0]?.values ?? [], fmt.points)}; CSAT as % satisfied; CES on the right (1–7).`,
      spec: {
        axes: [
          { scale: 'points', format: fmt.points, label: 'NPS · eNPS · CSAT %', range: [-100, 100] },
          { scale: 'ces', format: fmt.score, label: 'CES (1–7)', side: 'right', range: [1, 7] },
        ],
        series: [
          {
            label: 'NPS',
            values: seriesOf((f) => f.experience.nps.score),
            color: COLORS.blue,
            scale: 'points',
            format: fmt.points,
            width: 2.5,
          },
          {
            label: 'eNPS',
            values: seriesOf((f) => f.experience.enps.score),
            color: COLORS.purple,
            scale: 'points',
            format: fmt.points,
            dash: [6, 3],
            width: 1.5,
          },
          {
            label: 'CSAT',
            values: seriesOf((f) =>
              f.experience.csat.score === null ? null : f.experience.csat.score * 100,
            ),
            color: COLORS.green,
            scale: 'points',
            format: (v) => (v === null ? fmt.DASH : `${fmt.points(v)}%`),
          },
          {
            label: 'CES',
            values: seriesOf((f) => f.experience.ces.score),
            color: COLORS.orange,
            scale: 'ces',
            format: fmt.score,
          },
        ],
      },
    },
    {
      id: 'friction',
      title: 'Friction',
      note: (spec) => `Sessions with friction ${rangeNote(spec.series[0]?.values ?? [], fmt.percent)}.`,
      spec: {
        axes: [{ scale: 'rate', format: fmt.percent, label: 'share of sessions', range: [0, null] }],
        series: [
          {
            label: 'Friction rate',
            values: seriesOf((f) => f.experience.friction.rate),
            color: COLORS.vermillion,
            scale: 'rate',
            format: fmt.percent,
            width: 2.5,
          },
          {
            label: 'Conversion with friction',
            values: seriesOf((f) => f.experience.friction.conversionWith),
            color: COLORS.purple,
            scale: 'rate',
            format: fmt.percent,
            dash: [6, 3],
          },
          {
            label: 'Conversion without',
            values: seriesOf((f) => f.experience.friction.conversionWithout),
            color: COLORS.green,
            scale: 'rate',
            format: fmt.percent,
          },
        ],
      },
    },
  ];

  const frames = [];
  for (const chart of charts) {
    /** @type {ChartSpec} */
    const spec = {
      ...chart.spec,
      title: chart.title,
      dates: state.dates,
      provisional,
      markers: markersFor(chart.id),
      selected: state.day,
      onPick: pickDay,
    };
    const frame = chartFrame(chart.title, chart.note(spec), chart.id);
    fillTable(frame.table, spec);
    frames.push({ frame, spec });
  }
  ui.charts.replaceChildren(...frames.map(({ frame }) => frame.figure));
  // Drawn after insertion, so each chart takes its container's width.
  state.charts = frames.map(({ frame, spec }) => renderChart(frame.body, spec));
}

/* --------------------------------------------------------------------------- the chosen day */

/**
 * @param {string} label
 * @param {string} value
 * @param {string} detail
 * @param {string} [tone]
 */
function kpi(label, value, detail, tone = '') {
  return el('div', { class: `kpi ${tone}` }, [
    el('span', { class: 'kpi-label' }, [label]),
    el('span', { class: 'kpi-value' }, [value]),
    el('span', { class: 'kpi-detail' }, [detail]),
  ]);
}

function renderDay() {
  const date = state.day;
  const figures = date ? state.byDate.get(date) : undefined;
  if (!figures || !date) return;
  const money = (/** @type {number | null} */ v) => fmt.money(v, figures.currency);
  const dayAlerts = (state.alerts ?? []).filter((a) => a.date === date && a.state === 'firing');
  const firingMetrics = new Set(dayAlerts.map((a) => a.metric));
  const tone = (/** @type {string[]} */ metrics) =>
    metrics.some((m) => firingMetrics.has(m)) ? 'alarm' : '';

  ui.dayStatus.textContent = inProgress(figures)
    ? `today, in progress · revision ${figures.revision}`
    : `${figures.status} · revision ${figures.revision}`;
  ui.dayStatus.dataset.status = figures.status;

  const { traffic, funnel, carts, sales, rox, experience } = figures;
  ui.kpis.replaceChildren(
    kpi(
      'Events',
      fmt.count(traffic.events),
      `${fmt.count(traffic.journeys)} journeys · ${fmt.count(traffic.sessions)} sessions`,
      tone(['traffic.events', 'traffic.journeys']),
    ),
    kpi(
      'Conversion',
      fmt.percent(funnel.conversionRate),
      plural(sales.orders, 'order'),
      tone(['funnel.conversionRate']),
    ),
    kpi(
      'Cart abandonment',
      fmt.percent(carts.abandonmentRate),
      `${fmt.count(carts.abandoned)} of ${fmt.count(carts.created)} carts · ${money(carts.abandonedValue)} left`,
      tone(['carts.abandonmentRate']),
    ),
    kpi(
      'Revenue',
      money(sales.revenue),
      `AOV ${money(sales.aov)} · net ${money(sales.netRevenue)}`,
      tone(['sales.revenue']),
    ),
    kpi(
      'ROX',
      fmt.ratio(rox.value),
      `${money(rox.incrementalRevenue)} incremental on ${money(rox.investment)}`,
      tone(['rox.value']),
    ),
    kpi(
      'NPS',
      fmt.points(experience.nps.score),
      `${fmt.count(experience.nps.responses)} responses · CSAT ${fmt.percent(experience.csat.score)} · CES ${fmt.score(experience.ces.score)}`,
      tone(['experience.nps.score']),
    ),
    kpi(
      'Friction',
      fmt.percent(experience.friction.rate),
      `${fmt.count(experience.friction.events)} events · top: ${topKey(experience.friction.byKind)}`,
      tone(['experience.friction.rate']),
    ),
  );

  renderFunnel(figures);
  renderTouchpoints(figures);
}

/** The site's current day: its figures are partial until the day ends. @param {Figures} figures */
function inProgress(figures) {
  const todayThere = new Intl.DateTimeFormat('en-CA', {
    timeZone: figures.timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());
  return figures.date >= todayThere;
}

/** @param {number} n @param {string} noun */
function plural(n, noun) {
  return `${fmt.count(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** @param {Record<string, number>} counts */
function topKey(counts) {
  const top = Object.entries(counts).sort((a, b) => b[1] - a[1])[0];
  return top ? top[0].replace(/_/g, ' ') : fmt.DASH;
}

/** @param {Figures} figures */
function renderFunnel(figures) {
  const steps = figures.funnel.steps;
  const top = Math.max(1, steps[0]?.sessions ?? 0);
  ui.funnel.replaceChildren(
    ...steps.map((step, i) => {
      const previous = i === 0 ? undefined : steps[i - 1];
      const share = step.sessions / top;
      const fromPrevious =
        previous && previous.sessions > 0
          ? `${fmt.percent(step.sessions / previous.sessions)} of the step before`
          : 'first step';
      const bar = el('span', { class: 'bar' });
      bar.style.width = `${Math.max(share * 100, step.sessions > 0 ? 1.5 : 0)}%`;
      return el('li', { class: 'step' }, [
        el('span', { class: 'step-name' }, [step.event]),
        el('span', { class: 'track', 'aria-hidden': 'true' }, [bar]),
        el('span', { class: 'step-count' }, [`${fmt.count(step.sessions)} sessions`]),
        el('span', { class: 'step-rate' }, [fromPrevious]),
      ]);
    }),
  );
}

/** @param {Figures} figures */
function renderTouchpoints(figures) {
  const money = (/** @type {number | null} */ v) => fmt.money(v, figures.currency);
  const head = el('tr', {}, [
    ...[
      'Touchpoint',
      'Journeys',
      'ROX',
      'Incremental',
      'Conv. engaged',
      'Conv. others',
      'NPS',
      'Team eNPS',
    ].map((h) => el('th', { scope: 'col' }, [h])),
  ]);
  const rows = figures.rox.touchpoints.map((t) =>
    el('tr', {}, [
      el('th', { scope: 'row' }, [t.touchpoint.replace(/_/g, ' ')]),
      el('td', {}, [fmt.count(t.journeys)]),
      el('td', { class: t.rox !== null && t.rox < 0 ? 'neg' : '' }, [fmt.ratio(t.rox)]),
      el('td', {}, [money(t.incrementalRevenue)]),
      el('td', {}, [fmt.percent(t.conversionRateEngaged)]),
      el('td', {}, [fmt.percent(t.conversionRateOthers)]),
      el('td', {}, [fmt.points(t.nps)]),
      el('td', {}, [t.team ? `${fmt.points(t.teamEnps)} (${t.team})` : fmt.DASH]),
    ]),
  );
  ui.touchpoints.replaceChildren(
    el('thead', {}, [head]),
    el(
      'tbody',
      {},
      rows.length > 0
        ? rows
        : [el('tr', {}, [el('td', { colspan: '8' }, ['No touchpoint with a daily cost.'])])],
    ),
  );
}

/* --------------------------------------------------------------------------- views over a window */

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isRecord(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The day's outcomes section (metrics.md §7), or undefined when the day was computed without it. @param {Figures} figures */
function outcomesOf(figures) {
  const section = /** @type {{ outcomes?: unknown }} */ (figures).outcomes;
  if (!isRecord(section) || !isRecord(section.rox) || !Array.isArray(section.rox.touchpoints))
    return undefined;
  const touchpoints = section.rox.touchpoints.filter((t) => isRecord(t) && typeof t.touchpoint === 'string');
  return /** @type {Outcomes} */ ({ ...section, rox: { ...section.rox, touchpoints } });
}

/** The day's customers section (metrics.md §8), or undefined when the day was computed without it. @param {Figures} figures */
function customersOf(figures) {
  const section = /** @type {{ customers?: unknown }} */ (figures).customers;
  if (!isRecord(section) || typeof section.new !== 'number' || !Array.isArray(section.cohorts))
    return undefined;
  if (!isRecord(section.experienceValue)) return undefined;
  const cohorts = section.cohorts.filter(
    (c) =>
      isRecord(c) &&
      typeof c.month === 'string' &&
      /^\d{4}-\d{2}$/.test(c.month) &&
      Array.isArray(c.retained) &&
      Array.isArray(c.revenuePerCustomer),
  );
  return /** @type {Customers} */ ({ ...section, cohorts });
}

/** @param {string} name */
function touchpointLabel(name) {
  return name.replace(/_/g, ' ');
}

/** A date range for people: "Oct 17 – Nov 13, 2026". @param {string} from @param {string} to */
function rangeLabel(from, to) {
  const iso = /^\d{4}-\d{2}-\d{2}$/;
  if (typeof from !== 'string' || typeof to !== 'string' || !iso.test(from) || !iso.test(to)) return fmt.DASH;
  return `${fmt.dayLabel(from)} – ${fmt.longDayLabel(to).replace(/^\w+, /, '')}`;
}

/** What a day computed without a section shows instead of it. @param {string} what @param {string} site @param {Figures} figures */
function notComputed(what, site, figures) {
  return el('div', { class: 'pending', role: 'note' }, [
    el('strong', {}, ['Not computed yet.']),
    ` The figures of ${fmt.longDayLabel(figures.date)} (revision ${figures.revision}) have no ${what}: the daily aggregation has not computed it for this day. It appears with the day's next computation; `,
    el('code', {}, [`roxtrail aggregate --site ${site} --date ${figures.date}`]),
    ' computes the day now.',
  ]);
}

/** @param {Figures} figures */
function asOfText(figures) {
  const which =
    figures.date === ui.to.value ? 'the last day of the range' : 'the last computed day of the range';
  return `as of ${fmt.longDayLabel(figures.date)}, ${which}${figures.status === 'provisional' ? ' (provisional)' : ''}`;
}

/** The sign-aware way to write an interval of money: "€2.30–€5.90", "−€0.80 to €1.60". @param {number | null} low @param {number | null} high @param {string} currency */
function moneyInterval(low, high, currency) {
  const a = fmt.moneyCents(low, currency);
  const b = fmt.moneyCents(high, currency);
  return (low ?? 0) < 0 || (high ?? 0) < 0 ? `${a} to ${b}` : `${a}–${b}`;
}

/** The verdict in words (metrics.md §7: pays when roxLow > 0, loses when roxHigh < 0). @param {OutcomeTouchpoint} t @param {string} currency */
function verdictSentence(t, currency) {
  const name = touchpointLabel(t.touchpoint);
  const perJourney = `${fmt.signedMoneyCents(t.incrementalRevenuePerJourney, currency)} per engaged journey, 90 % interval ${moneyInterval(t.incrementalRevenuePerJourneyLow, t.incrementalRevenuePerJourneyHigh, currency)}`;
  switch (t.verdict) {
    case 'pays':
      return `${name} pays: ${perJourney}`;
    case 'loses':
      return `${name} does not pay for itself: ${perJourney}`;
    case 'unclear':
      return `Unclear whether ${name} pays: ${perJourney}`;
    default:
      return t.exposed === 0
        ? `${name}: not enough data — no visit used it in the window`
        : `${name}: not enough data — no group of comparable visits holds 2 exposed and 2 control visits yet`;
  }
}

/** A round step for about `parts` ticks over `span`. @param {number} span @param {number} parts */
function niceStep(span, parts) {
  const raw = span / parts;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10;
  return step * magnitude;
}

/** The ROX axis shared by the touchpoints' rows: break-even, every estimate and interval, the naive values. @param {OutcomeTouchpoint[]} touchpoints */
function roxAxis(touchpoints) {
  const values = [0];
  for (const t of touchpoints) {
    for (const v of [t.rox, t.roxLow, t.roxHigh, t.naiveRox]) if (typeof v === 'number') values.push(v);
  }
  let min = Math.min(...values);
  let max = Math.max(...values);
  if (max - min < 1) {
    const mid = (max + min) / 2;
    min = mid - 0.5;
    max = mid + 0.5;
  }
  const pad = (max - min) * 0.06;
  min -= pad;
  max += pad;
  const step = niceStep(max - min, 8);
  /** @type {number[]} */
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max; v += step)
    ticks.push(Math.abs(v) < step / 1e6 ? 0 : v);
  /** @param {number} v */
  const at = (v) => `${((Math.min(max, Math.max(min, v)) - min) / (max - min)) * 100}%`;
  return { ticks, at };
}

/** @param {string} className @param {Record<string, string>} [position] @param {string} [title] */
function mark(className, position = {}, title = '') {
  const element = el('span', title ? { class: className, title } : { class: className });
  for (const [property, value] of Object.entries(position)) element.style.setProperty(property, value);
  return element;
}

const VERDICT_WORDS = { pays: 'pays', loses: 'does not pay', unclear: 'unclear' };

/** @param {OutcomeTouchpoint} t @param {ReturnType<typeof roxAxis>} axis @param {string} currency */
function outcomeRow(t, axis, currency) {
  const money = (/** @type {number | null} */ v) => fmt.money(v, currency);
  const verdict = t.verdict && Object.hasOwn(VERDICT_WORDS, t.verdict) ? t.verdict : 'none';
  const adjusted = typeof t.rox === 'number';
  const track = el('div', { class: 'rox-track', 'aria-hidden': 'true' }, [
    ...axis.ticks.map((v) => mark(v === 0 ? 'rox-zero' : 'rox-grid', { left: axis.at(v) })),
  ]);
  if (adjusted && typeof t.roxLow === 'number' && typeof t.roxHigh === 'number') {
    const left = axis.at(t.roxLow);
    track.append(
      mark(
        'rox-interval',
        { left, width: `calc(${axis.at(t.roxHigh)} - ${left})` },
        `90 % interval ${fmt.ratio(t.roxLow)} to ${fmt.ratio(t.roxHigh)}`,
      ),
      mark('rox-point', { left: axis.at(t.rox ?? 0) }, `adjusted ROX ${fmt.ratio(t.rox)}`),
    );
  }
  if (typeof t.naiveRox === 'number') {
    track.append(mark('rox-naive', { left: axis.at(t.naiveRox) }, `naive ROX ${fmt.ratio(t.naiveRox)}`));
  }
  if (!adjusted) track.append(el('span', { class: 'rox-none' }, ['adjusted: not enough data']));

  const coverage =
    t.coverage === null
      ? 'no exposed visit to adjust'
      : `adjusted on ${fmt.percent(t.coverage)} of them (${fmt.count(t.usableStrata)} of ${plural(t.strata, 'group')} of comparable visits usable)`;
  return el('li', { class: 'rox-row', 'data-verdict': verdict }, [
    el('div', { class: 'rox-head' }, [
      el('h3', { class: 'rox-name' }, [touchpointLabel(t.touchpoint)]),
      el('span', { class: `verdict ${verdict}` }, [
        verdict === 'none' ? 'not enough data' : VERDICT_WORDS[verdict],
      ]),
    ]),
    track,
    el('dl', { class: 'rox-figures' }, [
      el('div', { class: 'rox-adjusted' }, [
        el('dt', {}, ['Adjusted ROX']),
        el('dd', {}, [
          el('strong', {}, [adjusted ? fmt.ratio(t.rox) : fmt.DASH]),
          el('span', { class: 'rox-range' }, [
            adjusted ? `${fmt.ratio(t.roxLow)} to ${fmt.ratio(t.roxHigh)}` : 'not enough data',
          ]),
        ]),
      ]),
      el('div', { class: 'rox-naive-value' }, [
        el('dt', {}, ['Naive ROX']),
        el('dd', {}, [el('strong', {}, [typeof t.naiveRox === 'number' ? fmt.ratio(t.naiveRox) : fmt.DASH])]),
      ]),
    ]),
    el('p', { class: 'rox-sentence' }, [verdictSentence(t, currency)]),
    el('p', { class: 'rox-detail' }, [
      `${plural(t.exposed, 'exposed visit')} · ${plural(t.controls, 'control')} · ${coverage} · ` +
        (t.incrementalRevenue === null
          ? `cost ${money(t.cost)}`
          : `incremental ${money(t.incrementalRevenue)} (${money(t.incrementalRevenueLow)} to ${money(t.incrementalRevenueHigh)}) on a cost of ${money(t.cost)}`) +
        ' · naive: ' +
        `${fmt.moneyCents(t.revenuePerJourneyExposed, currency)} per exposed visit vs ` +
        `${fmt.moneyCents(t.revenuePerJourneyControl, currency)} without the touchpoint`,
    ]),
  ]);
}

/** @param {string} site @param {Figures} figures */
function renderOutcomes(site, figures) {
  ui.outcomesAsOf.textContent = asOfText(figures);
  ui.outcomesAsOf.dataset.status = figures.status;
  const outcomes = outcomesOf(figures);
  if (!outcomes) {
    ui.outcomesBody.replaceChildren(notComputed('ROX over a window (outcomes)', site, figures));
    return;
  }
  const { rox } = outcomes;
  const touchpoints = rox.touchpoints;
  const axis = roxAxis(touchpoints);
  const rows =
    touchpoints.length === 0
      ? [el('li', { class: 'empty' }, ['No touchpoint with a daily cost.'])]
      : [
          ...touchpoints.map((t) => outcomeRow(t, axis, figures.currency)),
          el('li', { class: 'rox-row rox-axis', 'aria-hidden': 'true' }, [
            el('div', { class: 'rox-head' }, ['ROX']),
            el(
              'div',
              { class: 'rox-track rox-ticks' },
              axis.ticks.map((v) => {
                const tick = mark(v === 0 ? 'rox-tick zero' : 'rox-tick', { left: axis.at(v) });
                tick.textContent = v === 0 ? '0 break-even' : fmt.points(v);
                return tick;
              }),
            ),
          ]),
        ];
  ui.outcomesBody.replaceChildren(
    el('div', { class: 'outcomes-grid' }, [
      el('div', { class: 'panel' }, [
        el('p', { class: 'sub' }, [
          `Return on experience of each touchpoint over the visits of ${rangeLabel(rox.exposureFrom, rox.exposureTo)} ` +
            `(${plural(rox.windowDays, 'day')}), each followed for ${plural(rox.horizonDays, 'day')}: ` +
            '(incremental revenue − cost) / cost. Adjusted compares each visit that used the touchpoint with ' +
            'visits at the same point that did not; naive compares visits with and without it.',
        ]),
        el('ul', { class: 'key-legend rox-legend', 'aria-label': 'Marks' }, [
          el('li', {}, [
            el('span', { class: 'swatch rox-key-point', 'aria-hidden': 'true' }),
            'adjusted ROX',
          ]),
          el('li', {}, [
            el('span', { class: 'swatch rox-key-interval', 'aria-hidden': 'true' }),
            'its 90 % interval',
          ]),
          el('li', {}, [el('span', { class: 'swatch rox-key-naive', 'aria-hidden': 'true' }), 'naive ROX']),
          el('li', {}, [
            el('span', { class: 'swatch rox-key-zero', 'aria-hidden': 'true' }),
            'break-even (0: earns its cost back)',
          ]),
        ]),
        el('ol', { class: 'rox-list' }, rows),
      ]),
      el('aside', { class: 'panel caveat', 'aria-labelledby': 'caveat-title' }, [
        el('h3', { id: 'caveat-title' }, ['What the adjustment cannot remove']),
        el('p', {}, [
          'Each visit that used the touchpoint is compared with visits that had got as far, came from ' +
            `the same channel and had the same activity, intent and orders in the ${plural(rox.lookbackDays, 'day')} ` +
            'before, and did not use it then. That removes the selection that shows in behaviour before the exposure.',
        ]),
        el('p', {}, [
          'It cannot remove selection on grounds no event records: why a visitor chose to open the chat ' +
            'or watch the video. And a control visit whose visitor uses the touchpoint in a later visit ' +
            'pulls the estimate slightly towards zero.',
        ]),
        el('p', {}, [
          el('strong', {}, ['Only a holdout experiment removes both:']),
          ' withhold the touchpoint from a random share of visitors and compare.',
        ]),
      ]),
    ]),
  );
}

/** Light to dark blue for a share of the largest cell. @param {number} t in [0, 1] */
function heat(t) {
  const from = [238, 244, 251];
  const to = [11, 92, 173];
  const mix = from.map((c, i) => Math.round(c + ((to[i] ?? c) - c) * t));
  return `rgb(${mix.join(', ')})`;
}

/** The retention triangle: cohort month × months since the first order. @param {Customers} customers @param {Figures} figures */
function cohortTable(customers, figures) {
  const cohorts = customers.cohorts;
  const currentMonth = figures.date.slice(0, 7);
  const depth = Math.max(0, ...cohorts.map((c) => c.retained.length));
  const shares = cohorts.flatMap((c) => c.retained.filter((v) => typeof v === 'number'));
  const peak = Math.max(0, ...shares);
  const head = el('tr', {}, [
    el('th', { scope: 'col' }, ['Cohort']),
    el('th', { scope: 'col' }, ['Customers']),
    ...Array.from({ length: depth }, (_v, i) =>
      el('th', { scope: 'col', title: `${i + 1} month${i === 0 ? '' : 's'} after the first order's month` }, [
        `+${i + 1}`,
      ]),
    ),
  ]);
  const rows = cohorts.map((cohort) =>
    el('tr', {}, [
      el('th', { scope: 'row' }, [fmt.monthLabel(cohort.month)]),
      el('td', {}, [fmt.count(cohort.customers)]),
      ...Array.from({ length: depth }, (_v, i) => {
        const share = cohort.retained[i];
        if (i >= cohort.retained.length) return el('td', { class: 'cell-empty' });
        const later = fmt.addMonths(cohort.month, i + 1);
        const partial = later === currentMonth;
        const title =
          `${fmt.monthLabel(cohort.month)} cohort: ${fmt.percent(share)} ordered in ${fmt.monthLabel(later)}` +
          (partial ? ` (up to ${fmt.dayLabel(figures.date)})` : '');
        const cell = el('td', { class: partial ? 'heat partial' : 'heat', title }, [fmt.percent(share)]);
        if (typeof share === 'number' && peak > 0) {
          const t = share / peak;
          cell.style.backgroundColor = heat(t);
          cell.style.color = t > 0.55 ? '#ffffff' : '#1f2933';
        }
        return cell;
      }),
    ]),
  );
  return el('div', { class: 'table-wrap' }, [
    el('table', { class: 'cohorts', id: 'cohort-table', 'aria-labelledby': 'cohorts-title' }, [
      el('thead', {}, [head]),
      el('tbody', {}, rows),
    ]),
  ]);
}

/** Later revenue of promoters, passives and detractors. @param {Customers} customers @param {string} currency */
function experienceValuePanel(customers, currency) {
  const value = customers.experienceValue;
  const groups = [
    { key: 'promoters', label: 'Promoters (9–10)', group: value.promoters },
    { key: 'passives', label: 'Passives (7–8)', group: value.passives },
    { key: 'detractors', label: 'Detractors (0–6)', group: value.detractors },
  ];
  const top = Math.max(0, ...groups.map((g) => g.group?.revenuePerRespondent ?? 0));
  const items = groups.map(({ key, label, group }) => {
    const revenue = group?.revenuePerRespondent ?? null;
    const bar = el('span', { class: `bar ${key}` });
    bar.style.width = `${top > 0 && revenue !== null ? Math.max((revenue / top) * 100, revenue > 0 ? 1.5 : 0) : 0}%`;
    return el('li', { class: `step ev-group ${key}` }, [
      el('span', { class: 'step-name' }, [label]),
      el('span', { class: 'track', 'aria-hidden': 'true' }, [bar]),
      el('span', { class: 'step-count' }, [
        revenue === null ? 'not enough data' : fmt.moneyCents(revenue, currency),
      ]),
      el('span', { class: 'step-rate' }, [
        `${plural(group?.respondents ?? 0, 'respondent')} · ${fmt.percent(group?.repurchaseRate)} ordered again`,
      ]),
    ]);
  });
  const gap = typeof value.gap === 'number' ? value.gap : null;
  const gapText =
    gap === null
      ? 'Not enough data: promoters and detractors must both have answered in the window to compare them.'
      : gap >= 0
        ? `Promoters brought ${fmt.moneyCents(gap, currency)} more per respondent than detractors in the 30 days after answering.`
        : `Promoters brought ${fmt.moneyCents(-gap, currency)} less per respondent than detractors in the 30 days after answering.`;
  return el('div', { class: 'panel' }, [
    el('h3', { id: 'experience-value-title' }, ['What satisfaction is worth later']),
    el('p', { class: 'sub' }, [
      `Revenue per respondent in the 30 days after their latest NPS answer given ${rangeLabel(value.from, value.to)}.`,
    ]),
    el('ol', { class: 'funnel ev-groups', 'aria-labelledby': 'experience-value-title' }, items),
    el('p', { class: 'ev-gap' }, [gapText]),
    el('p', { class: 'note' }, [
      'Who answered what, not a cause: satisfied customers may differ from unhappy ones in other ways too.',
    ]),
  ]);
}

/** The first orders a rolling cohort holds (metrics.md §8): D−n−29 … D−n. @param {string} date @param {number} days */
function cohortWindow(date, days) {
  return rangeLabel(fmt.addDays(date, -days - 29), fmt.addDays(date, -days));
}

/** Days' new and returning customers over the range, drawn like the charts above. */
function newReturningChart() {
  const read = (/** @type {(c: Customers) => number | null} */ pick) =>
    state.dates.map((date) => {
      const figures = state.byDate.get(date);
      const customers = figures ? customersOf(figures) : undefined;
      const value = customers ? pick(customers) : null;
      return typeof value === 'number' ? value : null;
    });
  /** @type {ChartSpec} */
  const spec = {
    title: 'New and returning customers',
    dates: state.dates,
    provisional: state.dates.map((date) => state.byDate.get(date)?.status === 'provisional'),
    markers: [],
    selected: state.day,
    onPick: pickDay,
    axes: [
      { scale: 'count', format: fmt.count, label: 'customers a day' },
      { scale: 'rate', format: fmt.percent, label: 'repeat rate', side: 'right', range: [0, 1] },
    ],
    series: [
      {
        label: 'New',
        values: read((c) => c.new),
        color: COLORS.blue,
        scale: 'count',
        format: fmt.count,
        width: 2.5,
      },
      {
        label: 'Returning',
        values: read((c) => c.returning),
        color: COLORS.orange,
        scale: 'count',
        format: fmt.count,
      },
      {
        label: 'Repeat rate',
        values: read((c) => c.repeatRate),
        color: COLORS.grey,
        scale: 'rate',
        format: fmt.percent,
        dash: [6, 3],
        width: 1.5,
      },
    ],
  };
  const shown = spec.series[0]?.values.filter((v) => v !== null).length ?? 0;
  const missing = state.figures.length - shown;
  const frame = chartFrame(
    spec.title,
    `First order on the day, and customers who had ordered before; repeat rate on the right (share of all customers so far with two orders or more).${missing > 0 ? ` ${plural(missing, 'computed day')} without the section show as gaps.` : ''}`,
    'new-returning',
  );
  fillTable(frame.table, spec);
  frame.figure.classList.add('panel-chart');
  return { frame, draw: () => renderChart(frame.body, spec) };
}

/** Cumulative revenue per customer of each cohort by months since its first order. @param {Customers} customers @param {string} currency */
function cohortRevenueChart(customers, currency) {
  const cohorts = customers.cohorts;
  const depth = Math.max(0, ...cohorts.map((c) => c.revenuePerCustomer.length));
  const xs = Array.from({ length: depth }, (_v, i) => i);
  const palette = [COLORS.blue, COLORS.orange, COLORS.green, COLORS.vermillion, COLORS.purple, COLORS.sky];
  const money = (/** @type {number | null} */ v) => fmt.money(v, currency);
  /** @type {import('./charts.js').CurveSpec} */
  const spec = {
    title: 'Revenue per customer by cohort',
    xs,
    xLabel: 'months since the first order',
    xFormat: (x) => (x === 0 ? 'first month' : `+${x}`),
    axes: [{ scale: 'money', format: money, label: `cumulative per customer (${currency})` }],
    series: cohorts.map((cohort, i) => ({
      label: fmt.monthLabel(cohort.month),
      values: xs.map((x) => {
        const value = cohort.revenuePerCustomer[x];
        return typeof value === 'number' ? value : null;
      }),
      color: palette[i % palette.length] ?? COLORS.grey,
      scale: 'money',
      format: (v) => fmt.moneyCents(v, currency),
      // Up to twelve cohorts: the second round of colours is dashed.
      dash: i >= palette.length ? [6, 3] : undefined,
    })),
  };
  const frame = chartFrame(
    spec.title,
    "Each cohort's order values from its first month on, divided by its customers.",
    'cohort-revenue',
  );
  const head = el('tr', {}, [
    el('th', { scope: 'col' }, ['Cohort']),
    ...xs.map((x) => el('th', { scope: 'col' }, [spec.xFormat(x)])),
  ]);
  const rows = spec.series.map((s) =>
    el('tr', {}, [
      el('th', { scope: 'row' }, [s.label]),
      ...s.values.map((v) => el('td', {}, [s.format(v)])),
    ]),
  );
  frame.table.replaceChildren(
    el('summary', {}, ['Values']),
    el('div', { class: 'table-wrap' }, [el('table', {}, [el('thead', {}, [head]), el('tbody', {}, rows)])]),
  );
  frame.figure.classList.add('panel-chart');
  return { frame, draw: () => renderCurveChart(frame.body, spec) };
}

/** @param {string} site @param {Figures} figures */
function renderCustomers(site, figures) {
  ui.customersAsOf.textContent = asOfText(figures);
  ui.customersAsOf.dataset.status = figures.status;
  const customers = customersOf(figures);
  const currency = figures.currency;
  const anyDay = state.figures.some((f) => customersOf(f) !== undefined);
  const trend = anyDay ? newReturningChart() : undefined;
  if (!customers) {
    ui.customersBody.replaceChildren(
      notComputed('customers section', site, figures),
      ...(trend ? [el('div', { class: 'customer-grid' }, [trend.frame.figure])] : []),
    );
    if (trend) state.charts.push(trend.draw());
    return;
  }
  const money = (/** @type {number | null} */ v) =>
    v === null || v === undefined ? fmt.DASH : fmt.moneyCents(v, currency);
  const orNoData = (/** @type {number | null} */ v, /** @type {string} */ detail) =>
    v === null || v === undefined ? 'not enough data' : detail;
  const day = fmt.dayLabel(figures.date);
  const window30 = cohortWindow(figures.date, 30);
  const window90 = cohortWindow(figures.date, 90);
  const kpis = el('div', { class: 'kpis customer-kpis' }, [
    kpi('New customers', fmt.count(customers.new), `first order on ${day}`),
    kpi('Returning', fmt.count(customers.returning), `ordered on ${day}, and before`),
    kpi(
      'Repeat rate',
      fmt.percent(customers.repeatRate),
      orNoData(customers.repeatRate, 'of all customers: 2+ orders'),
    ),
    kpi(
      'Retention 30 d',
      fmt.percent(customers.retention30),
      orNoData(customers.retention30, `first orders ${window30}`),
    ),
    kpi('LTV 30 d', money(customers.ltv30), orNoData(customers.ltv30, 'per customer, first order included')),
    kpi(
      'Retention 90 d',
      fmt.percent(customers.retention90),
      orNoData(customers.retention90, `first orders ${window90}`),
    ),
    kpi('LTV 90 d', money(customers.ltv90), orNoData(customers.ltv90, 'per customer, first order included')),
  ]);
  const revenue = customers.cohorts.length > 0 ? cohortRevenueChart(customers, currency) : undefined;
  const triangle = el('div', { class: 'panel' }, [
    el('h3', { id: 'cohorts-title' }, ['Retention by cohort']),
    el('p', { class: 'sub' }, [
      "Share of each month's new customers who ordered again 1, 2, … months later; darker is more, " +
        `scaled to the largest cell. The current month counts up to ${day} (dotted).`,
    ]),
    customers.cohorts.length > 0
      ? cohortTable(customers, figures)
      : el('p', { class: 'empty' }, ['No customer had a first order in the last 12 months.']),
  ]);
  ui.customersBody.replaceChildren(
    kpis,
    el('div', { class: 'customer-grid' }, [
      ...(trend ? [trend.frame.figure] : []),
      ...(revenue ? [revenue.frame.figure] : []),
      triangle,
      experienceValuePanel(customers, currency),
    ]),
  );
  if (trend) state.charts.push(trend.draw());
  if (revenue) state.charts.push(revenue.draw());
}

init();
