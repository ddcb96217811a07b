/**
 * The story the demo's simulated shop plants (shared/simulate/story.ts), checked on the generator's own
 * output without the stack: read by metrics.md §7 and §8 (test/helpers/story-reading.ts), the demo's
 * 120 days show a chat that pays, a product video that only looks like it does, and customers who
 * come back — promoters more than detractors. Fixed seed and end date: nothing reads today's date.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_DAYS,
  DEMO_INCIDENT_DAYS_AGO,
  DEMO_OLDER_SCALE,
  DEMO_RECENT_DAYS,
  DEMO_SCALE,
  DEMO_SEED,
} from '../../../infra/local/demo';
import { DEMO_SITE_CONFIG } from '../../../infra/local/runtime';
import { siteConfigWithDefaults } from '../../../shared/config/site';
import { depthBucketOf } from '../../../shared/simulate/journal';
import { useChance } from '../../../shared/simulate/story';
import { generateTraffic, type SimulatedTraffic } from '../../../shared/simulate/traffic';
import { addDays, localDate, localDayBounds } from '../../../shared/time';
import {
  type CustomerReading,
  customersOf,
  outcomeOf,
  readStory,
  type StoryData,
  type TouchpointOutcome,
} from '../../helpers/story-reading';

const config = siteConfigWithDefaults(DEMO_SITE_CONFIG);
const END = '2026-11-22';

let traffic: SimulatedTraffic;
let data: StoryData;
let chat: TouchpointOutcome;
let video: TouchpointOutcome;
let customers: CustomerReading;

beforeAll(() => {
  traffic = generateTraffic({
    config,
    days: DEMO_DAYS,
    endDate: END,
    seed: DEMO_SEED,
    incident: { date: addDays(END, 1 - DEMO_INCIDENT_DAYS_AGO), kind: 'checkout-outage' },
    scale: DEMO_SCALE,
    recentDays: DEMO_RECENT_DAYS,
    olderScale: DEMO_OLDER_SCALE,
  });
  data = readStory(config, traffic.messages);
  chat = outcomeOf(data, END, 'live_chat');
  video = outcomeOf(data, END, 'product_video');
  customers = customersOf(data, END);
}, 60_000);

/** What the chats of the exposure window truly caused, per exposed visit (the planted truth). */
function realisedChatEffect(): number {
  const from = localDayBounds(addDays(END, -34), config.timezone).start;
  const to = localDayBounds(addDays(END, -7), config.timezone).end;
  const caused = traffic.planted.causedOrders.filter((order) => order.chatAt >= from && order.chatAt < to);
  return caused.reduce((sum, order) => sum + order.value, 0) / chat.exposed;
}

