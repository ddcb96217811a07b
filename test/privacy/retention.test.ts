/**
 * Retention: journey items carry expiresAt (receivedAt + the site's journey retention), the TTL DynamoDB
 * honours in AWS; `roxtrail prune` does the same locally (expired journey items, retired keys, consent
 * salts) and deletes archive days older than the site's retentionDays — for one site or all of them.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../bench/cli';
import { pruneLocal } from '../../infra/local/prune';
import { aggregateDay } from '../../shared/app/aggregate/aggregate';
import { siteConfigWithDefaults } from '../../shared/config/site';
import { reportKeyFor } from '../../shared/storage/archive';
import { keys } from '../../shared/storage/keys';
import { retentionCutoff } from '../../shared/storage/retention';
import { rotateSiteKey } from '../../shared/storage/site-admin';
import { hashAccessKey } from '../../shared/storage/table';
import { sendAt as sendClocked } from '../helpers/clocked-collector';
import { scanTable } from '../helpers/dump-stores';
import { startTestStack, type TestStack } from '../helpers/local-stack';

const DAY_MS = 86_400_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');
const RETENTION_DAYS = 30;
const OLD_DAY = '2026-10-10';
const RECENT_DAY = '2026-11-18';
/** The day the old traffic was received (40 days before NOW): its rejected/ partition. */
const OLD_RECEIVED_DAY = '2026-10-14';

let stack: TestStack;
const writeKeys = new Map<string, string>();

/** Sends one event as received at `receivedAtMs` (the collector's clock). */
async function sendAt(site: string, receivedAtMs: number, event: Record<string, unknown>): Promise<void> {
  const result = await sendClocked(stack.clients, writeKeys.get(site) ?? '', receivedAtMs, [event]);
  expect(result.status).toBe(200);
}

async function journeyItems(site: string, actor: string): Promise<Record<string, unknown>[]> {
  const page = await stack.clients.dynamo.send(
    new QueryCommand({
      TableName: stack.clients.settings.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.journey(site, actor) },
    }),
  );
  return (page.Items ?? []) as Record<string, unknown>[];
}

/** Old traffic (received 40 days ago, for a day 44 days ago), recent traffic, a rejected event of each. */
async function seed(site: string): Promise<void> {
  const { writeKey } = await stack.createSite({ site, timezone: 'UTC', retentionDays: RETENTION_DAYS });
  writeKeys.set(site, writeKey);
  const old = NOW - 40 * DAY_MS;
  await sendAt(site, old, {
    type: 'page',
    anonymousId: 'old-visitor',
    timestamp: `${OLD_DAY}T10:00:00.000Z`,
  });
  await sendAt(site, old, {
    type: 'track',
    event: 'Product Viewed',
    anonymousId: 'old-visitor',
    timestamp: `${OLD_DAY}T10:01:00.000Z`,
  });
  // Rejected (no event name): kept under rejected/, by the day it was received.
  await sendAt(site, old, {
    type: 'track',
    anonymousId: 'old-visitor',
    timestamp: `${OLD_DAY}T10:02:00.000Z`,
  });
  await sendAt(site, old, {
    type: 'page',
    anonymousId: 'old-private',
    context: { consent: { analytics: false } },
    timestamp: `${OLD_DAY}T11:00:00.000Z`,
  });
  await sendAt(site, NOW - DAY_MS, {
    type: 'page',
    anonymousId: 'new-visitor',
    timestamp: `${RECENT_DAY}T10:00:00.000Z`,
  });
  await sendAt(site, NOW - DAY_MS, {
    type: 'track',
    event: 'Product Viewed',
    anonymousId: 'new-visitor',
    timestamp: `${RECENT_DAY}T10:05:00.000Z`,
  });
}

beforeAll(async () => {
  stack = await startTestStack();
  await seed('ret-one');
  await seed('ret-two');
});
afterAll(async () => {
  await stack.stop();
});

describe('journey items', () => {
  it('expire with the archive when it keeps events less than 90 days (the TTL attribute DynamoDB honours in AWS)', async () => {
    const [old] = await journeyItems('ret-one', 'old-visitor');
    const [recent] = await journeyItems('ret-one', 'new-visitor');
    expect(old?.expiresAt).toBe(Math.ceil((NOW - 40 * DAY_MS) / 1000) + RETENTION_DAYS * 86_400);
    expect(recent?.expiresAt).toBe(Math.ceil((NOW - DAY_MS) / 1000) + RETENTION_DAYS * 86_400);
  });

  it('expire journeyRetentionDays after they were received (90 unless the site says), never after the archive', async () => {
    for (const [site, journeyRetentionDays, expectedDays] of [
      ['ret-journeys-default', undefined, 90],
      ['ret-journeys-week', 7, 7],
      ['ret-journeys-year', 365, 365],
    ] as const) {
      const { writeKey } = await stack.createSite({ site, retentionDays: 400, journeyRetentionDays });
      writeKeys.set(site, writeKey);
      await sendAt(site, NOW - DAY_MS, {
        type: 'page',
        anonymousId: 'visitor',
        timestamp: `${RECENT_DAY}T09:00:00.000Z`,
      });
      const [item] = await journeyItems(site, 'visitor');
      expect(item?.expiresAt).toBe(Math.ceil((NOW - DAY_MS) / 1000) + expectedDays * 86_400);
    }
  });
});

