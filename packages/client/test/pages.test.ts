// Paging: one page and the cursor of the next from the Link header, only ever asked of
// `baseUrl`; `listSchedulers` walks the pages to the end. Against a fake fetch.
import { describe, expect, it } from 'vitest';
import { createSchedmonClient } from '../src/index.ts';
import type { Answer, Sent } from './fake-fetch.ts';
import { fakeFetch, recordOf } from './fake-fetch.ts';

function clientOf(answer: (request: Sent, index: number) => Answer) {
  const fake = fakeFetch(answer);
  const client = createSchedmonClient({
    baseUrl: 'http://api.test/prefix',
    apiKey: 'k',
    fetch: fake.fetch,
    onError: () => {},
  });
  return { client, sent: fake.sent };
}

const page = (ids: string[], link?: string): Answer => ({
  status: 200,
  body: ids.map((id) => recordOf(id)),
  ...(link === undefined ? {} : { headers: { link } }),
});

describe('listSchedulersPage', () => {
  it('sends the filter, limit and cursor, and reads the next cursor from Link', async () => {
    const { client, sent } = clientOf(() =>
      page(['a', 'b'], '</api/v1/schedulers?limit=2&cursor=b2Zm_c2V0-1>; rel="next"'),
    );
    const result = await client.listSchedulersPage({
      status: 'failed',
      tag: 'eod',
      board: 'ops',
      archived: false,
      limit: 2,
      cursor: 'prev',
    });
    expect(sent.map((request) => request.url)).toEqual([
      '/prefix/api/v1/schedulers?status=failed&tag=eod&board=ops&archived=false&limit=2&cursor=prev',
    ]);
    expect(result).toMatchObject({ ok: true, value: { next_cursor: 'b2Zm_c2V0-1' } });
    if (result.ok) expect(result.value.items.map((r) => r.scheduler_id)).toEqual(['a', 'b']);
  });

  it('gives next_cursor null on the last page', async () => {
    const { client } = clientOf(() => page(['a'], '</api/v1/schedulers?limit=2>; rel="prev"'));
    expect(await client.listSchedulersPage({ limit: 2 })).toMatchObject({
      ok: true,
      value: { next_cursor: null },
    });
  });

  it('asks for the next page of baseUrl, whatever origin the link names', async () => {
    const { client, sent } = clientOf((_, index) =>
      index === 0 ? page(['a'], '<https://evil.example/steal?cursor=c1>; rel="next"') : page(['b']),
    );
    const result = await client.listSchedulers();
    expect(result.ok && result.value.map((r) => r.scheduler_id)).toEqual(['a', 'b']);
    expect(sent.map((request) => request.url)).toEqual([
      '/prefix/api/v1/schedulers?limit=1000',
      '/prefix/api/v1/schedulers?limit=1000&cursor=c1',
    ]);
  });

  it('fails rather than stop short on a next link without a usable cursor', async () => {
    const { client } = clientOf(() => page(['a'], '</api/v1/schedulers?cursor=a%20b>; rel="next"'));
    const result = await client.listSchedulers();
    expect(result).toMatchObject({ ok: false, error: { code: 'HTTP_ERROR', status: 200 } });
    if (!result.ok) {
      expect(result.error.message).toBe(
        'GET /api/v1/schedulers answered 200 with a Link rel="next" that carries no usable cursor',
      );
    }
  });

  it('stops a walk that would go round in circles', async () => {
    const { client, sent } = clientOf((_, index) =>
      page([`r${index}`], `</api/v1/schedulers?cursor=c${index % 2}>; rel="next"`),
    );
    const result = await client.listSchedulers({ service_name: 'A' });
    expect(sent).toHaveLength(3);
    expect(result).toMatchObject({ ok: false, error: { code: 'HTTP_ERROR' } });
    if (!result.ok) expect(result.error.message).toContain('gave a cursor it had given before');
  });
});

describe('historyPage', () => {
  it('pages the history with from, to, limit and cursor', async () => {
    const { client, sent } = clientOf(() => ({
      status: 200,
      body: [],
      headers: { link: '<http://api.test/api/v1/schedulers/a%2Fb/history?cursor=n2>; rel=next' },
    }));
    const result = await client.historyPage('a/b', {
      limit: 10,
      from: '2026-01-14T00:00:00Z',
      cursor: 'n1',
    });
    expect(result).toEqual({ ok: true, value: { items: [], next_cursor: 'n2' } });
    expect(sent[0]?.url).toBe(
      '/prefix/api/v1/schedulers/a%2Fb/history?limit=10&from=2026-01-14T00%3A00%3A00Z&cursor=n1',
    );
  });

  it('history stays one call and one list', async () => {
    const { client, sent } = clientOf(() => ({
      status: 200,
      body: [],
      headers: { link: '</api/v1/schedulers/a/history?cursor=n2>; rel="next"' },
    }));
    expect(await client.history('a', { limit: 5 })).toEqual({ ok: true, value: [] });
    expect(sent).toHaveLength(1);
  });
});

describe('archive, pause and resume', () => {
  it('call their routes and resolve the record', async () => {
    const { client, sent } = clientOf(() => ({ status: 200, body: recordOf('job-a') }));
    expect((await client.archive('job-a')).ok).toBe(true);
    expect((await client.pause('job-a')).ok).toBe(true);
    await client.pause('job-a', { until: '2026-01-15T06:00:00+07:00', reason: 'migration' });
    expect((await client.resume('job-a')).ok).toBe(true);
    expect(sent.map(({ method, url, body }) => [method, url, body])).toEqual([
      ['DELETE', '/prefix/api/v1/schedulers/job-a', undefined],
      ['POST', '/prefix/api/v1/schedulers/job-a/pause', {}],
      [
        'POST',
        '/prefix/api/v1/schedulers/job-a/pause',
        { until: '2026-01-15T06:00:00+07:00', reason: 'migration' },
      ],
      ['POST', '/prefix/api/v1/schedulers/job-a/resume', undefined],
    ]);
    // No body, no content type: the api would refuse an empty JSON body.
    expect(sent[0]?.headers['content-type']).toBeUndefined();
    expect(sent[3]?.headers['content-type']).toBeUndefined();
  });
});
