/**
 * The CLI checks every option before it stores anything (issue 15): `rotate-key --grace-hours 1e12`
 * used to store a new key and then fail before printing it; `start --port abc` created the data
 * directory first; `prune --site <unknown>` deleted expired items before it refused the site.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../bench/cli';
import { type KeyKind, keys, siteKeyRefPrefix, sitePartition } from '../../shared/storage/keys';
import { resolveAccessKey } from '../../shared/storage/table';
import { startTestStack, type TestStack } from '../helpers/local-stack';

const SITE = 'cli-options';

let stack: TestStack;
let writeKey: string;
let env: Record<string, string>;

beforeAll(async () => {
  stack = await startTestStack();
  ({ writeKey } = await stack.createSite({ site: SITE, timezone: 'UTC' }));
  env = { ROXTRAIL_DATA_DIR: stack.dataDir };
});
afterAll(async () => {
  await stack.stop();
});

/** The site's key references of a kind: one per key issued, with its retirement once rotated. */
async function keyRefs(kind: KeyKind): Promise<Record<string, unknown>[]> {
  const page = await stack.clients.dynamo.send(
    new QueryCommand({
      TableName: stack.clients.settings.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': sitePartition(SITE), ':prefix': siteKeyRefPrefix(kind) },
    }),
  );
  return (page.Items ?? []) as Record<string, unknown>[];
}

describe('roxtrail sites rotate-key --grace-hours', () => {
  it.each(['1e12', '721', '-1', 'abc', ''])(
    'refuses %j with one line, exit code 1, and changes no key',
    async (hours) => {
      const before = await keyRefs('write');

      const result = await runCli(
        ['sites', 'rotate-key', '--site', SITE, '--grace-hours', hours, '--json'],
        env,
      );

      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim()).toBe(
        `roxtrail: --grace-hours must be a number of hours from 0 to 720 (30 days), got "${hours}"; no key was issued`,
      );
      expect(await keyRefs('write')).toEqual(before);
      expect(before).toHaveLength(1);
      expect(before[0]).not.toHaveProperty('retiresAt');
      // The site's key still works, and works for good: it was not retired.
      expect(await resolveAccessKey(stack.clients, writeKey, 'write', new Date('2100-01-01T00:00:00Z'))).toBe(
        SITE,
      );
    },
    60_000,
  );

  it('accepts the longest grace period, 720 hours, and prints the new key', async () => {
    const started = Date.now();

    const result = await runCli(
      ['sites', 'rotate-key', '--site', SITE, '--grace-hours', '720', '--json'],
      env,
    );

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const rotated = JSON.parse(result.stdout) as { key: string; retiring: number; retiresAt: string };
    expect(rotated.retiring).toBe(1);
    const graceMs = Date.parse(rotated.retiresAt) - started;
    expect(graceMs).toBeGreaterThanOrEqual(720 * 3_600_000);
    expect(graceMs).toBeLessThan(720 * 3_600_000 + 120_000);
    expect(await resolveAccessKey(stack.clients, rotated.key, 'write', new Date())).toBe(SITE);
    expect(await keyRefs('write')).toHaveLength(2);
  }, 60_000);
});

describe('roxtrail start --port', () => {
  it.each([
    [['--port', 'abc'], {}, '--port must be a whole number from 0 to 65535, got "abc"'],
    [['--port', '99999'], {}, '--port must be a whole number from 0 to 65535, got "99999"'],
    [[], { PORT: '3000x' }, 'PORT must be a whole number from 0 to 65535, got "3000x"'],
  ])(
    'refuses %j %j before it creates the data directory',
    async (args, extraEnv, message) => {
      const parent = mkdtempSync(join(tmpdir(), 'roxtrail-port-'));
      const dataDir = join(parent, 'data');
      try {
        const result = await runCli(['start', '--no-demo', ...args], {
          ROXTRAIL_DATA_DIR: dataDir,
          ...extraEnv,
        });

        expect(result.code).toBe(1);
        expect(result.stderr.trim()).toBe(`roxtrail: ${message}`);
        expect(existsSync(dataDir)).toBe(false);
      } finally {
        rmSync(parent, { recursive: true, force: true });
      }
    },
    60_000,
  );
});

describe('roxtrail prune --site', () => {
  it('refuses an unknown site before it deletes anything', async () => {
    // An expired item left by a site that no longer exists.
    const orphan = { ...keys.siteKeyRef('gone', 'write', '0'), expiresAt: 1 };
    await stack.clients.dynamo.send(
      new PutCommand({ TableName: stack.clients.settings.tableName, Item: orphan }),
    );

    const result = await runCli(['prune', '--site', 'gone'], env);

    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('roxtrail: unknown site "gone" (roxtrail sites list shows the sites)');
    const kept = await stack.clients.dynamo.send(
      new GetCommand({ TableName: stack.clients.settings.tableName, Key: { pk: orphan.pk, sk: orphan.sk } }),
    );
    expect(kept.Item).toEqual(orphan);
  }, 60_000);
});
