/**
 * `roxtrail sites get` and what `sites apply` says it changed (issue 16): the real CLI against a real
 * local stack. A partial file applied plainly resets what it leaves out, and says so; `--merge`
 * changes only what the file gives.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../bench/cli';
import type { SiteConfig } from '../../shared/config/site';
import { startTestStack, type TestStack } from '../helpers/local-stack';

let stack: TestStack;
let env: Record<string, string>;

beforeAll(async () => {
  stack = await startTestStack();
  env = { ROXTRAIL_DATA_DIR: stack.dataDir };
});
afterAll(async () => {
  await stack.stop();
});

function siteFile(name: string, content: unknown): string {
  const file = join(stack.dataDir, name);
  writeFileSync(file, JSON.stringify(content));
  return file;
}

const SHOP = {
  site: 'cfg-shop',
  name: 'Config Shop',
  timezone: 'Europe/Rome',
  touchpoints: { live_chat: { dailyCost: 120, team: 'support' }, size_guide: { dailyCost: 15 } },
};

async function storedConfig(site: string): Promise<SiteConfig> {
  const got = await runCli(['sites', 'get', '--site', site], env);
  expect(got.code).toBe(0);
  return JSON.parse(got.stdout) as SiteConfig;
}

describe('roxtrail sites get and apply', () => {
  it('prints the stored config without key material, and applying it again changes nothing', async () => {
    const created = await runCli(['sites', 'apply', siteFile('get.json', { ...SHOP, site: 'cfg-get' })], env);
    expect(created.code).toBe(0);
    const keyLines = created.stdout.split('\n').filter((line) => /key:/.test(line));
    const printedKeys = keyLines.map((line) => line.split(':').pop()?.trim() ?? '');

    const got = await runCli(['sites', 'get', '--site', 'cfg-get'], env);

    expect(got.code).toBe(0);
    const document = JSON.parse(got.stdout) as SiteConfig;
    expect(document).toMatchObject({
      site: 'cfg-get',
      timezone: 'Europe/Rome',
      touchpoints: SHOP.touchpoints,
    });
    expect(printedKeys).toHaveLength(2);
    for (const key of printedKeys) expect(got.stdout).not.toContain(key);
    expect(got.stdout).not.toMatch(/rx[wra]_|piiSalt|keyHash|"hash"\s*:/i);

    const again = await runCli(['sites', 'apply', siteFile('get-again.json', document)], env);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe('updated site cfg-get: no changes');
    expect(again.stderr).toBe('');
  }, 60_000);

  it('says which site is unknown to sites get, in one line', async () => {
    const got = await runCli(['sites', 'get', '--site', 'nowhere'], env);
    expect(got.code).not.toBe(0);
    expect(got.stderr.trim()).toBe('roxtrail: unknown site "nowhere" (roxtrail sites list shows the sites)');
  }, 30_000);

  it('prints what an apply changed, field by field', async () => {
    await runCli(
      ['sites', 'apply', siteFile('diff.json', { ...SHOP, site: 'cfg-diff', timezone: 'UTC' })],
      env,
    );

    const changed = await runCli(
      [
        'sites',
        'apply',
        siteFile('diff-2.json', {
          ...SHOP,
          site: 'cfg-diff',
          touchpoints: { live_chat: { dailyCost: 150, team: 'support' }, product_video: { dailyCost: 30 } },
        }),
      ],
      env,
    );

    expect(changed.code).toBe(0);
    expect(changed.stdout.trim().split('\n')).toEqual([
      'updated site cfg-diff:',
      '  timezone: "UTC" → "Europe/Rome"',
      '  touchpoints.live_chat.dailyCost: 120 → 150',
      '  touchpoints.product_video: added {"dailyCost":30}',
      '  touchpoints.size_guide: removed (was {"dailyCost":15})',
    ]);
    expect(changed.stderr).toBe('');
  }, 60_000);

  it('warns on stderr which fields a plain apply of a partial file sends back to their defaults, and applies it', async () => {
    await runCli(['sites', 'apply', siteFile('partial.json', { ...SHOP, site: 'cfg-partial' })], env);

    // The tester's file (issue 16): only the name.
    const partial = siteFile('partial-2.json', { site: 'cfg-partial', name: 'Renamed' });
    const applied = await runCli(['sites', 'apply', partial, '--json'], env);

    expect(applied.code).toBe(0);
    expect(applied.stderr.trim()).toBe(
      `roxtrail: warning: ${partial} leaves out timezone (back to "UTC"), touchpoints (back to {}): applied with their defaults; sites apply --merge changes only the fields a file gives`,
    );
    const answer = JSON.parse(applied.stdout) as {
      created: boolean;
      changes: { path: string; kind: string }[];
      resetToDefaults: string[];
    };
    expect(answer.created).toBe(false);
    expect(answer.resetToDefaults).toEqual(['timezone', 'touchpoints']);
    expect(answer.changes.map((change) => `${change.path} ${change.kind}`)).toEqual([
      'name changed',
      'timezone changed',
      'touchpoints.live_chat removed',
      'touchpoints.size_guide removed',
    ]);
    const stored = await storedConfig('cfg-partial');
    expect(stored.timezone).toBe('UTC');
    expect(stored.touchpoints).toEqual({});
  }, 60_000);

  it('applies a partial file with --merge onto the stored config: objects merged, arrays replaced, null removes', async () => {
    await runCli(
      [
        'sites',
        'apply',
        siteFile('merge.json', { ...SHOP, site: 'cfg-merge', origins: ['https://a.example'] }),
      ],
      env,
    );
    const patch = siteFile('merge-2.json', {
      timezone: 'America/New_York',
      origins: ['https://b.example'],
      touchpoints: { live_chat: { dailyCost: 99 }, size_guide: null },
    });

    const merged = await runCli(['sites', 'apply', '--merge', patch, '--site', 'cfg-merge'], env);

    expect(merged.code).toBe(0);
    expect(merged.stderr).toBe('');
    expect(merged.stdout.trim().split('\n')).toEqual([
      'updated site cfg-merge:',
      '  origins: removed (was "https://a.example")',
      '  origins: added "https://b.example"',
      '  timezone: "Europe/Rome" → "America/New_York"',
      '  touchpoints.live_chat.dailyCost: 120 → 99',
      '  touchpoints.size_guide: removed (was {"dailyCost":15})',
    ]);
    const stored = await storedConfig('cfg-merge');
    expect(stored).toMatchObject({
      name: 'Config Shop',
      timezone: 'America/New_York',
      origins: ['https://b.example'],
      touchpoints: { live_chat: { dailyCost: 99, team: 'support' } },
    });
    expect(Object.keys(stored.touchpoints)).toEqual(['live_chat']);

    const same = await runCli(['sites', 'apply', '--merge', patch, '--site', 'cfg-merge'], env);
    expect(same.stdout.trim()).toBe('updated site cfg-merge: no changes');
  }, 60_000);

  it('validates the merged config and stores nothing when it is invalid', async () => {
    await runCli(['sites', 'apply', siteFile('merge-bad.json', { ...SHOP, site: 'cfg-merge-bad' })], env);

    const bad = await runCli(
      [
        'sites',
        'apply',
        '--merge',
        siteFile('merge-bad-2.json', { site: 'cfg-merge-bad', timezone: 'Mars/Olympus' }),
      ],
      env,
    );

    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^roxtrail: invalid site config: .*timezone/);
    expect((await storedConfig('cfg-merge-bad')).timezone).toBe('Europe/Rome');
  }, 60_000);

  it('refuses --merge onto a site that does not exist, or without a site to merge onto', async () => {
    const patch = siteFile('merge-none.json', { timezone: 'UTC' });

    const unknown = await runCli(['sites', 'apply', '--merge', patch, '--site', 'cfg-nowhere'], env);
    const unnamed = await runCli(['sites', 'apply', '--merge', patch], env);

    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr.trim()).toBe(
      'roxtrail: unknown site "cfg-nowhere": sites apply without --merge creates it from a whole file',
    );
    expect(unnamed.code).not.toBe(0);
    expect(unnamed.stderr.trim()).toBe('roxtrail: --merge needs the site: --site S, or "site" in the file');
    const listed = await runCli(['sites', 'list', '--json'], env);
    expect((JSON.parse(listed.stdout) as { site: string }[]).map((s) => s.site)).not.toContain('cfg-nowhere');
  }, 60_000);
});
