/**
 * What a `Survey Responded` event must carry to be accepted (metrics.md §4 experience): the survey
 * kind in `properties.survey` and an integer `properties.score` in its range. The figures read only
 * these two fields, so any other shape is refused at ingest (`invalid_survey_score`) instead of
 * being stored and never counted.
 */
import type { JsonObject } from './types';

export const SURVEY_RESPONDED = 'Survey Responded';

/** Survey kinds and their valid integer score ranges (metrics.md §4, experience). */
export const SURVEY_SCORE_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  nps: [0, 10],
  enps: [0, 10],
  ces: [1, 7],
  csat: [1, 5],
};

const KINDS = Object.keys(SURVEY_SCORE_RANGES).join(', ');

/** A value as the message quotes it, cut short: rejection messages go back to the client and into logs. */
function quoted(value: unknown): string {
  const text = JSON.stringify(value ?? null);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** Why a `Survey Responded` event's properties cannot be scored, or undefined when they can. */
export function surveyResponseProblem(properties: JsonObject | undefined): string | undefined {
  const survey = properties?.survey;
  if (survey === undefined || survey === null) {
    // `kind` is what Friction Encountered uses: the likeliest misspelling of the survey field.
    const kind = properties?.kind;
    if (kind !== undefined && kind !== null)
      return `the survey kind goes in properties.survey, not properties.kind (${quoted(kind)})`;
    return `properties.survey is missing: one of ${KINDS}`;
  }
  const range =
    typeof survey === 'string' && Object.hasOwn(SURVEY_SCORE_RANGES, survey)
      ? SURVEY_SCORE_RANGES[survey]
      : undefined;
  if (!range) return `survey ${quoted(survey)} is not one of ${KINDS}`;
  const score = properties?.score;
  if (typeof score !== 'number' || !Number.isInteger(score) || score < range[0] || score > range[1]) {
    return `${survey} score ${quoted(score)} is outside ${range[0]}-${range[1]}`;
  }
  return undefined;
}
