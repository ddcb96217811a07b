/**
 * The readers of stored figures outside TypeScript's reach (issue 20, items 3 and 7): the CLI tables
 * read the across-days sections through untyped narrowings, and the dashboard names figures by their
 * paths as strings (the alerts that tint a headline number, the chart an alert's figure belongs to).
 * Both are checked here against the figures schema (shared/metrics/figures-schema.ts, which the
 * figures types must match at compile time), so renaming a figure fails a test instead of printing
 * "—" or never tinting. The dashboard's typed reads go through `FiguresDocument` and the section types
 * themselves; the compile of web/dashboard is checked here too (it is also `npm run typecheck`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { figuresReport } from '../../infra/local/figures-table';
import { isFigurePath } from '../../shared/alerts/paths';
import { siteConfigWithDefaults } from '../../shared/config/site';
import type { FiguresDocument } from '../../shared/metrics/figures';
import { ACROSS_DAYS_SITE, acrossDaysDocument, asStored } from '../helpers/across-days-figures';
import { isNumberAt, schemaAt } from '../helpers/figures-schema-paths';

const DASHBOARD = join(__dirname, '../../web/dashboard');

const config = siteConfigWithDefaults(ACROSS_DAYS_SITE);
const NOW = new Date('2026-11-21T10:00:00Z');

/** Documents with every section, the across-days ones filled in (touchpoints, cohorts). */
function documents(): FiguresDocument[] {
  return ['2026-11-19', '2026-11-20'].map((date, index) =>
    asStored(acrossDaysDocument(config, date, index, { now: NOW, sections: true })),
  );
}

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The document behind a proxy that records, by path (`outcomes.rox.touchpoints[].naiveRox`), every field
 * read (`reads`) and every one the document does not have (`missing`). Methods and `length` of lists
 * and what objects inherit are not fields.
 */
function recordingReads(
  document: unknown,
  record: { reads: Set<string>; missing: Set<string> },
  path = '',
): unknown {
  if (typeof document !== 'object' || document === null) return document;
  return new Proxy(document, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof key === 'symbol') return value;
      const entry = Array.isArray(target);
      if (entry && !/^\d+$/.test(key)) return value;
      if (!entry && key in target && !Object.hasOwn(target, key)) return value;
      const childPath = entry ? `${path}[]` : path === '' ? key : `${path}.${key}`;
      record.reads.add(childPath);
      if (!(key in target)) record.missing.add(childPath);
      return recordingReads(value, record, childPath);
    },
  });
}

/** The dashboard's sources, each by name. */
function dashboardSource(name: string): string {
  return readFileSync(join(DASHBOARD, name), 'utf8');
}

/** Type errors of web/dashboard (its tsconfig), with `replace` applied to app.js's text first. */
function dashboardTypeErrors(replace: (source: string) => string = (source) => source): string[] {
  const configPath = join(DASHBOARD, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error('web/dashboard/tsconfig.json did not parse');
  const host = ts.createCompilerHost(parsed.options);
  const appPath = join(DASHBOARD, 'app.js');
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => {
    const text = readFile(file);
    return text !== undefined && file === appPath ? replace(text) : text;
  };
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host });
  return ts
    .getPreEmitDiagnostics(program)
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}

function at(value: unknown, path: readonly (string | number)[]): unknown {
  let node = value;
  for (const step of path) {
    if (typeof step === 'number') node = Array.isArray(node) ? node[step] : undefined;
    else node = isFields(node) ? node[step] : undefined;
  }
  return node;
}

describe('readers of stored figures', () => {
  it('the CLI tables read only figures the figures schema has', () => {
    const record = { reads: new Set<string>(), missing: new Set<string>() };
    const days = documents().map((day) => recordingReads(day, record) as FiguresDocument);

    const report = figuresReport(days);

    // The report shows the sections (not "not computed"): the reads below went through them.
    expect(report).toContain('ROX over a window as of 2026-11-20');
    expect(report).toContain('customers as of 2026-11-20');
    const unknown = [...record.reads].filter((path) => schemaAt(path) === undefined);
    expect(unknown, 'infra/local/figures-table.ts reads figures the schema does not have (renamed?)').toEqual(
      [],
    );
    expect([...record.missing], 'infra/local/figures-table.ts reads figures the document lacks').toEqual([]);
    // The reads checked include the across-days sections' (the proxy saw them).
    expect(record.reads).toContain('outcomes.rox.touchpoints[].naiveRox');
    expect(record.reads).toContain('customers.experienceValue.gap');
  });

  it('notices a figure the CLI reads that the document does not have', () => {
    const record = { reads: new Set<string>(), missing: new Set<string>() };
    const [day] = documents();
    if (!day) throw new Error('no document');
    const rox = at(day, ['outcomes', 'rox', 'touchpoints', 0]);
    if (!isFields(rox)) throw new Error('no touchpoint');
    Reflect.deleteProperty(rox, 'naiveRox');

    figuresReport([recordingReads(day, record) as FiguresDocument]);

    expect([...record.missing]).toEqual(['outcomes.rox.touchpoints[].naiveRox']);
  });

  it('notices a read path the schema does not have (the check itself)', () => {
    expect(schemaAt('outcomes.rox.touchpoints[].naiveRox')).toBeDefined();
    expect(schemaAt('traffic.byChannel.web.events')).toBeDefined();
    expect(schemaAt('outcomes.rox.touchpoints[].naiveROX')).toBeUndefined();
    expect(schemaAt('customers.cohorts.month')).toBeUndefined();
    expect(schemaAt('traffic.events.value')).toBeUndefined();
  });

  it('the dashboard type-checks against the figures types, and a renamed figure fails it', () => {
    expect(dashboardTypeErrors()).toEqual([]);
    const renamed = dashboardTypeErrors((source) => source.replace('t.naiveRox', 't.naiveROX'));
    expect(renamed.join('\n')).toMatch(/Property 'naiveROX' does not exist/);
  }, 60_000);

  it('the dashboard tints its headline numbers by figure paths the schema has', () => {
    const source = dashboardSource('app.js');
    const tinted = [...source.matchAll(/tone\(\[([^\]]*)\]\)/g)].flatMap((call) =>
      [...(call[1] ?? '').matchAll(/'([^']+)'/g)].flatMap((literal) => (literal[1] ? [literal[1]] : [])),
    );
    // An alert names the figure (shared/alerts/paths.ts), and the stored document holds it as a number.
    expect(tinted.filter((path) => !isFigurePath(path) || !isNumberAt(path))).toEqual([]);
    expect(tinted.length, 'tone([...]) calls read as none').toBeGreaterThanOrEqual(7);
  });

  it('the dashboard sorts alerts into charts by sections the schema has', () => {
    const source = dashboardSource('app.js');
    const body = /function chartOfMetric\([^)]*\) \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? '';
    const prefixes = [...body.matchAll(/startsWith\('([^']+)'\)/g)].flatMap((match) =>
      match[1] ? [match[1].replace(/\.$/, '')] : [],
    );
    expect(prefixes.filter((prefix) => schemaAt(prefix) === undefined)).toEqual([]);
    expect(prefixes.length, 'chartOfMetric read as empty').toBeGreaterThanOrEqual(8);
  });
});
