/**
 * Link snapshots: the stored identity links (written by the collector, metrics.md §2) of the anonymous
 * ids met on one site-local day, as the aggregator last looked them up — a link or "none". The
 * aggregator looks up once per run, for the whole window and each id once, then keeps the answers
 * next to the day's partials so the hourly runs of today and yesterday look up only ids they have
 * not met before (architecture.md "Identity links at scale": a per-site links snapshot in S3).
 */
import { betterLink, type LinkCandidate } from './links';

/** Bumped whenever the shape changes: snapshots of another format are ignored (and rewritten). */
export const LINK_SNAPSHOT_FORMAT = 1;

/** Anonymous id, and its stored link's user id and event time (epoch ms), or nulls when it had none. */
export type LookedUpLink = readonly [anonymousId: string, userId: string | null, eventTimeMs: number | null];

export interface LinkSnapshot {
  format: typeof LINK_SNAPSHOT_FORMAT;
  site: string;
  date: string;
  entries: LookedUpLink[];
}

/** What is known of each id's stored link: the link, or null when the store had none. */
export type KnownLinks = Map<string, LinkCandidate | null>;

/**
 * Which of the ids met (by date) must be looked up: all of them for a fresh run; for a cached one,
 * those no snapshot of the window answers. `known` holds the snapshots' answers for the ids met.
 */
export function planLookups(
  idsByDate: ReadonlyMap<string, ReadonlySet<string>>,
  snapshots: ReadonlyMap<string, LinkSnapshot>,
  mode: 'fresh' | 'cached',
): { known: KnownLinks; missing: Set<string> } {
  const answers: KnownLinks = new Map();
  if (mode === 'cached') {
    for (const snapshot of snapshots.values()) {
      for (const [id, answer] of answersOf(snapshot)) {
        const held = answers.get(id);
        // Two answers differ only when a link was stored between their look-ups: the store keeps the better.
        if (held === undefined || held === null || (answer !== null && betterLink(answer, held)))
          answers.set(id, answer);
      }
    }
  }
  const known: KnownLinks = new Map();
  const missing = new Set<string>();
  for (const ids of idsByDate.values()) {
    for (const id of ids) {
      const answer = answers.get(id);
      if (answer === undefined) missing.add(id);
      else known.set(id, answer);
    }
  }
  return { known, missing };
}

function answersOf(snapshot: LinkSnapshot | undefined): Map<string, LinkCandidate | null> {
  const answers = new Map<string, LinkCandidate | null>();
  for (const [id, userId, time] of snapshot?.entries ?? [])
    answers.set(id, userId === null || time === null ? null : { userId, time });
  return answers;
}

/**
 * The snapshots worth writing after a run: each date's previous answers updated with this run's
 * (`known`, which holds every id met), for the dates where anything was new or changed.
 */
export function snapshotsToStore(
  site: string,
  idsByDate: ReadonlyMap<string, ReadonlySet<string>>,
  previous: ReadonlyMap<string, LinkSnapshot>,
  known: ReadonlyMap<string, LinkCandidate | null>,
): LinkSnapshot[] {
  const changed: LinkSnapshot[] = [];
  for (const [date, ids] of idsByDate) {
    if (ids.size === 0) continue;
    const answers = answersOf(previous.get(date));
    let updated = false;
    for (const id of ids) {
      const answer = known.get(id);
      if (answer === undefined) continue;
      if (!sameAnswer(answers.get(id), answer)) {
        answers.set(id, answer);
        updated = true;
      }
    }
    if (!updated) continue;
    const entries: LookedUpLink[] = [];
    for (const [id, answer] of answers) entries.push([id, answer?.userId ?? null, answer?.time ?? null]);
    changed.push({ format: LINK_SNAPSHOT_FORMAT, site, date, entries });
  }
  return changed;
}

function sameAnswer(a: LinkCandidate | null | undefined, b: LinkCandidate | null): boolean {
  if (a === undefined) return false;
  if (a === null || b === null) return a === b;
  return a.userId === b.userId && a.time === b.time;
}

/** The stored links among what is known, for resolveLinks. */
export function storedLinksOf(known: ReadonlyMap<string, LinkCandidate | null>): Map<string, LinkCandidate> {
  const links = new Map<string, LinkCandidate>();
  for (const [id, answer] of known) if (answer) links.set(id, answer);
  return links;
}
