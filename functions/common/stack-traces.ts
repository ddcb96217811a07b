/**
 * Stack traces that name the TypeScript sources, paid for only when something fails. Node's
 * `--enable-source-maps` reads and parses a bundle's map (about 1 MB) at every cold start; the
 * scheduled functions instead log each failed invocation once with its stack mapped here, through the
 * `index.mjs.map` that ships beside the bundle, read on first use.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { MiddlewareObj } from '@middy/core';
import { logger } from './http';

const maps = new Map<string, SourceMap | undefined>();

function sourceMapOf(file: string): SourceMap | undefined {
  if (maps.has(file)) return maps.get(file);
  let map: SourceMap | undefined;
  const mapFile = `${file}.map`;
  try {
    if (existsSync(mapFile)) {
      const payload: SourceMapPayload = JSON.parse(readFileSync(mapFile, 'utf8'));
      map = new SourceMap(payload);
    }
  } catch {
    map = undefined;
  }
  maps.set(file, map);
  return map;
}

/** `file:///…/index.mjs:1:2345` or `/…/index.mjs:1:2345`, inside or outside parentheses. */
const FRAME_LOCATION = /((?:file:\/\/)?\/[^\s():]+\.m?js):(\d+):(\d+)/;

/**
 * A map's source path as the repository names it: esbuild writes them relative to the directory it
 * bundled into (`../../…/shared/app/aggregate/aggregate.ts`), which says nothing in a Lambda's logs.
 */
function repositoryPath(source: string): string {
  return source
    .replace(/^file:\/\//, '')
    .replace(/^(?:\.\.\/)+/, '')
    .replace(/^.*?\/(?=(?:functions|shared|infra|web|test|node_modules)\/)/, '');
}

/** The stack with each bundle position replaced by its source position, where the map knows it. */
export function sourceMappedStack(stack: string): string {
  return stack
    .split('\n')
    .map((line) => {
      const match = FRAME_LOCATION.exec(line);
      if (!match) return line;
      const [location, url = '', lineText = '', columnText = ''] = match;
      const file = url.startsWith('file://') ? fileURLToPath(url) : url;
      const map = sourceMapOf(file);
      // SourceMap offsets are zero-based; stack positions one-based.
      const entry = map?.findEntry(Number(lineText) - 1, Number(columnText) - 1);
      if (!entry || !('originalSource' in entry) || !entry.originalSource) return line;
      return line.replace(
        location,
        `${repositoryPath(entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`,
      );
    })
    .join('\n');
}

/**
 * Logs a failed invocation with its source-mapped stack, then lets it fail as it would have (Lambda
 * retries asynchronous invocations and sends the last failure to the on-failure destination).
 */
export function logFailures(): MiddlewareObj {
  return {
    onError: async (request) => {
      const { error } = request;
      if (!(error instanceof Error)) return;
      logger.error('invocation failed', {
        error: { name: error.name, message: error.message, stack: sourceMappedStack(error.stack ?? '') },
      });
    },
  };
}
