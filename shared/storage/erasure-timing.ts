/**
 * How long an erasure waits for the collectors (api.md "Privacy"): plain numbers, imported by the
 * collector, the erasure, the local runtime and the CDK app alike, with nothing of the storage code.
 */

/**
 * Erasing ids are kept for a few seconds only: an erasure waits longer than this before it reads the
 * archive (ERASURE_SETTLE_MS), so nothing a collector accepts after that escapes it.
 */
export const ERASING_IDS_TTL_MS = 5_000;

/**
 * How long an erasure waits once the user's ids are refused before it reads the archive: collectors
 * keep the refused ids for ERASING_IDS_TTL_MS (site-cache.ts), and a request that read them just before
 * may take up to the collector's timeout (25 s, infra/cdk) to archive what it accepted. Behind Firehose
 * the stream's buffering interval comes on top (StorageSettings.erasureSettleMs, set by the stack).
 */
export const ERASURE_SETTLE_MS = ERASING_IDS_TTL_MS + 25_000;

/**
 * The wait behind a Firehose delivery stream that buffers up to `bufferingSeconds` (the stack's
 * default, 300 s): what it holds is delivered by then, and a minute covers delivery itself.
 */
export function firehoseErasureSettleMs(bufferingSeconds = 300): number {
  return ERASURE_SETTLE_MS + (bufferingSeconds + 60) * 1000;
}

/** The wait that applies where these settings run. */
export function erasureSettleMsOf(settings: { erasureSettleMs?: number }): number {
  return settings.erasureSettleMs ?? ERASURE_SETTLE_MS;
}
