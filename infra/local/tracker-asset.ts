/** Serves the browser tracker at `GET /roxtrail.js` from Roxtrail itself, bundled on the first request. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { trackerResponse } from '../../functions/query/static';
import { buildTracker } from '../../web/tracker/build';

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const bundle = await buildTracker();
  return trackerResponse(event, { text: bundle.code, gzip: bundle.gzip, etag: bundle.etag });
}
