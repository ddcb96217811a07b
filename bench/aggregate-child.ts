/**
 * Runs one day's aggregation in a fresh process so its time and peak RSS are its own. Prints JSON.
 * `cold`: no partials yet, built on worker threads as `roxtrail aggregate` does. `warm`: the hourly
 * steady state — the partials of earlier runs are current except the last hour's, which is rebuilt.
 * `rebuild`: only the day's derived record (shared/metrics/derived.ts), from its partials.
 */
import { performance } from 'node:perf_hooks';
import { threadBuilder } from '../infra/local/thread-builder';
import { aggregateDay, buildDerivedDay } from '../shared/app/aggregate/aggregate';
import { deleteObjects, listObjects } from '../shared/storage/archive';
import { createStorageClients, type StorageSettings } from '../shared/storage/clients';
import { getSite } from '../shared/storage/table';

const [settingsJson = '', site = '', date = '', mode = 'cold'] = process.argv.slice(2);
const clients = createStorageClients(JSON.parse(settingsJson) as StorageSettings);
const stored = await getSite(clients, site);
if (!stored) throw new Error(`unknown site ${site}`);
if (mode === 'warm') {
  const hours = (await listObjects(clients, `partials/site=${site}/dt=${date}/`)).filter((object) =>
    /\/hh=\d{2}\.json\.gz$/.test(object.key),
  );
  const last = hours[hours.length - 1];
  if (last) await deleteObjects(clients, [last.key]);
}
if (mode === 'rebuild') {
  // A from-scratch rebuild of one day's derived record from its (current) partials.
  const started = performance.now();
  await buildDerivedDay(clients, stored.config, date, new Map());
  process.stdout.write(
    JSON.stringify({ ms: performance.now() - started, maxRssMb: process.resourceUsage().maxRSS / 1024 }),
  );
  process.exit(0);
}
const started = performance.now();
// As the scheduled run computes today and yesterday: links the day's snapshot answers are not looked up again.
const result = await aggregateDay(clients, stored.config, date, {
  builder: threadBuilder(clients),
  links: 'cached',
});
const ms = performance.now() - started;
process.stdout.write(
  JSON.stringify({
    ms,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    eventsRead: result.eventsRead,
    objects: result.objects,
    partials: result.partials,
    timings: result.timings,
    exposureDaysFolded: result.exposureDaysFolded,
    figures: result.figures,
  }),
);
