import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../../shared/events/types';
import { deduplicate } from '../../../shared/metrics/dedup';
import { computeFigures, type FiguresDocument } from '../../../shared/metrics/figures';
import { linksFromEvents } from '../../../shared/metrics/links';
import { localDate } from '../../../shared/time';
import { loadConformanceData } from '../../helpers/conformance';
import { figuresOf, page, utcSite } from './fixtures';

/** Every key of the document, depth first, in order: the §6 contract including key order. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => keyPaths(item, `${prefix}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return [path, ...keyPaths(child, path)];
  });
}

describe('the figures document (metrics.md §6)', () => {
  it('has every field of §6, in its key order, on an empty day', () => {
    const config = utcSite({ touchpoints: { live_chat: { dailyCost: 120, team: 'support' } } });
    const document = computeFigures({
      config,
      date: '2026-11-20',
      events: [],
      links: new Map(),
      status: 'provisional',
      revision: 1,
      computedAt: '2026-11-21T01:00:03.120Z',
    });
    expect(document).toEqual({
      site: 'test-shop',
      date: '2026-11-20',
      timezone: 'UTC',
      currency: 'EUR',
      status: 'provisional',
      revision: 1,
      computedAt: '2026-11-21T01:00:03.120Z',
      traffic: { events: 0, journeys: 0, sessions: 0, pageviews: 0, bounceRate: null, byChannel: {} },
      funnel: {
        steps: [
          { event: 'Product Viewed', sessions: 0 },
          { event: 'Product Added', sessions: 0 },
          { event: 'Checkout Started', sessions: 0 },
          { event: 'Order Completed', sessions: 0 },
        ],
        conversionRate: null,
      },
      sales: { orders: 0, revenue: 0, aov: null, customers: 0, refunds: 0, refundedValue: 0, netRevenue: 0 },
      carts: { created: 0, converted: 0, abandoned: 0, abandonmentRate: null, abandonedValue: 0 },
      checkouts: { started: 0, completed: 0, abandonmentRate: null },
      experience: {
        nps: { responses: 0, promoters: 0, passives: 0, detractors: 0, score: null },
        ces: { responses: 0, score: null },
        csat: { responses: 0, score: null },
        enps: { responses: 0, promoters: 0, passives: 0, detractors: 0, score: null, byTeam: {} },
        friction: {
          events: 0,
          sessionsWithFriction: 0,
          rate: null,
          byKind: {},
          conversionWith: null,
          conversionWithout: null,
        },
      },
      rox: {
        value: null,
        investment: 0,
        incrementalRevenue: 0,
        attributedRevenue: 0,
        touchpoints: [
          {
            touchpoint: 'live_chat',
            dailyCost: 120,
            journeys: 0,
            revenuePerJourneyEngaged: null,
            revenuePerJourneyOthers: null,
            incrementalRevenue: null,
            attributedRevenue: 0,
            rox: null,
            conversionRateEngaged: null,
            conversionRateOthers: null,
            nps: null,
            frictionRate: null,
            team: 'support',
            teamEnps: null,
          },
        ],
      },
      experiments: [],
      quality: { duplicates: 0, unconvertedOrders: 0, lateEvents: 0, rejected: {} },
      outcomes: {
        rox: {
          exposureFrom: '2026-10-17',
          exposureTo: '2026-11-13',
          windowDays: 28,
          horizonDays: 7,
          lookbackDays: 7,
          touchpoints: [
            {
              touchpoint: 'live_chat',
              cost: 3360,
              exposed: 0,
              controls: 0,
              revenuePerJourneyExposed: null,
              revenuePerJourneyControl: null,
              naiveIncrementalRevenue: null,
              naiveRox: null,
              strata: 0,
              usableStrata: 0,
              coverage: null,
              incrementalRevenuePerJourney: null,
              incrementalRevenuePerJourneyLow: null,
              incrementalRevenuePerJourneyHigh: null,
              incrementalRevenue: null,
              incrementalRevenueLow: null,
              incrementalRevenueHigh: null,
              rox: null,
              roxLow: null,
              roxHigh: null,
              verdict: null,
            },
          ],
        },
      },
      customers: {
        new: 0,
        returning: 0,
        repeatRate: null,
        retention30: null,
        ltv30: null,
        retention90: null,
        ltv90: null,
        cohorts: [],
        experienceValue: {
          from: '2026-09-22',
          to: '2026-10-21',
          promoters: { respondents: 0, revenuePerRespondent: null, repurchaseRate: null },
          passives: { respondents: 0, revenuePerRespondent: null, repurchaseRate: null },
          detractors: { respondents: 0, revenuePerRespondent: null, repurchaseRate: null },
          gap: null,
        },
      },
    });
    // toEqual ignores key order; the contract does not.
    expect(keyPaths(document)).toEqual(
      keyPaths({
        site: 0,
        date: 0,
        timezone: 0,
        currency: 0,
        status: 0,
        revision: 0,
        computedAt: 0,
        traffic: { events: 0, journeys: 0, sessions: 0, pageviews: 0, bounceRate: 0, byChannel: 0 },
        funnel: {
          steps: [0, 0, 0, 0].map(() => ({ event: 0, sessions: 0 })),
          conversionRate: 0,
        },
        sales: { orders: 0, revenue: 0, aov: 0, customers: 0, refunds: 0, refundedValue: 0, netRevenue: 0 },
        carts: { created: 0, converted: 0, abandoned: 0, abandonmentRate: 0, abandonedValue: 0 },
        checkouts: { started: 0, completed: 0, abandonmentRate: 0 },
        experience: {
          nps: { responses: 0, promoters: 0, passives: 0, detractors: 0, score: 0 },
          ces: { responses: 0, score: 0 },
          csat: { responses: 0, score: 0 },
          enps: { responses: 0, promoters: 0, passives: 0, detractors: 0, score: 0, byTeam: 0 },
          friction: {
            events: 0,
            sessionsWithFriction: 0,
            rate: 0,
            byKind: 0,
            conversionWith: 0,
            conversionWithout: 0,
          },
        },
        rox: {
          value: 0,
          investment: 0,
          incrementalRevenue: 0,
          attributedRevenue: 0,
          touchpoints: [
            {
              touchpoint: 0,
              dailyCost: 0,
              journeys: 0,
              revenuePerJourneyEngaged: 0,
              revenuePerJourneyOthers: 0,
              incrementalRevenue: 0,
              attributedRevenue: 0,
              rox: 0,
              conversionRateEngaged: 0,
              conversionRateOthers: 0,
              nps: 0,
              frictionRate: 0,
              team: 0,
              teamEnps: 0,
            },
          ],
        },
        experiments: 0,
        quality: { duplicates: 0, unconvertedOrders: 0, lateEvents: 0, rejected: 0 },
        outcomes: {
          rox: {
            exposureFrom: 0,
            exposureTo: 0,
            windowDays: 0,
            horizonDays: 0,
            lookbackDays: 0,
            touchpoints: [
              {
                touchpoint: 0,
                cost: 0,
                exposed: 0,
                controls: 0,
                revenuePerJourneyExposed: 0,
                revenuePerJourneyControl: 0,
                naiveIncrementalRevenue: 0,
                naiveRox: 0,
                strata: 0,
                usableStrata: 0,
                coverage: 0,
                incrementalRevenuePerJourney: 0,
                incrementalRevenuePerJourneyLow: 0,
                incrementalRevenuePerJourneyHigh: 0,
                incrementalRevenue: 0,
                incrementalRevenueLow: 0,
                incrementalRevenueHigh: 0,
                rox: 0,
                roxLow: 0,
                roxHigh: 0,
                verdict: 0,
              },
            ],
          },
        },
        customers: {
          new: 0,
          returning: 0,
          repeatRate: 0,
          retention30: 0,
          ltv30: 0,
          retention90: 0,
          ltv90: 0,
          cohorts: 0,
          experienceValue: {
            from: 0,
            to: 0,
            promoters: { respondents: 0, revenuePerRespondent: 0, repurchaseRate: 0 },
            passives: { respondents: 0, revenuePerRespondent: 0, repurchaseRate: 0 },
            detractors: { respondents: 0, revenuePerRespondent: 0, repurchaseRate: 0 },
            gap: 0,
          },
        },
      }),
    );
  });

  it('puts experiments and variants in the §6 key order', () => {
    const events = [
      {
        ...page({ at: '2026-10-24T10:00' }),
        type: 'track' as const,
        event: 'Experiment Viewed',
        properties: { experiment_id: 'e', variation_id: 'v' },
      },
    ];
    expect(keyPaths(figuresOf(events).experiments)).toEqual([
      '[0].experimentId',
      '[0].variants',
      '[0].variants[0].variationId',
      '[0].variants[0].journeys',
      '[0].variants[0].orders',
      '[0].variants[0].conversionRate',
      '[0].variants[0].revenuePerJourney',
      '[0].variants[0].cartAbandonmentRate',
    ]);
  });

  it('sorts byChannel, byKind, byTeam and rejected keys, so equal data serializes identically', () => {
    const document = computeFigures({
      config: utcSite(),
      date: '2026-10-24',
      events: [
        page({ at: '2026-10-24T10:00', ctx: { channel: 'web' } }),
        page({ at: '2026-10-24T10:00', ctx: { channel: 'app' } }),
      ],
      links: new Map(),
      rejected: { too_large: 1, invalid_type: 2 },
      status: 'final',
      revision: 3,
      computedAt: 'x',
    });
    expect(Object.keys(document.traffic.byChannel)).toEqual(['app', 'web']);
    expect(Object.keys(document.quality.rejected)).toEqual(['invalid_type', 'too_large']);
    expect(document).toMatchObject({ status: 'final', revision: 3, computedAt: 'x' });
  });

  it('keeps a channel named __proto__ as data', () => {
    const { byChannel } = figuresOf([
      page({ at: '2026-10-24T10:00', ctx: { channel: '__proto__' } }),
    ]).traffic;
    expect(Object.keys(byChannel)).toEqual(['__proto__']);
    expect(JSON.parse(JSON.stringify(byChannel))).toEqual(
      JSON.parse('{"__proto__":{"events":1,"journeys":1}}'),
    );
  });
});

describe('invariants on the conformance data', () => {
  const data = loadConformanceData();
  const links = linksFromEvents(deduplicate(data.events).events);
  const dates = ['2026-10-24', '2026-10-25', '2026-10-26', '2026-10-27'];
  const figures = (events: readonly NormalizedEvent[]) =>
    dates.map((date) =>
      computeFigures({
        config: data.config,
        date,
        events,
        links,
        status: 'final',
        revision: 1,
        computedAt: 'x',
      }),
    );
  const withoutDuplicates = (documents: FiguresDocument[]) =>
    documents.map((document) => ({ ...document, quality: { ...document.quality, duplicates: 0 } }));
  const reference = figures(data.events);

  it('gives the same figures, to the last bit, whatever the archive order', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const shuffled = [...data.events];
        let state = seed >>> 0;
        for (let i = shuffled.length - 1; i > 0; i--) {
          state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
          const j = state % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j] as NormalizedEvent, shuffled[i] as NormalizedEvent];
        }
        expect(figures(shuffled)).toEqual(reference);
      }),
      { numRuns: 5 },
    );
  });

  it('changes no figure but quality.duplicates when events are ingested again', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat({ max: data.events.length - 1 }), { maxLength: 300 }), (indexes) => {
        const again = indexes.map((i) => ({ ...(data.events[i] as NormalizedEvent) }));
        const documents = figures([...data.events, ...again]);
        expect(withoutDuplicates(documents)).toEqual(withoutDuplicates(reference));
        const added = documents.reduce((sum, d) => sum + d.quality.duplicates, 0);
        const before = reference.reduce((sum, d) => sum + d.quality.duplicates, 0);
        const onTheseDays = indexes.filter((i) => {
          const event = data.events[i] as NormalizedEvent;
          return dates.includes(localDate(Date.parse(event.timestamp), data.config.timezone));
        });
        expect(added - before).toBe(onTheseDays.length);
      }),
      { numRuns: 5 },
    );
  });
});
