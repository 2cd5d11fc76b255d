// The client never takes its API key along a redirect: two real local servers, the first
// redirecting to the second (another origin), and the second must never see the key.
import type { IncomingHttpHeaders, Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSchedmonClient } from '../src/index.ts';

const servers: Server[] = [];

/** A server answering every request with `status` and `headers`; `seen` collects requests. */
async function serve(status: number, headers: Record<string, string> = {}) {
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((request, response) => {
    seen.push({ url: request.url ?? '', headers: request.headers });
    request.resume();
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify({ scheduler_id: 'job-a' }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, seen };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('redirects', () => {
  it.each([
    [301, 'getScheduler'],
    [302, 'getScheduler'],
    [307, 'status'],
    [308, 'status'],
  ] as const)(
    'a %i to another origin is refused, and the key never leaves',
    async (code, method) => {
      const elsewhere = await serve(200);
      const api = await serve(code, { location: `${elsewhere.origin}/api/v1/schedulers/job-a` });
      const client = createSchedmonClient({
        baseUrl: api.origin,
        apiKey: 'the-key',
        onError: () => {},
      });
      const result =
        method === 'status'
          ? await client.status({
              scheduler_id: 'job-a',
              service_name: 'A',
              job_name: 'J',
              status: 'running',
            })
          : await client.getScheduler('job-a');
      expect(elsewhere.seen).toEqual([]);
      expect(api.seen).toHaveLength(1);
      expect(api.seen[0]?.headers['x-api-key']).toBe('the-key');
      expect(result).toMatchObject({
        ok: false,
        error: { code: 'HTTP_ERROR', status: code, attempts: 1 },
      });
      if (result.ok) return;
      expect(result.error.message).toContain(
        `answered ${code}, a redirect to ${elsewhere.origin}/api/v1/schedulers/job-a: not followed`,
      );
    },
  );

  it('refuses a redirect on the same origin too: the api never redirects, a wrong URL does', async () => {
    const api = await serve(302, { location: '/login' });
    const client = createSchedmonClient({
      baseUrl: api.origin,
      apiKey: 'the-key',
      onError: () => {},
    });
    const result = await client.listSchedulers();
    // The list is walked a page of 1000 at a time; the first page's redirect ends it.
    expect(api.seen.map((request) => request.url)).toEqual(['/api/v1/schedulers?limit=1000']);
    expect(result).toMatchObject({ ok: false, error: { code: 'HTTP_ERROR', status: 302 } });
  });
});
