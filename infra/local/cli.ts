/** The `roxtrail` command line. Every command prints one clear line and exits non-zero on error. */

import { readFileSync } from 'node:fs';
import { Presets, SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { alertRulesSchema, checkAlertRules, validRules } from '../../shared/alerts/rules';
import type { SubscriptionPlan } from '../../shared/alerts/subscriptions';
import { aggregateDay } from '../../shared/app/aggregate/aggregate';
import { backtestAlerts } from '../../shared/app/alerts/backtest';
import { syncAlertEmails } from '../../shared/app/alerts/subscriptions';
import {
  fieldsResetByApply,
  formatConfigChange,
  type ResetField,
  siteConfigChanges,
} from '../../shared/config/changes';
import {
  type ArchiveMode,
  DEPLOYED,
  type FrontDoor,
  type TableClass,
} from '../../shared/config/deploy-defaults';
import { runtimeConfig } from '../../shared/config/runtime';
import { SITE_CONFIG_MAX_BYTES, type SiteConfig } from '../../shared/config/site';
import { collectorCapacity, monthlyCost, PEAK_TO_AVERAGE } from '../../shared/cost/model';
import { PRICES } from '../../shared/cost/prices';
import type { FiguresDocument } from '../../shared/metrics/figures';
import { type AlertRecord, queryAlertHistory } from '../../shared/storage/alerts';
import { createSnsClient, createStorageClients, type StorageClients } from '../../shared/storage/clients';
import { eraseUser } from '../../shared/storage/erase';
import { ERASURE_SETTLE_MS, firehoseErasureSettleMs } from '../../shared/storage/erasure-timing';
import { replayProjections } from '../../shared/storage/replay';
import {
  type ApplyResult,
  applySiteConfig,
  keyGraceHoursProblem,
  listSiteSummaries,
  MAX_KEY_GRACE_HOURS,
  rotateSiteKey,
  siteConfigTooLarge,
} from '../../shared/storage/site-admin';
import { mergedSiteConfigInput, siteConfigDocument } from '../../shared/storage/site-document';
import { getSite, queryFigures } from '../../shared/storage/table';
import { addDays, datesBetween, isIsoDate, localDate } from '../../shared/time';
import type { DeployedStack } from '../stack-outputs';
import { dataDirFromEnv, openLocalStorage, runningStack } from './data-dir';
import { deployedStack } from './deployed-stack';
import { figuresReport, summaryTable } from './figures-table';
import { costMeasurements } from './measurements';
import { pruneLocal } from './prune';
import { localAlerts, runStart } from './runtime';
import { runSimulateCommand, type SimulateCommandOptions } from './simulate-command';
import { threadBuilder } from './thread-builder';

/** Set by the global `--stack NAME` option (or ROXTRAIL_STACK): commands then work on that deployed stack. */
let selectedStack: string | undefined;

/**
 * Runs `work` against a deployed stack (`--stack`), the running local stack's stores, or the data
 * directory opened for this command.
 */
export async function withStorage<T>(
  work: (clients: StorageClients, stack?: DeployedStack) => Promise<T>,
): Promise<T> {
  const stackName = selectedStack ?? process.env.ROXTRAIL_STACK;
  const alerts = runtimeConfig().alerts;
  if (stackName) {
    const stack = await deployedStack(stackName);
    // Alerts of days computed from the CLI go through the deployed alert function, as in the schedule.
    const deployedAlerts = { ...alerts, function: alerts.function ?? stack.alertsFunctionName };
    return work(createStorageClients(stack.storage, deployedAlerts), stack);
  }
  const storage = await openLocalStorage(dataDirFromEnv());
  try {
    return await work(createStorageClients(storage.settings, localAlerts(dataDirFromEnv(), alerts)));
  } finally {
    await storage.close();
  }
}

export interface AppliedSite {
  result: ApplyResult;
  /** What changed in the alert topic's e-mail subscriptions (against a deployed stack only). */
  alertEmails?: SubscriptionPlan;
  /** Why they could not be changed; the site itself is applied. */
  alertEmailsError?: string;
}

/**
 * `sites apply`: stores the site, then, against a deployed stack, subscribes its alert e-mails. The
 * site is stored first, so a failing subscription is reported without losing the keys just issued.
 */
export async function applySite(
  clients: StorageClients,
  input: unknown,
  stack: DeployedStack | undefined,
  sync: typeof syncAlertEmails = syncAlertEmails,
): Promise<AppliedSite> {
  const result = await applySiteConfig(clients, input, new Date(), [checkAlertRules]);
  if (!stack) return { result };
  try {
    const topic = { topicArn: stack.alertTopicArn, deadLetterQueueArn: stack.alertDeadLetterQueueArn };
    return { result, alertEmails: await sync(clients, createSnsClient(stack.storage), topic) };
  } catch (error) {
    return { result, alertEmailsError: error instanceof Error ? error.message : String(error) };
  }
}

/** What `sites apply` did with the site's alert e-mails (none locally: there is no SNS). */
function alertEmailLines(config: SiteConfig, plan: SubscriptionPlan | undefined): string[] {
  if (!plan) {
    return config.alerts.emails.length > 0
      ? ['  alert e-mails are sent in AWS (sites apply with --stack); locally alerts are printed and filed']
      : [];
  }
  return [
    ...plan.subscribe.map(
      ({ email, sites }) =>
        `  alert e-mail ${email}: subscribed for ${sites.join(', ')} (SNS mails a confirmation link)`,
    ),
    ...plan.setSites.map(({ email, sites }) => `  alert e-mail ${email}: now for ${sites.join(', ')}`),
    ...plan.unsubscribe.map(({ email }) => `  alert e-mail ${email}: unsubscribed (no site lists it)`),
    ...plan.pending.map(
      (email) => `  alert e-mail ${email}: awaiting confirmation; apply again once confirmed to change it`,
    ),
  ];
}

/** A site config file, refused before it is parsed when it cannot fit its DynamoDB item. */
function readSiteConfigFile(path: string): unknown {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new Error(`cannot read ${path}`);
  }
  if (bytes.length > SITE_CONFIG_MAX_BYTES) throw new Error(siteConfigTooLarge(path, bytes.length));
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** One line on stderr naming what a plain apply of a partial file sends back to its defaults. */
function resetWarning(file: string, resets: readonly ResetField[]): string {
  const fields = resets.map(({ path, after }) => {
    if (after === undefined) return `${path} (unset)`;
    const value = JSON.stringify(after);
    return `${path} (back to ${value.length <= 40 ? value : 'its default'})`;
  });
  return `roxtrail: warning: ${file} leaves out ${fields.join(', ')}: applied with their defaults; sites apply --merge changes only the fields a file gives`;
}

/** An ISO 8601 instant option (with a zone: `Z` or an offset), else now. */
function instantArgument(flag: string, value: string | undefined): Date {
  if (value === undefined) return new Date();
  const ms = /(Z|[+-]\d{2}:\d{2})$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw new Error(`${flag} must be an ISO 8601 instant such as 2026-11-23T12:00:00Z, got "${value}"`);
  return new Date(ms);
}

/** `--date D` or `--from D1 --to D2`, validated, as the list of days. */
function dateArguments(options: { date?: string; from?: string; to?: string }): string[] {
  if (options.date) {
    if (!isIsoDate(options.date)) throw new Error(`--date must be YYYY-MM-DD, got "${options.date}"`);
    return [options.date];
  }
  if (!options.from || !options.to) throw new Error('give --date D, or --from D1 --to D2');
  for (const value of [options.from, options.to]) {
    if (!isIsoDate(value)) throw new Error(`dates must be YYYY-MM-DD, got "${value}"`);
  }
  if (options.from > options.to) throw new Error('--from must not be after --to');
  return datesBetween(options.from, options.to);
}

/** `roxtrail alerts backtest` (api.md, "Backtest"). */
async function backtestCommand(options: {
  site: string;
  from?: string;
  to?: string;
  rules?: string;
  json?: boolean;
}) {
  const { site, from, to } = options;
  if (from === undefined || to === undefined) throw new Error('alerts backtest needs --from and --to');
  dateArguments({ from, to });
  const result = await withStorage(async (clients) => {
    const config = await siteConfigOrFail(clients, site);
    const rules = options.rules ? rulesFromFile(options.rules) : validRules(config.alerts.rules).rules;
    const bar = new SingleBar(
      { format: '  backtest {bar} hours {value}/{total}', hideCursor: true, clearOnComplete: true },
      Presets.shades_classic,
    );
    // On stderr only (a terminal), so `--json` output stays parseable.
    const showBar = Boolean(process.stderr.isTTY);
    let started = false;
    const outcome = await backtestAlerts(clients, config, {
      from,
      to,
      rules,
      onProgress: (done, total) => {
        if (!showBar) return;
        if (!started) {
          bar.start(total, 0);
          started = true;
        }
        bar.update(done);
      },
    });
    if (started) bar.stop();
    return outcome;
  });
  print(Boolean(options.json), result, () =>
    result.notifications.length === 0
      ? `no notifications for ${result.site} from ${result.from} to ${result.to}`
      : result.notifications
          .map((n) => `${n.at}  ${n.every.padEnd(4)} ${n.state.padEnd(8)} ${n.text}`)
          .join('\n'),
  );
}

/** `--rules file.json`: a list of rules, or `{ "rules": [...] }`, validated like a site config's. */
function rulesFromFile(path: string) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(
      `cannot read rules from ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { rules?: unknown } | null)?.rules;
  const rules = alertRulesSchema.safeParse(list);
  if (!rules.success) {
    throw new Error(`${path}: ${rules.error.issues.map((issue) => issue.message).join('; ')}`);
  }
  return rules.data;
}

async function siteConfigOrFail(clients: StorageClients, site: string): Promise<SiteConfig> {
  const stored = await getSite(clients, site);
  if (!stored) throw new Error(`unknown site "${site}" (roxtrail sites list shows the sites)`);
  return stored.config;
}

function fmtCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function oneOf<T extends string>(value: string, allowed: readonly T[], option: string): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw new Error(`${option} must be ${allowed.join(' or ')}`);
  return found;
}

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new InvalidArgumentError('must be a non-negative number');
  return parsed;
}

/** `--grace-hours`: hours from 0 to MAX_KEY_GRACE_HOURS, in plain decimal notation. */
function graceHoursArgument(value: string): number {
  const hours = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (keyGraceHoursProblem(hours) !== undefined) {
    throw new Error(
      `--grace-hours must be a number of hours from 0 to ${MAX_KEY_GRACE_HOURS} (30 days), got "${value}"; no key was issued`,
    );
  }
  return hours;
}

/** `--port` (or `$PORT`): a TCP port, 0 (any free one) to 65535. */
function portArgument(value: string, from: string): number {
  const port = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(port >= 0 && port <= 65_535))
    throw new Error(`${from} must be a whole number from 0 to 65535, got "${value}"`);
  return port;
}

function print(json: boolean, value: unknown, text: () => string): void {
  console.log(json ? JSON.stringify(value, null, 2) : text());
}

export function buildProgram(): Command {
  const program = new Command('roxtrail')
    .description('Roxtrail: journey tracking, ROX and abandonment figures for online shops')
    .option('--stack <name>', 'work on this deployed CloudFormation stack (AWS credentials and AWS_REGION)')
    .hook('preAction', (command) => {
      const stack = command.opts<{ stack?: string }>().stack;
      if (stack) selectedStack = stack;
    })
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });

  program
    .command('start')
    .description('run the whole pipeline locally (HTTP API, embedded DynamoDB and S3, scheduler)')
    .option('--port <port>', 'HTTP port (default: $PORT or 3000)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--no-demo', 'do not create the demo site')
    .action(async (options: { port?: string; host: string; demo: boolean }) => {
      // Checked before the stores open the data directory: a bad port used to create it first.
      const port =
        options.port !== undefined
          ? portArgument(options.port, '--port')
          : portArgument(process.env.PORT ?? '3000', 'PORT');
      await runStart({ port, host: options.host, demo: options.demo });
    });

  const sites = program.command('sites').description('create, list and manage sites');
  sites
    .command('apply <file>')
    .description(
      'create or update a site from a JSON config; prints new keys once on creation, else what changed',
    )
    .option(
      '--merge',
      'apply a partial file onto the stored config: objects merged key by key, arrays replaced, null removes a key',
    )
    .option('--site <site>', 'with --merge: the site to change, when the file does not name it')
    .option('--json', 'machine-readable output')
    .action(async (file: string, options: { merge?: boolean; site?: string; json?: boolean }) => {
      if (options.site !== undefined && !options.merge)
        throw new Error('--site goes with --merge (a whole file names its site)');
      const input = readSiteConfigFile(file);
      const { result, alertEmails, alertEmailsError } = await withStorage(async (clients, stack) =>
        applySite(
          clients,
          options.merge ? await mergedSiteConfigInput(clients, input, options.site) : input,
          stack,
        ),
      );
      const emailLines = alertEmailLines(result.config, alertEmails);
      if (alertEmailsError !== undefined) {
        process.exitCode = 1;
        console.error(
          `roxtrail: site ${result.config.site} applied, but its alert e-mails were not subscribed (apply again to retry): ${alertEmailsError}`,
        );
      }
      if (result.created) {
        print(
          Boolean(options.json),
          {
            created: true,
            site: result.config.site,
            writeKey: result.writeKey,
            readKey: result.readKey,
            ...(alertEmails ? { alertEmails } : {}),
          },
          () =>
            [
              `created site ${result.config.site}`,
              `  write key: ${result.writeKey}`,
              `  read key:  ${result.readKey}`,
              '  (shown once: keys are stored hashed)',
              ...emailLines,
            ].join('\n'),
        );
      } else {
        const changes = siteConfigChanges(result.previous, result.config);
        const resets = options.merge ? [] : fieldsResetByApply(result.previous, input, result.config);
        if (resets.length > 0) console.error(resetWarning(file, resets));
        print(
          Boolean(options.json),
          {
            created: false,
            site: result.config.site,
            changes,
            ...(resets.length > 0 ? { resetToDefaults: resets.map((reset) => reset.path) } : {}),
            ...(alertEmails ? { alertEmails } : {}),
          },
          () =>
            [
              changes.length === 0
                ? `updated site ${result.config.site}: no changes`
                : `updated site ${result.config.site}:`,
              ...changes.map((change) => `  ${formatConfigChange(change)}`),
              ...emailLines,
            ].join('\n'),
        );
      }
    });
  sites
    .command('get')
    .description('print the stored config of a site as JSON (no keys), to edit and apply again')
    .requiredOption('--site <site>', 'site id')
    .action(async (options: { site: string }) => {
      const document = await withStorage((clients) => siteConfigDocument(clients, options.site));
      console.log(JSON.stringify(document, null, 2));
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
    .option('--kind <kind>', 'write, read or admin (admin: erasure through the API)', 'write')
    .option(
      '--grace-hours <hours>',
      `how long old keys keep working, 0 to ${MAX_KEY_GRACE_HOURS} hours`,
      '24',
    )
    .option('--json', 'machine-readable output')
    .action(async (options: { site: string; kind: string; graceHours: string; json?: boolean }) => {
      // Every option is checked before anything is stored: a refused rotation issues no key.
      if (options.kind !== 'write' && options.kind !== 'read' && options.kind !== 'admin')
        throw new Error('--kind must be write, read or admin');
      const kind = options.kind;
      const graceHours = graceHoursArgument(options.graceHours);
      const result = await withStorage((clients) =>
        rotateSiteKey(clients, options.site, kind, graceHours, new Date()),
      );
      print(Boolean(options.json), { site: options.site, kind, ...result }, () =>
        [
          `new ${kind} key for ${options.site}: ${result.key}`,
          `  ${result.retiring} older key(s) keep working until ${result.retiresAt}`,
        ].join('\n'),
      );
    });

  program
    .command('aggregate')
    .description('compute the figures of one day or a range of days from the archive')
    .requiredOption('--site <site>', 'site id')
    .option('--date <date>', 'one day, YYYY-MM-DD (site-local)')
    .option('--from <date>', 'first day of a range')
    .option('--to <date>', 'last day of a range')
    .option('--json', 'print the figures documents as JSON')
    .action(async (options: { site: string; date?: string; from?: string; to?: string; json?: boolean }) => {
      const dates = dateArguments(options);
      const figures = await withStorage(async (clients) => {
        const config = await siteConfigOrFail(clients, options.site);
        const bar = new SingleBar(
          {
            format: '  {bar} {day} | days {dayIndex}/{days} | hour partitions {value}/{total}',
            hideCursor: true,
            clearOnComplete: true,
          },
          Presets.shades_classic,
        );
        const quiet = Boolean(options.json) || !process.stderr.isTTY;
        const computed: FiguresDocument[] = [];
        if (!quiet) bar.start(0, 0, { day: dates[0], dayIndex: 0, days: dates.length });
        for (const [index, date] of dates.entries()) {
          const result = await aggregateDay(clients, config, date, {
            builder: threadBuilder(clients),
            onProgress: (progress) => {
              if (!quiet) {
                bar.setTotal(progress.partitions);
                bar.update(progress.reused + progress.built, {
                  day: date,
                  dayIndex: index + 1,
                  days: dates.length,
                });
              }
            },
          });
          computed.push(result.figures);
        }
        if (!quiet) bar.stop();
        return computed;
      });
      console.log(options.json ? JSON.stringify(figures, null, 2) : summaryTable(figures));
    });

  program
    .command('figures')
    .description(
      'print computed figures: one line per day, then ROX over a window and customers for the last day',
    )
    .requiredOption('--site <site>', 'site id')
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD')
    .option('--json', 'print the figures documents as JSON')
    .action(async (options: { site: string; from: string; to: string; json?: boolean }) => {
      const dates = dateArguments(options);
      const figures = await withStorage(async (clients) => {
        await siteConfigOrFail(clients, options.site);
        return queryFigures(clients, options.site, dates[0] ?? options.from, options.to);
      });
      if (options.json) console.log(JSON.stringify(figures, null, 2));
      else if (figures.length === 0)
        console.log(`no computed days for ${options.site} between ${options.from} and ${options.to}`);
      else console.log(figuresReport(figures));
    });

  program
    .command('replay')
    .description('rebuild the DynamoDB projections (journeys, identity links) from the archive')
    .requiredOption('--site <site>', 'site id')
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD')
    .option('--json', 'machine-readable output')
    .action(async (options: { site: string; from: string; to: string; json?: boolean }) => {
      dateArguments(options);
      const summary = await withStorage(async (clients) => {
        const config = await siteConfigOrFail(clients, options.site);
        return replayProjections(clients, config, options.from, options.to);
      });
      print(
        Boolean(options.json),
        summary,
        () =>
          `replayed ${summary.events} events from ${summary.objects} objects over ${summary.days} day(s): ` +
          `${summary.journeyObjects} journey object(s) rewritten, ${summary.linksWritten} link(s) set`,
      );
    });

  program
    .command('erase')
    .description('erase a user: archived events, journeys, identity links; recomputes the days touched')
    .requiredOption('--site <site>', 'site id')
    .requiredOption('--user <userId>', 'the userId to erase (with every anonymous id linked to it)')
    .option('--journey-days-only', 'read only the days the journey items point to (faster, as the API does)')
    .option('--json', 'machine-readable output')
    .action(async (options: { site: string; user: string; journeyDaysOnly?: boolean; json?: boolean }) => {
      // Collectors run (a deployed stack, or `npm start`): the erasure waits until they refuse the
      // user's events and what they accepted before is archived. Nothing runs on a closed data directory.
      const local = runningStack(dataDirFromEnv());
      const deployed = Boolean(selectedStack ?? process.env.ROXTRAIL_STACK);
      const settleMs = deployed
        ? firehoseErasureSettleMs()
        : local
          ? (local.erasureSettleMs ?? ERASURE_SETTLE_MS)
          : 0;
      if (settleMs > 0 && !options.json) {
        console.error(
          `erasing: the user's events are refused from now on; waiting ${Math.ceil(settleMs / 1000)} s until every collector does`,
        );
      }
      const summary = await withStorage(async (clients) => {
        const config = await siteConfigOrFail(clients, options.site);
        return eraseUser(clients, config, options.user, {
          allDays: !options.journeyDaysOnly,
          settleMs,
          recompute: async (days) => {
            for (const day of days) await aggregateDay(clients, config, day);
          },
        });
      });
      // Counts only, never the ids: terminal output ends up in logs and tickets.
      print(Boolean(options.json), summary, () =>
        [
          `erased 1 user of ${options.site}: ${summary.eventsRemoved} event(s) and ${summary.anonymousIds} linked anonymous id(s)`,
          `  archive: ${summary.objectsRewritten} object(s) rewritten, ${summary.objectsDeleted} deleted (${summary.rejectedRemoved} rejected event(s) removed)`,
          `  DynamoDB: ${summary.journeyItemsDeleted} journey item(s) deleted, ${summary.journeyItemsRewritten} rewritten, ${summary.identityLinksDeleted} identity link(s) deleted`,
          `  figures recomputed: ${summary.recomputedDays.length === 0 ? 'none' : summary.recomputedDays.join(', ')}`,
        ].join('\n'),
      );
    });

  program
    .command('prune')
    .description(
      "delete what has outlived its retention: expired items (DynamoDB's TTL, which dynalite lacks) and archive days past each site's retentionDays",
    )
    .option('--site <site>', 'one site only')
    .option(
      '--as-of <instant>',
      'prune as if it were this ISO 8601 instant (default: now), e.g. to catch up a stack that was stopped',
    )
    .option('--json', 'machine-readable output')
    .action(async (options: { site?: string; asOf?: string; json?: boolean }) => {
      const asOf = instantArgument('--as-of', options.asOf);
      const summary = await withStorage((clients) => pruneLocal(clients, asOf, { site: options.site }));
      const items = Object.entries(summary.expiredItems);
      print(Boolean(options.json), summary, () =>
        [
          `expired items deleted: ${items.length === 0 ? 'none' : items.map(([kind, count]) => `${count} ${kind}`).join(', ')}`,
          ...summary.archive.map(
            (site) =>
              `${site.site}: archive kept from ${site.cutoff}; ${site.objectsDeleted} object(s) of ${site.days.length} older day(s) deleted`,
          ),
        ].join('\n'),
      );
    });

  program
    .command('alerts')
    .description(
      'list the alert history of a site with its delivery status (default: the last 30 days); `alerts backtest --from D --to D` replays what the scheduler would have notified at every hour (hourly rules) and day (daily rules), sending and storing nothing',
    )
    .argument('[action]', '"backtest": replay the rules over the archived data')
    .option('--site <site>', 'site id (required)')
    .option('--from <date>', 'first day, YYYY-MM-DD')
    .option('--to <date>', 'last day, YYYY-MM-DD')
    .option(
      '--rules <file>',
      'backtest: a JSON file of rules to try instead of the site config\'s (a list, or { "rules": [...] })',
    )
    .option('--json', 'machine-readable output')
    .action(
      async (
        action: string | undefined,
        options: { site?: string; from?: string; to?: string; rules?: string; json?: boolean },
      ) => {
        const site = options.site;
        if (site === undefined) throw new Error("required option '--site <site>' not specified");
        if (action === 'backtest') return backtestCommand({ ...options, site });
        if (action !== undefined)
          throw new Error(`unknown alerts action "${action}" (the one action is backtest)`);
        const alerts = await withStorage(async (clients) => {
          const config = await siteConfigOrFail(clients, site);
          const to = options.to ?? localDate(Date.now(), config.timezone);
          const from = options.from ?? addDays(to, -29);
          dateArguments({ from, to });
          return queryAlertHistory(clients, site, from, to);
        });
        print(Boolean(options.json), alerts, () =>
          alerts.length === 0 ? `no alerts for ${site} in that period` : alerts.map(alertLines).join('\n'),
        );
      },
    );

  program
    .command('simulate')
    .description(
      'send realistic simulated traffic to a site through the running stack, then compute its figures',
    )
    .requiredOption('--site <site>', 'site id')
    .requiredOption('--days <n>', 'number of days, ending with --end-date', positiveNumber)
    .option('--seed <seed>', 'the same seed gives the same traffic (and the same messageIds)', '42')
    .option('--end-date <date>', 'last simulated day, YYYY-MM-DD (default: yesterday, site-local)')
    .option('--incident-date <date>', 'a checkout outage on this day: abandonment spikes, volume drops')
    .option('--write-key <key>', "the site's write key (the demo site's is read from the data directory)")
    .option('--scale <x>', 'visitors multiplier; 1 is about 2,000 events a day', positiveNumber, 1)
    .option('--json', 'machine-readable summary')
    .action(async (options: SimulateCommandOptions) => {
      await runSimulateCommand(options);
    });

  program
    .command('cost')
    .description(
      'monthly AWS cost from benchmark counts: the shipped bench/measurements.json, or a newer `npm run bench` run',
    )
    .option('--events-per-month <n>', 'events a month', positiveNumber, 100_000_000)
    .option('--events-per-request <n>', 'events per request (client batch size)', positiveNumber, 10)
    .option('--event-bytes <n>', 'average event size as sent', positiveNumber, 550)
    .option('--retention-days <n>', 'days the archive keeps events', positiveNumber, 400)
    .option(
      '--journey-retention-days <n>',
      'days journey items stay in the table (site config journeyRetentionDays; default: 90, at most --retention-days)',
      positiveNumber,
    )
    .option('--sites <n>', 'number of sites', positiveNumber, 1)
    .option('--mode <mode>', 'archive mode: direct or firehose', DEPLOYED.archiveMode)
    .option(
      '--front-door <door>',
      "where tracking requests arrive: function-url (the collector's), or http-api (CDK context trackingFunctionUrl=false)",
      DEPLOYED.frontDoor,
    )
    .option('--table-class <class>', 'DynamoDB table class: standard or standard-ia', DEPLOYED.tableClass)
    .option('--no-point-in-time-recovery', 'without DynamoDB point-in-time recovery')
    .option(
      '--collector-concurrency <n>',
      "the collector's reserved concurrency (CDK context collectorReservedConcurrency), the cap at its function URL",
      positiveNumber,
      DEPLOYED.collectorReservedConcurrency,
    )
    .option('--json', 'machine-readable output')
    .action(
      async (options: {
        eventsPerMonth: number;
        eventsPerRequest: number;
        eventBytes: number;
        retentionDays: number;
        journeyRetentionDays?: number;
        sites: number;
        mode: string;
        frontDoor: string;
        tableClass: string;
        pointInTimeRecovery: boolean;
        collectorConcurrency: number;
        json?: boolean;
      }) => {
        const mode = oneOf<ArchiveMode>(options.mode, ['direct', 'firehose'], '--mode');
        const frontDoor = oneOf<FrontDoor>(options.frontDoor, ['http-api', 'function-url'], '--front-door');
        const tableClass = oneOf<TableClass>(
          options.tableClass,
          ['standard', 'standard-ia'],
          '--table-class',
        );
        const workload = {
          eventsPerMonth: options.eventsPerMonth,
          eventsPerRequest: options.eventsPerRequest,
          eventBytes: options.eventBytes,
          retentionDays: options.retentionDays,
          journeyRetentionDays: options.journeyRetentionDays,
          sites: options.sites,
        };
        const measurements = costMeasurements();
        const measured = measurements.measured;
        const report = monthlyCost(workload, measured, {
          mode,
          frontDoor,
          tableClass,
          pointInTimeRecovery: options.pointInTimeRecovery,
        });
        const capacity = collectorCapacity(workload, measured, Math.ceil(options.collectorConcurrency));
        const row = (label: string, value: string, basis = '') =>
          `${label.padEnd(34)} $${value.padStart(10)}   ${basis}`.trimEnd();
        const { source, file, measuredAt, command, description } = measurements;
        const basis = { source, file, measuredAt, ...(command ? { command } : {}) };
        print(Boolean(options.json), { ...report, collector: capacity, measurements: basis }, () =>
          [
            ...report.lines.map((line) => row(line.item, line.monthly.toFixed(2), line.basis)),
            row(
              'total per month',
              report.monthly.toFixed(2),
              `${mode} mode, ${tableClass} table, tracking at the ${frontDoor === 'http-api' ? 'HTTP API' : 'function URL'}`,
            ),
            row('per million events', report.perMillionEvents.toFixed(4)),
            row('idle per month', report.idleMonthly.toFixed(2), 'no traffic, data kept:'),
            row('  fixed', report.idleFixedMonthly.toFixed(2), 'schedules, runs, alarms, keys'),
            row('  storage', report.idleStorageMonthly.toFixed(2), 'archive, table, backups, logs'),
            `collector capped at ${capacity.concurrency} concurrent (reserved concurrency, free): about ${fmtCount(capacity.requestsPerSecond)} requests/s; this volume averages ${capacity.averageRequestsPerSecond.toFixed(1)} requests/s`,
            ...(capacity.peakConcurrencyNeeded > capacity.concurrency
              ? [
                  `peaks of ${PEAK_TO_AVERAGE}× the average need ${capacity.peakConcurrencyNeeded} concurrent: deploy with -c collectorReservedConcurrency=${capacity.peakConcurrencyNeeded} (beyond the cap, clients get 429 and retry)`,
                ]
              : []),
            `prices of ${PRICES.asOf} (${PRICES.region}); counts: ${description}`,
          ].join('\n'),
        );
      },
    );

  program
    .command('bench')
    .description('run the benchmarks; prints one table and writes bench/results.json')
    .option('--seconds <n>', 'duration of each timed run', positiveNumber, 5)
    .option('--events <n>', 'events in the aggregation benchmark day', positiveNumber, 1_000_000)
    .action(async (options: { seconds: number; events: number }) => {
      const { runBenchmarks } = await import('../../bench/index');
      await runBenchmarks({ seconds: options.seconds, aggregationEvents: options.events });
    });

  return program;
}

/** One alert and, indented below it, how each target took it. */
function alertLines(alert: AlertRecord): string {
  const kind = alert.kind === 'reminder' ? 'reminder' : alert.state;
  const head = `${alert.date}  ${kind.padEnd(9)} ${alert.ruleId.padEnd(24)} ${alert.delivery.padEnd(9)}  ${alert.text}`;
  const targets =
    alert.deliveries.length === 0
      ? ['    (no delivery targets)']
      : alert.deliveries.map((d) => {
          const tries = `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`;
          return `    ${d.target}: ${d.ok ? 'delivered' : 'failed'} (${tries}${d.error ? `, ${d.error}` : ''})`;
        });
  return [head, ...targets].join('\n');
}

export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (error) {
    console.error(`roxtrail: ${(error as Error).message ?? String(error)}`);
    process.exitCode = 1;
  }
}
