/** The retry queue: bounded, in order, persisted per page, and adopted by the next page after a reload. */
import { type QueuedEvent, utf8Bytes } from './delivery';
import type { KeyValueStore } from './storage';

/** How often a page with queued events marks itself alive. */
export const HEARTBEAT_MS = 10_000;
/**
 * A queue whose page has not been seen for this long belongs to a page that went away without `pagehide`
 * (a crash); it is generous because browsers throttle timers in background tabs to once a minute.
 */
export const ORPHAN_AFTER_MS = 120_000;

export interface QueueOptions {
  store: KeyValueStore;
  /** Key prefix of the site, e.g. `rx.shop.`. */
  prefix: string;
  /** This page's id: each page keeps its own queue so two tabs never send the same events. */
  owner: string;
  maxEvents: number;
  warn(message: string): void;
}

export function parseQueued(text: string | null): QueuedEvent[] {
  if (!text) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const events: QueuedEvent[] = [];
  for (const item of parsed) {
    if (typeof item !== 'object' || item === null) continue;
    const messageId: unknown = (item as { messageId?: unknown }).messageId;
    if (typeof messageId !== 'string') continue;
    const json = JSON.stringify(item);
    events.push({ messageId, json, bytes: utf8Bytes(json) });
  }
  return events;
}

export class EventQueue {
  private items: QueuedEvent[] = [];
  private persistent = true;
  /** After `pagehide` the next page may adopt our queue, so we write nothing until the page is shown again. */
  private released = false;
  private warnedStorage = false;

  constructor(private readonly options: QueueOptions) {}

  get events(): readonly QueuedEvent[] {
    return this.items;
  }

  private get queueKey(): string {
    return `${this.options.prefix}q.${this.options.owner}`;
  }

  private heartbeatKey(owner = this.options.owner): string {
    return `${this.options.prefix}hb.${owner}`;
  }

  /** Without analytics consent nothing carrying an id is written to storage: the queue lives in memory. */
  setPersistent(persistent: boolean): void {
    this.persistent = persistent;
    this.save();
  }

  push(event: QueuedEvent): void {
    this.items.push(event);
    this.trim();
    this.save();
  }

  remove(messageIds: ReadonlySet<string>): void {
    const before = this.items.length;
    this.items = this.items.filter((event) => !messageIds.has(event.messageId));
    if (this.items.length !== before) this.save();
  }

  private trim(): void {
    const excess = this.items.length - this.options.maxEvents;
    if (excess > 0) {
      this.items.splice(0, excess);
      this.options.warn(`retry queue full: dropped the ${excess} oldest event(s)`);
    }
  }

  save(): void {
    if (this.released) return;
    const { store } = this.options;
    if (!this.persistent || this.items.length === 0) {
      store.remove(this.queueKey);
      store.remove(this.heartbeatKey());
      return;
    }
    store.set(this.heartbeatKey(), String(Date.now()));
    const persisted = store.set(this.queueKey, `[${this.items.map((e) => e.json).join(',')}]`);
    if (!persisted && !this.warnedStorage) {
      this.warnedStorage = true;
      this.options.warn('storage is blocked or full: queued events are kept in memory only');
    }
  }

  heartbeat(): void {
    if (!this.released && this.persistent && this.items.length > 0) {
      this.options.store.set(this.heartbeatKey(), String(Date.now()));
    }
  }

  /** On `pagehide`: leave the queue in storage for the next page and stop writing. */
  release(): void {
    this.released = false;
    this.save();
    this.options.store.remove(this.heartbeatKey());
    this.released = true;
  }

  /**
   * Takes over the queues of pages that released them (reload, navigation) or vanished. Their events are
   * older than ours, so they go first; messageIds already queued are not added twice.
   */
  adopt(nowMs: number): void {
    const { store, prefix } = this.options;
    const adopted: QueuedEvent[] = [];
    for (const key of store.keys(`${prefix}q.`).sort()) {
      const owner = key.slice(prefix.length + 2);
      if (owner === this.options.owner) continue;
      const seen = Number(store.get(this.heartbeatKey(owner)));
      if (seen > 0 && nowMs - seen < ORPHAN_AFTER_MS) continue;
      adopted.push(...parseQueued(store.get(key)));
      store.remove(key);
      store.remove(this.heartbeatKey(owner));
    }
    if (adopted.length === 0) return;
    const known = new Set(this.items.map((event) => event.messageId));
    const fresh = adopted.filter((event) => !known.has(event.messageId) && known.add(event.messageId));
    this.items = [...fresh, ...this.items];
    this.trim();
    this.save();
  }

  /** On `pageshow` from the back/forward cache: storage is the truth, since another page may have adopted. */
  reclaim(nowMs: number): void {
    this.released = false;
    if (this.persistent) this.items = parseQueued(this.options.store.get(this.queueKey));
    this.adopt(nowMs);
    this.save();
  }
}
