import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRoute, startLocalHttpServer } from '../../infra/local/http-adapter';

let server: { url: string; close(): Promise<void> };
const seen: (Record<string, string | undefined> | undefined)[] = [];

beforeAll(async () => {
  const routes: LocalRoute[] = [
    {
      routeKey: 'GET /v1/sites/{site}/figures',
      handler: async () => async (event) => {
        seen.push(event.pathParameters);
        return { statusCode: 200, body: '{}' };
      },
    },
  ];
  server = await startLocalHttpServer(routes, 0);
});
afterAll(async () => {
  await server.close();
});

describe('the local HTTP adapter', () => {
  it('passes a malformed percent-escape in a path parameter through instead of failing with 500', async () => {
    const response = await fetch(`${server.url}/v1/sites/%E0%A4%A/figures`);
    expect(response.status).toBe(200);
    expect(seen.at(-1)).toEqual({ site: '%E0%A4%A' });
    await fetch(`${server.url}/v1/sites/caf%C3%A9/figures`);
    expect(seen.at(-1)).toEqual({ site: 'café' });
  });
});
