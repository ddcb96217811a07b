import { describe, expect, it } from 'vitest';
import { customersFigures } from '../../../shared/metrics/customers';
import { deduplicate } from '../../../shared/metrics/dedup';
import { buildLedger } from '../../../shared/metrics/derived';
import { computeFigures, type FiguresDocument } from '../../../shared/metrics/figures';
import { figuresDocumentOf } from '../../../shared/metrics/figures-schema';
import { linksFromEvents } from '../../../shared/metrics/links';
import { exposureWindowOf, outcomesFigures } from '../../../shared/metrics/outcomes';
import { addDays } from '../../../shared/time';
import { loadConformanceData } from '../../helpers/conformance';
import { fieldPathsOf, schemaAt } from '../../helpers/figures-schema-paths';
import { derivedDaysOf, loadOutcomesConformance } from '../../helpers/outcomes-conformance';
import { figuresOf, order, page } from './fixtures';

const WHERE = 'test-shop on 2026-10-24';

/** As DynamoDB gives it back: plain JSON, nulls kept. */
function stored(document: FiguresDocument): Record<string, unknown> {
  return JSON.parse(JSON.stringify(document));
}

/** The days of the conformance data set as the metric core computes them (surveys, experiments, friction...). */
function conformanceDays(): FiguresDocument[] {
  const data = loadConformanceData();
  const links = linksFromEvents(deduplicate(data.events).events);
  return [...data.expected.keys()].map((date) =>
    computeFigures({
      config: data.config,
      date,
      events: data.events,
      links,
      status: 'provisional',
      revision: 1,
      computedAt: '2026-10-28T01:00:00.000Z',
    }),
  );
}

/** The last day of the outcomes data set, its across-days sections computed over the whole archive. */
function acrossDaysDay(): FiguresDocument {
  const data = loadOutcomesConformance();
  const derived = derivedDaysOf(data);
  const ledger = buildLedger([...derived.values()]);
  const date = [...data.expected.keys()].sort().at(-1) ?? '';
  const { from, to } = exposureWindowOf(date, data.config);
  const exposureDays = [];
  for (let day = from; day <= to; day = addDays(day, 1)) exposureDays.push(derived.get(day)?.sessions ?? []);
  const events = [...(data.eventsByDay.get(date) ?? []), ...(data.eventsByDay.get(addDays(date, 1)) ?? [])];
  return {
    ...computeFigures({
      config: data.config,
      date,
      events,
      links: data.links,
      status: 'final',
      revision: 3,
      computedAt: '2026-12-01T01:00:00.000Z',
    }),
    outcomes: outcomesFigures({ config: data.config, date, exposureDays, ledger }),
    customers: customersFigures({ config: data.config, date, ledger }),
  };
}

/** `document` with the field at `path` (dot-separated, numbers index lists) set to `value`, or removed. */
function withField(document: FiguresDocument, path: string, value: unknown): Record<string, unknown> {
  const copy = stored(document);
  const steps = path.split('.');
  const last = steps.pop() ?? '';
  let node: unknown = copy;
  for (const step of steps)
    node = typeof node === 'object' && node !== null ? Reflect.get(node, step) : undefined;
  if (typeof node !== 'object' || node === null) throw new Error(`the document has no ${path}`);
  if (value === undefined) Reflect.deleteProperty(node, last);
  else Reflect.set(node, last, value);
  return copy;
}

