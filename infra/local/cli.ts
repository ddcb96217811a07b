/** The `roxtrail` command line. Every command prints one clear line and exits non-zero on error. */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { createStorageClients, type StorageClients } from '../../shared/storage/clients';
import { applySiteConfig, listSiteSummaries, rotateSiteKey } from '../../shared/storage/site-admin';
import { dataDirFromEnv, openLocalStorage } from './data-dir';
import { exportStorageEnv, runStart } from './runtime';

/** Runs `work` against the running stack's stores, or the data directory opened for this command. */
export async function withStorage<T>(work: (clients: StorageClients) => Promise<T>): Promise<T> {
  const storage = await openLocalStorage(dataDirFromEnv());
  try {
    exportStorageEnv(storage.settings);
    return await work(createStorageClients(storage.settings));
  } finally {
    await storage.close();
  }
}

function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`cannot read ${path}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new InvalidArgumentError('must be a non-negative number');
  return parsed;
}

function print(json: boolean, value: unknown, text: () => string): void {
  console.log(json ? JSON.stringify(value, null, 2) : text());
}

export function buildProgram(): Command {
  const program = new Command('roxtrail')
    .description('Roxtrail: journey tracking, ROX and abandonment figures for online shops')
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });

  program
    .command('start')
    .description('run the whole pipeline locally (HTTP API, embedded DynamoDB and S3, scheduler)')
    .option('--port <port>', 'HTTP port (default: $PORT or 3000)', (v) => Number.parseInt(v, 10))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--no-demo', 'do not create the demo site')
    .action(async (options: { port?: number; host: string; demo: boolean }) => {
      await runStart({ port: options.port, host: options.host, demo: options.demo });
    });

  const sites = program.command('sites').description('create, list and manage sites');
  sites
    .command('apply <file>')
    .description('create or update a site from a JSON config; prints new keys once on creation')
    .option('--json', 'machine-readable output')
    .action(async (file: string, options: { json?: boolean }) => {
      const input = readJsonFile(file);
      const result = await withStorage((clients) => applySiteConfig(clients, input, new Date()));
      if (result.created) {
        print(
          Boolean(options.json),
          { created: true, site: result.config.site, writeKey: result.writeKey, readKey: result.readKey },
          () =>
            [
              `created site ${result.config.site}`,
              `  write key: ${result.writeKey}`,
              `  read key:  ${result.readKey}`,
              '  (shown once: keys are stored hashed)',
            ].join('\n'),
        );
      } else {
        print(
          Boolean(options.json),
          { created: false, site: result.config.site },
          () => `updated site ${result.config.site}`,
        );
      }
    });
  sites
    .command('list')
    .description('list sites')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const summaries = await withStorage((clients) => listSiteSummaries(clients));
      print(Boolean(options.json), summaries, () =>
        summaries.length === 0
          ? 'no sites yet: roxtrail sites apply <site.json>'
          : summaries
              .map((s) => `${s.site.padEnd(20)} ${s.timezone.padEnd(20)} ${s.currency}  ${s.name}`)
              .join('\n'),
      );
    });
  sites
    .command('rotate-key')
    .description('issue a new key; the old ones keep working for the grace period')
    .requiredOption('--site <site>', 'site id')
    .option('--kind <kind>', 'write or read', 'write')
    .option('--grace-hours <hours>', 'how long old keys keep working', positiveNumber, 24)
    .option('--json', 'machine-readable output')
    .action(async (options: { site: string; kind: string; graceHours: number; json?: boolean }) => {
      if (options.kind !== 'write' && options.kind !== 'read')
        throw new Error('--kind must be write or read');
      const kind = options.kind;
      const result = await withStorage((clients) =>
        rotateSiteKey(clients, options.site, kind, options.graceHours, new Date()),
      );
      print(Boolean(options.json), { site: options.site, kind, ...result }, () =>
        [
          `new ${kind} key for ${options.site}: ${result.key}`,
          `  ${result.retiring} older key(s) keep working until ${result.retiresAt}`,
        ].join('\n'),
      );
    });

  program
    .command('bench')
    .description('run the benchmarks; prints one table and writes bench/results.json')
    .option('--seconds <n>', 'duration of each timed run', positiveNumber, 5)
    .action(async (options: { seconds: number }) => {
      const { runBenchmarks } = await import('../../bench/index');
      await runBenchmarks({ seconds: options.seconds });
    });

  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (error) {
    console.error(`roxtrail: ${(error as Error).message ?? String(error)}`);
    process.exitCode = 1;
  }
}
