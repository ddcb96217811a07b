// Imports point one way (style.md "Imports point inward only", issue 20 item 5): every import of
// every module under shared/, functions/, infra/ and bench/ checked against the layer rules below.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCANNED = ['shared', 'functions', 'infra', 'bench'];

/**
 * The pure core (style.md: "the pure parts of shared/ import no AWS SDK"): plain data in, plain data
 * out, the same in Lambda, the CLI, the bench and the browser. Storage (shared/storage) and the
 * application services (shared/app) sit above it.
 */
const PURE_CORE = [
  'shared/metrics',
  'shared/events',
  'shared/alerts',
  'shared/config',
  'shared/cost',
  'shared/time.ts',
];

interface ImportEdge {
  /** The importing file, relative to the repository root (posix separators). */
  readonly file: string;
  readonly line: number;
  /** The specifier as written. */
  readonly specifier: string;
  /** For a relative specifier, the imported path relative to the repository root, without extension. */
  readonly target: string | undefined;
  /** `import type …` / `export type …` / `import('…')` in a type: erased, nothing loaded at run time. */
  readonly typeOnly: boolean;
}

interface Rule {
  readonly name: string;
  readonly why: string;
  readonly breaks: (edge: ImportEdge) => boolean;
}

function sourceFiles(folder: string): string[] {
  const entries = readdirSync(join(ROOT, folder), { withFileTypes: true });
  return entries.flatMap((entry) => {
    const path = posix.join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(c|m)?tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** Static imports, re-exports, `import x = require()`, and dynamic `import('…')` with a literal specifier. */
function importsOf(file: string): ImportEdge[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const edges: ImportEdge[] = [];
  const add = (node: ts.Node, literal: ts.Expression | undefined, typeOnly: boolean): void => {
    if (literal === undefined || !ts.isStringLiteralLike(literal)) return;
    const specifier = literal.text;
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    edges.push({ file, line, specifier, target: resolveRelative(file, specifier), typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(node, node.moduleSpecifier, isTypeOnlyImport(node));
    } else if (ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (clause === undefined) return false;
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return (
    clause.name === undefined &&
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((element) => element.isTypeOnly)
  );
}

function resolveRelative(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const resolved = relative(ROOT, join(ROOT, dirname(file), specifier))
    .split(sep)
    .join('/');
  return resolved.replace(/\.(c|m)?(t|j)sx?$/, '');
}

/** In the folder, or the file itself (a folder entry may name a file: `shared/time.ts`). */
const within = (path: string | undefined, folder: string): boolean =>
  path !== undefined &&
  (path === folder || path.startsWith(`${folder}/`) || path === folder.replace(/\.ts$/, ''));

/** `functions/<name>/…` → `<name>`; files directly under functions/ (routes.ts) belong to no function. */
function functionOf(path: string | undefined): string | undefined {
  const match = path === undefined ? null : /^functions\/([^/]+)\//.exec(path);
  return match?.[1];
}

const SHARED_BY_FUNCTIONS = new Set(['common']);

const RULES: readonly Rule[] = [
  {
    name: 'shared/ imports functions/, infra/, bench/ or test/',
    why: 'shared/ is the core and the application layer; move the imported thing into shared/',
    breaks: (edge) =>
      within(edge.file, 'shared') &&
      ['functions', 'infra', 'bench', 'test'].some((f) => within(edge.target, f)),
  },
  {
    name: 'one function imports another function’s folder',
    why: 'share through the application layer (shared/app/) or functions/common/',
    breaks: (edge) => {
      const from = functionOf(edge.file);
      const to = functionOf(edge.target);
      return from !== undefined && to !== undefined && from !== to && !SHARED_BY_FUNCTIONS.has(to);
    },
  },
  {
    name: 'functions/ imports infra/',
    why: 'infra wires functions, not the other way round; move the imported thing into functions/ or shared/',
    breaks: (edge) => within(edge.file, 'functions') && within(edge.target, 'infra'),
  },
  {
    name: 'infra/cdk and infra/local import each other',
    why: 'both read functions/ and shared/; put what they share there (e.g. functions/routes.ts)',
    breaks: (edge) =>
      (within(edge.file, 'infra/cdk') && within(edge.target, 'infra/local')) ||
      (within(edge.file, 'infra/local') && within(edge.target, 'infra/cdk')),
  },
  {
    name: 'the CDK stack imports the cost model (shared/cost)',
    why: 'the stack’s deploy defaults live in shared/config/deploy-defaults.ts; the cost model reads them, not the other way round',
    breaks: (edge) => within(edge.file, 'infra/cdk') && within(edge.target, 'shared/cost'),
  },
  {
    name: 'bench/ imports test/',
    why: 'a benchmark runs without the test tree; move the helper into bench/ or shared/',
    breaks: (edge) => within(edge.file, 'bench') && within(edge.target, 'test'),
  },
  {
    name: 'a pure core folder imports the AWS SDK',
    why: `${PURE_CORE.join(', ')} take plain data; SDK calls belong in shared/storage/ or shared/app/`,
    breaks: (edge) =>
      PURE_CORE.some((folder) => within(edge.file, folder)) && edge.specifier.startsWith('@aws-sdk/'),
  },
  {
    name: 'a pure core module loads storage or the application layer',
    why: 'the core takes plain data: let shared/storage or shared/app call it (types alone may be imported)',
    breaks: (edge) =>
      PURE_CORE.some((folder) => within(edge.file, folder)) &&
      !edge.typeOnly &&
      (within(edge.target, 'shared/storage') || within(edge.target, 'shared/app')),
  },
  {
    name: 'shared/storage imports the application layer (shared/app)',
    why: 'storage sits below the application services; move the imported thing into shared/storage',
    breaks: (edge) => within(edge.file, 'shared/storage') && within(edge.target, 'shared/app'),
  },
];

const edges = SCANNED.flatMap(sourceFiles).flatMap(importsOf);

describe('imports point one way', () => {
  it('finds the imports it checks (static, re-export, dynamic)', () => {
    // Guards the scanner itself: an empty or blind scan would pass every rule below.
    const specifiers = new Set(edges.map((edge) => `${edge.file} ${edge.specifier}`));
    expect(edges.length).toBeGreaterThan(500);
    expect(specifiers).toContain('functions/collector/handler.ts @middy/core');
    expect(
      edges.some((edge) => edge.file.startsWith('infra/local/') && edge.target === 'functions/routes'),
    ).toBe(true);
  });

  it.each(RULES.map((rule) => [rule.name, rule] as const))('no import breaks the rule: %s', (_name, rule) => {
    const violations = edges
      .filter(rule.breaks)
      .map((edge) => `${edge.file}:${edge.line} imports '${edge.specifier}'`);
    expect(violations, `${rule.name} — ${rule.why}:\n  ${violations.join('\n  ')}`).toEqual([]);
  });
});
