/** The tracker: identity, events, batching, delivery with retries, page-hide beacons and consent. */
import {
  batchBody,
  isRetryable,
  MAX_BATCH_EVENTS,
  MAX_EVENT_BYTES,
  MAX_REQUEST_BYTES,
  nextBatch,
  type QueuedEvent,
  type RetryPolicy,
  retryAfterMs,
  retryDelayMs,
  utf8Bytes,
} from './delivery';
import { randomId } from './ids';
import { EventQueue, HEARTBEAT_MS } from './queue';
import { createStore, type KeyValueStore, type StorageSources } from './storage';

export const LIBRARY = { name: 'roxtrail.js', version: '0.1.0' } as const;

export type Properties = Record<string, unknown>;

export interface InitOptions {
  writeKey: string;
  /** Origin of the Roxtrail Tracking API, e.g. `https://track.shop.example`. */
  endpoint: string;
  /** The site id; it namespaces what the tracker keeps in the browser. */
  site: string;
  /** Milliseconds events wait to be batched (default 2000). */
  flushInterval?: number;
  /** Events per request (default 50, at most 2,500). */
  maxBatchEvents?: number;
  /** Bound of the retry queue; the oldest events are dropped beyond it (default 500). */
  maxQueueEvents?: number;
  /** `context.touchpoint` of every event (a helper's `touchpoint` option sets `properties.touchpoint`). */
  touchpoint?: string;
  /** `context.channel` (default `web`). */
  channel?: string;
  /** Consent until the visitor chooses with `consent()` (default analytics allowed). */
  consent?: Consent;
  /** Backoff after failures: first delay and ceiling in ms (default 1000 and 60000). */
  retry?: Partial<RetryPolicy>;
}

export interface Consent {
  analytics: boolean;
}

export interface EventOptions {
  /** `properties.touchpoint`: the experience this event belongs to (metrics.md §2). */
  touchpoint?: string;
  channel?: string;
  context?: Properties;
  timestamp?: Date | string;
}

export type SurveyKind = 'nps' | 'enps' | 'ces' | 'csat';

export interface PageInfo {
  url: string;
  path: string;
  referrer: string;
  title: string;
  search: string;
}

