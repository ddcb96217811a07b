/** Runs the real `roxtrail` command (bin/roxtrail.mjs) in a child process: for benchmarks and tests. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..');
const BIN = join(REPO_ROOT, 'bin/roxtrail.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...env }, cwd: REPO_ROOT, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

export interface StartedCli {
  child: ChildProcess;
  url: string;
  output: () => string;
  stop(): Promise<number | null>;
}

/** Starts `roxtrail start` and waits until it has written endpoints.json. */
export async function startCli(args: readonly string[], env: Record<string, string>): Promise<StartedCli> {
  const dataDir = env.ROXTRAIL_DATA_DIR ?? '';
  const child = spawn(process.execPath, [BIN, 'start', ...args], {
    env: { ...process.env, ...env },
    cwd: REPO_ROOT,
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  const endpoints = join(dataDir, 'endpoints.json');
  const deadline = Date.now() + 60_000;
  while (!existsSync(endpoints) || !output.includes('Roxtrail is running')) {
    if (child.exitCode !== null) throw new Error(`roxtrail start exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`roxtrail start did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const { url } = JSON.parse(readFileSync(endpoints, 'utf8')) as { url: string };
  return {
    child,
    url,
    output: () => output,
    stop: () =>
      new Promise((resolveStop) => {
        if (child.exitCode !== null) return resolveStop(child.exitCode);
        child.once('exit', (code) => resolveStop(code));
        child.kill('SIGINT');
      }),
  };
}
