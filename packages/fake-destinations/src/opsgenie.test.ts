import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeOpsgenie } from './index.ts';
import { startFakeOpsgenie } from './index.ts';

const AUTH = { authorization: 'GenieKey eb243592-faa2-4ba2-a551q-1afdf565c889' };
let fake: FakeOpsgenie;

beforeAll(async () => {
  fake = await startFakeOpsgenie();
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  fake.reset();
});

type Body = Record<string, unknown>;
const alert = (fields: Body = {}): Body => ({
  message: 'nightly-etl is late',
  alias: 'a1',
  ...fields,
});

function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = { ...AUTH, 'content-type': 'application/json' },
  url = fake.url,
) {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers,
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

async function answer(path: string, body: unknown, headers?: Record<string, string>) {
  const response = await post(path, body, headers);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const create = (body: unknown, headers?: Record<string, string>) =>
  answer('/v2/alerts', body, headers);
const act = (action: 'acknowledge' | 'close', alias = 'a1', body: unknown = undefined) =>
  answer(`/v2/alerts/${encodeURIComponent(alias)}/${action}?identifierType=alias`, body);

const accepted = {
  status: 202,
  body: {
    result: 'Request will be processed',
    took: expect.any(Number),
    requestId: expect.any(String),
  },
};
const unprocessable = (errors: Record<string, string>) => ({
  status: 422,
  body: {
    message: 'Request body is not processable. Please check the errors.',
    errors,
    took: expect.any(Number),
    requestId: expect.any(String),
  },
});
const unauthenticated = {
  status: 401,
  body: {
    message: 'Could not authenticate',
    took: expect.any(Number),
    requestId: expect.any(String),
  },
};

describe('create', () => {
  it('answers 202 with took and requestId, also as X-Request-ID, and opens the alert', async () => {
    const response = await post('/v2/alerts', alert());
    const body = (await response.json()) as { requestId: string };
    expect({ status: response.status, body }).toEqual(accepted);
    expect(response.headers.get('x-request-id')).toBe(body.requestId);
    expect(fake.alerts()).toEqual([
      {
        alias: 'a1',
        status: 'open',
        transitions: ['create'],
        count: 1,
        duplicates: 0,
        requests: [fake.requests[0]],
      },
    ]);
  });

  it('issues a new requestId for every answer', async () => {
    const first = await create(alert());
    const second = await create(alert());
    expect(first.body.requestId).not.toBe(second.body.requestId);
  });

  it('opens a new alert for each create without an alias', async () => {
    await create({ message: 'one' });
    await create({ message: 'one' });
    const aliases = fake.alerts().map((each) => each.alias);
    expect(aliases).toHaveLength(2);
    expect(aliases[0]).not.toBe(aliases[1]);
  });

  it('accepts every documented field at its limit', async () => {
    const full = {
      message: 'm'.repeat(130),
      alias: 'a'.repeat(512),
      description: 'd'.repeat(15_000),
      responders: [
        { type: 'team', name: 'ops' },
        { type: 'user', username: 'trinity@opsgenie.com' },
        { type: 'escalation', id: '4513b7ea-3b91-438f-b7e4-e3e54af9147c' },
        { type: 'schedule', name: 'on-call' },
      ],
      visibleTo: [{ type: 'team', id: '4513b7ea-3b91-438f-b7e4-e3e54af9147c' }],
      actions: Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(50, 'x')),
      tags: Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(50, 't')),
      details: { k: 'v'.repeat(7_999) },
      entity: 'e'.repeat(512),
      source: 's'.repeat(100),
      priority: 'P1',
      user: 'u'.repeat(100),
      note: 'n'.repeat(25_000),
    };
    expect(await create(full)).toEqual(accepted);
  });
});

