/** Query Lambda: figures, journeys and alert history behind the site's read key; user erasure behind its admin key. */
import middy from '@middy/core';
import type { JourneyEntry } from '../../shared/events/ingest';
import { queryAlertHistory } from '../../shared/storage/alerts';
import { createStorageClients, type StorageClients } from '../../shared/storage/clients';
import { erasureJobOf, requestErasure } from '../../shared/storage/erase';
import type { ErasureJob } from '../../shared/storage/erasure-jobs';
import { createSiteCache, type SiteCache } from '../../shared/storage/site-cache';
import { getJourneyEntries, linkedAnonymousIds, queryFigures } from '../../shared/storage/table';
import { addDays, isIsoDate } from '../../shared/time';
import { type ErasureRunner, inProcessErasureRunner, lambdaErasureRunner } from '../aggregator/erasure';
import { HttpError, type HttpEvent, type HttpResult, header, httpErrors, jsonResponse } from '../common/http';
import { hourlyChartRoute } from './hourly-chart';
import { isDashboardRequest, serveBundledTracker, serveDashboard, TRACKER_PATH } from './static';

export const MAX_QUERY_DAYS = 366;
const DEFAULT_PAGE = 500;
const MAX_PAGE = 5000;

export interface QueryDeps {
  clients: StorageClients;
  sites: SiteCache;
  /** Where erasure jobs run. @default in this process, in the background */
  erasures?: ErasureRunner;
}

/**
 * The site the Bearer key opens, checked against the site in the path: the read key for reads, the
 * admin key for erasure (a write key is public in browsers, a read key only reads).
 */
async function authorize(
  event: HttpEvent,
  sites: SiteCache,
  site: string,
  kind: 'read' | 'admin' = 'read',
): Promise<void> {
  const authorization = header(event, 'authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!match?.[1]) {
    throw new HttpError(
      401,
      `missing_${kind}_key`,
      `Send the site ${kind} key as "Authorization: Bearer <${kind}Key>".`,
      {
        'www-authenticate': 'Bearer',
      },
    );
  }
  const keySite = await sites.siteForKey(match[1], kind);
  if (!keySite)
    throw new HttpError(401, `invalid_${kind}_key`, `The ${kind} key is not valid.`, {
      'www-authenticate': 'Bearer',
    });
  if (keySite !== site)
    throw new HttpError(403, 'forbidden', `This ${kind} key does not open site "${site}".`);
}

/**
 * DELETE /v1/sites/{site}/users/{userId}: records the erasure and hands it to a runner; 202 with where
 * to follow it. The user's known ids are refused from this moment on, until the job is done.
 */
async function eraseRoute(deps: QueryDeps, site: string, userId: string): Promise<HttpResult> {
  const stored = await deps.sites.site(site);
  if (!stored) throw new HttpError(404, 'not_found', 'No such resource.');
  const job = await requestErasure(deps.clients, stored, userId, new Date());
  if (job.status === 'pending')
    await (deps.erasures ?? inProcessErasureRunner(deps.clients))({ site, userId });
  return jsonResponse(202, erasureAnswer(site, userId, job));
}

/** GET /v1/sites/{site}/users/{userId}/erasure: the job's status, and what it removed once done. */
async function erasureStatusRoute(deps: QueryDeps, site: string, userId: string): Promise<HttpResult> {
  const stored = await deps.sites.site(site);
  const job = stored && (await erasureJobOf(deps.clients, stored, userId));
  if (!job) throw new HttpError(404, 'erasure_not_found', 'No erasure was requested for this user.');
  return jsonResponse(200, erasureAnswer(site, userId, job));
}

function erasureAnswer(site: string, userId: string, job: ErasureJob) {
  const { anonymousIds: _ids, days: _days, hashes: _hashes, summary, ...status } = job;
  return {
    site,
    ...status,
    erased: job.status === 'done',
    ...(summary ?? {}),
    statusUrl: `/v1/sites/${encodeURIComponent(site)}/users/${encodeURIComponent(userId)}/erasure`,
  };
}

