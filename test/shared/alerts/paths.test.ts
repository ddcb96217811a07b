import { describe, expect, it } from 'vitest';
import {
  figurePathTemplates,
  isFigurePath,
  matchFigurePath,
  parseFigurePath,
  resolveFigure,
} from '../../../shared/alerts/paths';
import type { FiguresDocument } from '../../../shared/metrics/figures';
import { figuresOf, order, page, track, utcSite } from '../metrics/fixtures';
import { day } from './fixtures';

/** A day that fills every map and list of the document: channels, touchpoints, experiments, teams, kinds. */
function richDay(): FiguresDocument {
  const events = [
    page({ at: '2026-10-24T09:00', anon: 'a', ctx: { channel: 'web' }, props: { touchpoint: 'live_chat' } }),
    track('Experiment Viewed', {
      at: '2026-10-24T09:01',
      anon: 'a',
      props: { experiment_id: 'checkout-v2', variation_id: 'b' },
    }),
    track('Product Viewed', { at: '2026-10-24T09:02', anon: 'a' }),
    track('Product Added', { at: '2026-10-24T09:03', anon: 'a', props: { price: 10 } }),
    track('Checkout Started', { at: '2026-10-24T09:04', anon: 'a' }),
    order({ at: '2026-10-24T09:05', anon: 'a', props: { order_id: 'o1', revenue: 50 } }),
    page({ at: '2026-10-24T10:00', anon: 'b', ctx: { channel: 'app' } }),
    track('Friction Encountered', { at: '2026-10-24T10:01', anon: 'b', props: { kind: 'slow_page' } }),
    track('Survey Responded', {
      at: '2026-10-24T11:00',
      user: 'e1',
      props: { survey: 'enps', score: 9, team: 'support' },
    }),
    track('Survey Responded', { at: '2026-10-24T11:00', anon: 'b', props: { survey: 'nps', score: 3 } }),
    track('Survey Responded', { at: '2026-10-24T11:01', anon: 'b', props: { survey: 'ces', score: 5 } }),
    track('Survey Responded', { at: '2026-10-24T11:02', anon: 'b', props: { survey: 'csat', score: 4 } }),
  ];
  const figures = figuresOf(events, { config: utcSite() });
  figures.quality.rejected = { invalid_timestamp: 2 };
  return figures;
}

/**
 * Every number (or null number) of a document, with the path an alert rule would use for it. A cohort's
 * `retained` and `revenuePerCustomer` series are per month since its first order, not one figure each.
 */
function numericLeaves(
  value: unknown,
  prefix: string,
  out: Map<string, number | null>,
): Map<string, number | null> {
  if (/\.(retained|revenuePerCustomer)$/.test(prefix)) return out;
  if (typeof value === 'number' || (value === null && !/\.(team|verdict)$/.test(prefix)))
    out.set(prefix, value);
  else if (Array.isArray(value)) {
    for (const element of value) {
      const record = element as Record<string, unknown>;
      const id = ['touchpoint', 'experimentId', 'variationId', 'event', 'month']
        .map((field) => record[field])
        .find((v) => typeof v === 'string');
      numericLeaves(element, `${prefix}[${String(id)}]`, out);
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value))
      numericLeaves(child, prefix ? `${prefix}.${key}` : key, out);
  }
  return out;
}