describe('create validation', () => {
  it.each([
    ['no message', { message: undefined }, { message: 'Message can not be empty.' }],
    ['an empty message', { message: '' }, { message: 'Message can not be empty.' }],
    ['a blank message', { message: '   ' }, { message: 'Message can not be empty.' }],
    [
      'a message of 131',
      { message: 'm'.repeat(131) },
      { message: 'must be at most 130 characters' },
    ],
    ['a numeric message', { message: 5 }, { message: 'must be a string' }],
    ['an alias of 513', { alias: 'a'.repeat(513) }, { alias: 'must be at most 512 characters' }],
    [
      'a description of 15001',
      { description: 'd'.repeat(15_001) },
      { description: 'must be at most 15000 characters' },
    ],
    ['an entity of 513', { entity: 'e'.repeat(513) }, { entity: 'must be at most 512 characters' }],
    ['a source of 101', { source: 's'.repeat(101) }, { source: 'must be at most 100 characters' }],
    ['a user of 101', { user: 'u'.repeat(101) }, { user: 'must be at most 100 characters' }],
    ['a note of 25001', { note: 'n'.repeat(25_001) }, { note: 'must be at most 25000 characters' }],
    [
      '21 tags',
      { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) },
      { tags: 'must have at most 20 items' },
    ],
    ['a tag of 51', { tags: ['t'.repeat(51)] }, { tags: 'items must be at most 50 characters' }],
    ['a numeric tag', { tags: [1] }, { tags: 'must be a list of strings' }],
    ['tags as a string', { tags: 'a,b' }, { tags: 'must be a list of strings' }],
    [
      '11 actions',
      { actions: Array.from({ length: 11 }, (_, i) => `a${i}`) },
      { actions: 'must have at most 10 items' },
    ],
    [
      'an action of 51',
      { actions: ['a'.repeat(51)] },
      { actions: 'items must be at most 50 characters' },
    ],
    [
      'details of 8001 characters',
      { details: { k: 'v'.repeat(8_000) } },
      { details: 'must be at most 8000 characters' },
    ],
    ['a numeric detail', { details: { retries: 3 } }, { details: 'values must be strings' }],
    ['details as a list', { details: ['x'] }, { details: 'must be an object' }],
    ['priority P6', { priority: 'P6' }, { priority: 'must be one of P1, P2, P3, P4, P5' }],
    ['priority p1', { priority: 'p1' }, { priority: 'must be one of P1, P2, P3, P4, P5' }],
    [
      'a responder without a type',
      { responders: [{ name: 'ops' }] },
      { responders: 'each must have a type (team, user, escalation, schedule) and an id or name' },
    ],
    [
      'a team responder by username',
      { responders: [{ type: 'team', username: 'ops' }] },
      { responders: 'each must have a type (team, user, escalation, schedule) and an id or name' },
    ],
    [
      '51 responders',
      { responders: Array.from({ length: 51 }, (_, i) => ({ type: 'team', name: `t${i}` })) },
      { responders: 'must have at most 50 items' },
    ],
    ['visibleTo as an object', { visibleTo: { type: 'team' } }, { visibleTo: 'must be a list' }],
  ])('answers 422 to %s and creates nothing', async (_name, fields, errors) => {
    expect(await create(alert(fields))).toEqual(unprocessable(errors));
    expect(fake.alerts()).toEqual([]);
  });

  it('names every refused field at once', async () => {
    const body = { message: '', alias: 'a'.repeat(513), priority: 'urgent' };
    expect(await create(body)).toEqual(
      unprocessable({
        message: 'Message can not be empty.',
        alias: 'must be at most 512 characters',
        priority: 'must be one of P1, P2, P3, P4, P5',
      }),
    );
  });

  it('counts keys and values of details together', async () => {
    expect((await create(alert({ details: { kk: 'v'.repeat(7_998) } }))).status).toBe(202);
    expect((await create(alert({ details: { kkk: 'v'.repeat(7_998) } }))).status).toBe(422);
  });
});

