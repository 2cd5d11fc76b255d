// 200 open Boards pages (Server-Sent Events clients) against one real api process
// (docs/web.md → Live): the stores are read once per refresh interval however many
// watch, counted at the DynamoDB engine's door by a proxy; every client gets a change;
// and the api's resident memory stays under 200 MB.

import { rm } from 'node:fs/promises';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { bundleApp, waitFor } from '@schedmon/local';
import type { DynamoProxy } from '@schedmon/testing';
import { startDynamoProxy, useTestEnvironment } from '@schedmon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from './stack.ts';
import { startApp } from './stack.ts';

const KEY = 'live-scale-key-0123456789';
const CLIENTS = 200;
const REFRESH_SECONDS = 1;
const environment = useTestEnvironment();

/** DynamoDB requests that pass through, by operation. */
let proxy: DynamoProxy;

let api: AppProcess;
let bundleFile: string | undefined;

beforeAll(async () => {
  proxy = await startDynamoProxy(environment().env.DYNAMODB_ENDPOINT ?? '');
  // The api as production runs it (the bundle): the memory bar is production's.
  // Beside the api's own bundle, where it finds the packages left out of it.
  bundleFile = fileURLToPath(new URL(`../../dist/live-scale-${process.pid}.mjs`, import.meta.url));
  const bundle = await bundleApp('api', { outfile: bundleFile });
  api = await startApp(
    'api',
    {
      ...environment().env,
      DYNAMODB_ENDPOINT: proxy.url,
      API_KEYS: KEY,
      UI_REFRESH_SECONDS: String(REFRESH_SECONDS),
      RATE_LIMIT_PER_MINUTE: '10000',
      UI_RATE_LIMIT_PER_MINUTE: '10000',
    },
    { bundle: bundle.file },
  );
}, 60_000);

afterAll(async () => {
  await api?.stop();
  if (bundleFile !== undefined) await rm(bundleFile, { force: true });
  await proxy?.close();
});

const reads = () =>
  [...proxy.operations.entries()]
    .filter(([operation]) => ['Scan', 'Query', 'GetItem', 'BatchGetItem'].includes(operation))
    .reduce((sum, [, count]) => sum + count, 0);

async function metric(name: string): Promise<number> {
  const text = await fetch(`${api.base}/metrics`).then((answer) => answer.text());
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

const register = (id: string) =>
  fetch(`${api.base}/api/v1/schedulers/register`, {
    method: 'POST',
    headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ scheduler_id: id, service_name: 'Scale', job_name: `Job ${id}` }),
  }).then((answer) => expect(answer.status).toBeLessThan(300));

/** One open Boards page's stream: the fragments it got. */
type Stream = { request: ClientRequest; fragments: string[]; response?: IncomingMessage };

function openStream(cookie: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const stream: Stream = {
      fragments: [],
      request: request(`${api.base}/ui/events?view=boards`, {
        headers: { cookie, accept: 'text/event-stream' },
        agent: false,
      }),
    };
    let buffer = '';
    stream.request.on('response', (response) => {
      stream.response = response;
      if (response.statusCode !== 200) reject(new Error(`stream: ${response.statusCode}`));
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (event.startsWith('event: fragment\n')) {
            stream.fragments.push(
              event
                .split('\n')
                .filter((line) => line.startsWith('data: '))
                .map((line) => line.slice(6))
                .join('\n'),
            );
          }
        }
      });
      resolve(stream);
    });
    stream.request.on('error', (error) => {
      if (stream.response === undefined) reject(error);
    });
    stream.request.end();
  });
}

describe('200 open Boards pages against one api process', () => {
  it('serves the page script, bundled as production bundles it, as a script that parses', async () => {
    const page = await fetch(`${api.base}/ui/login`).then((answer) => answer.text());
    const src = /<script src="([^"]+)" defer><\/script>/.exec(page)?.[1];
    expect(src).toMatch(/^\/ui\/assets\/app\.[0-9a-f]{12}\.js$/);
    const script = await fetch(`${api.base}${src}`).then((answer) => answer.text());
    expect(script).toContain('EventSource');
    expect(() => new Function(script)).not.toThrow();
  });

  it('reads the stores once per interval, tells every page of a change, and stays under 200 MB', async () => {
    for (let i = 0; i < 20; i += 1) await register(`scale-${String(i).padStart(2, '0')}`);
    const login = await fetch(`${api.base}/ui/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: api.base },
      body: new URLSearchParams({ key: KEY }).toString(),
    });
    expect(login.status).toBe(303);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

    const streams: Stream[] = [];
    const openedAt = performance.now();
    console.info(`api RSS before: ${((await api.rss()) / 1024 / 1024).toFixed(1)} MB`);
    try {
      for (let i = 0; i < CLIENTS; i += 1) streams.push(await openStream(cookie));
      await waitFor(
        () => streams.every((stream) => stream.fragments.length >= 1),
        'the first fragment on every stream',
        20_000,
      );
      expect(await metric('schedmon_ui_streams')).toBe(CLIENTS);

      // Watch for a while, counting refreshes and the reads that reached DynamoDB.
      const startedAt = performance.now();
      const readsBefore = reads();
      const refreshesBefore = await metric('schedmon_ui_refreshes_total');
      await waitFor(
        async () => (await metric('schedmon_ui_refreshes_total')) >= refreshesBefore + 6,
        'six more refreshes',
        30_000,
      );
      const refreshes = (await metric('schedmon_ui_refreshes_total')) - refreshesBefore;
      // A refresh is counted as it starts: wait for its requests to reach the engine.
      await waitFor(
        () => reads() - readsBefore >= refreshes * 3 - 3,
        'the refreshes’ reads',
        10_000,
      );
      const readCount = reads() - readsBefore;
      const seconds = (performance.now() - startedAt) / 1000;
      // At most one refresh per interval (plus the one under way), never one per page.
      expect(refreshes).toBeLessThanOrEqual(Math.ceil(seconds / REFRESH_SECONDS) + 1);
      // A refresh is a Scan of the schedulers, a Query of the boards and one of incidents.
      expect(readCount).toBeGreaterThanOrEqual(refreshes * 3 - 3);
      expect(readCount).toBeLessThanOrEqual(refreshes * 3 + 3);

      // A change reaches every page, in one more fragment each.
      await register('scale-new-one');
      await waitFor(
        () => streams.every((stream) => stream.fragments.at(-1)?.includes('scale-new-one')),
        'the new scheduler on every page',
        15_000,
      );
      // Only changes are sent: the first fragment, the change, and at most one more per
      // minute, when the page's "as of" clock moves.
      const minutes = Math.ceil((performance.now() - openedAt) / 60_000) + 1;
      for (const stream of streams) {
        expect(stream.fragments.length).toBeGreaterThanOrEqual(2);
        // (and a stale one then a recovered one, should a read fail under load)
        expect(stream.fragments.length).toBeLessThanOrEqual(4 + minutes);
      }
      const rss = await api.rss();
      console.info(`api RSS with ${CLIENTS} streams: ${(rss / 1024 / 1024).toFixed(1)} MB`);
      expect(rss).toBeLessThan(200 * 1024 * 1024);
    } finally {
      for (const stream of streams) stream.request.destroy();
    }
    await waitFor(
      async () => (await metric('schedmon_ui_streams')) === 0,
      'every stream closed',
      10_000,
    );
  }, 120_000);
});
