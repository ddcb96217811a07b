// @ts-check
/**
 * "Today by the hour": events, orders and carts of each site-local hour of one day against the
 * seasonal baseline the hourly alert rules compare with (median line, lowest–highest week as a band),
 * with the day's hourly alert episodes marked (firing: shaded window and solid line at its end,
 * resolved: dashed line). Data: GET /v1/sites/{site}/hours?date=D (functions/query/hourly-chart.ts).
 */

import { COLORS } from './charts.js';
import uPlot from './vendor/uPlot.esm.js';

const FIRING = '#C0392B';
const RESOLVED = '#1E8449';

/**
 * @typedef {{ median: number, min: number, max: number, weeks: number }} Band
 * @typedef {'events' | 'orders' | 'carts'} Series
 * @typedef {{ hour: string, from: string, to: string, partial: boolean,
 *   values: Record<Series, number | null>, baseline: Record<Series, Band | null> }} HourRow
 * @typedef {{ ruleId: string, state: 'firing' | 'resolved', text: string, metric: string,
 *   window?: { from: string, to: string } }} HourAlert
 * @typedef {{ site: string, date: string, timezone: string, baselineWeeks: number,
 *   hours: HourRow[], alerts: HourAlert[] }} HourlyChart
 */

/** @type {{ series: Series, title: string, color: string, metrics: string[] }[]} */
export const HOUR_PANELS = [
  { series: 'events', title: 'Events', color: COLORS.blue, metrics: ['traffic.'] },
  { series: 'orders', title: 'Orders', color: COLORS.green, metrics: ['sales.', 'funnel.'] },
  { series: 'carts', title: 'Carts', color: COLORS.orange, metrics: ['carts.', 'checkouts.'] },
];

/**
 * Where an instant falls on the chart's x axis: hour i spans [i, i + 1).
 * @param {HourRow[]} hours @param {string} iso
 */
function xOf(hours, iso) {
  const at = Date.parse(iso);
  for (const [index, row] of hours.entries()) {
    const from = Date.parse(row.from);
    const to = Date.parse(row.to);
    if (at >= from && at <= to) return index + (at - from) / Math.max(1, to - from);
  }
  const first = hours[0];
  if (first && at < Date.parse(first.from)) return 0;
  return hours.length;
}

/**
 * Alert episodes of one panel: a firing notification's window shaded, a line at each notification.
 * @param {HourRow[]} hours @param {HourAlert[]} alerts
 * @returns {uPlot.Plugin}
 */
function alertsPlugin(hours, alerts) {
  return {
    hooks: {
      drawClear: [
        (u) => {
          const { ctx } = u;
          const { top, height } = u.bbox;
          ctx.save();
          for (const alert of alerts) {
            if (alert.state !== 'firing' || !alert.window) continue;
            const left = u.valToPos(xOf(hours, alert.window.from), 'x', true);
            const right = u.valToPos(xOf(hours, alert.window.to), 'x', true);
            ctx.fillStyle = 'rgba(192, 57, 43, 0.12)';
            ctx.fillRect(left, top, Math.max(2, right - left), height);
          }
          ctx.restore();
        },
      ],
      draw: [
        (u) => {
          const { ctx } = u;
          const { top, height } = u.bbox;
          ctx.save();
          for (const alert of alerts) {
            if (!alert.window) continue;
            const x = u.valToPos(xOf(hours, alert.window.to), 'x', true);
            ctx.strokeStyle = alert.state === 'firing' ? FIRING : RESOLVED;
            ctx.lineWidth = 2 * uPlot.pxRatio;
            ctx.setLineDash(alert.state === 'firing' ? [] : [5 * uPlot.pxRatio, 4 * uPlot.pxRatio]);
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + height);
            ctx.stroke();
            // A flag (firing) or a ring (resolved) on top, where the eye looks first.
            ctx.setLineDash([]);
            ctx.beginPath();
            if (alert.state === 'firing') {
              ctx.fillStyle = FIRING;
              ctx.moveTo(x, top);
              ctx.lineTo(x + 9 * uPlot.pxRatio, top + 4 * uPlot.pxRatio);
              ctx.lineTo(x, top + 8 * uPlot.pxRatio);
              ctx.fill();
            } else {
              ctx.arc(x, top + 5 * uPlot.pxRatio, 4 * uPlot.pxRatio, 0, 2 * Math.PI);
              ctx.stroke();
            }
          }
          ctx.restore();
        },
      ],
    },
  };
}

