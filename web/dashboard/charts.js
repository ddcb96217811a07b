// @ts-check
/**
 * Day charts on uPlot: one x value per calendar day, provisional days hatched, alert days marked
 * (firing: solid vermillion line and flag, resolved: dashed green line and ring), the selected day
 * outlined, and a click picks a day.
 */

import { dayLabel, dayToSeconds, secondsToDay } from './format.js';
import uPlot from './vendor/uPlot.esm.js';

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies. */
export const COLORS = {
  blue: '#0072B2',
  orange: '#E69F00',
  green: '#009E73',
  vermillion: '#D55E00',
  purple: '#CC79A7',
  sky: '#3A9AD9',
  ink: '#1f2933',
  grey: '#6b7280',
};

const FIRING = '#C0392B';
const RESOLVED = '#1E8449';
const DAY = 86_400;

/**
 * @typedef {(value: number | null) => string} Formatter
 * @typedef {{
 *   label: string,
 *   values: (number | null)[],
 *   color: string,
 *   scale?: string,
 *   format: Formatter,
 *   dash?: number[],
 *   width?: number,
 * }} SeriesSpec
 * @typedef {{ date: string, state: 'firing' | 'resolved', text: string }} Marker
 * @typedef {{ scale: string, format: Formatter, label: string, side?: 'left' | 'right', range?: [number | null, number | null], asinh?: boolean }} AxisSpec
 * @typedef {{
 *   title: string,
 *   dates: string[],
 *   provisional: boolean[],
 *   series: SeriesSpec[],
 *   axes: AxisSpec[],
 *   markers: Marker[],
 *   selected: string | undefined,
 *   onPick: (date: string) => void,
 * }} ChartSpec
 */

/**
 * A diagonal hatch for provisional days.
 * @param {CanvasRenderingContext2D} ctx
 * @returns {CanvasPattern | string}
 */
function hatchPattern(ctx) {
  const size = Math.round(8 * uPlot.pxRatio);
  const tile = document.createElement('canvas');
  tile.width = size;
  tile.height = size;
  const t = tile.getContext('2d');
  if (!t) return 'rgba(120, 130, 150, 0.12)';
  t.fillStyle = 'rgba(120, 130, 150, 0.07)';
  t.fillRect(0, 0, size, size);
  t.strokeStyle = 'rgba(100, 110, 130, 0.35)';
  t.lineWidth = Math.max(1, uPlot.pxRatio);
  t.beginPath();
  t.moveTo(0, size);
  t.lineTo(size, 0);
  t.moveTo(-size / 2, size / 2);
  t.lineTo(size / 2, -size / 2);
  t.moveTo(size / 2, size * 1.5);
  t.lineTo(size * 1.5, size / 2);
  t.stroke();
  return ctx.createPattern(tile, 'repeat') ?? 'rgba(120, 130, 150, 0.12)';
}

/** Pixel half-width of one day on the x axis (canvas pixels). @param {uPlot} u */
function halfDay(u) {
  return Math.abs(u.valToPos(DAY, 'x', true) - u.valToPos(0, 'x', true)) / 2;
}

/** @param {boolean[]} provisional @param {() => string | undefined} selected */
function backgroundPlugin(provisional, selected) {
  /** @type {CanvasPattern | string | undefined} */
  let pattern;
  return {
    hooks: {
      /** @param {uPlot} u */
      drawClear: (u) => {
        const { ctx, bbox } = u;
        const xs = u.data[0];
        const fill = pattern ?? hatchPattern(ctx);
        pattern = fill;
        const half = halfDay(u);
        ctx.save();
        ctx.beginPath();
        ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
        ctx.clip();
        ctx.fillStyle = fill;
        xs.forEach((x, i) => {
          if (!provisional[i]) return;
          const center = u.valToPos(x, 'x', true);
          ctx.fillRect(center - half, bbox.top, half * 2, bbox.height);
        });
        const day = selected();
        if (day) {
          const center = u.valToPos(dayToSeconds(day), 'x', true);
          ctx.strokeStyle = 'rgba(31, 41, 51, 0.55)';
          ctx.lineWidth = uPlot.pxRatio;
          ctx.setLineDash([2 * uPlot.pxRatio, 3 * uPlot.pxRatio]);
          ctx.strokeRect(center - half + 1, bbox.top + 1, half * 2 - 2, bbox.height - 2);
        }
        ctx.restore();
      },
    },
  };
}

