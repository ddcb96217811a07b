/** Experience figures: NPS, CES, CSAT, eNPS and friction (metrics.md §4 "experience"). */
import { boundedKey, keptKeys } from './bounded';
import { type DayContext, EVENT_NAMES } from './day';
import { numberField, stringField } from './properties';
import { ratio, sortedRecord } from './rates';

export const SURVEY_KINDS = ['nps', 'ces', 'csat', 'enps'] as const;
export type SurveyKind = (typeof SURVEY_KINDS)[number];

/** Valid scores per survey kind, as validated at ingest (metrics.md §4 experience). */
const SCORE_RANGE: Record<SurveyKind, readonly [number, number]> = {
  nps: [0, 10],
  enps: [0, 10],
  ces: [1, 7],
  csat: [1, 5],
};

export interface SurveyResponse {
  readonly journeyId: string;
  readonly time: number;
  readonly score: number;
  readonly team: string | undefined;
  readonly touchpoint: string | undefined;
}

/** The counted responses of D: per survey kind, the latest response of each journey. */
export type SurveyResponses = Record<SurveyKind, SurveyResponse[]>;

export interface NpsFigures {
  responses: number;
  promoters: number;
  passives: number;
  detractors: number;
  score: number | null;
}

export interface ScoreFigures {
  responses: number;
  score: number | null;
}

export interface EnpsFigures extends NpsFigures {
  byTeam: Record<string, ScoreFigures>;
}

export interface FrictionFigures {
  events: number;
  sessionsWithFriction: number;
  rate: number | null;
  byKind: Record<string, number>;
  conversionWith: number | null;
  conversionWithout: number | null;
}

export interface ExperienceFigures {
  nps: NpsFigures;
  ces: ScoreFigures;
  csat: ScoreFigures;
  enps: EnpsFigures;
  friction: FrictionFigures;
}

function isSurveyKind(value: string | undefined): value is SurveyKind {
  return value === 'nps' || value === 'ces' || value === 'csat' || value === 'enps';
}

/** Whether `score` is a valid score of the survey kind (an integer in its range, as validated at ingest). */
export function isValidScore(kind: SurveyKind, score: number): boolean {
  const [min, max] = SCORE_RANGE[kind];
  return Number.isInteger(score) && score >= min && score <= max;
}

/**
 * metrics.md §4 experience: `Survey Responded` events of D with `properties.survey` and
 * `properties.score`; per survey kind only the latest response (by time; on a tie the later in archive
 * order) of each journey counts. Responses of other kinds or with a score outside the kind's range
 * (rejected at ingest anyway) are ignored. Each response keeps its event's touchpoint (§2) and
 * `properties.team`; an employee's eNPS team is the team of their counted response. The conformance
 * data rules out counting the earliest or every response (2026-10-26, -27).
 */
export function surveyResponses(day: DayContext): SurveyResponses {
  const latest: Record<SurveyKind, Map<string, SurveyResponse>> = {
    nps: new Map(),
    ces: new Map(),
    csat: new Map(),
    enps: new Map(),
  };
  for (const { event, journeyId, time, touchpoint } of day.tracks.get(EVENT_NAMES.surveyResponded) ?? []) {
    const kind = stringField(event.properties, 'survey');
    const score = numberField(event.properties, 'score');
    if (!isSurveyKind(kind) || score === undefined || !isValidScore(kind, score)) continue;
    // Events come in time order, so the last one written is the latest.
    latest[kind].set(journeyId, {
      journeyId,
      time,
      score,
      team: stringField(event.properties, 'team'),
      touchpoint,
    });
  }
  return {
    nps: [...latest.nps.values()],
    ces: [...latest.ces.values()],
    csat: [...latest.csat.values()],
    enps: [...latest.enps.values()],
  };
}

