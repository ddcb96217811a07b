/**
 * The same figures computed by DuckDB over the archive's gzip NDJSON files (bench only): traffic, sales
 * and carts per metrics.md, for a UTC site (no ICU extension can be downloaded here).
 */
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';

export interface ComparableFigures {
  events: number;
  journeys: number;
  sessions: number;
  pageviews: number;
  orders: number;
  revenue: number;
  cartsCreated: number;
  cartsConverted: number;
}

export function duckdbSql(glob: string, date: string): string {
  const day = `DATE '${date}'`;
  return `
WITH raw AS (
  SELECT messageId, type, event, userId, anonymousId, receivedAt,
         CAST(replace("timestamp", 'Z', '') AS TIMESTAMP) AS ts, properties
  FROM read_json('${glob}', format = 'newline_delimited', compression = 'gzip',
    columns = {messageId: 'VARCHAR', type: 'VARCHAR', event: 'VARCHAR', userId: 'VARCHAR', anonymousId: 'VARCHAR',
               receivedAt: 'VARCHAR', "timestamp": 'VARCHAR', properties: 'JSON'})
),
dedup AS (SELECT * FROM raw QUALIFY row_number() OVER (PARTITION BY messageId ORDER BY receivedAt) = 1),
links AS (
  SELECT anonymousId, arg_min(userId, ts) AS linked FROM dedup
  WHERE userId IS NOT NULL AND anonymousId IS NOT NULL GROUP BY anonymousId
),
j AS (SELECT d.*, coalesce(d.userId, l.linked, d.anonymousId) AS journey FROM dedup d LEFT JOIN links l USING (anonymousId)),
act AS (SELECT * FROM j WHERE type IN ('track', 'page', 'screen') AND CAST(ts AS DATE) = ${day}),
gaps AS (
  SELECT CASE WHEN lag(ts) OVER w IS NULL OR ts - lag(ts) OVER w > INTERVAL 30 MINUTE THEN 1 ELSE 0 END AS starts
  FROM act WINDOW w AS (PARTITION BY journey ORDER BY ts)
),
orders AS (
  SELECT journey, ts, properties->>'cart_id' AS cart_id,
         CAST(coalesce(properties->>'revenue', properties->>'total', '0') AS DOUBLE) AS value
  FROM j WHERE type = 'track' AND event = 'Order Completed'
  QUALIFY row_number() OVER (PARTITION BY coalesce(properties->>'order_id', messageId) ORDER BY ts) = 1
),
adds AS (
  SELECT journey, ts, properties->>'cart_id' AS cart_id,
         coalesce('cart:' || (properties->>'cart_id'), 'journey:' || journey) AS cart_key
  FROM act WHERE event = 'Product Added'
),
carts AS (SELECT cart_key, arg_min(journey, ts) AS journey, min(ts) AS t0, any_value(cart_id) AS cart_id FROM adds GROUP BY cart_key),
by_cart AS (
  SELECT DISTINCT c.cart_key FROM carts c JOIN orders o ON o.cart_id = c.cart_id
  WHERE o.ts BETWEEN c.t0 AND c.t0 + INTERVAL 24 HOUR
),
by_journey AS (
  SELECT DISTINCT c.cart_key FROM carts c JOIN orders o ON o.journey = c.journey
  WHERE o.ts BETWEEN c.t0 AND c.t0 + INTERVAL 24 HOUR AND (o.cart_id IS NULL OR c.cart_id IS NULL)
)
SELECT
  (SELECT count(*) FROM act) AS events,
  (SELECT count(DISTINCT journey) FROM act) AS journeys,
  (SELECT sum(starts) FROM gaps) AS sessions,
  (SELECT count(*) FROM act WHERE type IN ('page', 'screen')) AS pageviews,
  (SELECT count(*) FROM orders WHERE CAST(ts AS DATE) = ${day}) AS orders,
  (SELECT coalesce(sum(value), 0) FROM orders WHERE CAST(ts AS DATE) = ${day}) AS revenue,
  (SELECT count(*) FROM carts) AS carts_created,
  (SELECT count(*) FROM (SELECT cart_key FROM by_cart UNION SELECT cart_key FROM by_journey)) AS carts_converted`;
}

export async function duckdbFigures(
  glob: string,
  date: string,
): Promise<{ seconds: number; figures: ComparableFigures }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const started = performance.now();
  const reader = await connection.runAndReadAll(duckdbSql(glob, date));
  const seconds = (performance.now() - started) / 1000;
  const row = reader.getRowObjectsJS()[0] ?? {};
  const num = (key: string) => Number(row[key] ?? Number.NaN);
  connection.closeSync();
  return {
    seconds,
    figures: {
      events: num('events'),
      journeys: num('journeys'),
      sessions: num('sessions'),
      pageviews: num('pageviews'),
      orders: num('orders'),
      revenue: num('revenue'),
      cartsCreated: num('carts_created'),
      cartsConverted: num('carts_converted'),
    },
  };
}
