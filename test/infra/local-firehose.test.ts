/** `roxtrail start` with ROXTRAIL_ARCHIVE_MODE=firehose: the collector goes through the local Firehose stand-in. */
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../../bench/cli';
import { startLocalStores } from '../../infra/local/stores';
import { getObjectBytes, listObjects } from '../../shared/storage/archive';
import { parseNdjsonGzip } from '../../shared/storage/archive-reader';
import { createStorageClients, type StorageSettings } from '../../shared/storage/clients';
import { archiveCensus } from '../helpers/archive-census';
import { basicAuth } from '../helpers/local-stack';

const dataDir = mkdtempSync(join(tmpdir(), 'roxtrail-firehose-'));
// A buffer age longer than the test: objects appear only because stopping flushes the stand-in.
const env = {
  ROXTRAIL_DATA_DIR: dataDir,
  PORT: '0',
  ROXTRAIL_ARCHIVE_MODE: 'firehose',
  ROXTRAIL_FIREHOSE_BUFFER_SECONDS: '600',
};
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('roxtrail start in firehose archive mode', () => {
  it('acknowledges events the stand-in buffers, and writes them under events/site=/dt=/hh= when it stops', async () => {
    const siteFile = join(dataDir, 'site.json');
    writeFileSync(siteFile, JSON.stringify({ site: 'fh-shop', timezone: 'Europe/Rome', currency: 'EUR' }));
    const running = await startCli(['--no-demo'], env);
    let stopped = false;
    try {
      const applied = await runCli(['sites', 'apply', siteFile, '--json'], env);
      const { writeKey } = JSON.parse(applied.stdout) as { writeKey: string };
      const response = await fetch(`${running.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
        body: JSON.stringify({
          batch: [
            // 23:30 UTC is 00:30 the next day in Rome: the stand-in partitions by the line's dt/hh.
            {
              type: 'track',
              event: 'A',
              anonymousId: 'v',
              messageId: 'fh-1',
              timestamp: '2026-11-20T23:30:00Z',
            },
            {
              type: 'track',
              event: 'B',
              anonymousId: 'v',
              messageId: 'fh-2',
              timestamp: '2026-11-20T10:00:00Z',
            },
          ],
        }),
      });
      expect(response.status).toBe(200);
      // Acknowledged, but still in the stand-in's buffer (Firehose's delivery delay).
      const { storage } = JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8')) as {
        storage: StorageSettings;
      };
      expect(await listObjects(createStorageClients(storage), 'events/')).toEqual([]);
      expect(await running.stop()).toBe(0);
      stopped = true;
    } finally {
      if (!stopped) await running.stop();
    }

    const stores = await startLocalStores({ dataDir });
    try {
      const clients = createStorageClients(stores.settings);
      const objects = await listObjects(clients, 'events/site=fh-shop/');
      expect(objects.map((o) => o.key.replace(/[^/]+$/, ''))).toEqual([
        'events/site=fh-shop/dt=2026-11-20/hh=11/',
        'events/site=fh-shop/dt=2026-11-21/hh=00/',
      ]);
      for (const object of objects)
        expect(object.key).toMatch(/\/roxtrail-local-archive-1-[\d-]+-[0-9a-f-]{36}\.ndjson\.gz$/);
      const { records } = parseNdjsonGzip<{ messageId: string; dt: string; hh: string }>(
        await getObjectBytes(clients, objects[1]?.key ?? ''),
      );
      expect(records).toEqual([expect.objectContaining({ messageId: 'fh-1', dt: '2026-11-21', hh: '00' })]);
    } finally {
      await stores.close();
    }
  }, 60_000);

  it('loses no acknowledged event to a kill -9: the next start writes what the stand-in had spooled, each event once', async () => {
    const crashDir = mkdtempSync(join(tmpdir(), 'roxtrail-firehose-crash-'));
    const crashEnv = { ...env, ROXTRAIL_DATA_DIR: crashDir };
    try {
      const siteFile = join(crashDir, 'site.json');
      writeFileSync(siteFile, JSON.stringify({ site: 'crash-shop', timezone: 'UTC' }));
      const first = await startCli(['--no-demo'], crashEnv);
      const applied = await runCli(['sites', 'apply', siteFile, '--json'], crashEnv);
      const { writeKey } = JSON.parse(applied.stdout) as { writeKey: string };
      // 40 batches of 25 events over three hours, eight requests at a time (concurrent appends to a spool).
      const batches = Array.from({ length: 40 }, (_, b) =>
        Array.from({ length: 25 }, (_, i) => ({
          type: 'track',
          event: 'Product Viewed',
          anonymousId: `visitor-${b}`,
          messageId: `crash-${b}-${i}`,
          timestamp: `2026-11-20T${String(9 + (b % 3)).padStart(2, '0')}:${String(i).padStart(2, '0')}:00Z`,
        })),
      );
      const statuses: number[] = [];
      for (let start = 0; start < batches.length; start += 8) {
        const answers = await Promise.all(
          batches.slice(start, start + 8).map((batch) =>
            fetch(`${first.url}/v1/batch`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
              body: JSON.stringify({ batch }),
            }),
          ),
        );
        statuses.push(...answers.map((answer) => answer.status));
      }
      expect(statuses).toEqual(batches.map(() => 200));

      first.child.kill('SIGKILL');
      await once(first.child, 'exit');

      const second = await startCli(['--no-demo'], crashEnv);
      expect(second.output()).toContain('1000 line(s) a previous run had spooled but not written');
      expect(await second.stop()).toBe(0);

      const stores = await startLocalStores({ dataDir: crashDir });
      try {
        const census = await archiveCensus(createStorageClients(stores.settings), 'events/site=crash-shop/');
        const sent = batches.flat().map((event) => event.messageId);
        expect([...census.copies.keys()].sort()).toEqual([...sent].sort());
        // Written once each: no copy for de-duplication to remove.
        expect(census.events).toHaveLength(sent.length);
        expect(census.objects).toBe(3);
      } finally {
        await stores.close();
      }
      expect(readdirSync(join(crashDir, 'firehose-spool'))).toEqual([]);
    } finally {
      rmSync(crashDir, { recursive: true, force: true });
    }
  }, 120_000);
});
