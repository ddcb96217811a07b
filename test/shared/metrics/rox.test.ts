import { describe, expect, it } from 'vitest';
import { figuresOf, order, page, track, utcSite } from './fixtures';

const used = (at: string, anon: string, touchpoint: string) =>
  track('Touchpoint Used', { at, anon, props: { touchpoint } });

/**
 * Five journeys of D: A used live_chat then ordered 200; B ordered 100 without touchpoints; C only browsed;
 * D ordered 60 before using size_guide, then used live_chat and product_video (not configured) and ordered
 * 40; E is an employee answering the eNPS survey.
 */
const day = [
  used('2026-10-24T09:00', 'A', 'live_chat'),
  order({ at: '2026-10-24T10:00', anon: 'A', props: { order_id: 'a1', revenue: 200 } }),
  track('Survey Responded', {
    at: '2026-10-24T10:30',
    anon: 'A',
    props: { survey: 'nps', score: 10, touchpoint: 'live_chat' },
  }),
  track('Friction Encountered', {
    at: '2026-10-24T10:40',
    anon: 'A',
    props: { kind: 'slow_page', touchpoint: 'live_chat' },
  }),
  order({ at: '2026-10-24T10:00', anon: 'B', props: { order_id: 'b1', revenue: 100 } }),
  page({ at: '2026-10-24T10:00', anon: 'C' }),
  order({ at: '2026-10-24T08:00', anon: 'D', props: { order_id: 'd1', revenue: 60 } }),
  page({ at: '2026-10-24T09:00', anon: 'D', ctx: { touchpoint: 'size_guide' } }),
  used('2026-10-24T11:00', 'D', 'live_chat'),
  used('2026-10-24T11:30', 'D', 'product_video'),
  order({ at: '2026-10-24T12:00', anon: 'D', props: { order_id: 'd2', revenue: 40 } }),
  track('Survey Responded', {
    at: '2026-10-24T09:00',
    user: 'E',
    props: { survey: 'enps', score: 10, team: 'support' },
  }),
];

