/**
 * The local stack holds code to DynamoDB's real limits (dynalite counts characters and takes batches of
 * any length), and the journey items the collector writes stay under them: an actor's hour of
 * multibyte events that passes the request limit is split into items under 400 KB, and the journey API
 * gives it back whole.
 */
import { BatchGetCommand, BatchWriteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemBytes } from '../../shared/storage/item-size';
import { keys as tableKeys } from '../../shared/storage/keys';
import { scanTable } from '../helpers/dump-stores';
import { basicAuth, startTestStack, type TestStack } from '../helpers/local-stack';

let stack: TestStack;
let keys: { writeKey: string; readKey: string };

beforeAll(async () => {
  stack = await startTestStack();
  keys = await stack.createSite({ site: 'bigjourney', timezone: 'UTC', origins: [] });
}, 60_000);
afterAll(async () => {
  await stack.stop();
});

const table = () => stack.clients.settings.tableName;

describe('the local DynamoDB, held to DynamoDB’s limits', () => {
  it('refuses an item over 400 KB in UTF-8 bytes, though it is far under 400 K characters', async () => {
    const text = '購'.repeat(140_000); // 140,000 characters, 420,000 bytes
    const put = stack.clients.dynamo.send(
      new PutCommand({ TableName: table(), Item: { pk: 'probe', sk: 'big', text } }),
    );
    await expect(put).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Item size'),
    });
    const fits = '購'.repeat(130_000);
    await stack.clients.dynamo.send(
      new PutCommand({ TableName: table(), Item: { pk: 'probe', sk: 'fits', text: fits } }),
    );
  });

  it('fails an update that grows an item past 400 KB, as DynamoDB would', async () => {
    const chunk = '購'.repeat(50_000); // 150,000 bytes
    const key = { pk: 'probe', sk: 'growing' };
    await stack.clients.dynamo.send(new PutCommand({ TableName: table(), Item: { ...key, parts: [chunk] } }));
    const append = () =>
      stack.clients.dynamo.send(
        new UpdateCommand({
          TableName: table(),
          Key: key,
          UpdateExpression: 'SET parts = list_append(parts, :more)',
          ExpressionAttributeValues: { ':more': [chunk] },
        }),
      );
    await append(); // 300 KB: fits
    await expect(append()).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Item size'),
    });
  });

  it('refuses a batch write of 26 items and a batch get of 101 keys', async () => {
    const requests = Array.from({ length: 26 }, (_, i) => ({
      PutRequest: { Item: { pk: 'probe', sk: `b${i}` } },
    }));
    await expect(
      stack.clients.dynamo.send(new BatchWriteCommand({ RequestItems: { [table()]: requests } })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    const keysToGet = Array.from({ length: 101 }, (_, i) => ({ pk: 'probe', sk: `g${i}` }));
    await expect(
      stack.clients.dynamo.send(new BatchGetCommand({ RequestItems: { [table()]: { Keys: keysToGet } } })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('journey items', () => {
  it('splits an actor’s hour of multibyte events into items under 400 KB; the journey API returns them all', async () => {
    // 320 events in one hour whose journey entries carry as much text as they keep, in CJK (3 bytes a
    // character): a 200-character messageId, a 100-character name and touchpoint, a 50-character
    // channel. About 490 KB of request, under the 500 KB limit; about 445 KB of entries in UTF-8.
    const cjk = (length: number, seed: number) =>
      Array.from({ length }, (_, i) => String.fromCharCode(0x4e00 + ((seed * 7919 + i) % 20_000))).join('');
    const batch = Array.from({ length: 320 }, (_, i) => ({
      type: 'track',
      event: cjk(100, 1),
      userId: 'big-actor',
      messageId: `${String(i).padStart(4, '0')}${cjk(196, i)}`,
      timestamp: new Date(Date.UTC(2026, 9, 12, 10, 0, i * 10)).toISOString(),
      properties: { touchpoint: cjk(100, 2) },
      context: { channel: cjk(50, 3) },
    }));
    const body = JSON.stringify({ batch });
    expect(Buffer.byteLength(body)).toBeLessThan(500 * 1024);
    const response = await fetch(`${stack.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(keys.writeKey) },
      body,
    });
    expect(response.status).toBe(200);
    expect((await response.json()).accepted).toBe(320);

    const items = (await scanTable(stack.clients)).filter(
      (item) => item.pk === tableKeys.journey('bigjourney', 'big-actor'),
    );
    expect(items.length).toBeGreaterThan(1);
    for (const item of items) expect(itemBytes(item)).toBeLessThanOrEqual(400 * 1024);

    const journey = await fetch(`${stack.url}/v1/sites/bigjourney/journeys/big-actor?limit=1000`, {
      headers: { authorization: `Bearer ${keys.readKey}` },
    });
    expect(journey.status).toBe(200);
    const events = ((await journey.json()) as { events: { messageId: string }[] }).events;
    expect(events.map((event) => event.messageId)).toEqual(batch.map((event) => event.messageId));
  }, 60_000);
});
