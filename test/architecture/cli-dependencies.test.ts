// A production-only install (`npm ci --omit=dev`) runs the CLI: what it loads needs only `dependencies`.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../bench/cli';

const packageJson: unknown = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
const DEPENDENCIES = new Set(
  typeof packageJson === 'object' && packageJson !== null && 'dependencies' in packageJson
    ? Object.keys(packageJson.dependencies ?? {})
    : [],
);
const BUILTINS = new Set(builtinModules);

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

function resolveSource(from: string, specifier: string): string {
  const base = join(dirname(from), specifier);
  const candidates = [base, `${base}.ts`, base.replace(/\.js$/, '.ts'), join(base, 'index.ts')];
  const found = candidates.find((candidate) => existsSync(candidate) && candidate.match(/\.(ts|mjs|js)$/));
  if (!found) throw new Error(`${from}: cannot resolve '${specifier}'`);
  return found;
}

/** The specifiers a module loads when it is loaded: value imports and re-exports, not `import type` or `import()`. */
function loadedSpecifiers(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const clause = statement.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((element) => element.isTypeOnly)));
      if (!typeOnly) specifiers.push(statement.moduleSpecifier.text);
    } else if (
      ts.isExportDeclaration(statement) &&
      !statement.isTypeOnly &&
      statement.moduleSpecifier !== undefined &&
      ts.isStringLiteral(statement.moduleSpecifier)
    ) {
      specifiers.push(statement.moduleSpecifier.text);
    }
  }
  return specifiers;
}

/** Every package the entry loads with it (transitively through our own modules), with who loads it. */
function packagesLoadedBy(entry: string): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of loadedSpecifiers(file)) {
      if (specifier.startsWith('.')) pending.push(resolveSource(file, specifier));
      else if (!specifier.startsWith('node:') && !BUILTINS.has(specifier)) {
        const name = packageOf(specifier);
        if (!packages.has(name)) packages.set(name, relative(REPO_ROOT, file).split(sep).join('/'));
      }
    }
  }
  return packages;
}

interface Run {
  code: number;
  output: string;
}

/** Runs node with @segment/analytics-node unresolvable, as if a production install lacked it. */
function runWithoutSegment(args: readonly string[]): Promise<Run> {
  const hook = `export async function resolve(specifier, context, next) {
    if (specifier === '@segment/analytics-node' || specifier.startsWith('@segment/analytics-node/')) {
      const error = new Error('Cannot find package ' + specifier);
      error.code = 'ERR_MODULE_NOT_FOUND';
      throw error;
    }
    return next(specifier, context);
  }`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(register)}`, ...args],
      { cwd: REPO_ROOT, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: stdout + stderr });
      },
    );
  });
}

describe('the CLI in a production-only install', () => {
  it('loads only packages listed in dependencies (static import graph of bin/roxtrail.mjs → infra/local/cli.ts)', () => {
    const devOnly = [
      ...packagesLoadedBy(join(REPO_ROOT, 'bin/roxtrail.mjs')),
      ...packagesLoadedBy(join(REPO_ROOT, 'infra/local/cli.ts')),
    ]
      .filter(([name]) => !DEPENDENCIES.has(name))
      .map(([name, file]) => `${file} loads '${name}'`);
    expect(
      devOnly,
      `move the package to dependencies or import it lazily:\n  ${devOnly.join('\n  ')}`,
    ).toEqual([]);
  });

  it('runs without @segment/analytics-node: the module graph loads and --help answers', async () => {
    const run = await runWithoutSegment(['bin/roxtrail.mjs', '--help']);
    expect(run.output).toContain('Usage: roxtrail');
    expect(run.code).toBe(0);
  });

  it('says which package is missing when simulated traffic is sent without it', async () => {
    const send = `const { sendSimulatedMessages } = await import('./shared/simulate/send.ts');
      await sendSimulatedMessages([], { url: 'http://127.0.0.1:9', writeKey: 'wk' });`;
    const run = await runWithoutSegment(['--import', 'tsx/esm', '--input-type=module', '-e', send]);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('sending simulated traffic needs the package @segment/analytics-node');
  });
});
