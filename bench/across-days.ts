/**
 * What the across-days sections (metrics.md §7, §8) cost a site with a million events a day: the
 * derived record one day writes, 42 days of them behind a day's run, a customer ledger of a million
 * customers, and a from-scratch rebuild.
 *
 * The history is the benchmark day's own derived record copied to the 42 days before it (times moved
 * by whole days, the same journeys coming back), so every day of it is as large as a real 1 M-event
 * day; each history day also gets one archived event, so the run lists it as a day of the archive.
 */
import { performance } from 'node:perf_hooks';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { storedPartsOf } from '../shared/app/aggregate/across-days';
import type { SiteConfig } from '../shared/config/site';
import { customersFigures } from '../shared/metrics/customers';
import {
  buildLedger,
  DERIVED_FORMAT,
  type DerivedDay,
  type LedgerOrder,
  type LedgerResponse,
} from '../shared/metrics/derived';
import { activityOfColumns, sessionsOfColumns } from '../shared/metrics/session-columns';
import type { StorageClients } from '../shared/storage/clients';
import {
  type CustomerLedgerObject,
  getActivityPart,
  getLedgerPart,
  getSessionsPart,
  putDerivedParts,
  type StoredLedgerPart,
} from '../shared/storage/derived';
import { addDays, localDayBounds } from '../shared/time';
import { seededRandom } from './sample-events';

export const HISTORY_DAYS = 42;

/** Copies `date`'s derived record to the `HISTORY_DAYS` days before it; the bytes of one day's record. */
export async function seedHistory(
  clients: StorageClients,
  config: SiteConfig,
  date: string,
): Promise<{ ledgerBytes: number; sessionsBytes: number; seconds: number }> {
  const started = performance.now();
  const site = config.site;
  const ledger = await getLedgerPart(clients, site, date);
  const sessions = await getSessionsPart(clients, site, date);
  const activity = await getActivityPart(clients, site, date);
  if (!ledger || !sessions || !activity) throw new Error(`no derived record of ${date} to copy`);
  let ledgerBytes = 0;
  let sessionsBytes = 0;
  const parts = new Map<string, StoredLedgerPart>();
  const dayStart = localDayBounds(date, config.timezone).start;
  for (let back = HISTORY_DAYS; back >= 1; back -= 1) {
    const day = addDays(date, -back);
    const shift = localDayBounds(day, config.timezone).start - dayStart;
    const derived: DerivedDay = {
      format: DERIVED_FORMAT,
      site,
      date: day,
      lookbackDays: ledger.lookbackDays,
      sessions: sessionsOfColumns(sessions.sessions).map((session) => ({
        ...session,
        start: session.start + shift,
        last: session.last + shift,
        landmarks: session.landmarks.map((time) => (time === null ? null : time + shift)),
        exposures: session.exposures.map((exposure) => ({ ...exposure, time: exposure.time + shift })),
      })),
      activity: activityOfColumns(activity.activity).map((journey) => ({
        journeyId: journey.journeyId,
        times: journey.times.map((time) => time + shift),
        intentTimes: journey.intentTimes.map((time) => time + shift),
      })),
      orders: ledger.orders.map((order) => ({
        ...order,
        time: order.time + shift,
        ...(order.orderId === undefined ? {} : { orderId: `${order.orderId}-${day}` }),
      })),
      responses: ledger.responses.map((response) => ({ ...response, time: response.time + shift })),
    };
    const stored = storedPartsOf(derived, config, parts);
    const { ledgerEtag, bytes } = await putDerivedParts(clients, stored.ledger, stored.sessions);
    // As stored: the ledger part gzip JSON, the sessions and activity parts gzip columns.
    ledgerBytes = gzipSync(JSON.stringify(stored.ledger), { level: 1 }).length;
    sessionsBytes = bytes - ledgerBytes;
    parts.set(day, { ...stored.ledger, etag: ledgerEtag } as StoredLedgerPart);
    const line = JSON.stringify({
      type: 'page',
      name: 'Home',
      messageId: `history-${day}`,
      anonymousId: 'history',
      site,
      receivedAt: new Date(dayStart + shift + 43_200_000).toISOString(),
      timestamp: new Date(dayStart + shift + 43_200_000).toISOString(),
    });
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: clients.settings.bucketName,
        Key: `events/site=${site}/dt=${day}/hh=12/bench-history.ndjson.gz`,
        Body: gzipSync(`${line}\n`),
        ContentEncoding: 'gzip',
      }),
    );
  }
  return { ledgerBytes, sessionsBytes, seconds: (performance.now() - started) / 1000 };
}

/**
 * A customer ledger of `customers` customers over 400 days (1.6 orders and 0.2 NPS responses each):
 * its compressed size, and the time to read it back, merge it and compute the customers section.
 */
export function measureLedger(
  config: SiteConfig,
  date: string,
  customers: number,
): { bytes: number; orders: number; seconds: number } {
  const random = seededRandom(7);
  const end = localDayBounds(date, config.timezone).end;
  const span = 400 * 86_400_000;
  const byDay = new Map<string, { orders: LedgerOrder[]; responses: LedgerResponse[] }>();
  const partOf = (time: number) => {
    const day = new Date(time).toISOString().slice(0, 10);
    let part = byDay.get(day);
    if (!part) {
      part = { orders: [], responses: [] };
      byDay.set(day, part);
    }
    return part;
  };
  let orders = 0;
  for (let customer = 0; customer < customers; customer += 1) {
    const journeyId = `user-${customer}`;
    let time = end - Math.floor(random() * span);
    const count = random() < 0.6 ? 1 : random() < 0.6 ? 2 : 3;
    for (let n = 0; n < count && time < end; n += 1) {
      partOf(time).orders.push({
        orderId: `o-${customer}-${n}`,
        journeyId,
        time,
        value: 20 + Math.floor(random() * 180),
      });
      orders += 1;
      if (random() < 0.2)
        partOf(time).responses.push({ journeyId, time: time + 3_600_000, score: Math.floor(random() * 11) });
      time += Math.floor(random() * 90 * 86_400_000);
    }
  }
  const object: CustomerLedgerObject = {
    format: DERIVED_FORMAT,
    site: config.site,
    parts: [...byDay.entries()].map(([day, part]) => ({
      format: DERIVED_FORMAT,
      site: config.site,
      date: day,
      lookbackDays: 7,
      build: 'bench',
      activityDigest: 'bench',
      lookbackDigest: 'bench',
      ledgerDigest: 'bench',
      etag: '"bench"',
      ...part,
    })),
  };
  const compressed = gzipSync(JSON.stringify(object), { level: 1 });
  const started = performance.now();
  const read = JSON.parse(gunzipSync(compressed).toString('utf8')) as CustomerLedgerObject;
  customersFigures({ config, date, ledger: buildLedger(read.parts) });
  return { bytes: compressed.length, orders, seconds: (performance.now() - started) / 1000 };
}
