/**
 * The channel of an event that names none in `context.channel` (metrics.md §2 reads `context.channel`):
 * inferred at ingest from RudderStack's top-level `channel`, else from the SDK in `context.library.name`.
 */
import type { JsonObject } from './types';

/** RudderStack's spec puts the channel at the top level; its mobile SDKs say `mobile` for what we call `app`. */
const TOP_LEVEL_CHANNELS: Readonly<Record<string, string>> = { mobile: 'app' };

/**
 * SDKs by `context.library.name`, lower-cased and without an npm scope (`@segment/analytics-node` is
 * `analytics-node`). Names the SDKs really send; one that is not listed leaves the channel unknown.
 */
export const LIBRARY_CHANNELS: Readonly<Record<string, 'web' | 'app' | 'server'>> = {
  // Browsers: analytics.js (classic and 2.0, whose npm package @segment/analytics-next sends
  // `analytics.js` too; wrappers that send the package's name), RudderStack's JavaScript SDK (v1.1 and
  // v3), Roxtrail's own tracker.
  'analytics.js': 'web',
  'analytics-next': 'web',
  'rudderlabs javascript sdk': 'web',
  'roxtrail.js': 'web',
  // Apps: Segment's iOS, Android, Swift, Kotlin, React Native and Flutter SDKs; RudderStack's iOS and
  // Android SDKs (its React Native and Flutter SDKs send the native SDK's name).
  'analytics-ios': 'app',
  'analytics-android': 'app',
  'analytics-swift': 'app',
  'analytics-kotlin': 'app',
  'analytics-react-native': 'app',
  'analytics-flutter': 'app',
  analytics_flutter: 'app',
  'rudder-ios-library': 'app',
  'com.rudderstack.android.sdk.core': 'app',
  'com.rudderstack.android.sdk': 'app',
  // Servers: Segment's Node.js (classic and @segment/analytics-node), Python, Go, Ruby, Java, PHP and
  // .NET libraries; RudderStack's Node.js SDK says analytics-node, its Go and Java SDKs analytics-go and
  // analytics-java, and its Python, PHP, Ruby and .NET SDKs their own names.
  'analytics-node': 'server',
  'analytics-python': 'server',
  'analytics-go': 'server',
  'analytics-ruby': 'server',
  'analytics-java': 'server',
  'analytics-php': 'server',
  'analytics.net': 'server',
  'rudder-analytics-python': 'server',
  'rudder-analytics-php': 'server',
  'rudderanalytics-ruby': 'server',
  'rudder-sdk-ruby-sync': 'server',
  'rudderanalytics.net': 'server',
};

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The channel an SDK's library name implies, or undefined for a library that is not listed. */
export function channelOfLibrary(name: string): string | undefined {
  const bare = name
    .trim()
    .toLowerCase()
    .replace(/^@[^/]+\//, '');
  return Object.hasOwn(LIBRARY_CHANNELS, bare) ? LIBRARY_CHANNELS[bare] : undefined;
}

/**
 * The channel to record for an event whose `context.channel` is absent: its top-level `channel`
 * (RudderStack), else the one its SDK implies (`context.library.name`), else undefined (unknown).
 * An event that names its `context.channel` keeps it: this answers undefined for it.
 */
export function inferredChannelOf(
  topLevelChannel: unknown,
  context: JsonObject | undefined,
): string | undefined {
  if (context !== undefined && context.channel !== undefined) return undefined;
  const sent = nonEmptyString(topLevelChannel);
  if (sent !== undefined) return Object.hasOwn(TOP_LEVEL_CHANNELS, sent) ? TOP_LEVEL_CHANNELS[sent] : sent;
  const library = context?.library;
  if (typeof library !== 'object' || library === null || Array.isArray(library)) return undefined;
  const name = nonEmptyString((library as JsonObject).name);
  return name === undefined ? undefined : channelOfLibrary(name);
}
