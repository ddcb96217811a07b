import { describe, expect, it } from 'vitest';
import { figuresOf, order, page, track } from './fixtures';

const survey = (
  at: string,
  anon: string,
  survey: string,
  score: number,
  more: Record<string, unknown> = {},
) => track('Survey Responded', { at, anon, props: { survey, score, ...more } });

describe('experience — surveys (metrics.md §4)', () => {
  it('computes NPS from promoters (9–10), passives (7–8) and detractors (0–6)', () => {
    const events = [10, 9, 8, 7, 6, 0].map((score, i) => survey('2026-10-24T10:00', `j${i}`, 'nps', score));
    expect(figuresOf(events).experience.nps).toEqual({
      responses: 6,
      promoters: 2,
      passives: 2,
      detractors: 2,
      score: 0,
    });
  });

  it.each([
    { scores: [10, 10], score: 100 },
    { scores: [0, 6], score: -100 },
    { scores: [9, 9, 3], score: 100 / 3 },
  ])('scores NPS $scores as $score', ({ scores, score }) => {
    const events = scores.map((s, i) => survey('2026-10-24T10:00', `j${i}`, 'nps', s));
    expect(figuresOf(events).experience.nps.score).toBeCloseTo(score, 12);
  });

  it('counts only the latest response of a journey per survey kind', () => {
    const events = [
      survey('2026-10-24T09:00', 'a', 'nps', 0),
      survey('2026-10-24T12:00', 'a', 'nps', 10),
      survey('2026-10-24T10:00', 'a', 'nps', 3),
      survey('2026-10-24T09:00', 'a', 'csat', 5),
      survey('2026-10-24T09:00', 'b', 'nps', 8),
    ];
    const { experience } = figuresOf(events);
    expect(experience.nps).toEqual({ responses: 2, promoters: 1, passives: 1, detractors: 0, score: 50 });
    expect(experience.csat).toEqual({ responses: 1, score: 1 });
  });

  it('does not let a response of another day replace the latest of D', () => {
    const events = [survey('2026-10-24T09:00', 'a', 'nps', 0), survey('2026-10-25T09:00', 'a', 'nps', 10)];
    expect(figuresOf(events).experience.nps).toMatchObject({ responses: 1, detractors: 1 });
  });

  it('treats an anonymous and an identified response of one journey as one respondent', () => {
    const events = [
      survey('2026-10-24T09:00', 'a', 'nps', 0),
      track('Survey Responded', {
        at: '2026-10-24T10:00',
        anon: 'a',
        user: 'u',
        props: { survey: 'nps', score: 9 },
      }),
    ];
    expect(figuresOf(events).experience.nps).toMatchObject({ responses: 1, promoters: 1 });
  });

  it('averages CES and takes the share of 4–5 for CSAT', () => {
    const events = [
      survey('2026-10-24T09:00', 'a', 'ces', 1),
      survey('2026-10-24T09:00', 'b', 'ces', 7),
      survey('2026-10-24T09:00', 'c', 'ces', 4),
      survey('2026-10-24T09:00', 'a', 'csat', 3),
      survey('2026-10-24T09:00', 'b', 'csat', 4),
      survey('2026-10-24T09:00', 'c', 'csat', 5),
      survey('2026-10-24T09:00', 'd', 'csat', 1),
    ];
    const { experience } = figuresOf(events);
    expect(experience.ces).toEqual({ responses: 3, score: 4 });
    expect(experience.csat).toEqual({ responses: 4, score: 0.5 });
  });

  it('computes eNPS overall and by team', () => {
    const events = [
      survey('2026-10-24T09:00', 'e1', 'enps', 10, { team: 'support' }),
      survey('2026-10-24T09:00', 'e2', 'enps', 2, { team: 'support' }),
      survey('2026-10-24T09:00', 'e3', 'enps', 2, { team: 'support' }),
      survey('2026-10-24T09:00', 'e4', 'enps', 9, { team: 'stores' }),
      survey('2026-10-24T09:00', 'e5', 'enps', 8),
    ];
    expect(figuresOf(events).experience.enps).toEqual({
      responses: 5,
      promoters: 2,
      passives: 1,
      detractors: 2,
      score: 0,
      byTeam: { stores: { responses: 1, score: 100 }, support: { responses: 3, score: -100 / 3 } },
    });
  });

  it('files an employee under the team of their latest response', () => {
    const events = [
      survey('2026-10-24T09:00', 'e1', 'enps', 0, { team: 'stores' }),
      survey('2026-10-24T10:00', 'e1', 'enps', 10, { team: 'support' }),
    ];
    expect(figuresOf(events).experience.enps.byTeam).toEqual({ support: { responses: 1, score: 100 } });
  });

  it('ignores responses without a known survey kind or a valid score', () => {
    const events = [
      survey('2026-10-24T09:00', 'a', 'other', 5),
      track('Survey Responded', { at: '2026-10-24T09:00', anon: 'b', props: { survey: 'nps' } }),
      survey('2026-10-24T09:00', 'c', 'csat', 9),
    ];
    const { experience } = figuresOf(events);
    expect([experience.nps.responses, experience.ces.responses, experience.csat.responses]).toEqual([
      0, 0, 0,
    ]);
  });

  it('gives null scores without responses', () => {
    const { experience } = figuresOf([]);
    expect(experience.nps).toEqual({ responses: 0, promoters: 0, passives: 0, detractors: 0, score: null });
    expect(experience.ces).toEqual({ responses: 0, score: null });
    expect(experience.csat).toEqual({ responses: 0, score: null });
    expect(experience.enps).toEqual({
      responses: 0,
      promoters: 0,
      passives: 0,
      detractors: 0,
      score: null,
      byTeam: {},
    });
  });
});

