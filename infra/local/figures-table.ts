/** Compact text renderings of figures for the CLI. */
import { formatRatio } from '../../shared/alerts/messages';
import type { FiguresDocument } from '../../shared/metrics/figures';

function money(value: number, currency: string): string {
  return `${value.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 })} ${currency}`;
}

function percent(value: number | null): string {
  return value === null ? '—' : `${(value * 100).toFixed(1)}%`;
}

function score(value: number | null, digits = 0): string {
  return value === null ? '—' : value.toFixed(digits);
}

export function summaryTable(days: readonly FiguresDocument[]): string {
  const header = ['date', 'status', 'events', 'journeys', 'orders', 'revenue', 'cart aband.', 'NPS', 'ROX'];
  const rows = days.map((f) => [
    f.date,
    `${f.status} r${f.revision}`,
    String(f.traffic.events),
    String(f.traffic.journeys),
    String(f.sales.orders),
    money(f.sales.revenue, f.currency),
    percent(f.carts.abandonmentRate),
    score(f.experience.nps.score),
    f.rox.value === null ? '—' : formatRatio(f.rox.value),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