describe('authentication', () => {
  it.each([
    ['no Authorization header', {}],
    ['a Bearer token', { authorization: 'Bearer eb243592' }],
    ['GenieKey without a key', { authorization: 'GenieKey ' }],
    ['a lower-case scheme', { authorization: 'geniekey eb243592' }],
  ])('answers 401 Could not authenticate to %s', async (_name, auth) => {
    const headers = { 'content-type': 'application/json', ...auth };
    expect(await create(alert(), headers)).toEqual(unauthenticated);
    expect(await answer('/v2/alerts/a1/close?identifierType=alias', undefined, auth)).toEqual(
      unauthenticated,
    );
    expect(fake.alerts()).toEqual([]);
  });

  it('takes only the listed keys with apiKeys', async () => {
    const own = await startFakeOpsgenie({ apiKeys: ['key-1'] });
    try {
      const headers = (key: string) => ({
        'content-type': 'application/json',
        authorization: `GenieKey ${key}`,
      });
      expect((await post('/v2/alerts', alert(), headers('key-1'), own.url)).status).toBe(202);
      const refused = await post('/v2/alerts', alert(), headers('key-2'), own.url);
      expect({ status: refused.status, body: await refused.json() }).toEqual(unauthenticated);
      expect(own.alerts()).toHaveLength(1);
    } finally {
      await own.stop();
    }
  });

  it('records the Host header, so one fake serves the US and the EU hosts', async () => {
    for (const host of ['api.opsgenie.com', 'api.eu.opsgenie.com']) {
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const { port } = new URL(fake.url);
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/v2/alerts',
            headers: { ...AUTH, host, 'content-type': 'application/json' },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify(alert()));
      });
      expect(status).toBe(202);
    }
    expect(fake.requests.map((request) => request.headers.host)).toEqual([
      'api.opsgenie.com',
      'api.eu.opsgenie.com',
    ]);
  });
});

describe('request format', () => {
  it('answers 415 to a create that is not application/json, 400 to invalid JSON', async () => {
    const text = await create(JSON.stringify(alert()), { ...AUTH, 'content-type': 'text/plain' });
    expect(text).toMatchObject({
      status: 415,
      body: { message: 'Request body format is not supported' },
    });
    for (const body of ['{"message":', '[]', '']) {
      expect(await create(body)).toMatchObject({
        status: 400,
        body: { message: 'Invalid JSON body' },
      });
    }
    expect(fake.alerts()).toEqual([]);
  });

  it('answers 404 to an unknown path and 405 to another method', async () => {
    expect((await answer('/v2/alerts/a1/snooze', {})).status).toBe(404);
    expect((await answer('/v1/json/alert', {})).status).toBe(404);
    const get = await fetch(`${fake.url}/v2/alerts`, { headers: AUTH });
    expect(get.status).toBe(405);
    await get.body?.cancel();
  });
});

