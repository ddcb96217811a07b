/**
 * What the query routes answer (api.md): the query services' results as response bodies, and the
 * journey, erasure or site that does not exist as its 404, so the handler reads as its routes table.
 */
import type { ErasureRunner } from '../../shared/app/aggregate/erasure';
import { journeyPage, requestUserErasure, userErasureStatus } from '../../shared/app/query';
import { queryAlertHistory } from '../../shared/storage/alerts';
import type { StorageClients } from '../../shared/storage/clients';
import type { SiteCache } from '../../shared/storage/site-cache';
import { queryFigures } from '../../shared/storage/table';
import { HttpError, type HttpResult, jsonResponse } from '../common/http';
import { cursorOf } from './requests';

/** What the answers read and where erasure jobs are handed over. */
export interface QueryServices {
  clients: StorageClients;
  sites: SiteCache;
  erasures: ErasureRunner;
}

type DateRange = { from: string; to: string };

/** The answers of the query routes, given the site the key opened and the request's decoded parts. */
export function queryAnswers({ clients, sites, erasures }: QueryServices) {
  return {
    async figures(site: string, { from, to }: DateRange): Promise<HttpResult> {
      return jsonResponse(200, { site, figures: await queryFigures(clients, site, from, to) });
    },

    async alerts(site: string, { from, to }: DateRange): Promise<HttpResult> {
      return jsonResponse(200, { site, alerts: await queryAlertHistory(clients, site, from, to) });
    },

    /** One page of the journey's timeline and the cursor of the next; 404 when it has no events. */
    async journey(
      site: string,
      journeyId: string,
      page: { offset: number; limit: number },
    ): Promise<HttpResult> {
      const found = await journeyPage(clients, site, journeyId, page);
      if (!found) throw new HttpError(404, 'journey_not_found', `No events for journey "${journeyId}".`);
      const { nextOffset, ...rest } = found;
      return jsonResponse(200, { site, journeyId, ...rest, nextCursor: cursorOf(nextOffset) });
    },

    /** 202 with where to follow the job; 404 when the site has no stored config. */
    async erasureRequest(site: string, userId: string): Promise<HttpResult> {
      const stored = await sites.site(site);
      if (!stored) throw new HttpError(404, 'not_found', 'No such resource.');
      return jsonResponse(202, await requestUserErasure(clients, stored, userId, erasures));
    },

    /** The job's status; 404 when no erasure was requested for the user (or the site is gone). */
    async erasureStatus(site: string, userId: string): Promise<HttpResult> {
      const stored = await sites.site(site);
      const answer = stored && (await userErasureStatus(clients, stored, userId));
      if (!answer) throw new HttpError(404, 'erasure_not_found', 'No erasure was requested for this user.');
      return jsonResponse(200, answer);
    },
  };
}