describe('the planted outcomes story (metrics.md §7) on the demo days', () => {
  it('has enough exposed visits in the 28-day window for an interval, nearly all in usable strata', () => {
    expect(chat.exposed).toBeGreaterThan(400);
    expect(video.exposed).toBeGreaterThan(400);
    expect(chat.coverage).toBeGreaterThan(0.9);
    expect(video.coverage).toBeGreaterThan(0.9);
  });

  it('makes the naive comparison call both touchpoints good', () => {
    expect(chat.naiveRox).toBeGreaterThan(1);
    expect(video.naiveRox).toBeGreaterThan(1);
    // Users of either buy far more than visitors who never use it.
    expect((video.revenuePerJourneyExposed ?? 0) - (video.revenuePerJourneyControl ?? 0)).toBeGreaterThan(25);
  });

  it('tells them apart once visits are compared like with like: the chat pays, the video does not', () => {
    expect(chat.verdict).toBe('pays');
    expect(chat.roxLow).toBeGreaterThan(0);
    expect(video.verdict).not.toBe('pays');
    expect(video.rox).toBeLessThan(0);
    // The adjusted effect per visit is near the truth: what the chats caused, and 0 for the video.
    const truth = realisedChatEffect();
    expect(truth).toBeGreaterThan(15);
    expect(chat.incrementalRevenuePerJourneyLow).toBeLessThan(truth);
    expect(chat.incrementalRevenuePerJourneyHigh).toBeGreaterThan(truth);
    expect(video.incrementalRevenuePerJourneyLow).toBeLessThan(0);
    expect(video.incrementalRevenuePerJourneyHigh).toBeGreaterThan(0);
    // Chat users buy more within the horizon than video users, each against matched non-users.
    expect(
      (chat.incrementalRevenuePerJourney ?? 0) - (video.incrementalRevenuePerJourney ?? 0),
    ).toBeGreaterThan(15);
  });

  it('puts the video mostly in high-intent visits: after a cart add, or after one in the days before', () => {
    const exposed = video.units.filter((unit) => unit.exposed);
    const highIntent = exposed.filter((unit) => unit.stage >= 2 || unit.intent);
    expect(highIntent.length / exposed.length).toBeGreaterThan(0.7);
    const stageZero = video.units.filter((unit) => !unit.exposed && unit.stage === 0);
    expect(stageZero.filter((unit) => unit.intent).length / stageZero.length).toBeLessThan(0.35);
  });

  it('decides use from recorded behaviour only: in a stratum, the share that uses it is the planted chance', () => {
    // Stage-2 units of the biggest stratum: web visits just after their first cart add, nothing in the lookback.
    const lookback = { depth: depthBucketOf(0), intent: false, returning: false };
    for (const [touchpoint, outcome] of [
      ['live_chat', chat],
      ['product_video', video],
    ] as const) {
      const units = outcome.units.filter((unit) => unit.stratum === '2|web|0|false|false');
      const share = units.filter((unit) => unit.exposed).length / units.length;
      expect(units.length, touchpoint).toBeGreaterThan(300);
      expect(Math.abs(share - useChance(touchpoint, 2, 'web', lookback)), touchpoint).toBeLessThan(0.05);
    }
    // The same visits at stage 1 use either far less: the stage reached, not who they are, drives it.
    const stageOne = video.units.filter((unit) => unit.stratum === '1|web|0|false|false');
    expect(stageOne.filter((unit) => unit.exposed).length / stageOne.length).toBeLessThan(0.05);
  });

  it('records each exposure as an activity event carrying properties.touchpoint', () => {
    const uses = traffic.messages.filter(
      (m) => m.message.event === 'Chat Started' || m.message.event === 'Product Video Played',
    );
    expect(uses.length).toBeGreaterThan(1000);
    expect(
      uses.every((m) => m.message.type === 'track' && typeof m.message.properties?.touchpoint === 'string'),
    ).toBe(true);
  });
});

describe('the planted customers story (metrics.md §8) on the demo days', () => {
  it('has customers who come back across weeks and buy again', () => {
    const weeksOf = new Map<string, Set<number>>();
    for (const order of data.orders) {
      const week = Math.floor(
        Date.parse(`${localDate(order.time, config.timezone)}T00:00:00Z`) / (7 * 86_400_000),
      );
      weeksOf.set(order.journey, (weeksOf.get(order.journey) ?? new Set()).add(week));
    }
    const acrossWeeks = [...weeksOf.values()].filter((weeks) => weeks.size >= 2).length;
    expect(acrossWeeks).toBeGreaterThan(120);
    expect(acrossWeeks / weeksOf.size).toBeGreaterThan(0.15);
    expect(customers.returning).toBeGreaterThan(3);
    expect(customers.repeatRate).toBeGreaterThan(0.15);
  });

  it('fills the 30- and 90-day retention cohorts', () => {
    expect(customers.retention30).toBeGreaterThan(0.15);
    expect(customers.retention30).toBeLessThan(0.6);
    expect(customers.retention90).toBeGreaterThan(customers.retention30 ?? 1);
    expect(customers.ltv90).toBeGreaterThan(customers.ltv30 ?? Number.POSITIVE_INFINITY);
  });

  it('has promoters buy again more, and spend more, than detractors in the 30 days after answering', () => {
    const { promoters, detractors, gap } = customers.experienceValue;
    expect(promoters.respondents).toBeGreaterThan(200);
    expect(detractors.respondents).toBeGreaterThan(50);
    expect(gap).toBeGreaterThan(5);
    expect(promoters.repurchaseRate).toBeGreaterThan(detractors.repurchaseRate ?? 1);
  });
});
