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

/*
 * The sections that look across days (metrics.md §7 `outcomes`, §8 `customers`), read from the stored
 * document through narrowings rather than their types (shared/metrics/outcomes.ts `OutcomesFigures`,
 * shared/metrics/customers.ts `CustomersFigures`): a day computed before they existed lacks the keys,
 * and a field that is not what the spec says prints as "—" instead of failing the command.
 */
type Fields = Record<string, unknown>;

function fields(value: unknown): Fields | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : undefined;
}

function numberOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : '—';
}

function ratioOf(value: unknown): string {
  const n = numberOf(value);
  return n === null ? '—' : formatRatio(n);
}

function moneyOf(value: unknown, currency: string): string {
  const n = numberOf(value);
  return n === null ? '—' : money(n, currency);
}

function countOf(value: unknown): string {
  const n = numberOf(value);
  return n === null ? '—' : n.toLocaleString('en-US');
}

/** A table: text columns (by index) left-aligned, numbers right-aligned. */
function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  text: readonly number[],
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (text.includes(i) ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function notComputed(section: string, f: FiguresDocument): string {
  return [
    `${section}: not computed yet for ${f.date}`,
    `  roxtrail aggregate --site ${f.site} --date ${f.date} computes the day again`,
  ].join('\n');
}

/** `outcomes.rox` of one day: naive and adjusted ROX per touchpoint with the 90 % interval and the verdict. */
export function outcomesTable(f: FiguresDocument): string {
  const rox = fields(fields((f as unknown as Fields).outcomes)?.rox);
  const touchpoints = rox?.touchpoints;
  if (!rox || !Array.isArray(touchpoints)) return notComputed('ROX over a window', f);
  const rows = touchpoints.map((entry) => {
    const t = fields(entry) ?? {};
    const low = numberOf(t.roxLow);
    const high = numberOf(t.roxHigh);
    return [
      textOf(t.touchpoint),
      ratioOf(t.naiveRox),
      ratioOf(t.rox),
      low === null || high === null ? '—' : `${formatRatio(low)} to ${formatRatio(high)}`,
      typeof t.verdict === 'string' ? t.verdict : 'not enough data',
      countOf(t.exposed),
      percent(numberOf(t.coverage)),
    ];
  });
  const header = [
    'touchpoint',
    'naive ROX',
    'adjusted ROX',
    '90 % interval',
    'verdict',
    'exposed',
    'coverage',
  ];
  return [
    `ROX over a window as of ${f.date}: visits of ${textOf(rox.exposureFrom)} to ${textOf(rox.exposureTo)}, ` +
      `each followed ${countOf(rox.horizonDays)} days`,
    ...(rows.length === 0 ? ['no touchpoint with a daily cost'] : table(header, rows, [0, 4])),
    'adjusted = compared with visits at the same stage, channel and recent history; selection on grounds',
    'no event records remains, and only a holdout experiment removes it',
  ].join('\n');
}

/** `customers` of one day: acquisition, repeat rate, rolling retention and LTV, the experience value gap. */
export function customersSummary(f: FiguresDocument): string {
  const c = fields((f as unknown as Fields).customers);
  if (!c || typeof c.new !== 'number') return notComputed('customers', f);
  const value = fields(c.experienceValue);
  const header = [
    'new',
    'returning',
    'repeat rate',
    'retention30',
    'retention90',
    'ltv30',
    'ltv90',
    'experience value gap',
  ];
  const row = [
    countOf(c.new),
    countOf(c.returning),
    percent(numberOf(c.repeatRate)),
    percent(numberOf(c.retention30)),
    percent(numberOf(c.retention90)),
    moneyOf(c.ltv30, f.currency),
    moneyOf(c.ltv90, f.currency),
    moneyOf(value?.gap, f.currency),
  ];
  const cohorts = Array.isArray(c.cohorts) ? c.cohorts.length : 0;
  return [
    `customers as of ${f.date} (${cohorts} monthly cohort${cohorts === 1 ? '' : 's'} in --json)`,
    ...table(header, [row], []),
    `experience value gap: promoters' revenue per respondent minus detractors', 30 days after an NPS`,
    `answer given ${textOf(value?.from)} to ${textOf(value?.to)}`,
  ].join('\n');
}

/** What `roxtrail figures` prints: one line per day, then the views over a window of the last day. */
export function figuresReport(days: readonly FiguresDocument[]): string {
  const last = days[days.length - 1];
  if (!last) return summaryTable(days);
  return [summaryTable(days), '', outcomesTable(last), '', customersSummary(last)].join('\n');
}
