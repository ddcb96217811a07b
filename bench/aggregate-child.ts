/** Runs one day's aggregation in a fresh process so its time and peak RSS are its own. Prints JSON. */
import { performance } from 'node:perf_hooks';
import { aggregateDay } from '../functions/aggregator/aggregate';
import { createStorageClients, type StorageSettings } from '../shared/storage/clients';
import { getSite } from '../shared/storage/table';

const [settingsJson = '', site = '', date = ''] = process.argv.slice(2);
const clients = createStorageClients(JSON.parse(settingsJson) as StorageSettings);
const stored = await getSite(clients, site);
if (!stored) throw new Error(`unknown site ${site}`);
const started = performance.now();
const result = await aggregateDay(clients, stored.config, date);
const ms = performance.now() - started;
process.stdout.write(
  JSON.stringify({
    ms,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    eventsRead: result.eventsRead,
    objects: result.objects,
    timings: result.timings,
    figures: result.figures,
  }),
);