/** NPS of 0–10 scores: promoters 9–10, passives 7–8, detractors 0–6; score = 100 × (P − D) / responses. */
export function npsOf(responses: readonly { readonly score: number }[]): NpsFigures {
  let promoters = 0;
  let passives = 0;
  let detractors = 0;
  for (const { score } of responses) {
    if (score >= 9) promoters++;
    else if (score >= 7) passives++;
    else detractors++;
  }
  const total = responses.length;
  return {
    responses: total,
    promoters,
    passives,
    detractors,
    score: total === 0 ? null : (100 * (promoters - detractors)) / total,
  };
}

/** CES: mean score. */
export function cesOf(responses: readonly { readonly score: number }[]): ScoreFigures {
  let sum = 0;
  for (const { score } of responses) sum += score;
  return { responses: responses.length, score: ratio(sum, responses.length) };
}

/** CSAT: share of 4–5 scores. */
export function csatOf(responses: readonly { readonly score: number }[]): ScoreFigures {
  let satisfied = 0;
  for (const { score } of responses) if (score >= 4) satisfied++;
  return { responses: responses.length, score: ratio(satisfied, responses.length) };
}

/**
 * eNPS: NPS of the employee responses, plus per `properties.team` (responses without a team only in the
 * total; the 100 teams with the most responses, the others pooled under "(other)", bounded.ts).
 */
export function enpsOf(responses: readonly SurveyResponse[]): EnpsFigures {
  const counts = new Map<string, number>();
  for (const { team } of responses) if (team !== undefined) counts.set(team, (counts.get(team) ?? 0) + 1);
  const kept = keptKeys(counts);
  const byTeam = new Map<string, SurveyResponse[]>();
  for (const response of responses) {
    if (response.team === undefined) continue;
    const team = boundedKey(response.team, kept);
    const list = byTeam.get(team);
    if (list === undefined) byTeam.set(team, [response]);
    else list.push(response);
  }
  return {
    ...npsOf(responses),
    byTeam: sortedRecord(
      [...byTeam].map(([team, list]): [string, ScoreFigures] => {
        const { responses: count, score } = npsOf(list);
        return [team, { responses: count, score }];
      }),
    ),
  };
}

/**
 * metrics.md §4 experience.friction, from `Friction Encountered` events of D: `events`;
 * `sessionsWithFriction`; `rate` = sessionsWithFriction / sessions; `byKind` = events per
 * `properties.kind` (events without a kind count only in `events`; the 100 most frequent kinds and
 * "(other)", bounded.ts); `conversionWith` /
 * `conversionWithout` = share of sessions with / without friction that contain an `Order Completed`.
 */
export function frictionFigures(day: DayContext): FrictionFigures {
  const frictionEvents = day.tracks.get(EVENT_NAMES.frictionEncountered) ?? [];
  const allKinds = new Map<string, number>();
  for (const { event } of frictionEvents) {
    const kind = stringField(event.properties, 'kind');
    if (kind !== undefined) allKinds.set(kind, (allKinds.get(kind) ?? 0) + 1);
  }
  const kept = keptKeys(allKinds);
  const byKind = new Map<string, number>();
  for (const [kind, events] of allKinds) {
    const key = boundedKey(kind, kept);
    byKind.set(key, (byKind.get(key) ?? 0) + events);
  }
  let withFriction = 0;
  let convertedWith = 0;
  let convertedWithout = 0;
  for (const session of day.sessions) {
    if (session.hasFriction) {
      withFriction++;
      if (session.hasOrder) convertedWith++;
    } else if (session.hasOrder) convertedWithout++;
  }
  const sessions = day.sessions.length;
  return {
    events: frictionEvents.length,
    sessionsWithFriction: withFriction,
    rate: ratio(withFriction, sessions),
    byKind: sortedRecord(byKind),
    conversionWith: ratio(convertedWith, withFriction),
    conversionWithout: ratio(convertedWithout, sessions - withFriction),
  };
}

/** metrics.md §4 experience: all survey figures and friction. */
export function experienceFigures(day: DayContext, responses: SurveyResponses): ExperienceFigures {
  return {
    nps: npsOf(responses.nps),
    ces: cesOf(responses.ces),
    csat: csatOf(responses.csat),
    enps: enpsOf(responses.enps),
    friction: frictionFigures(day),
  };
}
