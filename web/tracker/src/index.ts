/** The browser entry point: binds the tracker to the page (storage, fetch, beacons, lifecycle events). */
import { createTracker, type Tracker, type TrackerEnv } from './tracker';

export type {
  Consent,
  EventOptions,
  InitOptions,
  Properties,
  SurveyKind,
  Tracker,
} from './tracker';

function browserEnv(): TrackerEnv {
  return {
    localStorage: () => window.localStorage,
    cookies: {
      read: () => document.cookie,
      write: (cookie) => {
        // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is async and not in every browser; storage.ts encodes the value.
        document.cookie = cookie;
      },
    },
    fetch: (url, init) => fetch(url, init),
    sendBeacon:
      typeof navigator.sendBeacon === 'function' ? (url, body) => navigator.sendBeacon(url, body) : undefined,
    page: () => ({
      url: location.href,
      path: location.pathname,
      referrer: document.referrer,
      title: document.title,
      search: location.search,
    }),
    userAgent: navigator.userAgent,
    locale: navigator.language,
    lifecycle(hide, show) {
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'hidden') hide(false);
      });
      addEventListener('pagehide', () => hide(true));
      document.addEventListener('freeze', () => hide(true));
      addEventListener('pageshow', (event) => {
        if (event.persisted) show();
      });
      document.addEventListener('resume', show);
    },
  };
}

export const roxtrail: Tracker = createTracker(browserEnv());

// Also reachable as `window.roxtrail` for inline handlers once the module has loaded.
const global = globalThis as { roxtrail?: Tracker };
global.roxtrail ??= roxtrail;

export default roxtrail;
