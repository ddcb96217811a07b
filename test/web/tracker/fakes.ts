/** Small fakes of what the tracker takes from the browser: storage, cookies, fetch, beacons, lifecycle. */
import type { HttpAnswer, PageInfo, TrackerEnv } from '../../../web/tracker/src/tracker';

/** An in-memory `Storage` with an optional quota (bytes of keys + values), like a browser's localStorage. */
export class FakeStorage implements Storage {
  readonly data = new Map<string, string>();
  constructor(private readonly quotaBytes = Number.POSITIVE_INFINITY) {}
  [name: string]: unknown;
  get length(): number {
    return this.data.size;
  }
  key(index: number): string | null {
    return [...this.data.keys()][index] ?? null;
  }
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    let used = key.length + value.length;
    for (const [k, v] of this.data) if (k !== key) used += k.length + v.length;
    if (used > this.quotaBytes) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    this.data.set(key, value);
  }
  removeItem(key: string): void {
    this.data.delete(key);
  }
  clear(): void {
    this.data.clear();
  }
}

export class FakeCookies {
  readonly jar = new Map<string, string>();
  read(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }
  write(cookie: string): void {
    const [pair = '', ...attributes] = cookie.split('; ');
    const at = pair.indexOf('=');
    const name = pair.slice(0, at);
    if (attributes.includes('max-age=0')) this.jar.delete(name);
    else this.jar.set(name, pair.slice(at + 1));
  }
}

export interface SentRequest {
  url: string;
  body: { batch: Array<Record<string, unknown>>; sentAt: string; writeKey: string };
  keepalive: boolean | undefined;
}

/** What the fake server answers: a status (with headers), or a network failure. */
export type Answer = number | { status: number; headers?: Record<string, string>; body?: string } | 'network';

export function answerOf(answer: Exclude<Answer, 'network'>): HttpAnswer {
  const {
    status,
    headers = {},
    body = '{"success":true}',
  } = typeof answer === 'number' ? { status: answer } : answer;
  return {
    status,
    headers: { get: (name) => headers[name.toLowerCase()] ?? null },
    text: async () => body,
  };
}

export interface FakeBrowser {
  env: TrackerEnv;
  storage: FakeStorage;
  cookies: FakeCookies;
  /** Requests made with fetch, in order (including failed attempts). */
  requests: SentRequest[];
  beacons: Array<{ url: string; body: SentRequest['body'] }>;
  warnings: string[];
  /** Answers for the next fetches, consumed in order; 200 once empty. */
  answers: Answer[];
  beaconAccepts: boolean;
  hide(final: boolean): void;
  show(): void;
}

const PAGE: PageInfo = {
  url: 'https://shop.example/p/1?utm=x',
  path: '/p/1',
  referrer: 'https://search.example/',
  title: 'Shoe',
  search: '?utm=x',
};

/**
 * A browser tab. Pass the storage and cookies of a previous tab to model a reload in the same browser;
 * `localStorage` replaces the storage getter (e.g. one that throws, as when storage is blocked).
 */
export function fakeBrowser(
  shared: { storage?: FakeStorage; cookies?: FakeCookies; localStorage?: () => Storage | undefined } = {},
): FakeBrowser {
  const storage = shared.storage ?? new FakeStorage();
  const cookies = shared.cookies ?? new FakeCookies();
  const lifecycle: { hide?: (final: boolean) => void; show?: () => void } = {};
  const browser: FakeBrowser = {
    storage,
    cookies,
    requests: [],
    beacons: [],
    warnings: [],
    answers: [],
    beaconAccepts: true,
    hide: (final) => lifecycle.hide?.(final),
    show: () => lifecycle.show?.(),
    env: {
      localStorage: shared.localStorage ?? (() => storage),
      cookies,
      async fetch(url, init) {
        browser.requests.push({
          url,
          body: JSON.parse(String(init.body)) as SentRequest['body'],
          keepalive: init.keepalive,
        });
        const answer = browser.answers.shift() ?? 200;
        if (answer === 'network') throw new TypeError('Failed to fetch');
        return answerOf(answer);
      },
      sendBeacon(url, body) {
        if (!browser.beaconAccepts) return false;
        browser.beacons.push({ url, body: JSON.parse(body) as SentRequest['body'] });
        return true;
      },
      page: () => PAGE,
      userAgent: 'FakeBrowser/1.0',
      locale: 'it-IT',
      lifecycle(hide, show) {
        lifecycle.hide = hide;
        lifecycle.show = show;
      },
      random: () => 0.5,
      warn: (message) => browser.warnings.push(message),
    },
  };
  return browser;
}

export function sentMessageIds(requests: ReadonlyArray<Pick<SentRequest, 'body'>>): string[] {
  return requests.flatMap((request) => request.body.batch.map((event) => String(event.messageId)));
}
