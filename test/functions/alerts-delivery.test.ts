import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertMessage } from '../../shared/alerts/messages';
import {
  type DeliverySettings,
  deliverToTargets,
  deliverySettingsOf,
  deliveryTargets,
  fileTarget,
  snsTarget,
  webhookBody,
  webhookTarget,
  webhookTargetId,
} from '../../shared/app/alerts/deliver';
import { runtimeConfigFromEnv } from '../../shared/config/runtime';
import { siteConfigWithDefaults } from '../../shared/config/site';

const message: AlertMessage = {
  site: 'demo',
  ruleId: 'cart-abandonment-high',
  metric: 'carts.abandonmentRate',
  date: '2026-11-20',
  state: 'firing',
  value: 0.86,
  threshold: 0.8,
  every: 'day',
  text: 'Cart abandonment on demo was 86% on 2026-11-20, above 80% (212 carts)',
};

const settings: DeliverySettings = {
  console: false,
  webhookTimeoutMs: 300,
  webhookAttempts: 3,
  webhookBackoffMs: 10,
};

/** Answers each request with the next status of `script` (the last one repeats); -1 never answers. */
interface ScriptedServer {
  url: string;
  requests: { path: string; headers: IncomingMessage['headers']; body: string }[];
  script(statuses: number[]): void;
}

let server: Server;
let scripted: ScriptedServer;
const hanging: ServerResponse[] = [];
const tempDir = mkdtempSync(join(tmpdir(), 'roxtrail-delivery-'));

beforeAll(async () => {
  let statuses: number[] = [200];
  const requests: ScriptedServer['requests'] = [];
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const status = statuses.length > 1 ? (statuses.shift() ?? 200) : (statuses[0] ?? 200);
      if (status < 0) {
        hanging.push(response);
        return;
      }
      response.writeHead(status, { 'content-type': 'text/xml' });
      response.end(
        status === 200 && request.url?.startsWith('/sns')
          ? '<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult></PublishResponse>'
          : 'ok',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  scripted = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    script(next) {
      statuses = [...next];
      requests.length = 0;
    },
  };
});
afterAll(async () => {
  for (const response of hanging) response.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(tempDir, { recursive: true, force: true });
});

describe('webhook delivery', () => {
  it('posts a Slack-compatible body: text first, then the JSON fields', async () => {
    scripted.script([200]);
    const outcome = await webhookTarget(`${scripted.url}/hook`, settings).send(message);
    expect(outcome).toEqual({ ok: true, attempts: 1, status: 200 });
    const [request] = scripted.requests;
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body).toBe(webhookBody(message));
    expect(Object.keys(JSON.parse(request?.body ?? '{}'))).toEqual([
      'text',
      'site',
      'ruleId',
      'metric',
      'date',
      'state',
      'value',
      'threshold',
      'every',
    ]);
  });

  it('retries 5xx and 429 answers, then succeeds', async () => {
    scripted.script([503, 429, 200]);
    expect(await webhookTarget(`${scripted.url}/hook`, settings).send(message)).toEqual({
      ok: true,
      attempts: 3,
      status: 200,
    });
    expect(scripted.requests).toHaveLength(3);
  });

  it('does not retry an answer that will not change (404)', async () => {
    scripted.script([404]);
    expect(await webhookTarget(`${scripted.url}/hook`, settings).send(message)).toEqual({
      ok: false,
      attempts: 1,
      status: 404,
      error: 'HTTP 404',
    });
  });

  it('gives each try its own timeout and reports a hanging receiver as timed out', async () => {
    scripted.script([-1]);
    const started = Date.now();
    const outcome = await webhookTarget(`${scripted.url}/hang`, { ...settings, webhookAttempts: 2 }).send(
      message,
    );
    expect(outcome).toEqual({ ok: false, attempts: 2, error: 'timed out' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reports a receiver that refuses connections', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const outcome = await webhookTarget(`http://127.0.0.1:${port}/hook`, {
      ...settings,
      webhookAttempts: 1,
    }).send(message);
    expect(outcome).toEqual({ ok: false, attempts: 1, error: 'ECONNREFUSED' });
  });

  it('names a webhook by origin and digest, never by its secret path', () => {
    const id = webhookTargetId('https://hooks.slack.com/services/T000/B000/secret');
    expect(id).toMatch(/^webhook https:\/\/hooks\.slack\.com \([0-9a-f]{8}\)$/);
    expect(id).not.toContain('secret');
    expect(webhookTargetId('https://hooks.slack.com/services/other')).not.toBe(id);
  });
});