describe('rox (metrics.md §4)', () => {
  it('lists every touchpoint with a cost, sorted by name, with its team', () => {
    const { rox } = figuresOf(day);
    expect(rox.touchpoints.map((t) => [t.touchpoint, t.dailyCost, t.team])).toEqual([
      ['live_chat', 100, 'support'],
      ['size_guide', 10, null],
      ['store_pickup', 50, 'stores'],
    ]);
  });

  it('compares revenue per engaged journey with the others and scales by the engaged journeys', () => {
    const [liveChat, sizeGuide] = figuresOf(day).rox.touchpoints;
    const liveChatIncremental = (300 / 2 - 100 / 3) * 2;
    expect(liveChat).toMatchObject({
      journeys: 2,
      revenuePerJourneyEngaged: 150,
      revenuePerJourneyOthers: 100 / 3,
      conversionRateEngaged: 1,
      conversionRateOthers: 1 / 3,
    });
    expect(liveChat?.incrementalRevenue).toBeCloseTo(liveChatIncremental, 10);
    expect(liveChat?.rox).toBeCloseTo((liveChatIncremental - 100) / 100, 10);
    expect(sizeGuide).toMatchObject({
      journeys: 1,
      revenuePerJourneyEngaged: 100,
      revenuePerJourneyOthers: 75,
      incrementalRevenue: 25,
      rox: 1.5,
      conversionRateEngaged: 1,
      conversionRateOthers: 0.5,
    });
  });

  it('splits each order equally over the distinct touchpoints at or before it, configured or not', () => {
    const { rox } = figuresOf(day);
    const [liveChat, sizeGuide, storePickup] = rox.touchpoints;
    expect(liveChat?.attributedRevenue).toBeCloseTo(200 + 40 / 3, 10);
    expect(sizeGuide?.attributedRevenue).toBeCloseTo(40 / 3, 10);
    expect(storePickup?.attributedRevenue).toBe(0);
    // product_video's third of d2 counts at site level; d1 and b1 had no touchpoint before them.
    expect(rox.attributedRevenue).toBeCloseTo(240, 10);
  });

  it('counts the touchpoint carried by the order event itself', () => {
    const events = [
      order({
        at: '2026-10-24T10:00',
        anon: 'A',
        props: { order_id: 'a1', revenue: 90, touchpoint: 'store_pickup' },
      }),
      used('2026-10-24T10:00', 'A', 'size_guide'),
      used('2026-10-24T10:01', 'A', 'live_chat'),
    ];
    const { rox } = figuresOf(events);
    expect(rox.touchpoints.map((t) => t.attributedRevenue)).toEqual([0, 45, 45]);
  });

  it('leaves an order in a currency without a rate out of journey revenue and attribution', () => {
    const events = [
      used('2026-10-24T09:00', 'A', 'size_guide'),
      order({ at: '2026-10-24T10:00', anon: 'A', props: { order_id: 'a1', revenue: 5000, currency: 'JPY' } }),
      page({ at: '2026-10-24T10:00', anon: 'B' }),
    ];
    const sizeGuide = figuresOf(events).rox.touchpoints[1];
    expect(sizeGuide).toMatchObject({
      revenuePerJourneyEngaged: 0,
      attributedRevenue: 0,
      conversionRateEngaged: 1,
    });
  });

  it('takes the touchpoint NPS from counted responses carrying it, and friction per engaged journey', () => {
    const [liveChat, sizeGuide] = figuresOf(day).rox.touchpoints;
    expect(liveChat).toMatchObject({ nps: 100, frictionRate: 0.5 });
    expect(sizeGuide).toMatchObject({ nps: null, frictionRate: 0 });
  });

  it("links the team's eNPS of the day, even to a touchpoint nobody used", () => {
    const [liveChat, sizeGuide, storePickup] = figuresOf(day).rox.touchpoints;
    expect(liveChat?.teamEnps).toBe(100);
    expect(sizeGuide?.teamEnps).toBeNull();
    expect(storePickup?.teamEnps).toBeNull();
    const withVideoCall = figuresOf(day, {
      config: utcSite({ touchpoints: { video_call: { dailyCost: 60, team: 'support' } } }),
    }).rox.touchpoints[0];
    expect(withVideoCall).toMatchObject({ touchpoint: 'video_call', journeys: 0, teamEnps: 100 });
  });

  it('gives null group figures for an empty group and leaves it out of the site investment', () => {
    const storePickup = figuresOf(day).rox.touchpoints[2];
    expect(storePickup).toEqual({
      touchpoint: 'store_pickup',
      dailyCost: 50,
      journeys: 0,
      revenuePerJourneyEngaged: null,
      revenuePerJourneyOthers: 80,
      incrementalRevenue: null,
      attributedRevenue: 0,
      rox: null,
      conversionRateEngaged: null,
      conversionRateOthers: 3 / 5,
      nps: null,
      frictionRate: null,
      team: 'stores',
      teamEnps: null,
    });
    const { rox } = figuresOf(day);
    const incremental = (300 / 2 - 100 / 3) * 2 + 25;
    expect(rox.investment).toBe(110);
    expect(rox.incrementalRevenue).toBeCloseTo(incremental, 10);
    expect(rox.value).toBeCloseTo((incremental - 110) / 110, 10);
  });

  it('gives null incremental revenue when every journey is engaged (no others)', () => {
    const events = [
      used('2026-10-24T09:00', 'A', 'live_chat'),
      order({ at: '2026-10-24T10:00', anon: 'A', props: { order_id: 'a', revenue: 10 } }),
    ];
    const { rox } = figuresOf(events, {
      config: utcSite({ touchpoints: { live_chat: { dailyCost: 100 } } }),
    });
    expect(rox).toEqual({
      value: null,
      investment: 0,
      incrementalRevenue: 0,
      attributedRevenue: 10,
      touchpoints: [
        expect.objectContaining({
          journeys: 1,
          revenuePerJourneyEngaged: 10,
          revenuePerJourneyOthers: null,
          incrementalRevenue: null,
          rox: null,
          team: null,
        }),
      ],
    });
  });

  it('does not count a journey engaged by an event of another day', () => {
    const events = [used('2026-10-23T23:59', 'A', 'live_chat'), page({ at: '2026-10-24T10:00', anon: 'A' })];
    expect(figuresOf(events).rox.touchpoints[0]?.journeys).toBe(0);
  });
});
