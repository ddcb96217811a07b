/**
 * Survey Responded through the collector (issue 16): the figures read `properties.survey` and
 * `properties.score` only, so every other shape is refused with invalid_survey_score, never stored
 * and silently left out of NPS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateDay } from '../../shared/app/aggregate/aggregate';
import { siteConfigWithDefaults } from '../../shared/config/site';
import { basicAuth, startTestStack, type TestStack } from '../helpers/local-stack';

const SITE = siteConfigWithDefaults({ site: 'survey-shop', timezone: 'Europe/Rome' });

let stack: TestStack;
let writeKey: string;

beforeAll(async () => {
  stack = await startTestStack();
  ({ writeKey } = await stack.createSite(SITE));
});
afterAll(async () => {
  await stack.stop();
});

const response = (messageId: string, properties: Record<string, unknown>) => ({
  type: 'track',
  event: 'Survey Responded',
  messageId,
  anonymousId: `visitor-${messageId}`,
  timestamp: '2026-10-24T10:00:00.000Z',
  properties,
});

describe('Survey Responded at the collector', () => {
  it('rejects a survey kind sent as properties.kind, an unknown kind and a bad score, and counts only the valid one', async () => {
    const sent = await fetch(`${stack.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(writeKey) },
      body: JSON.stringify({
        batch: [
          response('valid', { survey: 'nps', score: 9 }),
          response('kind-out-of-range', { kind: 'nps', score: 11 }),
          response('kind-in-range', { kind: 'nps', score: 9 }),
          response('upper-case', { survey: 'NPS', score: 9 }),
          response('unknown-kind', { survey: 'stars', score: 4 }),
          response('out-of-range', { survey: 'nps', score: 11 }),
        ],
      }),
    });

    expect(sent.status).toBe(200);
    const body = (await sent.json()) as {
      accepted: number;
      rejected: { index: number; messageId: string; reason: string; message: string }[];
    };
    expect(body.accepted).toBe(1);
    expect(body.rejected.map(({ messageId, reason }) => ({ messageId, reason }))).toEqual([
      { messageId: 'kind-out-of-range', reason: 'invalid_survey_score' },
      { messageId: 'kind-in-range', reason: 'invalid_survey_score' },
      { messageId: 'upper-case', reason: 'invalid_survey_score' },
      { messageId: 'unknown-kind', reason: 'invalid_survey_score' },
      { messageId: 'out-of-range', reason: 'invalid_survey_score' },
    ]);
    expect(body.rejected[0]?.message).toContain(
      'the survey kind goes in properties.survey, not properties.kind',
    );
    expect(body.rejected[2]?.message).toContain('survey "NPS" is not one of nps, enps, ces, csat');
    expect(body.rejected[4]?.message).toContain('nps score 11 is outside 0-10');

    const archived = await stack.archivedEvents(SITE.site);
    expect(archived.map((event) => event.messageId)).toEqual(['valid']);
    expect(await stack.archivedKeys(`rejected/site=${SITE.site}/`)).not.toHaveLength(0);

    const { figures } = await aggregateDay(stack.clients, SITE, '2026-10-24');
    expect(figures.experience.nps).toEqual({
      responses: 1,
      promoters: 1,
      passives: 0,
      detractors: 0,
      score: 100,
    });
  });
});
