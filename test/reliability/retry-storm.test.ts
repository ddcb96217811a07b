/**
 * Retry storm equivalence: a fixed data set (a slice of the public conformance events) sent once, cleanly,
 * and sent again under a storm — shuffled order, random batch sizes, duplicated events, retried
 * requests, late arrivals after an intermediate aggregation — through the real collector and aggregateDay
 * against real dynalite and s3rver, gives the same figures (computedAt and revision aside) and the same
 * journeys. `quality.duplicates` counts the extra copies the storm archived, exactly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollectorHandler } from '../../functions/collector/handler';
import { logger } from '../../functions/common/http';
import { type LocalStores, startLocalStores } from '../../infra/local/stores';
import { aggregateDay } from '../../shared/app/aggregate/aggregate';
import { journeyTimeline } from '../../shared/app/query';
import type { SiteConfig } from '../../shared/config/site';
import type { FiguresDocument } from '../../shared/metrics/figures';
import { seededRandom } from '../../shared/simulate/random';
import { createStorageClients, type StorageClients } from '../../shared/storage/clients';
import { applySiteConfig } from '../../shared/storage/site-admin';
import { createSiteCache } from '../../shared/storage/site-cache';
import { addDays, localDate } from '../../shared/time';
import { archiveCensus } from '../helpers/archive-census';
import { compareFigures } from '../helpers/compare-figures';
import { conformanceDir, loadConformanceData } from '../helpers/conformance';
import { basicAuthHeader, type HttpHandler, httpEvent, invoke } from '../helpers/http-event';

const SEED = 424_242;
const STORMS = 3;
/** The first lines of events.ndjson: whole journeys (the file groups them), duplicates included. */
const EVENTS = 600;
/** Arrival-dependent or per-site fields; `quality.duplicates` is checked on its own below. */
const IGNORED = ['site', 'computedAt', 'revision', 'quality.duplicates'];

type RawEvent = Record<string, unknown> & { messageId: string; timestamp: string };

const conformance = loadConformanceData();
const raw: RawEvent[] = readFileSync(join(conformanceDir(), 'events.ndjson'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .slice(0, EVENTS)
  .map((line) => JSON.parse(line) as RawEvent);

const AGGREGATED_AT = new Date('2026-11-05T12:00:00Z');
const FIRST_ARRIVAL = Date.parse('2026-11-01T10:00:00Z');
const LATE_ARRIVAL = FIRST_ARRIVAL + 6 * 3_600_000;

let stores: LocalStores;
let clients: StorageClients;
const days: string[] = [];
const counts = {
  requests: 0,
  eventsSent: 0,
  extraCopies: 0,
  eventsCompared: 0,
  daysCompared: 0,
  journeysCompared: 0,
};

beforeAll(async () => {
  logger.setLogLevel('ERROR');
  stores = await startLocalStores();
  clients = createStorageClients(stores.settings);
  const local = new Set(
    raw.map((event) => localDate(Date.parse(event.timestamp), conformance.config.timezone)),
  );
  const sorted = [...local].sort();
  for (let day = sorted[0] ?? ''; day <= (sorted.at(-1) ?? ''); day = addDays(day, 1)) days.push(day);
  // Orders and sessions spill over midnight into the next day.
  days.push(addDays(days.at(-1) ?? '', 1));
});
afterAll(async () => {
  await stores.close();
  console.info(
    `retry storm: ${STORMS} storms + 1 clean run, ${counts.requests} requests, ${counts.eventsSent} events sent ` +
      `(${counts.extraCopies} extra archived copies), ` +
      `${counts.eventsCompared} distinct events compared over ${counts.daysCompared} figure days and ${counts.journeysCompared} journeys`,
  );
});

interface Run {
  site: string;
  config: SiteConfig;
  send(batch: readonly RawEvent[]): Promise<void>;
  clock: { now: number };
}

async function newRun(site: string): Promise<Run> {
  const config: SiteConfig = { ...conformance.config, site };
  const created = await applySiteConfig(clients, config, new Date(FIRST_ARRIVAL));
  if (!created.created) throw new Error(`site ${site} exists`);
  const clock = { now: FIRST_ARRIVAL };
  const collector: HttpHandler = createCollectorHandler({
    clients,
    sites: createSiteCache(clients),
    now: () => clock.now,
  });
  const writeKey = created.writeKey;
  return {
    site,
    config,
    clock,
    async send(batch) {
      const result = await invoke(
        collector,
        httpEvent({
          path: '/v1/batch',
          headers: { authorization: basicAuthHeader(writeKey) },
          body: JSON.stringify({ batch }),
        }),
      );
      counts.requests += 1;
      counts.eventsSent += batch.length;
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ accepted: batch.length, rejected: [] });
    },
  };
}

async function aggregateAll(run: Run): Promise<Map<string, FiguresDocument>> {
  const figures = new Map<string, FiguresDocument>();
  for (const day of days) {
    figures.set(day, (await aggregateDay(clients, run.config, day, { now: AGGREGATED_AT })).figures);
  }
  return figures;
}

/** Users and a sample of anonymous ids of the data set: the journeys compared. */
function journeyIds(): string[] {
  const users = new Set<string>();
  const anonymous = new Set<string>();
  for (const event of raw) {
    if (typeof event.userId === 'string') users.add(event.userId);
    else if (typeof event.anonymousId === 'string') anonymous.add(event.anonymousId);
  }
  return [...users, ...[...anonymous].filter((_, i) => i % 5 === 0)].sort();
}

