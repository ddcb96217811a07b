/** One row of `npm run bench` output. */
export interface BenchRow {
  figure: string;
  value: number;
  unit: string;
  target?: string;
  /** How the figure was measured, in one line. */
  how: string;
}

function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(value >= 10 ? 1 : 2);
}

export function renderTable(rows: readonly BenchRow[]): string {
  const cells = rows.map((r) => [r.figure, `${formatValue(r.value)} ${r.unit}`, r.target ?? '', r.how]);
  const header = ['figure', 'value', 'target', 'how it was measured'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) => c.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
