/**
 * `roxtrail prune`: what AWS does by itself, done locally. DynamoDB deletes items whose `expiresAt` has
 * passed (the table's TTL attribute: journey items, retired keys, consent salts); dynalite has no TTL,
 * so this sweeps them. The archive's retention is applied per site (shared/storage/retention.ts).
 */
import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { SiteConfig } from '../../shared/config/site';
import type { StorageClients } from '../../shared/storage/clients';
import { type Item, keyOf } from '../../shared/storage/dynamo';
import { parseKey, siteOfKey } from '../../shared/storage/keys';
import { type ArchivePruneSummary, pruneArchive } from '../../shared/storage/retention';
import { getSite, listSites } from '../../shared/storage/table';

export interface PruneSummary {
  /** Expired items deleted, by kind (journey, key, consentSalt, other). */
  expiredItems: Record<string, number>;
  archive: (ArchivePruneSummary & { site: string })[];
}

function kindOf(item: Item): string {
  const parsed = parseKey(keyOf(item));
  if (parsed.kind === 'journey') return 'journey';
  if (parsed.kind === 'accessKey' || parsed.kind === 'siteKeyRef') return 'key';
  if (parsed.kind === 'consentSalt') return 'consentSalt';
  return 'other';
}

/** The site an item belongs to: the site its key names, or the `site` attribute of key items. */
function siteOf(item: Item): string | undefined {
  const site = siteOfKey(parseKey(keyOf(item)));
  if (site !== undefined) return site;
  return typeof item.site === 'string' ? item.site : undefined;
}

/**
 * Deletes the items whose TTL has passed. A Scan, on purpose and only here: it stands in for DynamoDB's
 * own TTL sweeper, which dynalite lacks. Product code never scans; in AWS the table's TTL (and no code
 * at all) removes these items, usually within a few days of `expiresAt`.
 */
export async function sweepExpiredItems(
  clients: StorageClients,
  now: Date,
  site?: string,
): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  const nowSeconds = Math.floor(now.getTime() / 1000);
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await clients.dynamo.send(
      new ScanCommand({
        TableName: clients.settings.tableName,
        FilterExpression: 'expiresAt <= :now',
        ExpressionAttributeValues: { ':now': nowSeconds },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of (page.Items ?? []) as Item[]) {
      if (site !== undefined && siteOf(item) !== site) continue;
      await clients.dynamo.send(
        new DeleteCommand({ TableName: clients.settings.tableName, Key: keyOf(item) }),
      );
      const kind = kindOf(item);
      deleted[kind] = (deleted[kind] ?? 0) + 1;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return deleted;
}

/** Expired items, then each site's archive days past its retention. */
export async function pruneLocal(
  clients: StorageClients,
  now: Date,
  options: { site?: string } = {},
): Promise<PruneSummary> {
  // The sites first: an unknown --site is refused before anything is deleted.
  const configs: SiteConfig[] = [];
  for (const id of options.site ? [options.site] : await listSites(clients)) {
    const stored = await getSite(clients, id);
    if (!stored) throw new Error(`unknown site "${id}" (roxtrail sites list shows the sites)`);
    configs.push(stored.config);
  }
  const expiredItems = await sweepExpiredItems(clients, now, options.site);
  const archive: PruneSummary['archive'] = [];
  for (const config of configs)
    archive.push({ site: config.site, ...(await pruneArchive(clients, config, now)) });
  return { expiredItems, archive };
}