export function dateRangeOf(event: HttpEvent): { from: string; to: string } {
  const from = event.queryStringParameters?.from;
  const to = event.queryStringParameters?.to;
  if (!from || !to) throw new HttpError(400, 'missing_dates', 'Give ?from=YYYY-MM-DD&to=YYYY-MM-DD.');
  if (!isIsoDate(from) || !isIsoDate(to)) throw new HttpError(400, 'invalid_date', 'Dates are YYYY-MM-DD.');
  if (from > to) throw new HttpError(400, 'invalid_range', '"from" must not be after "to".');
  if (addDays(from, MAX_QUERY_DAYS - 1) < to) {
    throw new HttpError(400, 'range_too_long', `At most ${MAX_QUERY_DAYS} days per request.`);
  }
  return { from, to };
}

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

function pageOf(event: HttpEvent): { offset: number; limit: number } {
  const limit = Number(event.queryStringParameters?.limit ?? DEFAULT_PAGE);
  const cursor = event.queryStringParameters?.cursor;
  const offset = cursor ? Number(Buffer.from(cursor, 'base64url').toString('utf8')) : 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new HttpError(400, 'invalid_limit', `limit is 1-${MAX_PAGE}.`);
  }
  if (!Number.isInteger(offset) || offset < 0)
    throw new HttpError(400, 'invalid_cursor', 'The cursor is not valid.');
  return { offset, limit };
}

export function createQuery(deps: QueryDeps) {
  return async function query(event: HttpEvent): Promise<HttpResult> {
    // The dashboard page and its files: public, the page asks for the read key itself.
    if (isDashboardRequest(event)) return serveDashboard(event);
    if (event.rawPath === TRACKER_PATH) return serveBundledTracker(event);
    const site = event.pathParameters?.site;
    if (!site) throw new HttpError(404, 'not_found', 'No such resource.');
    const userId = event.pathParameters?.userId;
    if (userId && /\/users\//.test(event.rawPath)) {
      await authorize(event, deps.sites, site, 'admin');
      if (event.requestContext.http.method === 'DELETE') return eraseRoute(deps, site, userId);
      if (/\/erasure\/?$/.test(event.rawPath)) return erasureStatusRoute(deps, site, userId);
      throw new HttpError(404, 'not_found', 'No such resource.');
    }
    await authorize(event, deps.sites, site);
    const path = event.rawPath;

    if (/\/figures\/?$/.test(path)) {
      const { from, to } = dateRangeOf(event);
      return jsonResponse(200, { site, figures: await queryFigures(deps.clients, site, from, to) });
    }
    if (/\/hours\/?$/.test(path)) return hourlyChartRoute(deps, site, event);
    if (/\/alerts\/?$/.test(path)) {
      const { from, to } = dateRangeOf(event);
      return jsonResponse(200, { site, alerts: await queryAlertHistory(deps.clients, site, from, to) });
    }
    const journeyId = event.pathParameters?.journeyId;
    if (journeyId && /\/journeys\//.test(path)) {
      const { offset, limit } = pageOf(event);
      const timeline = await journeyTimeline(deps.clients, site, journeyId);
      if (timeline.length === 0)
        throw new HttpError(404, 'journey_not_found', `No events for journey "${journeyId}".`);
      const events = timeline.slice(offset, offset + limit).map((entry) => ({
        messageId: entry.m,
        timestamp: new Date(entry.t).toISOString(),
        type: entry.y,
        name: entry.n ?? null,
        touchpoint: entry.tp ?? null,
        channel: entry.ch ?? null,
      }));
      const next =
        offset + limit < timeline.length ? Buffer.from(String(offset + limit)).toString('base64url') : null;
      return jsonResponse(200, { site, journeyId, total: timeline.length, events, nextCursor: next });
    }
    throw new HttpError(404, 'not_found', 'No such resource.');
  };
}

export function createQueryHandler(deps: QueryDeps) {
  return middy<HttpEvent, HttpResult>().use(httpErrors()).handler(createQuery(deps));
}

const clients = createStorageClients();

const erasureFunction = process.env.ROXTRAIL_ERASURE_FUNCTION;

export const handler = createQueryHandler({
  clients,
  sites: createSiteCache(clients),
  erasures: erasureFunction ? lambdaErasureRunner(clients, erasureFunction) : inProcessErasureRunner(clients),
});