/** Which panel shows an hourly alert's figure. @param {string} metric */
export function panelOfMetric(metric) {
  return HOUR_PANELS.find((panel) => panel.metrics.some((prefix) => metric.startsWith(prefix)))?.series;
}

/** @param {number | null} value */
function count(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(value);
}

/**
 * One small chart per figure, side by side; returns the handle renderChart's callers expect.
 * @param {HTMLElement} container
 * @param {HourlyChart} chart
 */
export function renderHourCharts(container, chart) {
  const { hours } = chart;
  const xs = hours.map((_, index) => index + 0.5);
  /** @type {uPlot[]} */
  const plots = [];
  /** @type {ResizeObserver[]} */
  const observers = [];
  container.replaceChildren();
  for (const panel of HOUR_PANELS) {
    const figure = document.createElement('figure');
    figure.className = 'hour-chart';
    figure.dataset.series = panel.series;
    const caption = document.createElement('figcaption');
    caption.textContent = `${panel.title} per hour`;
    const body = document.createElement('div');
    figure.append(caption, body);
    container.append(figure);
    const band = (/** @type {'min' | 'max' | 'median'} */ key) =>
      hours.map((row) => row.baseline[panel.series]?.[key] ?? null);
    /** @type {uPlot.AlignedData} */
    const data = [xs, band('max'), band('min'), band('median'), hours.map((row) => row.values[panel.series])];
    const alerts = chart.alerts.filter((alert) => panelOfMetric(alert.metric) === panel.series);
    const height = 220;
    /** @type {uPlot.Options} */
    const options = {
      width: Math.max(260, body.clientWidth),
      height,
      scales: {
        x: { time: false, range: () => [0, Math.max(1, hours.length)] },
        y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
      },
      axes: [
        {
          stroke: COLORS.grey,
          grid: { show: false },
          ticks: { stroke: '#d7dbe0' },
          splits: () => hours.map((_, index) => index).filter((index) => index % 3 === 0),
          values: (_u, splits) => splits.map((x) => `${hours[x]?.hour ?? ''}:00`),
        },
        { stroke: COLORS.grey, grid: { stroke: '#eef0f3' }, ticks: { stroke: '#d7dbe0' }, size: 44 },
      ],
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      legend: { live: true },
      bands: [{ series: [1, 2], fill: 'rgba(107, 114, 128, 0.16)' }],
      series: [
        { label: 'Hour', value: (_u, v) => (v === null ? '–' : `${hours[Math.floor(v)]?.hour ?? ''}:00`) },
        {
          label: 'Highest week',
          stroke: 'rgba(107, 114, 128, 0.35)',
          width: 1,
          points: { show: false },
          value: (_u, v) => count(v),
        },
        {
          label: 'Lowest week',
          stroke: 'rgba(107, 114, 128, 0.35)',
          width: 1,
          points: { show: false },
          value: (_u, v) => count(v),
        },
        {
          label: `Usual (median of ${chart.baselineWeeks} weeks)`,
          stroke: COLORS.grey,
          dash: [6, 4],
          width: 1.5,
          points: { show: false },
          value: (_u, v) => count(v),
        },
        {
          label: chart.date,
          stroke: panel.color,
          width: 2.5,
          points: { show: true, size: 5, fill: panel.color },
          value: (_u, v) => count(v),
        },
      ],
      plugins: [alertsPlugin(hours, alerts)],
    };
    const plot = new uPlot(options, data, body);
    const canvas = plot.root.querySelector('canvas');
    if (canvas) {
      canvas.setAttribute('role', 'img');
      canvas.setAttribute(
        'aria-label',
        `${panel.title} per hour on ${chart.date} against the usual band; ${alerts.length} hourly alert notification(s)`,
      );
    }
    const resize = new ResizeObserver(() => {
      const width = Math.max(260, body.clientWidth);
      if (Math.abs(width - plot.width) > 2) plot.setSize({ width, height });
    });
    resize.observe(body);
    plots.push(plot);
    observers.push(resize);
  }
  return {
    /** @param {string | undefined} _day */
    select(_day) {},
    destroy() {
      for (const observer of observers) observer.disconnect();
      for (const plot of plots) plot.destroy();
    },
  };
}
