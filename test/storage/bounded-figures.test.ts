/**
 * A public write key cannot stop a site's figures: 10,000 distinct channels, friction kinds, teams and
 * experiments in a day give a figures item DynamoDB can store, with the top keys and "(other)" summing
 * the rest; a day that still cannot be stored fails its run instead of succeeding without it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateDay } from '../../shared/app/aggregate/aggregate';
import { siteConfigWithDefaults } from '../../shared/config/site';
import { MAX_EXPERIMENTS, MAX_MAP_KEYS, OTHER_KEY } from '../../shared/metrics/bounded';
import { computeFigures } from '../../shared/metrics/figures';
import {
  assertFiguresStorable,
  figuresItemBytes,
  getFiguresRevision,
  queryFigures,
} from '../../shared/storage/table';
import { basicAuth, startTestStack, type TestStack } from '../helpers/local-stack';

const SITE = 'manykeys';
const DAY = '2026-09-14';
const DISTINCT = 10_000;
let stack: TestStack;
let writeKey: string;

async function send(batch: Record<string, unknown>[]): Promise<void> {
  for (let offset = 0; offset < batch.length; offset += 1_500) {
    const response = await fetch(`${stack.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
      body: JSON.stringify({ batch: batch.slice(offset, offset + 1_500) }),
    });
    expect(response.status).toBe(200);
    expect((await response.json()).rejected).toEqual([]);
  }
}

const at = (i: number) => new Date(Date.UTC(2026, 8, 14, 8, 0, 0, i * 2)).toISOString();

beforeAll(async () => {
  stack = await startTestStack();
  ({ writeKey } = await stack.createSite({ site: SITE, timezone: 'UTC' }));
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < DISTINCT; i += 1) {
    // Channel c0 is the busiest, then c1…: the kept channels are the first ones.
    const repeats = i < 3 ? 3 - i + 1 : 1;
    for (let r = 0; r < repeats; r += 1)
      events.push({
        type: 'track',
        event: 'Friction Encountered',
        anonymousId: `visitor-${i}`,
        messageId: `f-${i}-${r}`,
        timestamp: at(i),
        properties: { kind: `kind-${i}` },
        context: { channel: `channel-${i}` },
      });
    events.push({
      type: 'track',
      event: 'Survey Responded',
      userId: `employee-${i}`,
      messageId: `s-${i}`,
      timestamp: at(i),
      properties: { survey: 'enps', score: i % 11, team: `team-${i}` },
    });
    events.push({
      type: 'track',
      event: 'Experiment Viewed',
      anonymousId: `visitor-${i}`,
      messageId: `e-${i}`,
      timestamp: at(i),
      properties: { experiment_id: `experiment-${i}`, variation_id: `variant-${i % 30}` },
    });
  }
  await send(events);
}, 180_000);
afterAll(async () => {
  await stack.stop();
});

describe('figures with 10,000 distinct client-sent keys', () => {
  it('keep the top keys and "(other)", and are stored in DynamoDB under 400 KB', async () => {
    const config = siteConfigWithDefaults({ site: SITE, timezone: 'UTC' });
    await aggregateDay(stack.clients, config, DAY);
    const [figures] = await queryFigures(stack.clients, SITE, DAY, DAY);
    expect(figures?.date).toBe(DAY);
    if (!figures) return;
    expect(figuresItemBytes(SITE, figures)).toBeLessThan(400 * 1024);

    const channels = figures.traffic.byChannel;
    expect(Object.keys(channels)).toHaveLength(MAX_MAP_KEYS + 1);
    expect(Object.keys(channels)).toEqual(
      expect.arrayContaining(['channel-0', 'channel-1', 'channel-2', OTHER_KEY]),
    );
    // Nothing lost: the channels' events add up to the day's activity events.
    const channelEvents = Object.values(channels).reduce((sum, c) => sum + c.events, 0);
    expect(channelEvents).toBe(figures.traffic.events);

    const kinds = figures.experience.friction.byKind;
    expect(Object.keys(kinds)).toHaveLength(MAX_MAP_KEYS + 1);
    expect(kinds['kind-0']).toBe(4);
    expect(Object.values(kinds).reduce((sum, n) => sum + n, 0)).toBe(figures.experience.friction.events);

    const teams = figures.experience.enps.byTeam;
    expect(Object.keys(teams)).toHaveLength(MAX_MAP_KEYS + 1);
    const responses = Object.values(teams).reduce((sum, t) => sum + t.responses, 0);
    expect(responses).toBe(figures.experience.enps.responses);

    expect(figures.experiments).toHaveLength(MAX_EXPERIMENTS + 1);
    const other = figures.experiments.find((e) => e.experimentId === OTHER_KEY);
    expect(other?.variants.map((v) => v.variationId)).toEqual([OTHER_KEY]);
    const exposed = figures.experiments.reduce(
      (sum, e) => sum + e.variants.reduce((s, v) => s + v.journeys, 0),
      0,
    );
    expect(exposed).toBe(DISTINCT);
  }, 120_000);

  it('cut long keys to 100 characters', async () => {
    const config = siteConfigWithDefaults({ site: SITE, timezone: 'UTC' });
    const revision = await getFiguresRevision(stack.clients, SITE, DAY);
    const long = Array.from({ length: 100 }, (_, i) => ({
      type: 'page',
      anonymousId: `long-${i}`,
      messageId: `long-${i}`,
      timestamp: at(i),
      context: { channel: `${String(i).padStart(3, '0')}${'x'.repeat(5_000)}` },
    }));
    for (let offset = 0; offset < long.length; offset += 50) await send(long.slice(offset, offset + 50));
    await aggregateDay(stack.clients, config, DAY);
    const [figures] = await queryFigures(stack.clients, SITE, DAY, DAY);
    expect(figures?.revision).toBe(revision + 1);
    const keys = Object.keys(figures?.traffic.byChannel ?? {});
    expect(keys.filter((key) => key.endsWith('xxx')).length).toBeGreaterThan(0);
    for (const key of keys) expect(key.length).toBeLessThanOrEqual(100);
  }, 120_000);

  it('refuse to store a day DynamoDB cannot hold: the run fails, naming the size', () => {
    const config = siteConfigWithDefaults({ site: SITE, timezone: 'UTC' });
    const figures = computeFigures({
      config,
      date: DAY,
      events: [],
      links: new Map(),
      rejected: {},
      status: 'provisional',
      revision: 1,
      computedAt: '2026-09-15T00:00:00.000Z',
    });
    expect(() => assertFiguresStorable(SITE, figures)).not.toThrow();
    const huge = {
      ...figures,
      traffic: {
        ...figures.traffic,
        byChannel: { big: { events: 1, journeys: 1, note: 'x'.repeat(410_000) } },
      },
    };
    expect(() => assertFiguresStorable(SITE, huge)).toThrow(/over DynamoDB's 409600-byte item limit/);
  });
});