describe('alert state by alias', () => {
  it('de-duplicates creates of an open alert, then acknowledges and closes it', async () => {
    expect(await create(alert())).toEqual(accepted);
    expect(await create(alert())).toEqual(accepted);
    expect(await act('acknowledge')).toEqual(accepted);
    expect(await act('acknowledge')).toEqual(accepted);
    expect(await create(alert())).toEqual(accepted);
    expect(await act('close')).toEqual(accepted);
    expect(await act('close')).toEqual(accepted);
    expect(await act('acknowledge')).toEqual(accepted);

    expect(fake.alerts()).toEqual([
      {
        alias: 'a1',
        status: 'closed',
        transitions: ['create', 'acknowledge', 'close'],
        count: 3,
        duplicates: 5,
        requests: fake.requests,
      },
    ]);
  });

  it('opens a new alert for a create after the alias was closed', async () => {
    await create(alert());
    await act('close');
    await create(alert());
    expect(fake.alerts()).toMatchObject([
      { alias: 'a1', status: 'closed', count: 1 },
      { alias: 'a1', status: 'open', transitions: ['create'], count: 1, duplicates: 0 },
    ]);
  });

  it('closes an open alert that was never acknowledged', async () => {
    await create(alert());
    await act('close');
    expect(fake.alerts()).toMatchObject([{ status: 'closed', transitions: ['create', 'close'] }]);
  });

  it('accepts an acknowledge or close of an unknown alias and changes nothing', async () => {
    expect(await act('acknowledge', 'nope')).toEqual(accepted);
    expect(await act('close', 'nope')).toEqual(accepted);
    expect(fake.alerts()).toEqual([]);
  });

  it('decodes the identifier from the path', async () => {
    await create(alert({ alias: 'etl/nightly #1' }));
    await act('close', 'etl/nightly #1');
    expect(fake.alerts()).toMatchObject([{ alias: 'etl/nightly #1', status: 'closed' }]);
  });

  it('reads the identifier as an id without identifierType, which addresses no alias', async () => {
    await create(alert());
    expect(await answer('/v2/alerts/a1/close', undefined)).toEqual(accepted);
    expect(await answer('/v2/alerts/a1/close?identifierType=tiny', undefined)).toEqual(accepted);
    expect(await answer('/v2/alerts/a1/close?identifierType=id', undefined)).toEqual(accepted);
    expect(fake.alerts()).toMatchObject([{ status: 'open', duplicates: 0 }]);
  });

  it('answers 422 to an unknown identifierType', async () => {
    await create(alert());
    expect(await answer('/v2/alerts/a1/close?identifierType=name', undefined)).toEqual(
      unprocessable({ identifierType: 'must be one of id, alias, tiny' }),
    );
    expect(fake.alerts()[0]?.status).toBe('open');
  });

  it('takes the optional user, source and note of an action, within their limits', async () => {
    await create(alert());
    const within = { user: 'u'.repeat(100), source: 's'.repeat(100), note: 'n'.repeat(25_000) };
    expect(await act('acknowledge', 'a1', within)).toEqual(accepted);
    expect(await act('close', 'a1', { note: 'n'.repeat(25_001), user: 'u'.repeat(101) })).toEqual(
      unprocessable({
        user: 'must be at most 100 characters',
        note: 'must be at most 25000 characters',
      }),
    );
    expect(await act('close', 'a1', { source: 's'.repeat(101) })).toEqual(
      unprocessable({ source: 'must be at most 100 characters' }),
    );
    expect(fake.alerts()[0]?.status).toBe('acknowledged');
  });

  it('takes an action without a body or content type, but not a body that is not JSON', async () => {
    await create(alert());
    const path = '/v2/alerts/a1/acknowledge?identifierType=alias';
    expect((await post(path, undefined, AUTH)).status).toBe(202);
    expect((await post(path, 'note', { ...AUTH, 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(path, '{', { ...AUTH, 'content-type': 'application/json' })).status).toBe(
      400,
    );
  });
});

describe('injected failures', () => {
  it("answers a 429 with Opsgenie's rate-limit body and Retry-After, creating nothing", async () => {
    fake.fail({ status: 429, retryAfterSeconds: 2 });
    const response = await post('/v2/alerts', alert());
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(await response.json()).toEqual({
      message:
        'You are making too many requests! To avoid errors, we recommend you limit requests.',
      took: expect.any(Number),
      requestId: expect.any(String),
    });
    expect(fake.alerts()).toEqual([]);
  });

  it('answers other statuses in the same envelope', async () => {
    fake.fail({ status: 503 });
    expect(await create(alert())).toEqual({
      status: 503,
      body: {
        message: 'Service Unavailable',
        took: expect.any(Number),
        requestId: expect.any(String),
      },
    });
  });

  it('holds an accepted action: applied before the client sees the 202', async () => {
    await create(alert());
    const held = fake.hold();
    const closing = act('close');
    const { release } = await held;
    expect(fake.alerts()[0]?.status).toBe('closed');
    release();
    expect(await closing).toEqual(accepted);
  });
});