describe('roxtrail prune', () => {
  it('for one site: deletes its expired items and archive days past retention, keeps the rest and other sites', async () => {
    const config = siteConfigWithDefaults({
      site: 'ret-one',
      timezone: 'UTC',
      retentionDays: RETENTION_DAYS,
    });
    await aggregateDay(stack.clients, config, OLD_DAY, { now: new Date(NOW) });
    // A key rotated two hours ago with one hour of grace: retired, and expired.
    const rotated = await rotateSiteKey(stack.clients, 'ret-one', 'write', 1, new Date(NOW - 2 * 3_600_000));
    const retiredHash = hashAccessKey(writeKeys.get('ret-one') ?? '');
    expect(JSON.stringify(await scanTable(stack.clients))).toContain(retiredHash);

    const summary = await pruneLocal(stack.clients, new Date(NOW), { site: 'ret-one' });
    // Journey items: the old visitor's two requests and the opted-out visitor's pseudonym.
    expect(summary.expiredItems).toMatchObject({ journey: 3, key: 2, consentSalt: 1 });
    expect(summary.archive).toEqual([
      {
        site: 'ret-one',
        cutoff: retentionCutoff(config, new Date(NOW)),
        days: [OLD_DAY, OLD_RECEIVED_DAY],
        // Hour 10's two objects were compacted into one by the aggregation; hour 11; one rejected/;
        // the aggregation's two hour partials with their copies digests, the day's link snapshot and
        // its actor index; the day's derived record (sessions, activity and ledger parts) and the
        // lookback summary its run kept.
        objectsDeleted: 13,
      },
    ]);
    expect(await stack.archivedKeys(`rejected/site=ret-one/dt=${OLD_RECEIVED_DAY}/`)).toEqual([]);

    expect(await journeyItems('ret-one', 'old-visitor')).toEqual([]);
    expect(await journeyItems('ret-one', 'new-visitor')).toHaveLength(2);
    expect(await stack.archivedKeys(`events/site=ret-one/dt=${OLD_DAY}/`)).toEqual([]);
    expect(await stack.archivedKeys(`partials/site=ret-one/dt=${OLD_DAY}/`)).toEqual([]);
    expect(await stack.archivedKeys(`indexes/site=ret-one/dt=${OLD_DAY}/`)).toEqual([]);
    expect(await stack.archivedKeys(`derived/site=ret-one/dt=${OLD_DAY}/`)).toEqual([]);
    expect(await stack.archivedKeys(`events/site=ret-one/dt=${RECENT_DAY}/`)).toHaveLength(2);
    // Figures are aggregates, not personal data: the report stays.
    expect(await stack.archivedKeys(reportKeyFor('ret-one', OLD_DAY))).toHaveLength(1);
    const table = JSON.stringify(await scanTable(stack.clients));
    expect(table).not.toContain(retiredHash);
    expect(table).toContain(hashAccessKey(rotated.key));
    // The other site is untouched.
    expect(await journeyItems('ret-two', 'old-visitor')).toHaveLength(2);
    expect(await stack.archivedKeys(`events/site=ret-two/dt=${OLD_DAY}/`)).toHaveLength(3);
  });

  it('from the command line, for every site', async () => {
    const result = await runCli(['prune', '--as-of', new Date(NOW).toISOString(), '--json'], {
      ROXTRAIL_DATA_DIR: stack.dataDir,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { archive: { site: string; days: string[] }[] };
    expect(summary.archive.find((entry) => entry.site === 'ret-two')?.days).toEqual([
      OLD_DAY,
      OLD_RECEIVED_DAY,
    ]);
    expect(await journeyItems('ret-two', 'old-visitor')).toEqual([]);
    expect(await stack.archivedKeys(`events/site=ret-two/dt=${OLD_DAY}/`)).toEqual([]);
    expect(await stack.archivedKeys(`events/site=ret-two/dt=${RECENT_DAY}/`)).toHaveLength(2);
    expect(await journeyItems('ret-two', 'new-visitor')).toHaveLength(2);

    const wrong = await runCli(['prune', '--as-of', '2026-11-23'], { ROXTRAIL_DATA_DIR: stack.dataDir });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr.trim()).toBe(
      'roxtrail: --as-of must be an ISO 8601 instant such as 2026-11-23T12:00:00Z, got "2026-11-23"',
    );
  }, 60_000);
});
