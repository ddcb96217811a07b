/** Key-value persistence for the tracker: localStorage, then a first-party cookie for small values, then memory. */

export interface CookieJar {
  read(): string;
  write(cookie: string): void;
}

export interface StorageSources {
  /** May throw (blocked storage, sandboxed iframes) or return undefined. */
  localStorage?: () => Storage | undefined;
  /** May throw; only used for small values such as ids. */
  cookies?: CookieJar;
}

export interface KeyValueStore {
  get(key: string): string | null;
  /** True when the value was persisted; false when it is kept in memory only (storage blocked or full). */
  set(key: string, value: string): boolean;
  remove(key: string): void;
  /** Keys starting with `prefix`, persisted or in memory. */
  keys(prefix: string): string[];
}

const COOKIE_MAX_AGE_SECONDS = 365 * 86_400;
const COOKIE_MAX_VALUE = 1024;

function readCookie(jar: CookieJar, name: string): string | null {
  try {
    for (const part of jar.read().split('; ')) {
      const at = part.indexOf('=');
      if (part.slice(0, at) === name) return decodeURIComponent(part.slice(at + 1));
    }
  } catch {
    // Cookies blocked: nothing to read.
  }
  return null;
}

function writeCookie(jar: CookieJar, name: string, value: string, maxAge: number): boolean {
  try {
    jar.write(`${name}=${encodeURIComponent(value)}; path=/; max-age=${maxAge}; SameSite=Lax`);
    // Disabled cookies fail silently, so read the value back.
    return maxAge <= 0 || readCookie(jar, name) === value;
  } catch {
    return false;
  }
}

/**
 * A store that never throws. A value that cannot be persisted is kept in memory and any older persisted
 * copy is removed, so a reload never resurrects a stale value (a queue of events already delivered).
 */
export function createStore(sources: StorageSources, options: { cookieFallback: boolean }): KeyValueStore {
  const memory = new Map<string, string>();
  const jar = options.cookieFallback ? sources.cookies : undefined;
  const local = (): Storage | undefined => {
    try {
      return sources.localStorage?.() ?? undefined;
    } catch {
      return undefined;
    }
  };
  const removePersisted = (key: string) => {
    try {
      local()?.removeItem(key);
    } catch {
      // Nothing persisted to remove.
    }
    if (jar && readCookie(jar, key) !== null) writeCookie(jar, key, '', 0);
  };

  return {
    get(key) {
      const kept = memory.get(key);
      if (kept !== undefined) return kept;
      try {
        const value = local()?.getItem(key);
        if (value !== null && value !== undefined) return value;
      } catch {
        // Fall through to the cookie.
      }
      return jar ? readCookie(jar, key) : null;
    },
    set(key, value) {
      const storage = local();
      if (storage) {
        try {
          storage.setItem(key, value);
          memory.delete(key);
          return true;
        } catch {
          // Quota exceeded or storage disabled: fall back below.
        }
      }
      if (jar && value.length <= COOKIE_MAX_VALUE && writeCookie(jar, key, value, COOKIE_MAX_AGE_SECONDS)) {
        memory.delete(key);
        return true;
      }
      removePersisted(key);
      memory.set(key, value);
      return false;
    },
    remove(key) {
      memory.delete(key);
      removePersisted(key);
    },
    keys(prefix) {
      const found = new Set<string>();
      for (const key of memory.keys()) if (key.startsWith(prefix)) found.add(key);
      try {
        const storage = local();
        for (let i = 0; storage && i < storage.length; i++) {
          const key = storage.key(i);
          if (key?.startsWith(prefix)) found.add(key);
        }
      } catch {
        // Storage blocked: memory keys only.
      }
      return [...found];
    },
  };
}
