/**
 * Which browser origins may send a site's events (site config `origins`): exact origins
 * (`https://shop.example`), any port of a host (`http://localhost:*`), or any subdomain
 * (`https://*.shop.example`, not the bare domain).
 */

/** What an entry of `origins` may look like. */
export const ORIGIN_PATTERN = /^https?:\/\/(\*\.)?(\[[0-9a-f:]+\]|[a-z0-9.-]+)(:(\d{1,5}|\*))?$/i;

function hostAndPort(origin: string): { scheme: string; host: string; port: string } | undefined {
  const match = /^(https?):\/\/(\[[0-9a-f:]+\]|[^/:]+)(?::(\d+))?$/i.exec(origin);
  if (!match) return undefined;
  const [, scheme = '', host = '', port = ''] = match;
  return { scheme: scheme.toLowerCase(), host: host.toLowerCase(), port };
}

function matches(origin: string, entry: string): boolean {
  if (origin === entry) return true;
  const request = hostAndPort(origin);
  const anyPort = entry.endsWith(':*');
  const allowed = hostAndPort(anyPort ? entry.slice(0, -2) : entry.replace('://*.', '://wildcard.'));
  if (!request || !allowed || request.scheme !== allowed.scheme) return false;
  if (!anyPort && request.port !== allowed.port) return false;
  if (entry.includes('://*.')) {
    const domain = allowed.host.slice('wildcard.'.length);
    return request.host.endsWith(`.${domain}`);
  }
  return request.host === allowed.host;
}

/** Whether a request's `Origin` is one the site lists. */
export function isOriginAllowed(origin: string, origins: readonly string[]): boolean {
  return origins.some((entry) => matches(origin, entry));
}