/** The part of a fetch `Response` the tracker reads. */
export interface HttpAnswer {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** What the tracker needs from the browser; tests pass small fakes. */
export interface TrackerEnv extends StorageSources {
  fetch(url: string, init: RequestInit): Promise<HttpAnswer>;
  sendBeacon?(url: string, body: string): boolean;
  page(): PageInfo;
  userAgent?: string;
  locale?: string;
  /** Registers page lifecycle callbacks: `hide(final)` (final = unloading or frozen) and `show` (restored). */
  lifecycle?(hide: (final: boolean) => void, show: () => void): void;
  random?(): number;
  warn?(message: string, detail?: unknown): void;
}

export interface Tracker {
  init(options: InitOptions): void;
  /** Each event call returns the event's messageId, or undefined when the event was dropped. */
  track(event: string, properties?: Properties, options?: EventOptions): string | undefined;
  page(name?: string, properties?: Properties, options?: EventOptions): string | undefined;
  identify(userId?: string, traits?: Properties, options?: EventOptions): string | undefined;
  alias(userId: string, previousId?: string, options?: EventOptions): string | undefined;
  consent(consent: Consent): void;
  /** Sends what is queued now (unless a retry is waiting for its backoff); resolves when done. */
  flush(): Promise<void>;
  /** Forgets the user: a new anonymousId, no userId. */
  reset(): void;
  user(): { anonymousId: string | undefined; userId: string | undefined };
  productViewed(product: Properties, options?: EventOptions): string | undefined;
  productAdded(product: Properties, options?: EventOptions): string | undefined;
  productRemoved(product: Properties, options?: EventOptions): string | undefined;
  checkoutStarted(properties?: Properties, options?: EventOptions): string | undefined;
  orderCompleted(order: Properties, options?: EventOptions): string | undefined;
  orderRefunded(order: Properties, options?: EventOptions): string | undefined;
  surveyResponded(
    survey: SurveyKind,
    score: number,
    extra?: Properties,
    options?: EventOptions,
  ): string | undefined;
  frictionEncountered(kind: string, extra?: Properties, options?: EventOptions): string | undefined;
  experimentViewed(
    experimentId: string,
    variationId: string,
    extra?: Properties,
    options?: EventOptions,
  ): string | undefined;
}

/** Valid survey scores (metrics.md §4, experience); the collector rejects others. */
const SURVEY_RANGES: Record<SurveyKind, readonly [number, number]> = {
  nps: [0, 10],
  enps: [0, 10],
  ces: [1, 7],
  csat: [1, 5],
};

interface Settings {
  writeKey: string;
  endpoint: string;
  prefix: string;
  flushInterval: number;
  maxBatchEvents: number;
  touchpoint: string | undefined;
  channel: string;
  retry: RetryPolicy;
}

function positive(value: number | undefined, fallback: number, max = Number.POSITIVE_INFINITY): number {
  return typeof value === 'number' && value > 0 ? Math.min(value, max) : fallback;
}

export function createTracker(env: TrackerEnv): Tracker {
  const warn = (message: string, detail?: unknown) =>
    env.warn ? env.warn(message, detail) : console.warn(`[roxtrail] ${message}`, detail ?? '');
  const random = () => (env.random ? env.random() : Math.random());

  let settings: Settings | undefined;
  let queue: EventQueue | undefined;
  let ids: KeyValueStore | undefined;
  let anonymousId: string | undefined;
  let userId: string | undefined;
  let analytics: boolean | undefined;

  const inFlight = new Set<string>();
  let failures = 0;
  let retryAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerAt = 0;
  let sending: Promise<void> | undefined;
  /** Between `pagehide` and a possible return from the back/forward cache. */
  let leaving = false;

  function persistIds(): void {
    if (!settings || !ids) return;
    const { prefix } = settings;
    if (analytics && anonymousId) ids.set(`${prefix}aid`, anonymousId);
    else ids.remove(`${prefix}aid`);
    if (analytics && userId) ids.set(`${prefix}uid`, userId);
    else ids.remove(`${prefix}uid`);
  }

  function schedule(delayMs: number): void {
    const at = Math.max(Date.now() + delayMs, retryAt);
    if (timer !== undefined && timerAt <= at) return;
    clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(
      () => {
        timer = undefined;
        void pump();
      },
      Math.max(0, at - Date.now()),
    );
  }

  function pending(): QueuedEvent[] {
    return queue ? queue.events.filter((event) => !inFlight.has(event.messageId)) : [];
  }

  function limits() {
    return { maxEvents: settings?.maxBatchEvents ?? 1, maxBytes: MAX_REQUEST_BYTES };
  }

  function pump(): Promise<void> {
    sending ??= drain().finally(() => {
      sending = undefined;
    });
    return sending;
  }

  async function drain(): Promise<void> {
    while (settings && queue) {
      if (Date.now() < retryAt) {
        schedule(0);
        return;
      }
      const batch = nextBatch(queue.events, settings.writeKey, limits());
      if (batch.length === 0) return;
      await send(settings, queue, batch);
    }
  }

  async function send(s: Settings, q: EventQueue, batch: QueuedEvent[]): Promise<void> {
    const messageIds = new Set(batch.map((event) => event.messageId));
    for (const id of messageIds) inFlight.add(id);
    try {
      const answer = await env.fetch(`${s.endpoint}/v1/batch`, {
        method: 'POST',
        // text/plain needs no CORS preflight; the collector reads it as JSON.
        body: batchBody(batch, s.writeKey, new Date().toISOString()),
        keepalive: true,
        credentials: 'omit',
      });
      if (answer.status >= 200 && answer.status < 300) {
        q.remove(messageIds);
        failures = 0;
        retryAt = 0;
        await reportRejections(answer);
      } else if (isRetryable(answer.status)) {
        backOff(s, retryAfterMs(answer.headers.get('retry-after'), Date.now()));
      } else {
        // 400, 401, 403 (an origin the site does not list), 413: sent again they fail again.
        q.remove(messageIds);
        const text = await answer.text().catch(() => '');
        warn(
          `dropped ${batch.length} event(s): the collector answered ${answer.status}${reasonOf(text)}`,
          text,
        );
      }
    } catch {
      // Offline, DNS, CORS or a connection reset: the request may not have arrived, so retry it.
      backOff(s, undefined);
    } finally {
      for (const id of messageIds) inFlight.delete(id);
    }
  }

  function backOff(s: Settings, retryAfter: number | undefined): void {
    failures += 1;
    const delay = retryDelayMs(failures, s.retry, random(), retryAfter);
    retryAt = Date.now() + delay;
    schedule(delay);
  }

  async function reportRejections(answer: HttpAnswer): Promise<void> {
    try {
      const body: unknown = JSON.parse(await answer.text());
      const rejected = (body as { rejected?: unknown }).rejected;
      if (Array.isArray(rejected) && rejected.length > 0) {
        warn(`the collector rejected ${rejected.length} event(s)`, rejected);
      }
    } catch {
      // A beacon-style empty or non-JSON answer carries no rejections.
    }
  }

  /**
   * On page hide, queued events go out with `sendBeacon`, which outlives the page. Not while retries are
   * failing: then they stay in storage for the next page, which is likelier to succeed than a beacon.
   */
  function hide(final: boolean): void {
    if (!settings || !queue) return;
    const s = settings;
    if (failures === 0 && env.sendBeacon) {
      const url = `${s.endpoint}/v1/batch?writeKey=${encodeURIComponent(s.writeKey)}`;
      let rest = pending();
      while (rest.length > 0) {
        const batch = nextBatch(rest, s.writeKey, limits());
        if (!env.sendBeacon(url, batchBody(batch, s.writeKey, new Date().toISOString()))) break;
        queue.remove(new Set(batch.map((event) => event.messageId)));
        rest = rest.slice(batch.length);
      }
    } else if (failures === 0) {
      void pump();
    }
    if (final) {
      leaving = true;
      clearTimeout(timer);
      timer = undefined;
      queue.release();
    }
  }

  function show(): void {
    if (!queue) return;
    leaving = false;
    queue.reclaim(Date.now());
    if (queue.events.length > 0) schedule(0);
  }

  function enqueue(type: string, fields: Properties, options: EventOptions | undefined): string | undefined {
    if (!settings || !queue) {
      warn(`call roxtrail.init() before sending events (${type} ignored)`);
      return undefined;
    }
    const timestamp = options?.timestamp;
    const messageId = randomId();
    const message = {
      type,
      messageId,
      timestamp:
        timestamp instanceof Date ? timestamp.toISOString() : (timestamp ?? new Date().toISOString()),
      anonymousId,
      userId,
      ...fields,
      context: {
        library: LIBRARY,
        page: env.page(),
        userAgent: env.userAgent,
        locale: env.locale,
        channel: options?.channel ?? settings.channel,
        touchpoint: settings.touchpoint,
        consent: { analytics },
        ...options?.context,
      },
    };
    let json: string;
    try {
      json = JSON.stringify(message);
    } catch (error) {
      warn(`dropped a ${type} event that cannot be serialized`, error);
      return undefined;
    }
    const bytes = utf8Bytes(json);
    if (bytes > MAX_EVENT_BYTES) {
      warn(`dropped a ${type} event of ${bytes} bytes: the limit is ${MAX_EVENT_BYTES}`);
      return undefined;
    }
    queue.push({ messageId, json, bytes });
    // Tracked by the shop's own pagehide handler, after ours: no timer will run again.
    if (leaving) {
      hide(true);
      return messageId;
    }
    const waiting = pending();
    const full = nextBatch(waiting, settings.writeKey, limits()).length < waiting.length;
    schedule(full || waiting.length >= settings.maxBatchEvents ? 0 : settings.flushInterval);
    return messageId;
  }

  const withTouchpoint = (properties: Properties | undefined, options: EventOptions | undefined) =>
    options?.touchpoint ? { ...properties, touchpoint: options.touchpoint } : { ...properties };

  const tracker: Tracker = {
    init(options) {
      if (settings) {
        warn('init() was already called');
        return;
      }
      const { writeKey, endpoint, site } = options;
      if (!writeKey || !endpoint || !site) {
        warn('init() needs writeKey, endpoint and site');
        return;
      }
      const prefix = `rx.${site.replace(/[^\w-]/g, '_')}.`;
      ids = createStore(env, { cookieFallback: true });
      const stored = ids.get(`${prefix}consent`);
      // Only the visitor's own choice is remembered; the site's default may change later.
      if (analytics === undefined) {
        analytics = stored === null ? (options.consent?.analytics ?? true) : stored === '1';
      } else {
        ids.set(`${prefix}consent`, analytics ? '1' : '0');
      }
      anonymousId = (analytics && ids.get(`${prefix}aid`)) || randomId();
      userId = (analytics && ids.get(`${prefix}uid`)) || undefined;
      settings = {
        writeKey,
        endpoint: endpoint.replace(/\/+$/, ''),
        prefix,
        flushInterval: positive(options.flushInterval, 2000),
        maxBatchEvents: positive(options.maxBatchEvents, 50, MAX_BATCH_EVENTS),
        touchpoint: options.touchpoint,
        channel: options.channel ?? 'web',
        retry: {
          baseMs: positive(options.retry?.baseMs, 1000),
          maxMs: positive(options.retry?.maxMs, 60_000),
        },
      };
      persistIds();
      queue = new EventQueue({
        store: createStore(env, { cookieFallback: false }),
        prefix,
        owner: randomId(),
        maxEvents: positive(options.maxQueueEvents, 500),
        warn,
      });
      queue.setPersistent(analytics);
      queue.adopt(Date.now());
      const q = queue;
      setInterval(() => q.heartbeat(), HEARTBEAT_MS);
      env.lifecycle?.(hide, show);
      if (queue.events.length > 0) schedule(0);
    },

    track: (event, properties, options) =>
      enqueue('track', { event, properties: withTouchpoint(properties, options) }, options),

    page(name, properties, options) {
      const { url, path, referrer, title, search } = env.page();
      const props = withTouchpoint({ url, path, referrer, title, search, ...properties }, options);
      return enqueue('page', { name, properties: props }, options);
    },

    identify(id, traits, options) {
      if (!settings) return enqueue('identify', {}, options);
      if (id) userId = String(id);
      persistIds();
      return enqueue('identify', { traits: { ...traits } }, options);
    },

    alias(id, previousId, options) {
      if (!settings) return enqueue('alias', {}, options);
      const previous = previousId ?? userId ?? anonymousId;
      userId = String(id);
      persistIds();
      return enqueue('alias', { userId, previousId: previous }, options);
    },

    consent(consent) {
      analytics = consent.analytics === true;
      if (!settings || !ids || !queue) return;
      ids.set(`${settings.prefix}consent`, analytics ? '1' : '0');
      persistIds();
      queue.setPersistent(analytics);
    },

    flush() {
      clearTimeout(timer);
      timer = undefined;
      return pump();
    },

    reset() {
      userId = undefined;
      anonymousId = randomId();
      persistIds();
    },

    user: () => ({ anonymousId, userId }),

    productViewed: (product, options) => tracker.track('Product Viewed', product, options),
    productAdded: (product, options) => tracker.track('Product Added', product, options),
    productRemoved: (product, options) => tracker.track('Product Removed', product, options),
    checkoutStarted: (properties, options) => tracker.track('Checkout Started', properties, options),
    orderCompleted: (order, options) => tracker.track('Order Completed', order, options),
    orderRefunded: (order, options) => tracker.track('Order Refunded', order, options),

    surveyResponded(survey, score, extra, options) {
      const range: readonly [number, number] | undefined = SURVEY_RANGES[survey];
      if (!range || !Number.isInteger(score) || score < range[0] || score > range[1]) {
        const expected = range ? `an integer from ${range[0]} to ${range[1]}` : 'one of nps, enps, ces, csat';
        warn(`dropped a survey response (${survey}, ${score}): expected ${expected}`);
        return undefined;
      }
      return tracker.track('Survey Responded', { ...extra, survey, score }, options);
    },

    frictionEncountered: (kind, extra, options) =>
      tracker.track('Friction Encountered', { ...extra, kind }, options),

    experimentViewed: (experimentId, variationId, extra, options) =>
      tracker.track(
        'Experiment Viewed',
        { ...extra, experiment_id: experimentId, variation_id: variationId },
        options,
      ),
  };
  return tracker;
}

/** ` (code: message)` of a JSON error answer, or nothing. */
function reasonOf(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    return typeof body.error === 'string' ? ` (${body.error}: ${String(body.message ?? '')})` : '';
  } catch {
    return '';
  }
}
