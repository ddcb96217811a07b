/**
 * The causal story the simulator plants for metrics.md §7 (outcomes) and §8 (customers): which
 * visits use live_chat and product_video, what each truly does, and how customers come back. The
 * numbers live here so a test, the demo's README and the simulator read the same ones.
 *
 * - **Selection on behaviour.** Whether a visit uses a touchpoint is decided right after a funnel
 *   landmark (its first activity event, first `Product Viewed`, first `Product Added`, first `Checkout
 *   Started`), with a probability set only by what is recorded before it: the stage the session has
 *   reached, its channel, and the journey's last 7 days (activity depth, a cart add or checkout, an
 *   order) — exactly §7's stratum. The shopper's hidden purchase intent drives how far visits get and
 *   whether they buy, so users are mostly high-intent, but intent reaches the use only through those
 *   recorded facts: comparing like with like (§7 "adjusted") removes the selection, comparing users
 *   with everyone (§7 "naive") does not.
 * - **live_chat truly pays**: each visit's chat causes, with `orderChance`, an extra order (one
 *   product from the catalogue) `delayHours` later — on top of whatever the visit would have done.
 * - **product_video is a placebo**: no effect at all, used mostly after a cart add.
 * - **Customers return**: each visitor has a hidden disposition (happy, neutral, unhappy) that sets
 *   their NPS answers, how often they come back and how much they buy, so promoters spend more in
 *   the 30 days after answering than detractors (§8 `experienceValue.gap` > 0).
 */
import type { Lookback } from './journal';

export type StoryChannel = 'web' | 'app' | 'store';

/** Decisions at stages the table leaves out have probability 0. */
type ByStage = readonly number[];

interface UseRule {
  /** Base probability right after the landmark of stage 0, 1, 2, 3. */
  byStage: ByStage;
  byChannel: Readonly<Record<StoryChannel, number>>;
  /** Multiplier by the lookback's activity depth bucket. */
  byDepth: Readonly<Record<Lookback['depth'], number>>;
  /** Multiplier when the journey added to a cart or started a checkout in the lookback. */
  intent: number;
  /** Multiplier when it ordered in the lookback. */
  returning: number;
}

export const TOUCHPOINT_USE: Readonly<Record<'live_chat' | 'product_video', UseRule>> = {
  live_chat: {
    byStage: [0.024, 0.03, 0.11, 0.075],
    byChannel: { web: 1, app: 0.7, store: 0.25 },
    byDepth: { '0': 0.8, '1-4': 1, '5-19': 1.25, '20+': 1.5 },
    intent: 2,
    returning: 1.6,
  },
  product_video: {
    byStage: [0, 0.035, 0.26],
    byChannel: { web: 1, app: 1.2, store: 0 },
    byDepth: { '0': 0.8, '1-4': 1, '5-19': 1.25, '20+': 1.5 },
    intent: 1.8,
    returning: 1.3,
  },
};

/** Probability that a visit uses `touchpoint` right after reaching `stage`, from recorded behaviour only. */
export function useChance(
  touchpoint: keyof typeof TOUCHPOINT_USE,
  stage: number,
  channel: StoryChannel,
  lookback: Lookback,
): number {
  const rule = TOUCHPOINT_USE[touchpoint];
  const base = rule.byStage[stage] ?? 0;
  const chance =
    base *
    rule.byChannel[channel] *
    rule.byDepth[lookback.depth] *
    (lookback.intent ? rule.intent : 1) *
    (lookback.returning ? rule.returning : 1);
  // Kept well below 1: every stratum keeps visits that did not use it (the comparison needs them).
  return Math.min(0.55, chance);
}

/** live_chat's true effect: an extra order, caused by the chat. */
export const CHAT_EFFECT = {
  orderChance: 0.35,
  /** The caused order follows the chat by this many hours (uniform), well within §7's 7-day horizon. */
  delayHours: [3, 72] as const,
};

export type Disposition = 'happy' | 'neutral' | 'unhappy';

/** How each disposition answers NPS, comes back and buys (metrics.md §8). */
export const DISPOSITIONS: Readonly<
  Record<
    Disposition,
    {
      share: number;
      /** Probability of another shopping episode after one ends (before the lifetime cap). */
      comesBack: number;
      /** Mean days between two episodes (exponential, at least `MIN_RETURN_DAYS`). */
      meanGapDays: number;
      /** Added to the purchase intent of a later episode. */
      intentBonus: number;
      /** Multiplies the chance that an episode goes on with another visit after one without an order. */
      goesOn: number;
    }
  >
> = {
  happy: { share: 0.35, comesBack: 0.7, meanGapDays: 14, intentBonus: 0.2, goesOn: 1.2 },
  neutral: { share: 0.5, comesBack: 0.42, meanGapDays: 24, intentBonus: 0.05, goesOn: 1 },
  unhappy: { share: 0.15, comesBack: 0.12, meanGapDays: 40, intentBonus: -0.15, goesOn: 0.6 },
};

export const MIN_RETURN_DAYS = 2;
/** A visitor's episodes start within this many days of their first visit (bounds the history to simulate). */
export const LIFETIME_DAYS = 120;
/** Every session of an episode starts within this many days of the episode's start. */
export const EPISODE_SPAN_DAYS = 8;
