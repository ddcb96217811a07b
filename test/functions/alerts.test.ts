import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../bench/cli';
import { createAlertEvaluator } from '../../functions/alerts/handler';
import { alertMessage } from '../../shared/alerts/messages';
import type { AlertRule } from '../../shared/alerts/rules';
import { aggregateDay } from '../../shared/app/aggregate/aggregate';
import { webhookTargetId } from '../../shared/app/alerts/deliver';
import { evaluateAlertsForDay } from '../../shared/app/alerts/evaluator';
import { UndeliveredAlertsError } from '../../shared/app/alerts/requests';
import { triggerAlertEvaluation } from '../../shared/app/alerts/trigger';
import { runtimeConfigFromEnv } from '../../shared/config/runtime';
import { type SiteConfig, type SiteConfigInput, siteConfigWithDefaults } from '../../shared/config/site';
import {
  type AlertRecord,
  queryAlertHistory,
  readRuleState,
  writeRuleState,
} from '../../shared/storage/alerts';
import { createStorageClients } from '../../shared/storage/clients';
import { keys } from '../../shared/storage/keys';
import { putFigures } from '../../shared/storage/table';
import { basicAuth, startTestStack, type TestStack } from '../helpers/local-stack';

/** A webhook receiver: `/ok…` answers 200, `/fail…` 500, `/hang…` never answers. */
interface Receiver {
  url: string;
  posts: Map<string, Record<string, unknown>[]>;
  received(path: string): Record<string, unknown>[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const posts = new Map<string, Record<string, unknown>[]>();
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const list = posts.get(path) ?? [];
      list.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      posts.set(path, list);
      if (path.startsWith('/hang')) {
        hanging.add(response);
        return;
      }
      response.writeHead(path.startsWith('/fail') ? 500 : 200, { 'content-type': 'text/plain' });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    received: (path) => posts.get(path) ?? [],
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let stack: TestStack;
let receiver: Receiver;

beforeAll(async () => {
  // Short webhook timeouts and backoff keep the failing-webhook cases fast.
  const { alerts } = runtimeConfigFromEnv({
    ROXTRAIL_WEBHOOK_TIMEOUT_MS: '400',
    ROXTRAIL_WEBHOOK_ATTEMPTS: '2',
    ROXTRAIL_WEBHOOK_BACKOFF_MS: '20',
  });
  [stack, receiver] = await Promise.all([startTestStack(undefined, { alerts }), startReceiver()]);
});
afterAll(async () => {
  await receiver?.close();
  await stack?.stop();
});

const abandonmentRule: AlertRule = {
  id: 'abandonment',
  metric: 'carts.abandonmentRate',
  above: 0.5,
  minSample: { metric: 'carts.created', atLeast: 4 },
};

async function createSite(site: string, extra: Partial<SiteConfigInput> = {}) {
  const input: SiteConfigInput = { site, timezone: 'UTC', alerts: { rules: [abandonmentRule] }, ...extra };
  const keys = await stack.createSite(input);
  return { ...keys, config: siteConfigWithDefaults(input) };
}

/** `carts` carts on `date`, the first `abandoned` of them never ordered. */
function cartEvents(site: string, date: string, carts: number, abandoned: number): unknown[] {
  const events: unknown[] = [];
  for (let i = 0; i < carts; i += 1) {
    const id = `${site}-${date}-${i}`;
    const minute = String(i).padStart(2, '0');
    events.push({
      type: 'track',
      event: 'Product Added',
      anonymousId: id,
      messageId: `${id}-add`,
      timestamp: `${date}T10:${minute}:00.000Z`,
      properties: { cart_id: id, product_id: 'p1', price: 20 },
    });
    if (i >= abandoned) {
      events.push({
        type: 'track',
        event: 'Order Completed',
        anonymousId: id,
        messageId: `${id}-order`,
        timestamp: `${date}T11:${minute}:00.000Z`,
        properties: { order_id: `o-${id}`, cart_id: id, revenue: 20 },
      });
    }
  }
  return events;
}

async function send(writeKey: string, batch: unknown[]): Promise<void> {
  const response = await fetch(`${stack.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
    body: JSON.stringify({ batch }),
  });
  expect(response.status).toBe(200);
}

async function history(site: string, readKey: string, from: string, to: string): Promise<AlertRecord[]> {
  const response = await fetch(`${stack.url}/v1/sites/${site}/alerts?from=${from}&to=${to}`, {
    headers: { authorization: `Bearer ${readKey}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { alerts: AlertRecord[] }).alerts;
}

describe('alert delivery after aggregation', () => {
  it('posts one webhook call for an incident, one for its resolution, and none on re-aggregation', async () => {
    const { writeKey, readKey, config } = await createSite('hookshop', {
      alerts: { rules: [abandonmentRule], webhooks: [`${receiver.url}/ok-hookshop`] },
    });
    await send(writeKey, [
      ...cartEvents('hookshop', '2026-10-01', 4, 3),
      ...cartEvents('hookshop', '2026-10-02', 4, 0),
    ]);

    await aggregateDay(stack.clients, config, '2026-10-01');
    expect(receiver.received('/ok-hookshop')).toEqual([
      {
        text: 'Cart abandonment on hookshop was 75% on 2026-10-01, above 50% (4 carts)',
        site: 'hookshop',
        ruleId: 'abandonment',
        metric: 'carts.abandonmentRate',
        date: '2026-10-01',
        state: 'firing',
        value: 0.75,
        threshold: 0.5,
        every: 'day',
        window: { from: '2026-10-01T00:00:00.000Z', to: '2026-10-02T00:00:00.000Z' },
      },
    ]);

    await aggregateDay(stack.clients, config, '2026-10-02');
    for (const date of ['2026-10-01', '2026-10-02', '2026-10-01'])
      await aggregateDay(stack.clients, config, date);
    const posts = receiver.received('/ok-hookshop');
    expect(posts.map((post) => `${post.date} ${post.state}`)).toEqual([
      '2026-10-01 firing',
      '2026-10-02 resolved',
    ]);
    expect(posts[1]?.text).toBe(
      'Resolved: cart abandonment on hookshop was 0% on 2026-10-02, no longer above 50% (4 carts)',
    );

    const alerts = await history('hookshop', readKey, '2026-09-01', '2026-10-31');
    const target = webhookTargetId(`${receiver.url}/ok-hookshop`);
    expect(
      alerts.map((a) => [a.date, a.kind, a.delivery, a.deliveries.map((d) => [d.target, d.ok, d.attempts])]),
    ).toEqual([
      ['2026-10-01', 'incident', 'delivered', [[target, true, 1]]],
      ['2026-10-02', 'resolution', 'delivered', [[target, true, 1]]],
    ]);
    // The history never stores a webhook's secret path.
    expect(JSON.stringify(alerts)).not.toContain('/ok-hookshop');
  });

  it('delivers to the healthy webhook when others fail or hang, records each target, and retries only failed ones', async () => {
    const ok = `${receiver.url}/ok-mixed`;
    const failing = `${receiver.url}/fail-mixed`;
    const hanging = `${receiver.url}/hang-mixed`;
    const { writeKey, readKey, config } = await createSite('mixedshop', {
      alerts: { rules: [abandonmentRule], webhooks: [failing, hanging, ok] },
    });
    await send(writeKey, cartEvents('mixedshop', '2026-10-05', 5, 5));

    const started = Date.now();
    const result = await aggregateDay(stack.clients, config, '2026-10-05');
    // Two tries of 400 ms each for the hanging webhook, in parallel with the others.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.stored).toBe(true);
    expect(result.figures.carts.abandonmentRate).toBe(1);
    expect(receiver.received('/ok-mixed')).toHaveLength(1);
    expect(receiver.received('/fail-mixed')).toHaveLength(2);
    expect(receiver.received('/hang-mixed')).toHaveLength(2);

    const [first] = await history('mixedshop', readKey, '2026-10-05', '2026-10-05');
    expect(first?.delivery).toBe('pending');
    expect(first?.deliveries).toEqual(
      [
        { target: webhookTargetId(ok), ok: true, attempts: 1, status: 200, at: expect.any(String) },
        {
          target: webhookTargetId(failing),
          ok: false,
          attempts: 2,
          status: 500,
          error: 'HTTP 500',
          at: expect.any(String),
        },
        {
          target: webhookTargetId(hanging),
          ok: false,
          attempts: 2,
          error: 'timed out',
          at: expect.any(String),
        },
      ].sort((a, b) => (a.target < b.target ? -1 : 1)),
    );

    // Each later evaluation retries the failed targets only, and gives up after the third round.
    await aggregateDay(stack.clients, config, '2026-10-05');
    await aggregateDay(stack.clients, config, '2026-10-05');
    await aggregateDay(stack.clients, config, '2026-10-05');
    expect(receiver.received('/ok-mixed')).toHaveLength(1);
    expect(receiver.received('/fail-mixed')).toHaveLength(6);
    const [last] = await history('mixedshop', readKey, '2026-10-05', '2026-10-05');
    expect(last?.delivery).toBe('failed');
    expect(last?.deliveries.find((d) => d.target === webhookTargetId(failing))).toMatchObject({
      ok: false,
      attempts: 6,
    });
    expect((await readRuleState(stack.clients, 'mixedshop', 'abandonment')).pending).toEqual([]);
  }, 30_000);

  it('notifies once when evaluations of the same day race', async () => {
    const { config } = await createSite('raceshop', {
      alerts: { rules: [abandonmentRule], webhooks: [`${receiver.url}/ok-race`] },
    });
    const computed = await aggregateDay(stack.clients, config, '2026-10-08');
    // A day with 10 carts, 9 abandoned, stored directly so that only the racing evaluations see it.
    const figures = structuredClone(computed.figures);
    figures.revision += 1;
    figures.carts = { created: 10, converted: 1, abandoned: 9, abandonmentRate: 0.9, abandonedValue: 180 };
    expect(await putFigures(stack.clients, 'raceshop', figures)).toBe(true);

    const runs = await Promise.all(
      Array.from({ length: 4 }, () => evaluateAlertsForDay(stack.clients, config, '2026-10-08')),
    );
    expect(receiver.received('/ok-race')).toHaveLength(1);
    expect(runs.flatMap((run) => run.notifications).filter((n) => n.delivery === 'delivered')).toHaveLength(
      1,
    );
    expect(await queryAlertHistory(stack.clients, 'raceshop', '2026-10-08', '2026-10-08')).toHaveLength(1);
  });

  it('delivers a notification that an interrupted run decided but never delivered', async () => {
    const { config } = await createSite('crashshop', {
      alerts: { rules: [abandonmentRule], webhooks: [`${receiver.url}/ok-crash`] },
    });
    const { figures } = await aggregateDay(stack.clients, config, '2026-10-09');
    const observation = {
      ruleId: 'abandonment',
      metric: 'carts.abandonmentRate',
      date: '2026-10-09',
      status: 'firing' as const,
      value: 0.9,
      threshold: 0.5,
      sample: { metric: 'carts.created', value: 10 },
    };
    const notification = { state: 'firing' as const, reminder: false, since: '2026-10-09' };
    // What a run leaves behind when it dies right after its decision was stored.
    const state = await readRuleState(stack.clients, 'crashshop', 'abandonment');
    const written = await writeRuleState(
      stack.clients,
      'crashshop',
      'abandonment',
      state.version,
      { ...state.state, notified: 'firing', notifiedDate: '2026-10-09', firingSince: '2026-10-09' },
      [
        {
          date: '2026-10-09',
          ruleId: 'abandonment',
          ...notification,
          message: alertMessage({
            site: 'crashshop',
            currency: 'EUR',
            rule: abandonmentRule,
            observation,
            notification,
          }),
        },
      ],
      new Date(),
    );
    expect(written).toBe(true);
    expect(receiver.received('/ok-crash')).toHaveLength(0);

    await evaluateAlertsForDay(stack.clients, config, '2026-10-09', { figures });
    await evaluateAlertsForDay(stack.clients, config, '2026-10-09', { figures });
    expect(receiver.received('/ok-crash').map((post) => post.text)).toEqual([
      'Cart abandonment on crashshop was 90% on 2026-10-09, above 50% (10 carts)',
    ]);
    expect((await readRuleState(stack.clients, 'crashshop', 'abandonment')).pending).toEqual([]);
  });

  it('does not evaluate a day that has not ended yet', async () => {
    const { config } = await createSite('todayshop', {
      alerts: { rules: [abandonmentRule], webhooks: [`${receiver.url}/ok-today`] },
    });
    const result = await evaluateAlertsForDay(stack.clients, config, '2026-10-10', {
      now: new Date('2026-10-10T23:59:00Z'),
    });
    expect(result.skipped).toBe('day_not_ended');
  });
});

describe('the alert Lambda and its trigger', () => {
  it('evaluates { site, date } and throws for Lambda to retry while a target still fails', async () => {
    const { writeKey, config } = await createSite('lambdashop', {
      alerts: { rules: [abandonmentRule], webhooks: [`${receiver.url}/fail-lambda`] },
    });
    await send(writeKey, cartEvents('lambdashop', '2026-10-12', 4, 4));
    // The aggregator hands the day to a Lambda here: nothing is evaluated in-process.
    const lambdaCalls: { path: string; invocationType: string | undefined; body: string }[] = [];
    const fakeLambda = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        lambdaCalls.push({
          path: request.url ?? '',
          invocationType: request.headers['x-amz-invocation-type'] as string | undefined,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        response.writeHead(202, { 'content-type': 'application/json' });
        response.end();
      });
    });
    await new Promise<void>((resolve) => fakeLambda.listen(0, '127.0.0.1', resolve));
    // The SDK's own settings: where its Lambda client sends, with what credentials.
    const env = {
      ...process.env,
      AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${(fakeLambda.address() as AddressInfo).port}`,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      // The aggregator's clients in AWS, where the stack names the alert function.
      const aggregator = createStorageClients(stack.stores.settings, {
        ...stack.clients.alerts,
        function: 'roxtrail-alerts',
      });
      const { figures } = await aggregateDay(aggregator, config, '2026-10-12');
      expect(
        await triggerAlertEvaluation(
          aggregator,
          { site: 'lambdashop', date: '2026-10-12' },
          { config, figures },
        ),
      ).toEqual({
        invoked: 'roxtrail-alerts',
      });
    } finally {
      for (const key of Object.keys(env)) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
      await new Promise<void>((resolve) => fakeLambda.close(() => resolve()));
    }
    expect(lambdaCalls).toHaveLength(2);
    expect(lambdaCalls[0]).toEqual({
      path: '/2015-03-31/functions/roxtrail-alerts/invocations',
      invocationType: 'Event',
      body: JSON.stringify({ site: 'lambdashop', date: '2026-10-12' }),
    });
    expect(receiver.received('/fail-lambda')).toHaveLength(0);

    // The Lambda itself: the webhook fails, so it throws and Lambda retries the event later.
    const evaluate = createAlertEvaluator(stack.clients);
    await expect(evaluate({ site: 'lambdashop', date: '2026-10-12' })).rejects.toBeInstanceOf(
      UndeliveredAlertsError,
    );
    expect(receiver.received('/fail-lambda')).toHaveLength(2);
    await expect(evaluate({ site: 'lambdashop', date: '2026-10-12' })).rejects.toBeInstanceOf(
      UndeliveredAlertsError,
    );
    // The third round gives up: logged, kept in the history as failed, no more retries.
    const last = await evaluate({ site: 'lambdashop', date: '2026-10-12' });
    expect('notifications' in last && last.notifications.map((n) => n.delivery)).toEqual(['failed']);
    expect(receiver.received('/fail-lambda')).toHaveLength(6);
    expect(await evaluate({ site: 'nosuchshop', date: '2026-10-12' })).toEqual({ ignored: 'unknown_site' });
    expect(await evaluate({ site: 'lambdashop' })).toEqual({ ignored: 'invalid_event' });
  }, 30_000);
});

describe('alert history through the API and the CLI', () => {
  let readKey: string;
  let config: SiteConfig;

  beforeAll(async () => {
    const created = await createSite('listshop');
    readKey = created.readKey;
    config = created.config;
    await send(created.writeKey, cartEvents('listshop', '2026-10-15', 4, 4));
    await aggregateDay(stack.clients, config, '2026-10-15');
  });

  it('answers 401 without a read key and 400 without dates', async () => {
    expect((await fetch(`${stack.url}/v1/sites/listshop/alerts?from=2026-10-01&to=2026-10-31`)).status).toBe(
      401,
    );
    const noDates = await fetch(`${stack.url}/v1/sites/listshop/alerts`, {
      headers: { authorization: `Bearer ${readKey}` },
    });
    expect(noDates.status).toBe(400);
    expect(await history('listshop', readKey, '2026-10-16', '2026-10-31')).toEqual([]);
  });

  it('lists alerts with `roxtrail alerts`', async () => {
    const env = { ROXTRAIL_DATA_DIR: stack.dataDir };
    const range = ['--site', 'listshop', '--from', '2026-10-01', '--to', '2026-10-31'];
    const [json, text] = await Promise.all([
      runCli(['alerts', ...range, '--json'], env),
      runCli(['alerts', ...range], env),
    ]);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const alerts = JSON.parse(json.stdout) as AlertRecord[];
    expect(alerts.map((a) => [a.ruleId, a.state, a.delivery, a.text])).toEqual([
      [
        'abandonment',
        'firing',
        'delivered',
        'Cart abandonment on listshop was 100% on 2026-10-15, above 50% (4 carts)',
      ],
    ]);
    expect(text.stdout).toContain('2026-10-15  firing    abandonment');
    expect(text.stdout).toContain('(no delivery targets)');
  }, 30_000);

  it('rejects `sites apply` with an unknown figure path or an unpriced touchpoint, saying what is valid', async () => {
    const badPath = join(stack.dataDir, 'bad-path.json');
    const badTouchpoint = join(stack.dataDir, 'bad-touchpoint.json');
    writeFileSync(
      badPath,
      JSON.stringify({
        site: 'badshop',
        alerts: { rules: [{ id: 'x', metric: 'carts.abandonRate', above: 1 }] },
      }),
    );
    writeFileSync(
      badTouchpoint,
      JSON.stringify({
        site: 'badshop',
        touchpoints: { live_chat: { dailyCost: 50 } },
        alerts: { rules: [{ id: 'x', metric: 'rox.touchpoints[chat].rox', below: 0 }] },
      }),
    );
    const env = { ROXTRAIL_DATA_DIR: stack.dataDir };
    const [path, touchpoint] = await Promise.all([
      runCli(['sites', 'apply', badPath], env),
      runCli(['sites', 'apply', badTouchpoint], env),
    ]);
    expect(path.code).toBe(1);
    expect(path.stderr).toContain('unknown figure path "carts.abandonRate"; valid paths: traffic.events');
    expect(path.stderr).toContain('rox.touchpoints[<touchpoint>].rox');
    expect(touchpoint.code).toBe(1);
    expect(touchpoint.stderr).toContain(
      'alert rule "x" watches touchpoint "chat", which has no dailyCost in "touchpoints" (touchpoints with a cost: live_chat)',
    );
    expect(
      await stack.clients.dynamo.send(
        new GetCommand({ TableName: stack.clients.settings.tableName, Key: keys.siteConfig('badshop') }),
      ),
    ).not.toHaveProperty('Item');
  }, 30_000);
});
