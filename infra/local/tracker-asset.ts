/** Serves the browser tracker at `GET /roxtrail.js` from Roxtrail itself, bundled on the first request. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { buildTracker } from '../../web/tracker/build';

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const bundle = await buildTracker();
  const headers: Record<string, string> = {
    'content-type': 'text/javascript; charset=utf-8',
    'cache-control': 'public, max-age=300',
    etag: bundle.etag,
    vary: 'Accept-Encoding',
    // Shops load it from their own origin as a module script, and module scripts are fetched with CORS.
    'access-control-allow-origin': '*',
  };
  if (event.headers['if-none-match'] === bundle.etag) return { statusCode: 304, headers };
  if (/\bgzip\b/.test(event.headers['accept-encoding'] ?? '')) {
    return {
      statusCode: 200,
      headers: { ...headers, 'content-encoding': 'gzip' },
      body: bundle.gzip.toString('base64'),
      isBase64Encoded: true,
    };
  }
  return { statusCode: 200, headers, body: bundle.code };
}
