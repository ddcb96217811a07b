/** HTTP plumbing shared by the API handlers: errors, responses, bounded body decoding, logging. */
import { gunzipSync } from 'node:zlib';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logger } from '../../shared/app/logger';
import { isStorageFault } from '../../shared/storage/clients';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** The handlers log through the application layer's logger (shared/app/logger.ts). */
export { logger };

/** A client error: its code and message are shown to the caller. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Seconds a client should wait before retrying after a storage fault. */
export const RETRY_AFTER_SECONDS = 5;

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

export function errorResponse(error: unknown): HttpResult {
  if (error instanceof HttpError) {
    return jsonResponse(
      error.statusCode,
      { success: false, error: error.code, message: error.message },
      error.headers,
    );
  }
  if (isStorageFault(error)) {
    logger.warn('storage unavailable', { error: describeError(error) });
    return jsonResponse(
      503,
      { success: false, error: 'storage_unavailable', message: 'Storage is unavailable; retry later.' },
      { 'retry-after': String(RETRY_AFTER_SECONDS) },
    );
  }
  logger.error('unhandled error', { error: describeError(error) });
  return jsonResponse(500, { success: false, error: 'internal_error', message: 'Internal error.' });
}

/** Error name and message only: SDK errors can carry request details we do not want in logs. */
function describeError(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'unknown', message: String(error) };
}

/** Turns any thrown error into a response; 5xx bodies never carry internals. */
export function httpErrors(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      const response = errorResponse(request.error);
      request.response = {
        ...response,
        headers: { ...response.headers, ...(request.response?.headers ?? {}) },
      };
    },
  };
}

export interface BoundedBodyOptions {
  /** Maximum size after decompression (bytes). */
  maxBytes: number;
  /** Content types accepted (matched on the media type, parameters ignored). Missing type = first one. */
  contentTypes: readonly string[];
}

export function header(event: HttpEvent, name: string): string | undefined {
  return event.headers?.[name] ?? event.headers?.[name.toLowerCase()];
}

/**
 * Decodes the body (base64 from API Gateway, then gzip) into UTF-8 text, enforcing the content type
 * and the size limit *before* anything is parsed; decompression stops at the limit (gzip bombs).
 */
export function decodeBody(event: HttpEvent, options: BoundedBodyOptions): Buffer | string {
  const mediaType = (header(event, 'content-type') ?? options.contentTypes[0] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  if (!mediaType || !options.contentTypes.includes(mediaType)) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      `Content-Type must be one of ${options.contentTypes.join(', ')}.`,
    );
  }
  const encoding = (header(event, 'content-encoding') ?? 'identity').trim().toLowerCase();
  if (!event.isBase64Encoded && (encoding === 'identity' || encoding === '')) {
    // The common case (JSON from API Gateway as a string): no copy, still measured in bytes.
    const text = event.body ?? '';
    if (Buffer.byteLength(text) > options.maxBytes) throw tooLarge(options.maxBytes);
    return text;
  }
  const raw =
    event.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  let decoded: Buffer;
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    try {
      decoded = gunzipSync(raw, { maxOutputLength: options.maxBytes + 1 });
    } catch (error) {
      if (error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw tooLarge(options.maxBytes);
      }
      throw new HttpError(400, 'invalid_encoding', 'The body is not valid gzip.');
    }
  } else if (encoding === 'identity' || encoding === '') {
    decoded = raw;
  } else {
    throw new HttpError(415, 'unsupported_encoding', 'Content-Encoding must be gzip or identity.');
  }
  if (decoded.length > options.maxBytes) throw tooLarge(options.maxBytes);
  return decoded;
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(
    413,
    'request_too_large',
    `The request body is larger than ${Math.round(maxBytes / 1024)} KB.`,
  );
}

export function parseJsonObject(text: Buffer | string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(typeof text === 'string' ? text : text.toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_json', 'The body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'invalid_json', 'The body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}