describe('figuresDocumentOf (stored figures read back)', () => {
  const acrossDays = acrossDaysDay();
  const document = figuresOf([
    page({ at: '2026-10-24T10:00', anon: 'A' }),
    order({ at: '2026-10-24T10:05', anon: 'A', props: { order_id: 'o1', revenue: 30 } }),
  ]);

  it('gives back a computed document as it was stored', () => {
    const value = stored(document);
    expect(figuresDocumentOf(value, WHERE)).toEqual(document);
  });

  it('accepts every day of the conformance data set as the metric core computes it', () => {
    const days = conformanceDays();
    expect(days.length).toBe(4);
    // The set exercises the client-keyed maps and the lists, not only empty ones.
    expect(days.some((day) => day.experiments.length > 0)).toBe(true);
    expect(days.some((day) => Object.keys(day.experience.friction.byKind).length > 0)).toBe(true);
    for (const day of days) expect(figuresDocumentOf(stored(day), `conformance on ${day.date}`)).toEqual(day);
  });

  it('accepts the across-days sections as the metric core computes them over an archive', () => {
    const day = acrossDays;
    expect(day.outcomes.rox.touchpoints.some((t) => t.verdict !== null)).toBe(true);
    expect(day.customers.cohorts.length).toBeGreaterThan(0);
    expect(figuresDocumentOf(stored(day), `outcomes set on ${day.date}`)).toEqual(day);
  });

  it('accepts a day without events: its rates and scores null, its maps and lists empty', () => {
    const empty = figuresOf([]);
    expect(empty.carts.abandonmentRate).toBeNull();
    expect(figuresDocumentOf(stored(empty), WHERE)).toEqual(empty);
  });

  it('knows every field the metric core writes (an unknown field would be let through unchecked)', () => {
    const fields = [document, acrossDays, ...conformanceDays()].flatMap((day) => fieldPathsOf(day));
    expect(fields).toContain('outcomes.rox.touchpoints[].roxLow');
    expect([...new Set(fields)].filter((path) => schemaAt(path) === undefined)).toEqual([]);
  });

  it.each([
    [
      'a count that is text',
      'funnel.steps.2.sessions',
      '3',
      /funnel\.steps\[2\]\.sessions: expected number, got string/,
    ],
    ['a missing nullable figure', 'sales.aov', undefined, /sales\.aov: missing/],
    ['a missing count', 'traffic.sessions', undefined, /traffic\.sessions: missing \(expected number\)/],
    ['a rate that is text', 'traffic.bounceRate', 'high', /traffic\.bounceRate: expected number, got string/],
    ['a count that is not whole', 'carts.created', 1.5, /carts\.created: expected a whole number/],
    ['a negative count', 'quality.duplicates', -1, /quality\.duplicates: below 0/],
    [
      'a channel entry without journeys',
      'traffic.byChannel.unknown',
      { events: 2 },
      /traffic\.byChannel\.unknown\.journeys: missing/,
    ],
    [
      'a friction kind counted as text',
      'experience.friction.byKind',
      { slow: '2' },
      /experience\.friction\.byKind\.slow: expected number/,
    ],
    ['an eNPS without its teams', 'experience.enps.byTeam', undefined, /experience\.enps\.byTeam: missing/],
    [
      'a touchpoint team that is a number',
      'rox.touchpoints.0.team',
      7,
      /rox\.touchpoints\[0\]\.team: expected string, got number/,
    ],
    ['a nested section that is a list', 'experience.nps', [], /experience\.nps: expected object, got array/],
    [
      'an unknown verdict',
      'outcomes.rox.touchpoints.0.verdict',
      'maybe',
      /outcomes\.rox\.touchpoints\[0\]\.verdict: expected one of pays, loses, unclear/,
    ],
    [
      'an exposure window day that is no date',
      'outcomes.rox.exposureFrom',
      '20/09/2026',
      /outcomes\.rox\.exposureFrom: not a/,
    ],
    [
      'a customers figure missing',
      'customers.experienceValue.gap',
      undefined,
      /customers\.experienceValue\.gap: missing/,
    ],
    ['a null count', 'customers.new', null, /customers\.new: expected number, got null/],
  ])('refuses %s inside a section, naming its path', (_, path, value, message) => {
    expect(() => figuresDocumentOf(withField(document, path, value), WHERE)).toThrow(message);
  });

  it('refuses a wrong field deep in a computed experiment', () => {
    const day = conformanceDays().find((candidate) => candidate.experiments.length > 0);
    if (!day) throw new Error('no day with an experiment');
    expect(() =>
      figuresDocumentOf(withField(day, 'experiments.0.variants.0.journeys', undefined), WHERE),
    ).toThrow(/experiments\[0\]\.variants\[0\]\.journeys: missing/);
  });

  it.each([
    ['a document without its traffic section', { ...document, traffic: undefined }, 'traffic'],
    ['an outcomes section that is not an object', { ...document, outcomes: [] }, 'outcomes'],
    ['a status that is neither provisional nor final', { ...document, status: 'done' }, 'status'],
    ['a revision that is not a whole number', { ...document, revision: 1.5 }, 'revision'],
    ['experiments that are not a list', { ...document, experiments: {} }, 'experiments'],
  ])('refuses %s, naming the day and the field', (_, value, field) => {
    expect(() => figuresDocumentOf(value, WHERE)).toThrow(
      new RegExp(`stored figures of test-shop on 2026-10-24 are not a figures document \\(${field}:`),
    );
  });

  it('reads a day computed before outcomes and customers existed (its readers say they are missing)', () => {
    const { outcomes: _outcomes, customers: _customers, ...older } = document;
    expect(figuresDocumentOf(older, WHERE)).toEqual(older);
  });

  it('gives back fields the schema does not know as stored (a newer writer, an older reader)', () => {
    const newer = { ...stored(document), forecast: { revenue: 31 } };
    expect(figuresDocumentOf(newer, WHERE)).toBe(newer);
  });

  it('refuses a value that is no document at all', () => {
    expect(() => figuresDocumentOf('figures', WHERE)).toThrow(
      /\(\(document\): expected object, got string\)/,
    );
  });
});