describe('other targets', () => {
  it('publishes to SNS with the sentence for e-mail, the JSON for everything else, and filterable attributes', async () => {
    scripted.script([200]);
    const sns = new SNSClient({
      region: 'eu-west-1',
      endpoint: `${scripted.url}/sns`,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const topic = 'arn:aws:sns:eu-west-1:123456789012:roxtrail-alerts';
    expect(await snsTarget(topic, () => sns).send(message)).toEqual({ ok: true, attempts: 1 });
    const body = new URLSearchParams(scripted.requests[0]?.body ?? '');
    expect(body.get('Action')).toBe('Publish');
    expect(body.get('TopicArn')).toBe(topic);
    expect(body.get('MessageStructure')).toBe('json');
    expect(JSON.parse(body.get('Message') ?? '{}')).toEqual({
      default: JSON.stringify(message),
      email: message.text,
    });
    expect(body.get('Subject')).toBe('Roxtrail alert: cart-abandonment-high firing on demo 2026-11-20');
    expect(body.get('MessageAttributes.entry.1.Name')).toBe('site');
    expect(body.get('MessageAttributes.entry.1.Value.StringValue')).toBe('demo');

    scripted.script([500]);
    const failed = await snsTarget(topic, () => sns).send(message);
    expect(failed.ok).toBe(false);
    sns.destroy();
  });

  it('appends one JSON line per alert to the alerts file, creating its directory', async () => {
    const file = join(tempDir, 'nested', 'alerts.ndjson');
    const target = fileTarget(file);
    await target.send(message);
    await target.send({ ...message, state: 'resolved' });
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0] ?? '')).toEqual(message);
    expect(JSON.parse(lines[1] ?? '').state).toBe('resolved');
    expect(lines[2]).toBe('');
  });

  it('sends to every target at once and records each outcome, a failing one included', async () => {
    scripted.script([500]);
    const config = siteConfigWithDefaults({
      site: 'demo',
      alerts: { webhooks: [`${scripted.url}/a`, `${scripted.url}/a`] },
    });
    const targets = deliveryTargets(
      config,
      { ...settings, webhookAttempts: 1, alertsFile: join(tempDir, 'all.ndjson') },
      () => {
        throw new Error('no SNS without a topic');
      },
    );
    expect(targets.map((t) => t.id)).toEqual(['file', webhookTargetId(`${scripted.url}/a`)]);
    const records = await deliverToTargets(message, targets);
    expect(records.map(({ target, ok, attempts }) => ({ target, ok, attempts }))).toEqual([
      { target: 'file', ok: true, attempts: 1 },
      { target: webhookTargetId(`${scripted.url}/a`), ok: false, attempts: 1 },
    ]);
  });

  it('reads its settings from the environment', () => {
    expect(deliverySettingsOf(runtimeConfigFromEnv({}).alerts)).toEqual({
      topicArn: undefined,
      alertsFile: undefined,
      console: false,
      webhookTimeoutMs: 5_000,
      webhookAttempts: 3,
      webhookBackoffMs: 500,
    });
    expect(
      deliverySettingsOf(
        runtimeConfigFromEnv({
          ROXTRAIL_ALERTS_FILE: '/tmp/a.ndjson',
          ROXTRAIL_ALERT_TOPIC_ARN: 'arn:topic',
          ROXTRAIL_WEBHOOK_TIMEOUT_MS: '250',
          ROXTRAIL_WEBHOOK_ATTEMPTS: 'lots',
        }).alerts,
      ),
    ).toMatchObject({
      alertsFile: '/tmp/a.ndjson',
      topicArn: 'arn:topic',
      console: true,
      webhookTimeoutMs: 250,
      webhookAttempts: 3,
    });
    expect(deliverySettingsOf(runtimeConfigFromEnv({ ROXTRAIL_ALERTS_FILE: '' }).alerts).console).toBe(false);
  });
});
