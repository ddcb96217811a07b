/**
 * The README's example Athena queries, run on DuckDB over a simulated archive laid out exactly as the
 * collector writes it, and checked against the metric core's figures for the same events. DuckDB
 * stands in for Athena (Trino): a view gives it the Glue table's columns, partitions and `"$path"`,
 * and two macros supply the Trino functions it lacks. What this proves is the queries' logic against
 * metrics.md; Athena's own dialect is not checked here.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/cdk/bundling';
import { DEMO_SITE_CONFIG } from '../../infra/local/runtime';
import { siteConfigWithDefaults } from '../../shared/config/site';
import type { NormalizedEvent } from '../../shared/events/types';
import { deduplicate } from '../../shared/metrics/dedup';
import { computeFigures, type FiguresDocument } from '../../shared/metrics/figures';
import { linksFromEvents } from '../../shared/metrics/links';
import { archiveSimulated } from '../../shared/simulate/archive';
import { generateTraffic, type SegmentMessage, type SimulatedMessage } from '../../shared/simulate/traffic';
import { localDateHour } from '../../shared/time';

/** The README's queries are for site demo in November 2026, scanning from 31 October. */
const config = siteConfigWithDefaults(DEMO_SITE_CONFIG);
const DAYS = ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04'];

function readmeQueries(): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Athena'));
  return [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

/** Trino → DuckDB, for the few constructs that differ. */
const toDuckDb = (sql: string): string => sql.replaceAll('array(json)', 'JSON[]');

type Row = Record<string, unknown>;

/** The day of the two orders below, and the touchpoints (not configured) only their journeys meet. */
const STRING_AMOUNTS_DAY = '2026-11-02';
const STRING_REVENUE_TOUCHPOINT = 'string_revenue_tp';
const STRING_LINES_TOUCHPOINT = 'string_lines_tp';

/**
 * Two orders whose amounts a client sent as numeric strings (issue 15): revenue "50.00", and product
 * lines "12.50" × "2" without a revenue. Each journey meets one touchpoint of its own first.
 */
function stringAmountOrders(): SimulatedMessage[] {
  const at = (time: string, message: SegmentMessage): SimulatedMessage => ({
    message,
    deliverAtMs: Date.parse(time) + 5_000,
    date: STRING_AMOUNTS_DAY,
  });
  const journey = (id: string, touchpoint: string, properties: Record<string, unknown>) => [
    at(`${STRING_AMOUNTS_DAY}T09:00:00.000Z`, {
      type: 'page',
      messageId: `${id}-page`,
      anonymousId: id,
      timestamp: `${STRING_AMOUNTS_DAY}T09:00:00.000Z`,
      name: 'Help',
      properties: { touchpoint },
    }),
    at(`${STRING_AMOUNTS_DAY}T09:30:00.000Z`, {
      type: 'track',
      messageId: `${id}-order`,
      anonymousId: id,
      timestamp: `${STRING_AMOUNTS_DAY}T09:30:00.000Z`,
      event: 'Order Completed',
      properties: { order_id: `${id}-order`, currency: 'EUR', ...properties },
    }),
  ];
  return [
    ...journey('string-revenue', STRING_REVENUE_TOUCHPOINT, { revenue: '50.00' }),
    ...journey('string-lines', STRING_LINES_TOUCHPOINT, { products: [{ price: '12.50', quantity: '2' }] }),
  ];
}

let dataDir: string;
let figures: Map<string, FiguresDocument>;
let run: (sql: string) => Promise<Row[]>;
let close: () => void;

beforeAll(async () => {
  const traffic = generateTraffic({
    config,
    days: DAYS.length + 1,
    endDate: DAYS.at(-1) ?? '',
    seed: 'athena',
  });
  const messages = [...traffic.messages, ...stringAmountOrders()].sort(
    (a, b) => a.deliverAtMs - b.deliverAtMs,
  );
  const { events, rejected } = archiveSimulated(config.site, messages);
  expect(rejected).toBe(0);

  // The collector's layout: events/site=S/dt=<site-local day>/hh=<site-local hour>/<object>.ndjson.gz,
  // one object per partition here, lines in archive order.
  dataDir = mkdtempSync(join(tmpdir(), 'roxtrail-athena-'));
  const partitions = new Map<string, NormalizedEvent[]>();
  for (const event of events) {
    const { date, hour } = localDateHour(Date.parse(event.timestamp), config.timezone);
    const key = `events/site=${config.site}/dt=${date}/hh=${hour}`;
    partitions.set(key, [...(partitions.get(key) ?? []), event]);
  }
  for (const [key, partition] of partitions) {
    mkdirSync(join(dataDir, key), { recursive: true });
    const lines = `${partition.map((event) => JSON.stringify(event)).join('\n')}\n`;
    writeFileSync(join(dataDir, key, 'part.ndjson.gz'), gzipSync(lines));
  }

  // The aggregator's reading: every day of the archive, links from all de-duplicated events.
  const links = linksFromEvents(deduplicate(events).events);
  figures = new Map(
    DAYS.map((date) => [
      date,
      computeFigures({
        config,
        date,
        events,
        links,
        rejected: {},
        status: 'final',
        revision: 1,
        computedAt: '2026-12-01T00:00:00.000Z',
      }),
    ]),
  );

  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  run = async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJS() as Row[];
  close = () => connection.closeSync();
  await run(`
    CREATE MACRO json_extract_scalar(j, p) AS json_extract_string(j, p);
    CREATE MACRO from_iso8601_timestamp(s) AS CAST(replace(s, 'Z', '') AS TIMESTAMP);
    CREATE SCHEMA roxtrail;
    CREATE VIEW roxtrail.events AS
    SELECT messageId AS messageid, type, event, name, userId AS userid, anonymousId AS anonymousid,
           previousId AS previousid, "timestamp", receivedAt AS receivedat, properties, traits, context,
           filename AS "$path", site, dt, hh
    FROM read_json('${join(dataDir, 'events')}/*/*/*/*.ndjson.gz',
      format = 'newline_delimited', compression = 'gzip', filename = true,
      hive_partitioning = true, hive_types_autocast = false,
      columns = {messageId: 'VARCHAR', type: 'VARCHAR', event: 'VARCHAR', name: 'VARCHAR',
                 userId: 'VARCHAR', anonymousId: 'VARCHAR', previousId: 'VARCHAR', "timestamp": 'VARCHAR',
                 receivedAt: 'VARCHAR', properties: 'JSON', traits: 'JSON', context: 'JSON'});
  `);
}, 120_000);

afterAll(() => {
  close?.();
  rmSync(dataDir, { recursive: true, force: true });
});

const figuresOf = (day: string): FiguresDocument => {
  const found = figures.get(day);
  if (!found) throw new Error(`no figures for ${day}`);
  return found;
};

describe('README Athena queries', () => {
  it('are three, each in a sql block of the Athena section', () => {
    expect(readmeQueries()).toHaveLength(3);
  });

  it('events per day equal traffic.events', async () => {
    const rows = await run(toDuckDb(readmeQueries()[0] ?? ''));
    const byDay = Object.fromEntries(rows.map((row) => [String(row.day), Number(row.events)]));
    expect(byDay).toEqual(Object.fromEntries(DAYS.map((day) => [day, figuresOf(day).traffic.events])));
    expect(Object.values(byDay).every((events) => events > 100)).toBe(true);
  });

  it('cart abandonment per day equals carts.created, converted, abandoned and abandonmentRate', async () => {
    const rows = await run(toDuckDb(readmeQueries()[1] ?? ''));
    expect(rows.map((row) => String(row.day))).toEqual(DAYS);
    for (const row of rows) {
      const { carts } = figuresOf(String(row.day));
      expect({
        created: Number(row.created),
        converted: Number(row.converted),
        abandoned: Number(row.abandoned),
      }).toEqual({ created: carts.created, converted: carts.converted, abandoned: carts.abandoned });
      expect(Number(row.abandonment_rate)).toBeCloseTo(carts.abandonmentRate ?? Number.NaN, 12);
      expect(carts.converted).toBeGreaterThan(0);
      expect(carts.abandoned).toBeGreaterThan(0);
    }
  });

  it('revenue per touchpoint equals the linear attribution of rox', async () => {
    const rows = await run(toDuckDb(readmeQueries()[2] ?? ''));
    for (const day of DAYS) {
      const { rox } = figuresOf(day);
      const ofDay = rows.filter((row) => String(row.day) === day);
      const attributed = new Map(
        ofDay.map((row) => [String(row.touchpoint), Number(row.attributed_revenue)]),
      );
      const total = [...attributed.values()].reduce((sum, value) => sum + value, 0);
      expect(total, day).toBeCloseTo(rox.attributedRevenue, 6);
      for (const touchpoint of rox.touchpoints) {
        expect(attributed.get(touchpoint.touchpoint) ?? 0, `${day} ${touchpoint.touchpoint}`).toBeCloseTo(
          touchpoint.attributedRevenue,
          6,
        );
      }
      expect(rox.attributedRevenue, day).toBeGreaterThan(0);
    }
  });

  it('count an order sent with revenue "50.00" as 50, and lines "12.50" × "2" as 25, as the figures do', async () => {
    const rows = await run(toDuckDb(readmeQueries()[2] ?? ''));
    const attributed = (touchpoint: string) =>
      rows
        .filter((row) => String(row.day) === STRING_AMOUNTS_DAY && row.touchpoint === touchpoint)
        .map((row) => Number(row.attributed_revenue));

    expect(attributed(STRING_REVENUE_TOUCHPOINT)).toEqual([50]);
    expect(attributed(STRING_LINES_TOUCHPOINT)).toEqual([25]);
    // The figures' side: the total above (attributedRevenue over every touchpoint) includes both.
    const total = rows
      .filter((row) => String(row.day) === STRING_AMOUNTS_DAY)
      .reduce((sum, row) => sum + Number(row.attributed_revenue), 0);
    expect(total).toBeCloseTo(figuresOf(STRING_AMOUNTS_DAY).rox.attributedRevenue, 6);
  });
});
