/** The query service: journey timelines as the query API pages them, and the user erasures it records. */
import type { JourneyEntry } from '../events/ingest';
import type { StorageClients } from '../storage/clients';
import { erasureJobOf, requestErasure } from '../storage/erase';
import type { ErasureJob } from '../storage/erasure-jobs';
import { getJourneyEntries, linkedAnonymousIds, type StoredSite } from '../storage/table';

/** A journey's events in time order, over the user id and every anonymous id linked to it. */
export async function journeyTimeline(
  clients: StorageClients,
  site: string,
  journeyId: string,
): Promise<JourneyEntry[]> {
  const actors = [journeyId, ...(await linkedAnonymousIds(clients, site, journeyId))];
  const byMessage = new Map<string, JourneyEntry>();
  for (const entries of await Promise.all(actors.map((actor) => getJourneyEntries(clients, site, actor)))) {
    for (const entry of entries) if (!byMessage.has(entry.m)) byMessage.set(entry.m, entry);
  }
  return [...byMessage.values()].sort((a, b) => a.t - b.t || (a.m < b.m ? -1 : a.m > b.m ? 1 : 0));
}

export interface JourneyPage {
  total: number;
  events: {
    messageId: string;
    timestamp: string;
    type: JourneyEntry['y'];
    name: string | null;
    touchpoint: string | null;
    channel: string | null;
  }[];
  /** Where the next page starts; null on the last page. */
  nextOffset: number | null;
}

/** One page of a journey's timeline; undefined when the journey has no events. */
export async function journeyPage(
  clients: StorageClients,
  site: string,
  journeyId: string,
  { offset, limit }: { offset: number; limit: number },
): Promise<JourneyPage | undefined> {
  const timeline = await journeyTimeline(clients, site, journeyId);
  if (timeline.length === 0) return undefined;
  const events = timeline.slice(offset, offset + limit).map((entry) => ({
    messageId: entry.m,
    timestamp: new Date(entry.t).toISOString(),
    type: entry.y,
    name: entry.n ?? null,
    touchpoint: entry.tp ?? null,
    channel: entry.ch ?? null,
  }));
  return {
    total: timeline.length,
    events,
    nextOffset: offset + limit < timeline.length ? offset + limit : null,
  };
}

/** Where a recorded erasure job runs (shared/app/aggregate/erasure.ts: in this process, or the aggregator). */
export type ErasureHandOff = (request: { site: string; userId: string }) => Promise<void>;

/**
 * Records the user's erasure and hands a new job to where it runs. The user's known ids are refused from
 * this moment on, until the job is done.
 */
export async function requestUserErasure(
  clients: StorageClients,
  site: StoredSite,
  userId: string,
  handOff: ErasureHandOff,
) {
  const job = await requestErasure(clients, site, userId, new Date());
  if (job.status === 'pending') await handOff({ site: site.config.site, userId });
  return erasureAnswer(site.config.site, userId, job);
}

/** The erasure job's status, and what it removed once done; undefined when none was requested. */
export async function userErasureStatus(clients: StorageClients, site: StoredSite, userId: string) {
  const job = await erasureJobOf(clients, site, userId);
  return job && erasureAnswer(site.config.site, userId, job);
}

function erasureAnswer(site: string, userId: string, job: ErasureJob) {
  const { days: _days, summary, ...status } = job;
  return {
    site,
    ...status,
    erased: job.status === 'done',
    ...(summary ?? {}),
    statusUrl: `/v1/sites/${encodeURIComponent(site)}/users/${encodeURIComponent(userId)}/erasure`,
  };
}
