/**
 * What the code relies on the stores for, against the real local servers: conditional writes that
 * refuse the loser (identity links, figure revisions), query pages DynamoDB-sized and followed to the
 * end, unprocessed batch items and keys sent again. (ListObjects past 1,000 keys: test/shared/storage/archive-list.test.ts. Object versions after
 * an erasure: s3rver keeps none, so the 30 days of noncurrent versions SECURITY.md describes are a
 * property of the deployed bucket's lifecycle rule, checked in test/infra, not shown here.)
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteConfigWithDefaults } from '../../shared/config/site';
import { computeFigures } from '../../shared/metrics/figures';
import { createStorageClients } from '../../shared/storage/clients';
import { batchGet, batchWrite, queryAll } from '../../shared/storage/dynamo';
import { getLinks, linkIdentity, putFigures, queryFigures } from '../../shared/storage/table';
import { startTestStack, type TestStack } from '../helpers/local-stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
}, 60_000);
afterAll(async () => {
  await stack.stop();
});

describe('conditional writes', () => {
  it('keep the earliest identity link whatever order the writes come in', async () => {
    expect(
      await linkIdentity(stack.clients, 'sem', { anonymousId: 'a1', userId: 'late', eventTimeMs: 2_000 }),
    ).toBe(true);
    expect(
      await linkIdentity(stack.clients, 'sem', { anonymousId: 'a1', userId: 'early', eventTimeMs: 1_000 }),
    ).toBe(true);
    expect(
      await linkIdentity(stack.clients, 'sem', { anonymousId: 'a1', userId: 'later', eventTimeMs: 3_000 }),
    ).toBe(false);
    expect((await getLinks(stack.clients, 'sem', ['a1'])).get('a1')?.userId).toBe('early');
  });

  it('refuse a figures revision older than the stored one', async () => {
    const config = siteConfigWithDefaults({ site: 'sem', timezone: 'UTC' });
    const figures = (revision: number) =>
      computeFigures({
        config,
        date: '2026-08-01',
        events: [],
        links: new Map(),
        rejected: {},
        status: 'provisional',
        revision,
        computedAt: '2026-08-02T00:00:00.000Z',
      });
    expect(await putFigures(stack.clients, 'sem', figures(2))).toBe(true);
    expect(await putFigures(stack.clients, 'sem', figures(1))).toBe(false);
    expect((await queryFigures(stack.clients, 'sem', '2026-08-01', '2026-08-01'))[0]?.revision).toBe(2);
  });
});

describe('query paging', () => {
  it('follows pages of at most 1 MB to the end of a 3 MB partition', async () => {
    const text = 'x'.repeat(100_000);
    for (let i = 0; i < 30; i += 1)
      await stack.clients.dynamo.send(
        new PutCommand({
          TableName: stack.clients.settings.tableName,
          Item: { pk: 'SEM#big', sk: `i${String(i).padStart(2, '0')}`, text },
        }),
      );
    // The local limits fail a page over 1 MB (shared/storage/local-limits.ts): this passing means the
    // store paged as DynamoDB does, and queryAll followed every page.
    const items = await queryAll(stack.clients, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'SEM#big' },
    });
    expect(items.map((item) => item.sk)).toEqual(
      Array.from({ length: 30 }, (_, i) => `i${String(i).padStart(2, '0')}`),
    );
  });
});

describe('batch writes', () => {
  it('send again the items DynamoDB leaves unprocessed, until all are written', async () => {
    // As DynamoDB does under throttling: only part of each batch is written, the rest comes back as
    // UnprocessedItems. The store never sees the held-back half, so an unsent retry would lose it.
    const clients = createStorageClients(stack.clients.settings);
    let heldBack = 0;
    clients.dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'BatchWriteItemCommand') return next(args);
        const input = args.input as { RequestItems: Record<string, unknown[]> };
        const [table, requests = []] = Object.entries(input.RequestItems)[0] ?? [];
        if (!table || requests.length < 2) return next(args);
        const keep = requests.slice(0, Math.ceil(requests.length / 2));
        const rest = requests.slice(keep.length);
        heldBack += rest.length;
        const result = await next({ ...args, input: { ...input, RequestItems: { [table]: keep } } });
        (result.output as { UnprocessedItems?: unknown }).UnprocessedItems = { [table]: rest };
        return result;
      },
      { step: 'initialize', name: 'holdBackHalf' },
    );
    const requests = Array.from({ length: 40 }, (_, i) => ({
      PutRequest: { Item: { pk: 'SEM#batch', sk: `b${String(i).padStart(2, '0')}` } },
    }));
    await batchWrite(clients, requests);
    expect(heldBack).toBeGreaterThan(0);
    const items = await queryAll(stack.clients, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'SEM#batch' },
    });
    expect(items).toHaveLength(40);
  });

  it('ask again for the keys DynamoDB leaves unprocessed, until every item is read', async () => {
    // As DynamoDB does past 16 MB a call or under throttling: part of each batch comes back as
    // UnprocessedKeys. The store never sees the held-back keys, so a reader that does not ask again
    // returns fewer items than exist.
    const clients = createStorageClients(stack.clients.settings);
    await batchWrite(
      clients,
      Array.from({ length: 150 }, (_, i) => ({
        PutRequest: { Item: { pk: 'SEM#get', sk: `g${String(i).padStart(3, '0')}` } },
      })),
    );
    let heldBack = 0;
    clients.dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'BatchGetItemCommand') return next(args);
        const input = args.input as { RequestItems: Record<string, { Keys: unknown[] }> };
        const [table, request] = Object.entries(input.RequestItems)[0] ?? [];
        if (!table || !request || request.Keys.length < 2) return next(args);
        const keep = request.Keys.slice(0, Math.ceil(request.Keys.length / 2));
        const rest = request.Keys.slice(keep.length);
        heldBack += rest.length;
        const result = await next({
          ...args,
          input: { ...input, RequestItems: { [table]: { Keys: keep } } },
        });
        (result.output as { UnprocessedKeys?: unknown }).UnprocessedKeys = { [table]: { Keys: rest } };
        return result;
      },
      { step: 'initialize', name: 'holdBackHalfOfTheKeys' },
    );
    const keys = Array.from({ length: 150 }, (_, i) => ({
      pk: 'SEM#get',
      sk: `g${String(i).padStart(3, '0')}`,
    }));
    const items = await batchGet(clients, [...keys, { pk: 'SEM#get', sk: 'missing' }]);
    expect(heldBack).toBeGreaterThan(0);
    expect(items.map((item) => item.sk).sort()).toEqual(keys.map((key) => key.sk));
  });
});