async function journeysOf(site: string): Promise<Map<string, string[]>> {
  const journeys = new Map<string, string[]>();
  for (const id of journeyIds()) {
    const timeline = await journeyTimeline(clients, site, id);
    journeys.set(
      id,
      timeline.map((entry) => `${entry.t}|${entry.m}|${entry.y}|${entry.n ?? ''}`),
    );
  }
  return journeys;
}

/** Σ over the messageIds of each day of (copies archived by the storm − copies archived by the clean run). */
function extraCopiesByDay(
  clean: ReadonlyMap<string, number>,
  storm: ReadonlyMap<string, number>,
  timezone: string,
): Map<string, number> {
  const dayOf = new Map(
    raw.map((event) => [event.messageId, localDate(Date.parse(event.timestamp), timezone)]),
  );
  const extra = new Map<string, number>();
  for (const [messageId, copies] of storm) {
    const day = dayOf.get(messageId) ?? '';
    extra.set(day, (extra.get(day) ?? 0) + copies - (clean.get(messageId) ?? 0));
  }
  return extra;
}

let clean: {
  figures: Map<string, FiguresDocument>;
  journeys: Map<string, string[]>;
  copies: Map<string, number>;
};

describe('a retry storm', () => {
  beforeAll(async () => {
    const run = await newRun('storm-clean');
    for (let offset = 0; offset < raw.length; offset += 100) await run.send(raw.slice(offset, offset + 100));
    const figures = await aggregateAll(run);
    clean = {
      figures,
      journeys: await journeysOf(run.site),
      copies: (await archiveCensus(clients, `events/site=${run.site}/`)).copies,
    };
    expect([...figures.values()].reduce((sum, f) => sum + f.traffic.events, 0)).toBeGreaterThan(0);
  }, 120_000);

  it(`gives the clean run's figures and journeys over ${STORMS} seeded storms`, async () => {
    let stormNumber = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (stormSeed) => {
        stormNumber += 1;
        const random = seededRandom(`storm-${stormSeed}`);
        const run = await newRun(`storm-${stormNumber}`);

        // Shuffled order, batches of 1 to 120, 10% of events duplicated into another batch.
        const order = raw.map((event) => ({ event, key: random.next() })).sort((a, b) => a.key - b.key);
        const events = order.map((entry) => entry.event);
        for (const event of raw)
          if (random.chance(0.1)) events.splice(random.int(0, events.length), 0, event);
        const batches: RawEvent[][] = [];
        for (let offset = 0; offset < events.length; ) {
          const size = random.int(1, 120);
          batches.push(events.slice(offset, offset + size));
          offset += size;
        }
        // A fifth of the batches arrive late (after an intermediate aggregation); a third are retried.
        const early: RawEvent[][] = [];
        const late: RawEvent[][] = [];
        for (const batch of batches) {
          (random.chance(0.2) ? late : early).push(batch);
          if (random.chance(0.3)) (random.chance(0.5) ? early : late).push(batch);
        }

        for (const batch of early) await run.send(batch);
        // An hourly run in between: it compacts settled partitions, so later retries re-create objects.
        const middle = days[Math.floor(days.length / 2)] ?? '';
        await aggregateDay(clients, run.config, middle, { now: AGGREGATED_AT });
        run.clock.now = LATE_ARRIVAL;
        for (const batch of late) await run.send(batch);
        const figures = await aggregateAll(run);

        const census = await archiveCensus(clients, `events/site=${run.site}/`);
        // A retried request (same body) overwrites its own objects: copies come from distinct bodies,
        // plus at most one per body sent both before and after the compaction of the hourly run.
        const bodies = new Map<RawEvent[], { early: boolean; late: boolean }>();
        for (const batch of early) bodies.set(batch, { early: true, late: bodies.get(batch)?.late ?? false });
        for (const batch of late) bodies.set(batch, { early: bodies.get(batch)?.early ?? false, late: true });
        const bounds = new Map<string, { min: number; max: number }>();
        for (const [batch, sent] of bodies) {
          for (const event of batch) {
            const bound = bounds.get(event.messageId) ?? { min: 0, max: 0 };
            bound.min += 1;
            bound.max += sent.early && sent.late ? 2 : 1;
            bounds.set(event.messageId, bound);
          }
        }
        for (const [messageId, bound] of bounds) {
          const copies = census.copies.get(messageId) ?? 0;
          expect(copies, messageId).toBeGreaterThanOrEqual(bound.min);
          expect(copies, messageId).toBeLessThanOrEqual(bound.max);
        }
        const extra = extraCopiesByDay(clean.copies, census.copies, run.config.timezone);
        counts.extraCopies += [...extra.values()].reduce((sum, n) => sum + n, 0);
        for (const day of days) {
          const expected = clean.figures.get(day);
          const actual = figures.get(day);
          const differences = compareFigures(expected, actual, { ignore: IGNORED });
          expect(differences, `${run.site} ${day}:\n${differences.join('\n')}`).toEqual([]);
          expect(actual?.quality.duplicates, `${run.site} ${day} duplicates`).toBe(
            (expected?.quality.duplicates ?? 0) + (extra.get(day) ?? 0),
          );
          counts.daysCompared += 1;
        }
        const journeys = await journeysOf(run.site);
        expect(journeys).toEqual(clean.journeys);
        counts.journeysCompared += journeys.size;
        counts.eventsCompared += clean.copies.size;
      }),
      { seed: SEED, numRuns: STORMS, endOnFailure: true },
    );
  }, 180_000);
});
