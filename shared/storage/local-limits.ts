/**
 * DynamoDB's limits on the local stack: dynalite sizes items in characters and takes batches of any
 * length, so code that passes locally could fail in AWS. This middleware, on the local clients only,
 * refuses what DynamoDB refuses, with DynamoDB's error, and fails loudly if a query page comes back
 * larger than DynamoDB would send. An update's result is known only once dynalite has applied it: the
 * item is read back, and an update that grew it past 400 KB fails as DynamoDB would have failed it
 * (dynalite keeps the change; DynamoDB would not have made it).
 */
import { type AttributeValue, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DYNAMO_LIMITS, type WireValue, wireItemBytes } from './item-size';

type WireItem = Record<string, WireValue>;

function validationError(message: string): Error {
  return Object.assign(new Error(message), {
    name: 'ValidationException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
}

function checkItem(item: WireItem | undefined): void {
  if (item && wireItemBytes(item) > DYNAMO_LIMITS.itemBytes)
    throw validationError('Item size has exceeded the maximum allowed size');
}

interface LimitedInput {
  TableName?: string;
  Key?: Record<string, AttributeValue>;
  Item?: WireItem;
  RequestItems?: Record<
    string,
    { PutRequest?: { Item?: WireItem }; DeleteRequest?: unknown }[] | { Keys?: unknown[] }
  >;
}

function checkInput(command: string, input: LimitedInput): void {
  if (command === 'PutItemCommand') checkItem(input.Item);
  if (command === 'BatchWriteItemCommand') {
    const requests = Object.values(input.RequestItems ?? {}).flatMap((list) =>
      Array.isArray(list) ? list : [],
    );
    if (requests.length > DYNAMO_LIMITS.batchWriteItems)
      throw validationError(
        `Too many items requested for the BatchWriteItem call (${requests.length}, at most ${DYNAMO_LIMITS.batchWriteItems})`,
      );
    for (const request of requests) checkItem(request.PutRequest?.Item);
  }
  if (command === 'BatchGetItemCommand') {
    const keys = Object.values(input.RequestItems ?? {}).reduce(
      (count, table) => count + (Array.isArray(table) ? 0 : (table.Keys?.length ?? 0)),
      0,
    );
    if (keys > DYNAMO_LIMITS.batchGetKeys)
      throw validationError(`Too many items requested for the BatchGetItem call (${keys}, at most 100)`);
  }
}

function checkOutput(command: string, output: unknown): void {
  if (command !== 'QueryCommand' && command !== 'ScanCommand') return;
  const items = (output as { Items?: WireItem[] }).Items ?? [];
  const bytes = items.reduce((total, item) => total + wireItemBytes(item), 0);
  // DynamoDB stops a page once it has read 1 MB: a bigger page means the local store let code pass that
  // would page in AWS.
  if (bytes > DYNAMO_LIMITS.queryPageBytes + DYNAMO_LIMITS.itemBytes)
    throw new Error(`the local store returned a ${command} page of ${bytes} bytes; DynamoDB stops at 1 MB`);
}

function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  // Decoded as bytes: Buffer.from would call the SDK body's valueOf, which warns on stderr.
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  return '';
}

/** The item an update left behind, over the limit: DynamoDB refuses such an update. */
async function checkUpdated(client: Pick<DynamoDBClient, 'send'>, input: LimitedInput): Promise<void> {
  if (!input.TableName || !input.Key) return;
  const read = await client.send(
    new GetItemCommand({ TableName: input.TableName, Key: input.Key, ConsistentRead: true }),
  );
  checkItem(read.Item as WireItem | undefined);
}

export function enforceDynamoLimits(client: Pick<DynamoDBClient, 'middlewareStack' | 'send'>): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      // The request as DynamoDB would read it: its JSON body, in wire form.
      const text = bodyText((args.request as { body?: unknown }).body);
      const input = text.length > 0 ? (JSON.parse(text) as LimitedInput) : {};
      checkInput(command, input);
      const result = await next(args);
      checkOutput(command, result.output);
      if (command === 'UpdateItemCommand') await checkUpdated(client, input);
      return result;
    },
    { step: 'build', name: 'roxtrailDynamoLimits' },
  );
}