describe('experience — friction (metrics.md §4)', () => {
  const friction = (at: string, anon: string, kind?: string) =>
    track('Friction Encountered', { at, anon, props: kind === undefined ? {} : { kind } });

  it('counts friction events, sessions with friction, kinds and conversion with and without friction', () => {
    const events = [
      // session 1 (a): two frictions, converts
      friction('2026-10-24T09:00', 'a', 'slow_page'),
      friction('2026-10-24T09:05', 'a', 'payment_error'),
      order({ at: '2026-10-24T09:10', anon: 'a', props: { order_id: 'o1' } }),
      // session 2 (a, after a 2h gap): friction, no order
      friction('2026-10-24T11:10', 'a', 'slow_page'),
      // session 3 (b): no friction, converts
      page({ at: '2026-10-24T09:00', anon: 'b' }),
      order({ at: '2026-10-24T09:01', anon: 'b', props: { order_id: 'o2' } }),
      // sessions 4 and 5 (c, d): no friction, no order
      page({ at: '2026-10-24T09:00', anon: 'c' }),
      page({ at: '2026-10-24T09:00', anon: 'd' }),
      // friction without a kind counts in events only
      friction('2026-10-24T23:00', 'e'),
    ];
    expect(figuresOf(events).experience.friction).toEqual({
      events: 4,
      sessionsWithFriction: 3,
      rate: 3 / 6,
      byKind: { payment_error: 1, slow_page: 2 },
      conversionWith: 1 / 3,
      conversionWithout: 1 / 3,
    });
  });

  it('gives null rates when there are no sessions with (or without) friction', () => {
    const noFriction = figuresOf([page({ at: '2026-10-24T09:00' })]).experience.friction;
    expect(noFriction).toMatchObject({ events: 0, rate: 0, conversionWith: null, conversionWithout: 0 });
    const allFriction = figuresOf([friction('2026-10-24T09:00', 'a', 'x')]).experience.friction;
    expect(allFriction).toMatchObject({ rate: 1, conversionWith: 0, conversionWithout: null });
    expect(figuresOf([]).experience.friction).toEqual({
      events: 0,
      sessionsWithFriction: 0,
      rate: null,
      byKind: {},
      conversionWith: null,
      conversionWithout: null,
    });
  });
});
