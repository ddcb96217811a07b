/** Stable reason codes for rejected events (api.md, "Per-event acceptance"). Codes never change; messages may. */

export const REJECTION_REASONS = {
  not_an_object: 'the event must be a JSON object',
  unknown_type: 'type must be one of track, page, screen, identify, alias, group',
  missing_identity: 'the event needs a userId or an anonymousId (alias needs previousId and userId)',
  missing_event_name: 'a track event needs an event name',
  invalid_timestamp: 'timestamp, originalTimestamp and sentAt must be ISO 8601 date-times from 1970 to 2100',
  invalid_message_id: 'messageId must be a non-empty string of at most 200 characters',
  invalid_field: 'a field has the wrong type',
  invalid_survey_score:
    'Survey Responded needs properties.survey (nps, enps, ces or csat) and an integer properties.score: nps/enps 0-10, ces 1-7, csat 1-5',
  event_too_large: 'the event is larger than 32 KB',
  user_erasure_in_progress:
    "the user's data is being erased: their events are refused until the erasure has finished",
} as const;

export type RejectionReason = keyof typeof REJECTION_REASONS;

export interface Rejection {
  reason: RejectionReason;
  message: string;
}

export function rejection(reason: RejectionReason, detail?: string): Rejection {
  return { reason, message: detail ? `${REJECTION_REASONS[reason]} (${detail})` : REJECTION_REASONS[reason] };
}