/** @param {Marker[]} markers */
function markersPlugin(markers) {
  return {
    hooks: {
      /** @param {uPlot} u */
      draw: (u) => {
        const { ctx, bbox } = u;
        const px = uPlot.pxRatio;
        ctx.save();
        for (const marker of markers) {
          const x = Math.round(u.valToPos(dayToSeconds(marker.date), 'x', true));
          if (x < bbox.left - 1 || x > bbox.left + bbox.width + 1) continue;
          const firing = marker.state === 'firing';
          ctx.strokeStyle = firing ? FIRING : RESOLVED;
          ctx.fillStyle = firing ? FIRING : RESOLVED;
          ctx.lineWidth = (firing ? 2 : 1.5) * px;
          ctx.setLineDash(firing ? [] : [5 * px, 4 * px]);
          ctx.beginPath();
          ctx.moveTo(x, bbox.top + 10 * px);
          ctx.lineTo(x, bbox.top + bbox.height);
          ctx.stroke();
          ctx.setLineDash([]);
          if (firing) {
            // A small flag at the top of the line.
            ctx.beginPath();
            ctx.moveTo(x, bbox.top);
            ctx.lineTo(x + 9 * px, bbox.top + 5 * px);
            ctx.lineTo(x, bbox.top + 10 * px);
            ctx.closePath();
            ctx.fill();
          } else {
            ctx.beginPath();
            ctx.arc(x, bbox.top + 5 * px, 4 * px, 0, Math.PI * 2);
            ctx.lineWidth = 2 * px;
            ctx.stroke();
          }
        }
        ctx.restore();
      },
    },
  };
}

/** The y scales of a chart's axes: from 0 (or the given range) up to a little above the data. @param {AxisSpec[]} specs */
function valueScales(specs) {
  /** @type {uPlot.Scales} */
  const scales = {};
  for (const axis of specs) {
    const range = axis.range;
    scales[axis.scale] = axis.asinh
      ? { distr: 4, asinh: 1 }
      : {
          auto: true,
          range: (_u, min, max) => {
            const low = range?.[0] ?? Math.min(0, min);
            const high = range?.[1] ?? (max > low ? max + (max - low) * 0.08 : low + 1);
            return [low, Math.max(high, max)];
          },
        };
  }
  return scales;
}

/** @param {AxisSpec[]} specs @returns {uPlot.Axis[]} */
function valueAxes(specs) {
  return specs.map((axis) => ({
    scale: axis.scale,
    side: axis.side === 'right' ? 1 : 3,
    label: axis.label,
    labelSize: 18,
    labelFont: '600 11px system-ui, sans-serif',
    stroke: COLORS.grey,
    size: 58,
    // Fewer ticks on the arcsinh axis, where labels like +10,000% are wide and tall.
    space: axis.asinh ? 26 : 30,
    grid: axis.side === 'right' ? { show: false } : { stroke: '#eceff3', width: 1 },
    ticks: { show: false },
    values: (_u, splits) => splits.map((v) => axis.format(v)),
  }));
}

/** @param {SeriesSpec} s @param {AxisSpec[]} axes @returns {uPlot.Series} */
function lineSeries(s, axes) {
  return {
    label: s.label,
    scale: s.scale ?? axes[0]?.scale ?? 'y',
    stroke: s.color,
    width: s.width ?? 2,
    dash: s.dash,
    spanGaps: false,
    points: { show: true, size: 5, stroke: s.color, fill: '#fff', width: 1.5 },
    value: (_u, v) => s.format(v),
  };
}

/** @param {number} width @param {number} days */
function labelEvery(width, days) {
  const fits = Math.max(2, Math.floor(width / 64));
  return Math.max(1, Math.ceil(days / fits));
}

/**
 * Renders one chart into `container`; returns a handle to redraw the selection and to destroy it.
 * @param {HTMLElement} container
 * @param {ChartSpec} spec
 */
export function renderChart(container, spec) {
  const xs = spec.dates.map(dayToSeconds);
  /** @type {uPlot.AlignedData} */
  const data = [xs, ...spec.series.map((s) => s.values)];
  let selected = spec.selected;
  const first = xs[0] ?? 0;
  const last = xs[xs.length - 1] ?? first;

  /** @type {uPlot.Scales} */
  const scales = {
    x: { time: false, range: () => [first - DAY / 2, last + DAY / 2] },
    ...valueScales(spec.axes),
  };

  /** @type {uPlot.Axis[]} */
  const axes = [
    {
      stroke: COLORS.grey,
      grid: { show: false },
      ticks: { stroke: '#d7dbe0' },
      splits: (u) => {
        const every = labelEvery(u.bbox.width / uPlot.pxRatio, xs.length);
        return xs.filter((_x, i) => (xs.length - 1 - i) % every === 0);
      },
      values: (_u, splits) => splits.map((s) => dayLabel(secondsToDay(s))),
    },
    ...valueAxes(spec.axes),
  ];

  /** The selected day's index, else the last day with a value: what the legend shows at rest. */
  const restingIndex = () => {
    const picked = selected === undefined ? -1 : xs.indexOf(dayToSeconds(selected));
    if (picked >= 0) return picked;
    for (let i = xs.length - 1; i >= 0; i--) if (spec.series.some((s) => s.values[i] !== null)) return i;
    return -1;
  };
  /** @param {uPlot} u */
  const showResting = (u) => {
    const idx = restingIndex();
    if (idx >= 0) u.setLegend({ idx }, false);
  };

  /** @type {uPlot.Options} */
  const options = {
    width: Math.max(280, container.clientWidth),
    height: 230,
    scales,
    axes,
    cursor: { drag: { x: false, y: false }, points: { size: 7 } },
    legend: { live: true },
    plugins: [backgroundPlugin(spec.provisional, () => selected), markersPlugin(spec.markers)],
    hooks: {
      ready: [showResting],
      // Away from the plot, the legend keeps showing the selected day's values.
      setCursor: [(u) => (u.cursor.idx === null || u.cursor.idx === undefined ? showResting(u) : undefined)],
    },
    series: [
      {
        label: 'Day',
        value: (_u, v) => (v === null ? '—' : dayLabel(secondsToDay(v))),
      },
      ...spec.series.map((s) => lineSeries(s, spec.axes)),
    ],
  };

  const chart = new uPlot(options, data, container);
  const canvas = chart.root.querySelector('canvas');
  if (canvas) {
    canvas.setAttribute('role', 'img');
    canvas.setAttribute(
      'aria-label',
      `${spec.title}: chart over ${spec.dates.length} days; the table below has the values`,
    );
  }
  chart.over.addEventListener('click', () => {
    const idx = chart.cursor.idx;
    const x = idx === null || idx === undefined ? undefined : xs[idx];
    if (x !== undefined) spec.onPick(secondsToDay(x));
  });
  chart.over.style.cursor = 'pointer';

  const resize = new ResizeObserver(() => {
    const width = Math.max(280, container.clientWidth);
    if (Math.abs(width - chart.width) > 2) chart.setSize({ width, height: 230 });
  });
  resize.observe(container);

  return {
    /** @param {string | undefined} day */
    select(day) {
      selected = day;
      chart.redraw(false);
      showResting(chart);
    },
    destroy() {
      resize.disconnect();
      chart.destroy();
    },
  };
}

