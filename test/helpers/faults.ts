/**
 * Fault injection for reliability tests: an SDK middleware that makes chosen S3 or DynamoDB commands fail
 * (network reset, timeout, 500) inside the SDK's own retry loop, and a TCP proxy that can swallow
 * requests so that the SDK's real request timeout fires, and a request abandoned before its body.
 */
import net from 'node:net';
import type { FinalizeRequestMiddleware, MetadataBearer } from '@smithy/types';
import type { StorageClients } from '../../shared/storage/clients';

export type FaultKind = 'network' | 'timeout' | 'server';
export type Service = 's3' | 'dynamo';

export interface FaultRule {
  service: Service;
  /** SDK command name as the client sees it, e.g. `PutObjectCommand`, `PutItemCommand`. */
  command: string;
  /** Only sends whose command input (as the client marshalled it) this accepts match the rule. */
  when?: (input: unknown) => boolean;
  /** Matching sends let through before the first failure. */
  skip?: number;
  /** Consecutive failures (the SDK itself retries up to 3 attempts per call). */
  times: number;
  kind: FaultKind;
}

function faultError(kind: FaultKind, command: string): Error {
  switch (kind) {
    case 'network':
      return Object.assign(new Error(`injected: socket hang up (${command})`), { code: 'ECONNRESET' });
    case 'timeout':
      return Object.assign(new Error(`injected: request timed out (${command})`), {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
      });
    case 'server':
      return Object.assign(new Error(`injected: internal error (${command})`), {
        name: 'InternalServerError',
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
      });
  }
}

export interface FaultInjector {
  add(rule: FaultRule): void;
  clear(): void;
  /** Faults thrown so far. */
  readonly injected: number;
  /** Sends seen, by `service:command`. */
  readonly sends: ReadonlyMap<string, number>;
}

/** Installs the fault middleware on both clients (inside the retry loop, so the SDK retries faults). */
export function injectFaults(clients: StorageClients): FaultInjector {
  let rules: { rule: FaultRule; seen: number; failed: number }[] = [];
  let injected = 0;
  const sends = new Map<string, number>();
  const middleware =
    (service: Service): FinalizeRequestMiddleware<object, MetadataBearer> =>
    (next, context) =>
    async (args) => {
      const command = context.commandName ?? '';
      const label = `${service}:${command}`;
      sends.set(label, (sends.get(label) ?? 0) + 1);
      for (const state of rules) {
        if (state.rule.service !== service || state.rule.command !== command) continue;
        if (state.rule.when && !state.rule.when((args as { input?: unknown }).input)) continue;
        if (state.failed >= state.rule.times) continue;
        state.seen += 1;
        if (state.seen <= (state.rule.skip ?? 0)) continue;
        state.failed += 1;
        injected += 1;
        throw faultError(state.rule.kind, command);
      }
      return next(args);
    };
  const options = { step: 'finalizeRequest', priority: 'low', name: 'faultInjection' } as const;
  clients.s3.middlewareStack.add(middleware('s3'), options);
  clients.dynamo.middlewareStack.add(middleware('dynamo'), options);
  return {
    add(rule) {
      rules.push({ rule, seen: 0, failed: 0 });
    },
    clear() {
      rules = [];
    },
    get injected() {
      return injected;
    },
    sends,
  };
}

export interface HangingProxy {
  /** `http://127.0.0.1:<port>`, to use as a store endpoint. */
  url: string;
  /** While true, bytes from clients are swallowed: requests never reach the store and never get an answer. */
  hang: boolean;
  /** Requests swallowed (client chunks dropped) so far. */
  readonly swallowed: number;
  close(): Promise<void>;
}

/** A TCP proxy in front of a store that can stop forwarding, to make the SDK's request timeout fire. */
export async function startHangingProxy(target: string): Promise<HangingProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  let swallowed = 0;
  const state = { hang: false };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk) => {
      if (state.hang) swallowed += 1;
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    get hang() {
      return state.hang;
    },
    set hang(value: boolean) {
      state.hang = value;
    },
    get swallowed() {
      return swallowed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Shortens the clients' request timeout (their other settings, throwOnRequestTimeout included, stay). */
export function shortenRequestTimeout(clients: StorageClients, requestTimeoutMs: number): void {
  for (const handler of [clients.s3.config.requestHandler, clients.dynamo.config.requestHandler]) {
    if ('updateHttpClientConfig' in handler && typeof handler.updateHttpClientConfig === 'function')
      handler.updateHttpClientConfig('requestTimeout', requestTimeoutMs);
  }
}

/**
 * Sends a request's head announcing a 1,000-byte body, a few bytes of it, and closes the connection:
 * what a client gives up on mid-request leaves behind.
 */
export function abandonRequest(port: number, head: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.end(`${head}\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{"partial":`, () =>
        socket.destroy(),
      );
    });
    socket.once('close', () => resolve());
    socket.once('error', reject);
  });
}
