// /api/v1/boards (docs/api.md → Boards, docs/boards.md): every route on the in-memory
// store and on the real DynamoDB engine, the admin scope, hostile bodies and ids, ETags,
// and `GET /api/v1/schedulers?board=`.
import { createDocumentClient, createDynamoBoardStore } from '@schedmon/adapters/dynamodb';
import type { Board, BoardStore } from '@schedmon/domain';
import { useTestEnvironment } from '@schedmon/testing';
import { describe, expect, it } from 'vitest';
import { loadApiKeys, sha256 } from '../src/auth.ts';
import type { makeApp } from './helpers.ts';
import {
  ADMIN_KEY,
  errorBodyOf,
  FULL_KEY,
  headers,
  READ_KEY,
  registration,
  SERVICE_A_KEY,
  useApp,
  WRITE_KEY,
} from './helpers.ts';

const setup = useApp();
const environment = useTestEnvironment();

type App = ReturnType<typeof makeApp>['app'];

const payments = {
  title: 'Payments EOD',
  slack_channel_id: 'C0PAYMENTS',
  timezone: 'Asia/Jakarta',
  window_start: '00:00',
  window_end: '06:00',
  members: { scheduler_ids: ['payments-*'], services: ['Ledger'] },
};

const put = (app: App, id: string, body: unknown, key = ADMIN_KEY) =>
  app.inject({
    method: 'PUT',
    url: `/api/v1/boards/${id}`,
    headers: { ...headers(key), 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
const get = (app: App, url: string, key = ADMIN_KEY, extra: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers: { ...headers(key), ...extra } });
const del = (app: App, id: string, key = ADMIN_KEY) =>
  app.inject({ method: 'DELETE', url: `/api/v1/boards/${id}`, headers: headers(key) });

/** The 400's messages, after checking the error shape. */
function problemsOf(response: { statusCode: number; json(): unknown }): string[] {
  expect(response.statusCode, JSON.stringify(response.json())).toBe(400);
  const { message } = errorBodyOf(response);
  return Array.isArray(message) ? message : [message];
}

/** Every route's happy path, and what a board is after it: on any store. */
async function lifecycle(app: App, clock: { set(iso: string): void }) {
  const created = await put(app, 'payments', payments);
  expect(created.statusCode, created.body).toBe(201);
  const board = created.json() as Board;
  expect(board).toEqual({
    board_id: 'payments',
    ...payments,
    update_every_minutes: 60,
    members: { scheduler_ids: ['payments-*'], services: ['Ledger'], tags: [] },
    mention: null,
    quiet_dates: [],
    destinations: [],
    created_at: '2026-01-15T01:00:00.000Z',
    updated_at: '2026-01-15T01:00:00.000Z',
  });

  clock.set('2026-01-15T02:00:00.000Z');
  const updated = await put(app, 'payments', {
    ...payments,
    board_id: 'payments',
    title: '  Payments night  ',
    quiet_dates: ['2026-12-31', '2026-12-25'],
    update_every_minutes: 30,
  });
  expect(updated.statusCode, updated.body).toBe(200);
  expect(updated.json()).toMatchObject({
    title: 'Payments night',
    quiet_dates: ['2026-12-25', '2026-12-31'],
    update_every_minutes: 30,
    created_at: '2026-01-15T01:00:00.000Z',
    updated_at: '2026-01-15T02:00:00.000Z',
  });

  expect(
    (await put(app, 'ledger', { ...payments, members: { tags: ['ledger'] } })).statusCode,
  ).toBe(201);
  const one = await get(app, '/api/v1/boards/payments');
  expect(one.statusCode).toBe(200);
  expect(one.json()).toEqual(updated.json());
  const list = await get(app, '/api/v1/boards');
  expect(list.statusCode).toBe(200);
  expect((list.json() as { boards: Board[] }).boards.map((b) => b.board_id)).toEqual([
    'ledger',
    'payments',
  ]);

  const deleted = await del(app, 'ledger');
  expect(deleted.statusCode, deleted.body).toBe(200);
  expect(deleted.json()).toMatchObject({ board_id: 'ledger' });
  const again = await del(app, 'ledger');
  expect(again.statusCode).toBe(404);
  expect(errorBodyOf(again).message).toBe('Board ledger not found');
  const gone = await get(app, '/api/v1/boards/ledger');
  expect(gone.statusCode).toBe(404);
  expect(errorBodyOf(gone).message).toBe('Board ledger not found');
  expect((await get(app, '/api/v1/boards')).json()).toEqual({ boards: [updated.json()] });
}

describe('the boards routes', () => {
  it('create, replace, read, list and delete a board (in memory)', async () => {
    const { app, clock } = setup();
    await lifecycle(app, clock);
  });

  it('do the same on the DynamoDB engine', async () => {
    const documents = createDocumentClient(environment().clients.dynamodb);
    const boards = createDynamoBoardStore(documents, environment().names.stateTable);
    for (const board of await boards.list('2026-01-15T00:00:00.000Z')) {
      await boards.delete(board.board_id, '2026-01-15T00:00:00.000Z');
    }
    const { app, clock } = setup({ boards });
    await lifecycle(app, clock);
  });

  it('accept plain API_KEYS keys, which have every scope', async () => {
    const { app } = setup();
    expect((await put(app, 'payments', payments, FULL_KEY)).statusCode).toBe(201);
    expect((await get(app, '/api/v1/boards', FULL_KEY)).statusCode).toBe(200);
  });

  it.each([
    ['read', READ_KEY],
    ['read and write', WRITE_KEY],
    ['scheduler-limited', SERVICE_A_KEY],
  ])('answer 403 to a %s key on every route, changing nothing', async (_name, key) => {
    const { app } = setup();
    expect((await put(app, 'payments', payments)).statusCode).toBe(201);
    const answers = [
      await get(app, '/api/v1/boards', key),
      await get(app, '/api/v1/boards/payments', key),
      await put(app, 'payments', { ...payments, title: 'Taken over' }, key),
      await put(app, 'other', payments, key),
      // Refused for its scope before its body or path are read: no schema in a 400.
      await put(app, 'other', { title: 'x'.repeat(500) }, key),
      await get(app, '/api/v1/boards/bad%20id', key),
      await del(app, 'payments', key),
    ];
    for (const answer of answers) {
      expect(answer.statusCode).toBe(403);
      expect(errorBodyOf(answer).message).toMatch(
        /may not (read|change) boards: it needs the admin scope$/,
      );
    }
    const stored = (await get(app, '/api/v1/boards')).json() as { boards: Board[] };
    expect(stored.boards.map((b) => [b.board_id, b.title])).toEqual([['payments', 'Payments EOD']]);
  });

  it('answer 401 without a key', async () => {
    const { app } = setup();
    const response = await app.inject({ method: 'GET', url: '/api/v1/boards' });
    expect(response.statusCode).toBe(401);
  });

  it('give an admin-only key nothing on schedulers', async () => {
    const { app } = setup();
    const list = await get(app, '/api/v1/schedulers', ADMIN_KEY);
    expect(list.statusCode).toBe(403);
    const register = await app.inject({
      method: 'POST',
      url: '/api/v1/schedulers/register',
      headers: headers(ADMIN_KEY),
      payload: registration(),
    });
    expect(register.statusCode).toBe(403);
  });

  it('answer GETs with an ETag and 304 on If-None-Match', async () => {
    const { app } = setup();
    await put(app, 'payments', payments);
    for (const url of ['/api/v1/boards', '/api/v1/boards/payments']) {
      const first = await get(app, url);
      const etag = first.headers.etag;
      expect(typeof etag).toBe('string');
      const cached = await get(app, url, ADMIN_KEY, { 'if-none-match': String(etag) });
      expect(cached.statusCode).toBe(304);
      expect(cached.body).toBe('');
    }
    const before = String((await get(app, '/api/v1/boards/payments')).headers.etag);
    await put(app, 'payments', { ...payments, title: 'Changed' });
    const after = await get(app, '/api/v1/boards/payments', ADMIN_KEY, { 'if-none-match': before });
    expect(after.statusCode).toBe(200);
  });
});

describe('hostile boards', () => {
  const cases: [string, unknown, RegExp][] = [
    ['a huge title', { ...payments, title: 'x'.repeat(10_000) }, /^title must be at most 150/],
    ['a title of spaces', { ...payments, title: '   ' }, /^title has characters/],
    ['control characters', { ...payments, title: 'Pay\u001b[2Jments' }, /^title has characters/],
    [
      'a bidirectional override',
      { ...payments, title: 'Pay\u202Etnemyap' },
      /^title has characters/,
    ],
    ['a newline in a title', { ...payments, title: 'a\nb' }, /^title has characters/],
    [
      '* not as a suffix',
      { ...payments, members: { scheduler_ids: ['pay*ments'] } },
      /^members\.scheduler_ids\.0 has characters that are not allowed: use a scheduler id, or an id prefix ending in \*/,
    ],
    [
      'a * alone twice',
      { ...payments, members: { scheduler_ids: ['**'] } },
      /^members\.scheduler_ids\.0 has characters/,
    ],
    [
      'a bad zone',
      { ...payments, timezone: 'Mars/Olympus' },
      /^timezone 'Mars\/Olympus' is not an IANA time zone/,
    ],
    ['a zone with a path', { ...payments, timezone: '../../etc/passwd' }, /^timezone /],
    ['window_start == window_end', { ...payments, window_end: '00:00' }, /window/],
    ['a window time of 24:00', { ...payments, window_end: '24:00' }, /^window_end has characters/],
    [
      'update_every_minutes 5',
      { ...payments, update_every_minutes: 5 },
      /^update_every_minutes must be at least 15$/,
    ],
    [
      'update_every_minutes 181',
      { ...payments, update_every_minutes: 181 },
      /^update_every_minutes must be at most 180$/,
    ],
    [
      'update_every_minutes 60.5',
      { ...payments, update_every_minutes: 60.5 },
      /^update_every_minutes must be an integer$/,
    ],
    [
      'update_every_minutes "60"',
      { ...payments, update_every_minutes: '60' },
      /^update_every_minutes /,
    ],
    [
      'quiet date 2026-02-30',
      { ...payments, quiet_dates: ['2026-02-30'] },
      /^quiet_dates: '2026-02-30' is not a calendar date$/,
    ],
    [
      'a quiet date of another shape',
      { ...payments, quiet_dates: ['30/02/2026'] },
      /^quiet_dates\.0 has characters/,
    ],
    [
      'a quiet date twice',
      { ...payments, quiet_dates: ['2026-12-25', '2026-12-25'] },
      /^quiet_dates must not list an item twice$/,
    ],
    ['an unknown field', { ...payments, owner: 'me' }, /^owner is not an accepted field$/],
    [
      'an unknown members field',
      { ...payments, members: { ids: ['a'] } },
      /^members\.ids is not an accepted field$/,
    ],
    [
      'no selector',
      { ...payments, members: {} },
      /^members needs at least one of scheduler_ids, services or tags$/,
    ],
    ['a missing title', { ...payments, title: undefined }, /^title is required$/],
    [
      'a bad channel',
      { ...payments, slack_channel_id: '#payments' },
      /^slack_channel_id has characters/,
    ],
    ['a bad mention', { ...payments, mention: '@here' }, /^mention /],
    [
      'a board_id mismatch',
      { ...payments, board_id: 'ledger' },
      /^board_id 'ledger' does not match the board's id 'payments'$/,
    ],
    ['a board_id of another shape', { ...payments, board_id: 'a b' }, /^board_id has characters/],
    [
      'too many selectors',
      {
        ...payments,
        members: { scheduler_ids: Array.from({ length: 201 }, (_, i) => `job-${i}`) },
      },
      /^members\.scheduler_ids must have at most 200 items$/,
    ],
    ['a list as body', [payments], /^body must be an object$/],
    ['null', null, /^body /],
    [
      'a deep body',
      { ...payments, members: JSON.parse(`${'{"a":'.repeat(500)}1${'}'.repeat(500)}`) },
      /^members\.a is not an accepted field$/,
    ],
  ];

  it.each(cases)(
    'refuses %s with a 400 naming the problem, storing nothing',
    async (_name, body, message) => {
      const { app } = setup();
      const response = await put(app, 'payments', body);
      const problems = problemsOf(response);
      expect(
        problems.some((problem) => message.test(problem)),
        problems.join(' | '),
      ).toBe(true);
      expect(response.body.length).toBeLessThan(2_000);
      expect((await get(app, '/api/v1/boards')).json()).toEqual({ boards: [] });
    },
  );

  it('refuses a body over the limit with 413, and malformed JSON with 400', async () => {
    const { app } = setup();
    const huge = await put(app, 'payments', { ...payments, title: 'x'.repeat(70_000) });
    expect(huge.statusCode).toBe(413);
    errorBodyOf(huge);
    const malformed = await app.inject({
      method: 'PUT',
      url: '/api/v1/boards/payments',
      headers: { ...headers(ADMIN_KEY), 'content-type': 'application/json' },
      payload: '{"title": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(errorBodyOf(malformed).message).toBe('Malformed JSON in request body');
    const text = await app.inject({
      method: 'PUT',
      url: '/api/v1/boards/payments',
      headers: { ...headers(ADMIN_KEY), 'content-type': 'text/plain' },
      payload: 'title',
    });
    expect(text.statusCode).toBe(415);
  });

  it.each([
    ['a space', 'a%20b'],
    ['a leading dot', '.hidden'],
    ['a long id', 'x'.repeat(129)],
    ['a star', 'pay*'],
    ['control characters', 'a%1B%5B2J'],
  ])('refuses a board id with %s in the path with 400', async (_name, id) => {
    const { app } = setup();
    for (const response of [
      await get(app, `/api/v1/boards/${id}`),
      await put(app, id, payments),
      await del(app, id),
    ]) {
      expect(response.statusCode).toBe(400);
      errorBodyOf(response);
    }
  });
});

describe('GET /api/v1/schedulers?board=', () => {
  async function seeded(boards?: BoardStore) {
    const fixture = setup(boards ? { boards } : {});
    for (const [id, service, tags] of [
      ['payments-eod', 'Payments', []],
      ['payments-recon', 'Payments', []],
      ['ledger-close', 'Ledger', []],
      ['hr-payroll', 'HR', ['eod']],
    ] as const) {
      const response = await fixture.app.inject({
        method: 'POST',
        url: '/api/v1/schedulers/register',
        headers: headers(),
        payload: { ...registration(id), service_name: service, tags },
      });
      expect(response.statusCode, response.body).toBe(201);
    }
    return fixture;
  }
  const ids = (response: { json(): unknown }) =>
    (response.json() as { scheduler_id: string }[]).map((r) => r.scheduler_id).sort();

  it('without boards: the default board holds every scheduler; others are 404', async () => {
    const { app } = await seeded();
    const all = await get(app, '/api/v1/schedulers?board=default', FULL_KEY);
    expect(all.statusCode).toBe(200);
    expect(ids(all)).toEqual(['hr-payroll', 'ledger-close', 'payments-eod', 'payments-recon']);
    const unknown = await get(app, '/api/v1/schedulers?board=payments', FULL_KEY);
    expect(unknown.statusCode).toBe(404);
    expect(errorBodyOf(unknown).message).toBe('Board payments not found');
  });

  it('lists a board’s members, and the default board the rest', async () => {
    const { app } = await seeded();
    await put(app, 'payments', payments);
    await put(app, 'people', { ...payments, members: { tags: ['eod'] } });
    expect(ids(await get(app, '/api/v1/schedulers?board=payments', FULL_KEY))).toEqual([
      'ledger-close',
      'payments-eod',
      'payments-recon',
    ]);
    expect(ids(await get(app, '/api/v1/schedulers?board=people', FULL_KEY))).toEqual([
      'hr-payroll',
    ]);
    expect(ids(await get(app, '/api/v1/schedulers?board=default', FULL_KEY))).toEqual([]);
    // A key limited to some ids still sees only those.
    expect(ids(await get(app, '/api/v1/schedulers?board=payments', SERVICE_A_KEY))).toEqual([]);
    // With paging too.
    const page = await get(app, '/api/v1/schedulers?board=payments&limit=2', FULL_KEY);
    expect(ids(page)).toEqual(['ledger-close', 'payments-eod']);
    expect(page.headers.link).toMatch(/rel="next"/);
  });

  it('refuses a board id of another shape with 400', async () => {
    const { app } = await seeded();
    for (const board of ['a%20b', 'x'.repeat(129), '*']) {
      const response = await get(app, `/api/v1/schedulers?board=${board}`, FULL_KEY);
      expect(response.statusCode).toBe(400);
      errorBodyOf(response);
    }
  });
});

describe("a registration's schedule zone", () => {
  it("is its board's when it gives none, and stays its own or EOD_TIMEZONE's otherwise", async () => {
    const { app } = setup();
    expect(
      (await put(app, 'payments', { ...payments, timezone: 'Europe/London' })).statusCode,
    ).toBe(201);
    const register = async (body: Record<string, unknown>) => {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/schedulers/register',
        headers: headers(),
        payload: body,
      });
      expect(response.statusCode, response.body).toBe(201);
      return (response.json() as { timezone: string | null }).timezone;
    };
    const daily = { schedule: '0 23 * * *' };
    expect(await register({ ...registration('payments-eod'), ...daily })).toBe('Europe/London');
    expect(
      await register({ ...registration('payments-own'), ...daily, timezone: 'Asia/Tokyo' }),
    ).toBe('Asia/Tokyo');
    expect(await register({ ...registration('payments-free') })).toBeNull();
    expect(await register({ ...registration('hr-eod'), ...daily })).toBeNull();
  });
});

describe('the admin scope in API_KEYS_FILE', () => {
  const file = (scopes: string[]) =>
    JSON.stringify([{ name: 'ops', sha256: sha256('k').toString('hex'), scopes }]);

  it('is a bare scope', () => {
    const [key] = loadApiKeys([], file(['admin', 'read']));
    expect(key?.scopes).toEqual([
      { access: 'admin', ids: null },
      { access: 'read', ids: null },
    ]);
  });

  it.each(['admin:payments', 'admin:*'])('refuses %s with a message saying why', (scope) => {
    expect(() => loadApiKeys([], file([scope]))).toThrow(
      `API_KEYS_FILE is invalid: scope "${scope}": admin is for the whole installation (boards) and takes no scheduler ids; use "admin"`,
    );
  });

  it('refuses an unknown scope, naming the ones there are', () => {
    expect(() => loadApiKeys([], file(['owner']))).toThrow(/use read, write, .* or admin/);
  });
});
