/** `roxtrail simulate`: simulated traffic for a site, sent to the running stack, then its figures computed. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { runtimeConfig } from '../../shared/config/runtime';
import { queryAlertHistory } from '../../shared/storage/alerts';
import { createStorageClients } from '../../shared/storage/clients';
import { getSite } from '../../shared/storage/table';
import { isIsoDate } from '../../shared/time';
import { dataDirFromEnv, runningStack } from './data-dir';
import { summaryTable } from './figures-table';
import { localAlerts } from './runtime';
import { runSimulation, yesterdayOf } from './simulate';

export interface SimulateCommandOptions {
  site: string;
  days: number;
  seed: string;
  endDate?: string;
  incidentDate?: string;
  writeKey?: string;
  scale: number;
  json?: boolean;
}

const number = new Intl.NumberFormat('en-US');

/** The given key, else the demo site's key kept in the data directory. */
function writeKeyFor(site: string, dataDir: string, given: string | undefined): string {
  if (given) return given;
  const demoKeys = join(dataDir, 'demo-keys.json');
  if (existsSync(demoKeys)) {
    const keys = JSON.parse(readFileSync(demoKeys, 'utf8')) as { site?: string; writeKey?: string };
    if (keys.site === site && keys.writeKey) return keys.writeKey;
  }
  throw new Error(
    `give --write-key: the write key of "${site}" (keys are stored hashed, so it cannot be looked up)`,
  );
}

export async function runSimulateCommand(options: SimulateCommandOptions): Promise<void> {
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > 366)
    throw new Error('--days must be a whole number from 1 to 366');
  for (const [flag, value] of [
    ['--end-date', options.endDate],
    ['--incident-date', options.incidentDate],
  ] as const) {
    if (value !== undefined && !isIsoDate(value))
      throw new Error(`${flag} must be YYYY-MM-DD, got "${value}"`);
  }
  const dataDir = dataDirFromEnv();
  const stack = runningStack(dataDir);
  if (!stack) {
    throw new Error(
      `simulate sends through the HTTP API, and no stack runs on ${dataDir}: start one (npm start) and run this again`,
    );
  }
  // Alerts decided while computing the simulated days are printed and kept like the running stack's.
  const clients = createStorageClients(stack.storage, localAlerts(dataDir, runtimeConfig().alerts));
  const stored = await getSite(clients, options.site);
  if (!stored) throw new Error(`unknown site "${options.site}" (roxtrail sites list shows the sites)`);
  const config = stored.config;
  const writeKey = writeKeyFor(options.site, dataDir, options.writeKey);
  const endDate = options.endDate ?? yesterdayOf(config, new Date());
  if (options.incidentDate && options.incidentDate > endDate) {
    throw new Error(`--incident-date ${options.incidentDate} is after the last simulated day ${endDate}`);
  }

  const interactive = !options.json && process.stderr.isTTY;
  const bar = new SingleBar(
    {
      format: '  {phase} {bar} {value}/{total} {unit}',
      hideCursor: true,
      clearOnComplete: true,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  let started = false;
  const summary = await runSimulation(
    { url: stack.url, writeKey, clients, config },
    {
      days: options.days,
      endDate,
      seed: options.seed,
      incidentDate: options.incidentDate,
      scale: options.scale,
    },
    {
      onGenerated: (traffic) => {
        if (!interactive) return;
        bar.start(traffic.counts.messages, 0, { phase: 'sending    ', unit: 'events' });
        started = true;
      },
      onSendProgress: (progress) => {
        if (started) bar.update(progress.delivered + progress.failed);
      },
      onAggregate: (_date, index, total) => {
        if (!interactive) return;
        if (index === 0) {
          bar.stop();
          bar.start(total, 0, { phase: 'aggregating', unit: 'days' });
        }
        bar.update(index);
      },
    },
  );
  if (started) bar.stop();

  const from = summary.figures[0]?.date ?? endDate;
  const alerts = await queryAlertHistory(clients, options.site, from, endDate);
  const firing = alerts.filter((alert) => alert.state === 'firing').length;
  const resolved = alerts.length - firing;
  if (options.json) {
    console.log(
      JSON.stringify(
        {
          site: options.site,
          from,
          to: endDate,
          seed: options.seed,
          incidentDate: options.incidentDate ?? null,
          ...summary.traffic,
          delivered: summary.delivered,
          failed: summary.failed,
          errors: summary.errors,
          days: summary.figures.map((figures) => ({
            date: figures.date,
            events: figures.traffic.events,
            carts: figures.carts.created,
            cartAbandonmentRate: figures.carts.abandonmentRate,
          })),
          alerts: { firing, resolved },
        },
        null,
        2,
      ),
    );
  } else {
    const incident = options.incidentDate ? `, checkout outage on ${options.incidentDate}` : '';
    console.log(
      [
        `simulated ${options.days} day(s) for ${options.site}: ${from} to ${endDate}${incident} (seed ${options.seed})`,
        `  sent ${number.format(summary.traffic.messages)} events with @segment/analytics-node in ` +
          `${(summary.sendMs / 1000).toFixed(1)} s: ${number.format(summary.delivered)} delivered, ${summary.failed} failed`,
        `  among them ${number.format(summary.traffic.duplicates)} duplicates (same messageId), ` +
          `${number.format(summary.traffic.late)} late deliveries, ${summary.traffic.repeatedOrders} repeated order ids`,
        `  figures computed for ${summary.figures.length} day(s) in ${(summary.aggregateMs / 1000).toFixed(1)} s; ` +
          `alerts in that range: ${firing} firing, ${resolved} resolved`,
        '',
        summaryTable(summary.figures),
      ].join('\n'),
    );
  }
  if (summary.failed > 0) {
    throw new Error(`${summary.failed} events were not delivered: ${summary.errors.join('; ')}`);
  }
}
