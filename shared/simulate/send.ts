/**
 * Sends simulated messages through a Roxtrail Tracking API with the official `@segment/analytics-node`
 * client, unchanged: host = the API's base URL, path `/v1/batch`, explicit timestamps and messageIds.
 */
import type * as Segment from '@segment/analytics-node';
import type { SegmentMessage, SimulatedMessage } from './traffic';

export interface SendOptions {
  /** Base URL of the Tracking API, e.g. `http://127.0.0.1:3000`. */
  url: string;
  writeKey: string;
  /** Events per request (the client's `flushAt`); the 500 KB request limit is kept by the client. */
  batchSize?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  onProgress?: (progress: SendProgress) => void;
}

export interface SendProgress {
  total: number;
  /** Handed to the client. */
  queued: number;
  /** Acknowledged by the API. */
  delivered: number;
  failed: number;
}

export interface SendResult extends SendProgress {
  /** First few delivery errors, for a readable report. */
  errors: string[];
}

type Deliver = (message: SegmentMessage, callback: (error?: unknown) => void) => void;

/** One call of the client per message type; the message's own messageId and timestamp are kept. */
function deliverWith(analytics: Segment.Analytics): Deliver {
  return (message, callback) => {
    const common = { messageId: message.messageId, timestamp: message.timestamp, context: message.context };
    const done = (error?: unknown) => callback(error);
    switch (message.type) {
      case 'alias':
        analytics.alias(
          { ...common, userId: message.userId ?? '', previousId: message.previousId ?? '' },
          done,
        );
        return;
      case 'identify':
        analytics.identify({ ...common, ...identity(message), traits: message.traits }, done);
        return;
      case 'page':
        analytics.page(
          { ...common, ...identity(message), name: message.name, properties: message.properties },
          done,
        );
        return;
      case 'screen':
        analytics.screen(
          { ...common, ...identity(message), name: message.name, properties: message.properties },
          done,
        );
        return;
      case 'track':
        analytics.track(
          { ...common, ...identity(message), event: message.event ?? '', properties: message.properties },
          done,
        );
        return;
    }
  };
}

function identity(
  message: SegmentMessage,
): { userId: string; anonymousId?: string } | { anonymousId: string } {
  if (message.userId) {
    return message.anonymousId
      ? { userId: message.userId, anonymousId: message.anonymousId }
      : { userId: message.userId };
  }
  return { anonymousId: message.anonymousId ?? '' };
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'reason' in error) {
    const reason = (error as { reason?: unknown }).reason;
    return reason instanceof Error ? reason.message : String(reason);
  }
  return String(error);
}

/**
 * The client, loaded when messages are sent rather than with this module: the CLI's other commands load
 * without it (test/architecture/cli-dependencies.test.ts), and a missing install says what to do.
 */
async function loadSegmentClient(): Promise<typeof Segment> {
  try {
    return await import('@segment/analytics-node');
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    throw new Error(
      'sending simulated traffic needs the package @segment/analytics-node (a dependency of roxtrail), ' +
        `which is not installed: run npm install (${describe(error)})`,
    );
  }
}

/**
 * Delivers the messages in order. At most `concurrency` full batches wait for an answer at once, so a
 * large simulation neither floods the API nor holds every message in the client's memory.
 */
export async function sendSimulatedMessages(
  messages: readonly SimulatedMessage[],
  options: SendOptions,
): Promise<SendResult> {
  const batchSize = options.batchSize ?? 250;
  const maxPending = batchSize * (options.concurrency ?? 3);
  const { Analytics } = await loadSegmentClient();
  const analytics = new Analytics({
    writeKey: options.writeKey,
    host: options.url,
    path: '/v1/batch',
    flushAt: batchSize,
    flushInterval: 200,
    maxRetries: 3,
    httpRequestTimeout: 30_000,
  });
  const progress: SendProgress = { total: messages.length, queued: 0, delivered: 0, failed: 0 };
  const errors: string[] = [];
  // The client also emits each failure as an 'error' event; the callbacks already count them.
  analytics.on('error', () => undefined);
  let wake: (() => void) | undefined;
  const deliver = deliverWith(analytics);
  const settled = (error?: unknown) => {
    if (error) {
      progress.failed++;
      if (errors.length < 5) errors.push(describe(error));
    } else {
      progress.delivered++;
    }
    options.onProgress?.({ ...progress });
    wake?.();
  };
  for (const simulated of messages) {
    while (progress.queued - progress.delivered - progress.failed >= maxPending) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
    deliver(simulated.message, settled);
    progress.queued++;
  }
  await analytics.closeAndFlush({ timeout: 120_000 });
  options.onProgress?.({ ...progress });
  return { ...progress, errors };
}
