import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../../bench/cli';
import type { Endpoints } from '../../infra/local/data-dir';
import { abandonRequest } from '../helpers/faults';
import { basicAuth } from '../helpers/local-stack';

const dataDir = mkdtempSync(join(tmpdir(), 'roxtrail-runtime-'));
const env = { ROXTRAIL_DATA_DIR: dataDir, PORT: '0' };
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function track(url: string, writeKey: string, messageId: string): Promise<number> {
  const response = await fetch(`${url}/v1/track`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
    body: JSON.stringify({ event: 'Product Viewed', anonymousId: 'cli-visitor', messageId }),
  });
  return response.status;
}

describe('roxtrail start and the sites commands', () => {
  it('serves the tracking API, manages sites through the running stack, and keeps data across restarts', async () => {
    const siteFile = join(dataDir, 'site.json');
    writeFileSync(
      siteFile,
      JSON.stringify({ site: 'cli-shop', name: 'CLI Shop', timezone: 'Europe/Rome', currency: 'EUR' }),
    );

    const first = await startCli(['--no-demo'], env);
    expect(first.output()).toContain('Tracking API');
    expect(first.output()).toContain(dataDir);

    const applied = await runCli(['sites', 'apply', siteFile, '--json'], env);
    expect(applied.code).toBe(0);
    const created = JSON.parse(applied.stdout) as { created: boolean; writeKey: string; readKey: string };
    expect(created.created).toBe(true);
    expect(created.writeKey).toMatch(/^rxw_/);
    expect(created.readKey).toMatch(/^rxr_/);
    expect(await track(first.url, created.writeKey, 'cli-1')).toBe(200);

    const reapplied = await runCli(['sites', 'apply', siteFile, '--json'], env);
    expect(JSON.parse(reapplied.stdout)).toEqual({ created: false, site: 'cli-shop', changes: [] });
    // Alert e-mails need the AWS stack's topic: locally the command says so instead of dropping them.
    writeFileSync(
      siteFile,
      JSON.stringify({ site: 'cli-shop', timezone: 'Europe/Rome', alerts: { emails: ['ops@shop.example'] } }),
    );
    const withEmails = await runCli(['sites', 'apply', siteFile], env);
    expect(withEmails.stdout).toContain('alert e-mails are sent in AWS');

    const rotated = await runCli(['sites', 'rotate-key', '--site', 'cli-shop', '--json'], env);
    const newKey = (JSON.parse(rotated.stdout) as { key: string }).key;
    expect(await track(first.url, newKey, 'cli-2')).toBe(200);
    // The old key keeps working during the grace period.
    expect(await track(first.url, created.writeKey, 'cli-3')).toBe(200);

    expect(await first.stop()).toBe(0);
    expect(existsSync(join(dataDir, 'endpoints.json'))).toBe(false);

    // With no stack running, the CLI opens the data directory itself.
    const listed = await runCli(['sites', 'list', '--json'], env);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { site: string }[]).map((s) => s.site)).toEqual(['cli-shop']);

    const second = await startCli(['--no-demo'], env);
    expect(await track(second.url, newKey, 'cli-4')).toBe(200);
    expect(await second.stop()).toBe(0);
  }, 120_000);

  it('keeps answering /v1/track after store requests a client abandoned before their bodies', async () => {
    const siteFile = join(dataDir, 'abandon-site.json');
    writeFileSync(siteFile, JSON.stringify({ site: 'abandon-shop', timezone: 'UTC' }));
    const running = await startCli(['--no-demo'], env);
    try {
      const applied = await runCli(['sites', 'apply', siteFile, '--json'], env);
      const { writeKey } = JSON.parse(applied.stdout) as { writeKey: string };
      const { storage } = JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8')) as Endpoints;
      const portOf = (endpoint: string | undefined) => Number(new URL(endpoint ?? '').port);
      // What the SDK's 5 s request timeout leaves behind on a large write (issue 15: "read ECONNRESET").
      await abandonRequest(
        portOf(storage.dynamodbEndpoint),
        'POST / HTTP/1.1\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.PutItem',
      );
      await abandonRequest(portOf(storage.s3Endpoint), `PUT /${storage.bucketName}/cut-short HTTP/1.1`);

      expect(await track(running.url, writeKey, 'abandon-1')).toBe(200);
      expect(await track(running.url, writeKey, 'abandon-2')).toBe(200);
      expect(running.output()).not.toContain('worker died');
    } finally {
      expect(await running.stop()).toBe(0);
    }
  }, 120_000);

  it('refuses a site file over 256 KiB with one clear line, and stores nothing', async () => {
    // The size the hostile tester sent (issue 15): 8.7 MB of otherwise valid config.
    const bigFile = join(dataDir, 'big.json');
    writeFileSync(bigFile, JSON.stringify({ site: 'big-shop', name: 'x'.repeat(8_700_000) }));
    const result = await runCli(['sites', 'apply', bigFile], env);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^roxtrail: .*big\.json is too large: 8,700,\d{3} bytes, and a site config may take at most 262,144 bytes/,
    );
    const listed = await runCli(['sites', 'list', '--json'], env);
    expect((JSON.parse(listed.stdout) as { site: string }[]).map((s) => s.site)).not.toContain('big-shop');
  }, 60_000);

  it('prints one clear line and exits non-zero on a bad config', async () => {
    const badFile = join(dataDir, 'bad.json');
    writeFileSync(badFile, JSON.stringify({ site: 'Bad Site!', timezone: 'Mars/Olympus' }));
    const result = await runCli(['sites', 'apply', badFile], env);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^roxtrail: invalid site config: .*site.*timezone/);
  }, 60_000);
});
