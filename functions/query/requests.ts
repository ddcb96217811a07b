/** The query API's request contract (api.md): keys, date ranges, pages. */
import type { SiteCache } from '../../shared/storage/site-cache';
import { addDays, isIsoDate } from '../../shared/time';
import { HttpError, type HttpEvent, type HttpResult, header } from '../common/http';
import type { RouteAction, RouteParams } from '../common/router';

export const MAX_QUERY_DAYS = 366;
const DEFAULT_PAGE = 500;
const MAX_PAGE = 5000;

/**
 * The site the Bearer key opens, checked against the site in the path: the read key for reads, the
 * admin key for erasure (a write key is public in browsers, a read key only reads).
 */
export async function authorize(
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

/** What a route behind a site's key answers, given the path's site once the key opened it. */
export type SiteAction = (event: HttpEvent, site: string, params: RouteParams) => Promise<HttpResult>;

/** Wraps site routes in the check of their key (`kind`): `read(action)`, `admin(action)`. */
export function behindKey(sites: SiteCache, kind: 'read' | 'admin'): (action: SiteAction) => RouteAction {
  return (action) => async (event, params) => {
    const site = param(params, 'site');
    await authorize(event, sites, site, kind);
    return action(event, site, params);
  };
}

/** A path parameter the route key names; 404 when the request lacks it. */
export function param(params: RouteParams, name: string): string {
  const value = params[name];
  if (!value) throw new HttpError(404, 'not_found', 'No such resource.');
  return value;
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

export function pageOf(event: HttpEvent): { offset: number; limit: number } {
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

export function cursorOf(offset: number | null): string | null {
  return offset === null ? null : Buffer.from(String(offset)).toString('base64url');
}