describe('figure paths', () => {
  it('parses list entries in brackets and map keys after dots or in brackets', () => {
    expect(parseFigurePath('rox.touchpoints[live_chat].rox')).toEqual([
      { field: 'rox' },
      { field: 'touchpoints' },
      { key: 'live_chat' },
      { field: 'rox' },
    ]);
    expect(parseFigurePath('traffic.byChannel[web.mobile].events')).toEqual([
      { field: 'traffic' },
      { field: 'byChannel' },
      { key: 'web.mobile' },
      { field: 'events' },
    ]);
    expect(parseFigurePath('funnel.steps[Checkout Started].sessions')?.[2]).toEqual({
      key: 'Checkout Started',
    });
  });

  it.each([
    'carts..created',
    'carts.',
    '.carts',
    '[x].rox',
    'rox.touchpoints[].rox',
    'rox.touchpoints[live_chat',
    'rox.touchpoints[live_chat]rox',
    '',
  ])('rejects the malformed path %j', (path) => {
    expect(parseFigurePath(path)).toBeUndefined();
    expect(isFigurePath(path)).toBe(false);
  });

  it.each([
    'carts.abandonmentRate',
    'rox.value',
    'experience.nps.score',
    'traffic.events',
    'rox.touchpoints[live_chat].rox',
    'traffic.byChannel.web.events',
    'traffic.byChannel[web].events',
    'experiments[checkout-v2].variants[b].conversionRate',
    'experience.enps.byTeam.support.score',
    'experience.friction.byKind.slow_page',
    'quality.rejected.invalid_timestamp',
  ])('accepts %s', (path) => {
    expect(isFigurePath(path)).toBe(true);
  });

  it.each([
    ['carts.abandonRate', 'misspelt field'],
    ['carts', 'a section, not a number'],
    ['revision', 'document metadata'],
    ['site', 'a string'],
    ['rox.touchpoints[live_chat].team', 'a string inside a list entry'],
    ['rox.touchpoints.live_chat.rox', 'list entries need brackets'],
    ['carts.created.total', 'below a number'],
    ['traffic.byChannel.web', 'a map entry that is an object'],
  ])('rejects %s (%s)', (path) => {
    expect(isFigurePath(path)).toBe(false);
  });

  it('resolves entries of lists and maps in a computed document', () => {
    const figures = richDay();
    const chat = figures.rox.touchpoints.find((t) => t.touchpoint === 'live_chat');
    expect(resolveFigure(figures, 'rox.touchpoints[live_chat].journeys')).toBe(chat?.journeys);
    expect(resolveFigure(figures, 'rox.touchpoints[live_chat].journeys')).toBe(1);
    expect(resolveFigure(figures, 'traffic.byChannel.web.events')).toBe(1);
    expect(resolveFigure(figures, 'traffic.byChannel[app].events')).toBe(
      figures.traffic.byChannel.app?.events,
    );
    expect(resolveFigure(figures, 'experiments[checkout-v2].variants[b].journeys')).toBe(1);
    expect(resolveFigure(figures, 'experiments[checkout-v2].variants[b].conversionRate')).toBe(1);
    expect(resolveFigure(figures, 'funnel.steps[Checkout Started].sessions')).toBe(1);
    expect(resolveFigure(figures, 'experience.enps.byTeam.support.score')).toBe(100);
    expect(resolveFigure(figures, 'experience.friction.byKind.slow_page')).toBe(1);
    expect(resolveFigure(figures, 'quality.rejected.invalid_timestamp')).toBe(2);
    expect(resolveFigure(figures, 'experience.nps.score')).toBe(-100);
  });

  it('resolves a null figure, a missing entry and prototype keys to null', () => {
    const figures = day('2026-11-20');
    expect(resolveFigure(figures, 'carts.abandonmentRate')).toBeNull();
    expect(resolveFigure(figures, 'traffic.byChannel.web.events')).toBeNull();
    expect(resolveFigure(figures, 'experiments[checkout-v2].variants[b].conversionRate')).toBeNull();
    expect(resolveFigure(figures, 'rox.touchpoints[nope].rox')).toBeNull();
    expect(resolveFigure(figures, 'traffic.byChannel.__proto__.events')).toBeNull();
    expect(resolveFigure(figures, 'traffic.byChannel.constructor.events')).toBeNull();
    expect(resolveFigure(figures, 'quality.rejected.toString')).toBeNull();
  });

  it('addresses every number of the figures document, and every template names one', () => {
    const leaves = numericLeaves(richDay(), '', new Map());
    const metadata = ['revision'];
    const figures = [...leaves.keys()].filter((path) => !metadata.includes(path));
    expect(figures.length).toBeGreaterThan(80);
    expect(figures.filter((path) => !isFigurePath(path))).toEqual([]);
    expect(isFigurePath('revision')).toBe(false);

    const templates = figurePathTemplates();
    expect(templates).toContain('rox.touchpoints[<touchpoint>].rox');
    expect(templates).toContain('traffic.byChannel.<channel>.events');
    expect(templates).toContain('experiments[<experimentId>].variants[<variationId>].conversionRate');
    // Each template, filled with keys of the rich day, is a number of that day.
    const fill: Record<string, string> = {
      '<channel>': 'web',
      '[<event>]': '[Checkout Started]',
      '<team>': 'support',
      '<kind>': 'slow_page',
      '[<touchpoint>]': '[live_chat]',
      '[<experimentId>]': '[checkout-v2]',
      '[<variationId>]': '[b]',
      '<reason>': 'invalid_timestamp',
      '[<month>]': '[2026-10]',
    };
    for (const template of templates) {
      let path = template;
      for (const [placeholder, key] of Object.entries(fill)) path = path.replace(placeholder, key);
      expect(leaves.has(path), path).toBe(true);
    }
    expect(new Set(templates).size).toBe(templates.length);
  });

  it('knows the unit and label of a figure, with the entry keys filled in later', () => {
    expect(matchFigurePath('rox.touchpoints[live_chat].rox')).toMatchObject({
      leaf: { unit: 'ratio', label: 'ROX of {0}' },
      keys: ['live_chat'],
    });
    expect(matchFigurePath('carts.abandonmentRate')?.leaf.unit).toBe('rate');
    expect(matchFigurePath('sales.revenue')?.leaf.unit).toBe('money');
  });

  it('reaches the across-days figures: the adjusted ROX interval of a touchpoint, retention, the experience gap', () => {
    expect(matchFigurePath('outcomes.rox.touchpoints[live_chat].roxHigh')).toMatchObject({
      leaf: { unit: 'ratio', label: 'High end of the adjusted ROX of {0}' },
      keys: ['live_chat'],
    });
    expect(matchFigurePath('customers.retention30')?.leaf.unit).toBe('rate');
    expect(matchFigurePath('customers.experienceValue.gap')?.leaf.unit).toBe('money');
    const figures = richDay();
    const chat = figures.outcomes.rox.touchpoints.find((entry) => entry.touchpoint === 'live_chat');
    expect(resolveFigure(figures, 'outcomes.rox.touchpoints[live_chat].cost')).toBe(chat?.cost);
    expect(resolveFigure(figures, 'customers.new')).toBe(figures.customers.new);
    expect(isFigurePath('outcomes.rox.touchpoints[live_chat].verdict')).toBe(false);
  });
});
