/** Loads the public conformance data set (shared/conformance) the way the collector would have stored it. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSiteConfig, type SiteConfig } from '../../shared/config/site';
import {
  EVENT_TYPES,
  type EventType,
  type JsonObject,
  type NormalizedEvent,
} from '../../shared/events/types';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `$ROXTRAIL_CONFORMANCE_DIR`, else `../shared/conformance` next to the repository. */
export function conformanceDir(): string {
  return process.env.ROXTRAIL_CONFORMANCE_DIR ?? path.resolve(repoRoot, '../shared/conformance');
}

export interface ConformanceData {
  dir: string;
  config: SiteConfig;
  /** The raw lines, normalized, duplicates included, in file order. */
  events: NormalizedEvent[];
  /** date → expected figures document (partial: see the data set's README). */
  expected: Map<string, unknown>;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(raw: JsonObject, key: string): string | undefined {
  const value = raw[key];
  return typeof value === 'string' ? value : undefined;
}

function optionalObject(raw: JsonObject, key: string): JsonObject | undefined {
  const value = raw[key];
  return isObject(value) ? value : undefined;
}

function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * One client event → the archive line the collector stores, for data without `sentAt`: the event time
 * is the client `timestamp` (also kept as `originalTimestamp`), and `receivedAt` is set to it too — the
 * conformance figures do not depend on arrival (lateEvents is not compared).
 */
export function normalizeConformanceEvent(raw: unknown, site: string): NormalizedEvent {
  if (!isObject(raw)) throw new Error(`not an event object: ${JSON.stringify(raw)}`);
  const { messageId, type, timestamp } = raw;
  if (typeof messageId !== 'string' || !isEventType(type) || typeof timestamp !== 'string') {
    throw new Error(`event without messageId, type or timestamp: ${JSON.stringify(raw)}`);
  }
  const receivedAt = new Date(timestamp).toISOString();
  const event: NormalizedEvent = {
    messageId,
    type,
    site,
    receivedAt,
    originalTimestamp: timestamp,
    timestamp,
  };
  for (const key of ['event', 'name', 'userId', 'anonymousId', 'previousId', 'groupId'] as const) {
    const value = optionalString(raw, key);
    if (value !== undefined) event[key] = value;
  }
  for (const key of ['properties', 'traits', 'context'] as const) {
    const value = optionalObject(raw, key);
    if (value !== undefined) event[key] = value;
  }
  return event;
}

/** Reads site.json, events.ndjson and expected/*.json; throws a clear error when the set is missing. */
export function loadConformanceData(dir: string = conformanceDir()): ConformanceData {
  if (!existsSync(path.join(dir, 'events.ndjson'))) {
    throw new Error(
      `conformance data set not found in ${dir} (expected site.json, events.ndjson, expected/); ` +
        'set ROXTRAIL_CONFORMANCE_DIR to its folder',
    );
  }
  const parsed = parseSiteConfig(JSON.parse(readFileSync(path.join(dir, 'site.json'), 'utf8')));
  if (!parsed.ok) throw new Error(`conformance site.json is not a valid site config: ${parsed.message}`);
  const { config } = parsed;
  const events = readFileSync(path.join(dir, 'events.ndjson'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => normalizeConformanceEvent(JSON.parse(line), config.site));
  const expected = new Map<string, unknown>();
  const expectedDir = path.join(dir, 'expected');
  for (const file of readdirSync(expectedDir).sort()) {
    const match = /^(\d{4}-\d{2}-\d{2})\.json$/.exec(file);
    if (match?.[1]) expected.set(match[1], JSON.parse(readFileSync(path.join(expectedDir, file), 'utf8')));
  }
  return { dir, config, events, expected };
}