/**
 * @typedef {{
 *   title: string,
 *   xs: number[],
 *   xLabel: string,
 *   xFormat: (x: number) => string,
 *   series: SeriesSpec[],
 *   axes: AxisSpec[],
 * }} CurveSpec
 */

/**
 * A chart over a plain number line instead of days (months since a first order): lines with points,
 * the legend showing the last x with a value until the pointer moves. Same handle as renderChart.
 * @param {HTMLElement} container
 * @param {CurveSpec} spec
 */
export function renderCurveChart(container, spec) {
  const { xs } = spec;
  /** @type {uPlot.AlignedData} */
  const data = [xs, ...spec.series.map((s) => s.values)];
  const first = xs[0] ?? 0;
  const last = xs[xs.length - 1] ?? first;
  const height = 250;
  /** Each series' last x with a value: the legend shows every line's latest value at rest. */
  const lastIdxs = spec.series.map((s) => {
    for (let i = s.values.length - 1; i >= 0; i--)
      if (s.values[i] !== null && s.values[i] !== undefined) return i;
    return null;
  });
  const resting = (/** @type {uPlot} */ u) => u.cursor.idx === null || u.cursor.idx === undefined;
  /** @param {uPlot} u */
  const showLast = (u) => u.setLegend({ idxs: [null, ...lastIdxs] }, false);
  /** @type {uPlot.Options} */
  const options = {
    width: Math.max(280, container.clientWidth),
    height,
    scales: { x: { time: false, range: () => [first - 0.25, last + 0.25] }, ...valueScales(spec.axes) },
    axes: [
      {
        stroke: COLORS.grey,
        grid: { show: false },
        ticks: { stroke: '#d7dbe0' },
        label: spec.xLabel,
        labelSize: 18,
        labelFont: '600 11px system-ui, sans-serif',
        splits: () => xs,
        values: (_u, splits) => splits.map((x) => spec.xFormat(x)),
      },
      ...valueAxes(spec.axes),
    ],
    cursor: { drag: { x: false, y: false }, points: { size: 7 } },
    legend: { live: true },
    hooks: {
      ready: [showLast],
      setCursor: [(u) => (u.cursor.idx === null || u.cursor.idx === undefined ? showLast(u) : undefined)],
    },
    series: [
      { label: spec.xLabel, value: (u, v) => (resting(u) || v === null ? 'latest' : spec.xFormat(v)) },
      ...spec.series.map((s) => ({
        ...lineSeries(s, spec.axes),
        /** @type {(u: uPlot, v: number | null, _s: number, idx: number | null) => string} */
        value: (u, v, _s, idx) =>
          resting(u) && idx !== null && v !== null
            ? `${s.format(v)} (${spec.xFormat(xs[idx] ?? idx)})`
            : s.format(v),
      })),
    ],
  };
  const chart = new uPlot(options, data, container);
  const canvas = chart.root.querySelector('canvas');
  if (canvas) {
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `${spec.title}: chart; the table below has the values`);
  }
  const resize = new ResizeObserver(() => {
    const width = Math.max(280, container.clientWidth);
    if (Math.abs(width - chart.width) > 2) chart.setSize({ width, height });
  });
  resize.observe(container);
  return {
    /** @param {string | undefined} _day */
    select(_day) {},
    destroy() {
      resize.disconnect();
      chart.destroy();
    },
  };
}
