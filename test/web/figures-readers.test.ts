/**
 * The readers of stored figures outside TypeScript's reach (issue 20, item 7): the CLI tables read
 * the across-days sections through untyped narrowings, and the dashboard types them with its own JSDoc
 * copies. Both are checked here against a document built to the figures types (FiguresDocument,
 * OutcomesFigures, CustomersFigures), so renaming a figure fails a test instead of printing "—".
 * (The dashboard's other reads go through `FiguresDocument` itself and are checked by
 * `tsc -p web/dashboard`, part of `npm run typecheck`.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { figuresReport } from '../../infra/local/figures-table';
import { siteConfigWithDefaults } from '../../shared/config/site';
import type { FiguresDocument } from '../../shared/metrics/figures';
import { ACROSS_DAYS_SITE, acrossDaysDocument, asStored } from '../helpers/across-days-figures';

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
 * The document behind a proxy that records every field read that the document does not have, by path
 * (`outcomes.rox.touchpoints[].naiveRox`).
 */
function recordingMissingReads(document: unknown, missing: Set<string>, path = ''): unknown {
  if (typeof document !== 'object' || document === null) return document;
  return new Proxy(document, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof key === 'symbol') return value;
      const childPath = Array.isArray(target)
        ? /^\d+$/.test(key)
          ? `${path}[]`
          : `${path}.${key}`
        : path === ''
          ? key
          : `${path}.${key}`;
      if (!(key in target)) missing.add(childPath);
      return recordingMissingReads(value, missing, childPath);
    },
  });
}

/** The field names in a JSDoc `@typedef {{ … }} Name` of the dashboard, nested objects included. */
function typedefFields(source: string, name: string): string[] {
  const blocks = [...source.matchAll(/@typedef \{\{((?:(?!@typedef)[\s\S])*?)\}\} (\w+)/g)];
  const match = blocks.find((block) => block[2] === name);
  if (!match?.[1]) throw new Error(`web/dashboard/app.js has no @typedef ${name}`);
  const body = match[1].replace(/^\s*\*/gm, ' ');
  return [...body.matchAll(/(\w+)\??\s*:/g)].flatMap((field) => (field[1] ? [field[1]] : []));
}

/** The field names of an object and of the objects nested in it (not into lists: their entries are typed apart). */
function documentFields(value: unknown): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown) => {
    if (!isFields(node)) return;
    for (const [key, child] of Object.entries(node)) {
      names.add(key);
      visit(child);
    }
  };
  visit(value);
  return names;
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
  it('the CLI tables read only figures the figures types have', () => {
    const missing = new Set<string>();
    const days = documents().map((day) => recordingMissingReads(day, missing) as FiguresDocument);

    const report = figuresReport(days);

    // The report shows the sections (not "not computed"): the reads below went through them.
    expect(report).toContain('ROX over a window as of 2026-11-20');
    expect(report).toContain('customers as of 2026-11-20');
    expect([...missing], 'infra/local/figures-table.ts reads figures that do not exist (renamed?)').toEqual(
      [],
    );
  });

  it('notices a figure the CLI reads that the document does not have', () => {
    const missing = new Set<string>();
    const [day] = documents();
    if (!day) throw new Error('no document');
    const rox = at(day, ['outcomes', 'rox', 'touchpoints', 0]);
    if (!isFields(rox)) throw new Error('no touchpoint');
    Reflect.deleteProperty(rox, 'naiveRox');

    figuresReport([recordingMissingReads(day, missing) as FiguresDocument]);

    expect([...missing]).toEqual(['outcomes.rox.touchpoints[].naiveRox']);
  });

  it("the dashboard's types of the across-days sections name only figures the figures types have", () => {
    const source = readFileSync(join(__dirname, '../../web/dashboard/app.js'), 'utf8');
    const [day] = documents();
    const typed: [typedef: string, path: (string | number)[]][] = [
      ['OutcomeTouchpoint', ['outcomes', 'rox', 'touchpoints', 0]],
      ['Outcomes', ['outcomes']],
      ['RespondentGroup', ['customers', 'experienceValue', 'promoters']],
      ['Cohort', ['customers', 'cohorts', 0]],
      ['Customers', ['customers']],
    ];
    const unknown: string[] = [];
    for (const [typedef, path] of typed) {
      const node = at(day, path);
      expect(isFields(node), `the document has no ${path.join('.')}`).toBe(true);
      const known = documentFields(node);
      const fields = typedefFields(source, typedef);
      expect(fields.length, `@typedef ${typedef} read as empty`).toBeGreaterThan(0);
      for (const field of fields) {
        if (!known.has(field)) unknown.push(`${typedef}.${field}`);
      }
    }
    expect(unknown, 'web/dashboard/app.js types figures that do not exist (renamed?)').toEqual([]);
  });
});
