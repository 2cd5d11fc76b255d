// Destinations through the api (docs/api.md → Destinations, spec incidents.md → Other
// destinations): a board's `destinations` and a scheduler's own list are shown by
// fingerprint only, never logged, refused when hostile or careless, admin-only; and
// `GET /api/v1/incidents/{id}/deliveries` lists the delivery log through the incident's
// scheduler's scopes. All on the in-memory fakes.
import { Writable } from 'node:stream';
import type { DeliveryAttempt, IncidentRecord } from '@schedmon/domain';
import { incidentIdOf } from '@schedmon/domain';
import { createLogger } from '@schedmon/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../src/app.ts';
import {
  ADMIN_KEY,
  errorBodyOf,
  FULL_KEY,
  headers,
  makeApp,
  READ_KEY,
  registration,
  SERVICE_A_KEY,
  useApp,
  WRITE_KEY,
} from './helpers.ts';

const setup = useApp();

type Fixture = ReturnType<typeof makeApp>;
type App = Fixture['app'];
type Answer = Awaited<ReturnType<App['inject']>>;

const NOW_S = Date.parse('2026-01-15T01:00:00.000Z') / 1000;

// Every secret below carries a marker no answer or log line may ever hold.
const WEBHOOK_SECRET = 'whsec-MARKER1-0123456789abcdef';
const WEBHOOK_PATH = '/services/T0PATHMARKER2/B0';
const WEBHOOK_QUERY = 'token=QUERYMARKER3';
const WEBHOOK_FRAGMENT = 'FRAGMARKER4';
const ROUTING_KEY = 'R0UTINGMARKER5abcdefghijklmnopqr';
const OPSGENIE_KEY = 'og-MARKER6-3f2e1d0c';
const MARKERS = [
  WEBHOOK_SECRET,
  'MARKER1',
  'PATHMARKER2',
  'QUERYMARKER3',
  'FRAGMARKER4',
  ROUTING_KEY,
  'MARKER5',
  OPSGENIE_KEY,
  'MARKER6',
];

const webhook = {
  type: 'webhook',
  url: `https://Hooks.Example.com:8443${WEBHOOK_PATH}?${WEBHOOK_QUERY}#${WEBHOOK_FRAGMENT}`,
  secret: WEBHOOK_SECRET,
} as const;
const pagerduty = { type: 'pagerduty', routing_key: ROUTING_KEY } as const;
const opsgenie = { type: 'opsgenie', api_key: OPSGENIE_KEY, region: 'eu' } as const;

const boardBody = (destinations: unknown, title = 'Payments EOD') => ({
  title,
  slack_channel_id: 'C0PAYMENTS',
  timezone: 'Asia/Jakarta',
  window_start: '00:00',
  window_end: '06:00',
  members: { scheduler_ids: ['payments-*'] },
  destinations,
});

const json = (key: string) => ({ ...headers(key), 'content-type': 'application/json' });

const putBoard = (app: App, id: string, body: unknown, key = ADMIN_KEY) =>
  app.inject({
    method: 'PUT',
    url: `/api/v1/boards/${id}`,
    headers: json(key),
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
const putOwn = (app: App, id: string, body: unknown, key = ADMIN_KEY) =>
  app.inject({
    method: 'PUT',
    url: `/api/v1/schedulers/${id}/destinations`,
    headers: json(key),
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
const get = (app: App, url: string, key = ADMIN_KEY) =>
  app.inject({ method: 'GET', url, headers: headers(key) });
const del = (app: App, url: string, key = ADMIN_KEY) =>
  app.inject({ method: 'DELETE', url, headers: headers(key) });

async function register(app: App, id: string) {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/schedulers/register',
    headers: headers(FULL_KEY),
    payload: registration(id),
  });
  expect(response.statusCode, response.body).toBe(201);
}

/** Every string of a JSON value, keys included, decoded (so no `\u` escape hides one). */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [key, ...stringsOf(item)]);
  }
  return [];
}

/** Fails when an answer (body, decoded strings or headers) holds any secret marker. */
function expectNoSecret(answer: Answer, markers: readonly string[] = MARKERS) {
  const texts = [answer.body, JSON.stringify(answer.headers)];
  if (answer.body !== '') texts.push(...stringsOf(answer.json()));
  for (const text of texts) {
    for (const marker of markers) {
      expect(text.toLowerCase(), `${marker} leaked`).not.toContain(marker.toLowerCase());
    }
  }
}

/** The 400's messages, after checking the error shape. */
function problemsOf(response: Answer): string[] {
  expect(response.statusCode, response.body).toBe(400);
  const { message } = errorBodyOf(response);
  return Array.isArray(message) ? message : [message];
}

const FINGERPRINT = (type: string) => new RegExp(`^${type}:[0-9a-f]{12}$`);

type View = { type: string; fingerprint: string; origin?: string; region?: string };
const viewsOf = (answer: Answer) => (answer.json() as { destinations: View[] }).destinations;

/**
 * One app for the tests of a describe block or of the file (building one is most of a small
 * test's time), with `payments-eod` registered, closed after them. Its rate limit is raised:
 * every case is one more request of the same key.
 */
function sharedApp(overrides: Partial<AppDeps> = {}) {
  let fixture: Fixture | undefined;
  beforeAll(async () => {
    fixture = makeApp({
      limits: {
        rateLimitPerMinute: 10_000,
        authFailuresPerMinute: 30,
        bodyLimitBytes: 65_536,
        batchBodyLimitBytes: 1_048_576,
        maxClockSkewMs: 300_000,
        knownSchedulerTtlMs: 30_000,
      },
      ...overrides,
    });
    await register(fixture.app, 'payments-eod');
  });
  afterAll(async () => {
    await fixture?.app.close();
  });
  return () => {
    if (!fixture) throw new Error('sharedApp() is used in the tests of its block only');
    return fixture;
  };
}

// Most tests share this app, each with ids of its own.
const main = sharedApp();

describe('destinations are shown by fingerprint only', () => {
  it.each([
    ['webhook', webhook, { type: 'webhook', origin: 'https://hooks.example.com:8443' }],
    ['pagerduty', pagerduty, { type: 'pagerduty' }],
    ['opsgenie', opsgenie, { type: 'opsgenie', region: 'eu' }],
  ] as const)(
    'on a board, for a %s destination: PUT, GET, list, DELETE',
    async (type, destination, shown) => {
      const { app, boards } = main();
      const url = `/api/v1/boards/${type}`;
      const created = await putBoard(app, type, boardBody([destination]));
      expect(created.statusCode, created.body).toBe(201);
      const [view] = viewsOf(created);
      expect(view).toEqual({ ...shown, fingerprint: expect.stringMatching(FINGERPRINT(type)) });

      const replaced = await putBoard(app, type, boardBody([destination], 'Payments night'));
      expect(replaced.statusCode).toBe(200);
      const answers = [
        created,
        replaced,
        await get(app, url),
        await get(app, url),
        await get(app, '/api/v1/boards'),
      ];
      // Stored with its secret (the worker needs it), answered without.
      expect((await boards.get(type, '2026-01-15T01:00:00.000Z'))?.destinations).toEqual([
        destination,
      ]);
      answers.push(await del(app, url));
      for (const answer of answers) {
        expect(answer.statusCode, answer.body).toBe(200 + (answer === created ? 1 : 0));
        expectNoSecret(answer);
        const body = answer.json() as {
          boards?: { board_id: string; destinations: View[] }[];
          destinations?: View[];
        };
        const views = body.boards
          ? body.boards.find((board) => board.board_id === type)?.destinations
          : body.destinations;
        // The same configuration has the same fingerprint in every answer.
        expect(views).toEqual([view]);
      }
    },
  );

  it("on a scheduler's own list: PUT, GET, DELETE", async () => {
    const { app, destinations } = main();
    const url = '/api/v1/schedulers/payments-eod/destinations';
    const created = await putOwn(app, 'payments-eod', {
      destinations: [webhook, pagerduty, opsgenie],
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toEqual({
      scheduler_id: 'payments-eod',
      destinations: [
        {
          type: 'webhook',
          fingerprint: expect.stringMatching(FINGERPRINT('webhook')),
          origin: 'https://hooks.example.com:8443',
        },
        { type: 'pagerduty', fingerprint: expect.stringMatching(FINGERPRINT('pagerduty')) },
        {
          type: 'opsgenie',
          fingerprint: expect.stringMatching(FINGERPRINT('opsgenie')),
          region: 'eu',
        },
      ],
      updated_at: '2026-01-15T01:00:00.000Z',
    });
    const replaced = await putOwn(app, 'payments-eod', {
      destinations: [webhook, pagerduty, opsgenie],
    });
    const read = [await get(app, url), await get(app, url)];
    expect(
      (await destinations.get('payments-eod', '2026-01-15T01:00:00.000Z'))?.destinations,
    ).toEqual([webhook, pagerduty, opsgenie]);
    const deleted = await del(app, url);
    for (const answer of [created, replaced, ...read, deleted]) {
      expect(answer.statusCode).toBeLessThan(300);
      expectNoSecret(answer);
      expect(answer.json()).toEqual(created.json());
    }
  });

  it('fingerprints equal configurations alike, on boards and schedulers, and any change apart', async () => {
    const { app } = main();
    await register(app, 'ledger-close');
    const fingerprintsOf = async (destinations: unknown[]) => {
      const answer = await putBoard(app, 'scratch', boardBody(destinations));
      expect(answer.statusCode, answer.body).toBeLessThan(300);
      return viewsOf(answer).map((view) => view.fingerprint);
    };
    const all = [webhook, pagerduty, opsgenie];
    const base = await fingerprintsOf(all);
    expect(new Set(base).size).toBe(3);
    // Another board, and the scheduler's own list, with the same configurations.
    const other = await putBoard(app, 'ledger', boardBody(all));
    expect(viewsOf(other).map((view) => view.fingerprint)).toEqual(base);
    const own = await putOwn(app, 'ledger-close', { destinations: all });
    expect(viewsOf(own).map((view) => view.fingerprint)).toEqual(base);

    const changed = [
      { ...webhook, secret: `${WEBHOOK_SECRET}x` },
      { ...webhook, url: 'https://hooks.example.com:8443/services/other' },
      { ...pagerduty, routing_key: ROUTING_KEY.replace('R', 'S') },
      { ...opsgenie, api_key: `${OPSGENIE_KEY}x` },
      { ...opsgenie, region: 'us' },
    ];
    const seen = new Set(base);
    for (const destination of changed) {
      const [fingerprint] = await fingerprintsOf([destination]);
      expect(seen.has(String(fingerprint)), JSON.stringify(destination)).toBe(false);
      seen.add(String(fingerprint));
    }
  });

  it("shows of a webhook only its origin: scheme, host and a port that isn't the default", async () => {
    for (const [url, origin] of [
      ['https://hooks.example.com/path/TOKEN?x=1', 'https://hooks.example.com'],
      ['https://HOOKS.example.com:443/TOKEN', 'https://hooks.example.com'],
      ['http://hooks.example.com:8080/TOKEN#TOKEN', 'http://hooks.example.com:8080'],
      ['https://[2606:4700::1111]:9443/TOKEN', 'https://[2606:4700::1111]:9443'],
    ]) {
      const answer = await putBoard(
        main().app,
        'origins',
        boardBody([{ type: 'webhook', url, secret: WEBHOOK_SECRET }]),
      );
      expect(answer.statusCode, answer.body).toBeLessThan(300);
      expect(viewsOf(answer)).toEqual([
        { type: 'webhook', fingerprint: expect.stringMatching(FINGERPRINT('webhook')), origin },
      ]);
      expectNoSecret(answer, ['TOKEN', 'x=1']);
    }
  });
});

describe('destination secrets are never logged', () => {
  it('not on a 2xx, a 400, a 403, a 413 or malformed JSON', async () => {
    const lines: string[] = [];
    const logger = createLogger(
      { name: 'api', level: 'trace', pretty: false },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const { app } = setup({ logger });
    await register(app, 'payments-eod');
    const all = [webhook, pagerduty, opsgenie];
    const answers = [
      await putBoard(app, 'payments', boardBody(all)),
      await putBoard(app, 'payments', boardBody(all)),
      await putOwn(app, 'payments-eod', { destinations: all }),
      await putOwn(app, 'payments-eod', { destinations: all }),
      // 400s whose bodies carry the secrets next to a bad field.
      await putBoard(app, 'payments', {
        ...boardBody([{ ...webhook, url: 'ftp://files.example.com/' }, pagerduty]),
        owner: OPSGENIE_KEY,
      }),
      await putOwn(app, 'payments-eod', {
        destinations: [{ ...opsgenie, region: 'ap', secret: WEBHOOK_SECRET }, pagerduty],
      }),
      await putOwn(app, 'payments-eod', {
        destinations: [{ ...webhook, url: `http://127.0.0.1${WEBHOOK_PATH}?${WEBHOOK_QUERY}` }],
      }),
      await putOwn(app, 'payments-eod', {
        destinations: [{ ...webhook, url: `https://u:${WEBHOOK_SECRET}@hooks.example.com/` }],
      }),
      await putOwn(app, 'payments-eod', { destinations: all, extra: OPSGENIE_KEY }),
      // Malformed JSON around a secret, a 413 full of secrets, a 403 carrying them.
      await putOwn(app, 'payments-eod', `{"destinations":[{"secret":"${WEBHOOK_SECRET}"}x]`),
      await putBoard(app, 'payments', boardBody(Array(3_000).fill(webhook))),
      await putOwn(app, 'payments-eod', { destinations: all }, WRITE_KEY),
      await get(app, '/api/v1/boards'),
      await get(app, '/api/v1/schedulers/payments-eod/destinations'),
    ];
    expect(answers.map((answer) => answer.statusCode)).toEqual([
      201, 200, 201, 200, 400, 400, 400, 400, 400, 400, 413, 403, 200, 200,
    ]);
    for (const answer of answers) expectNoSecret(answer);
    // The log did see these requests, and their refusals.
    expect(lines.filter((line) => line.includes('"request refused"'))).toHaveLength(8);
    for (const line of lines) {
      for (const marker of MARKERS) {
        expect(line.toLowerCase(), `${marker} logged`).not.toContain(marker.toLowerCase());
      }
    }
  });
});

type Route = 'board' | 'scheduler';
const ROUTES: Route[] = ['board', 'scheduler'];

/** PUTs `destinations` on a board or on the registered scheduler's own list. */
const putOn = (fixture: Fixture, route: Route, destinations: unknown) =>
  route === 'board'
    ? putBoard(fixture.app, 'payments', boardBody(destinations))
    : putOwn(fixture.app, 'payments-eod', { destinations });

/** Nothing was stored by a refused PUT. */
async function expectNothingStored(fixture: Fixture) {
  expect(await fixture.boards.list('2026-01-15T01:00:00.000Z')).toEqual([]);
  expect(await fixture.destinations.list('2026-01-15T01:00:00.000Z')).toEqual([]);
}

const hook = (extra: Record<string, unknown>) => ({ ...webhook, ...extra });
const sixHooks = Array.from({ length: 6 }, (_, i) =>
  hook({ url: `https://hooks.example.com/${i}` }),
);
const deep = JSON.parse(`${'['.repeat(400)}1${']'.repeat(400)}`);
const deepObject = JSON.parse(`${'{"a":'.repeat(400)}1${'}'.repeat(400)}`);

// A destination whose shape is wrong: the 400 must name the field at fault.
const shapeCases: [string, unknown[], RegExp][] = [
  [
    'an unknown type',
    [{ type: 'slack', url: 'https://hooks.example.com/' }],
    // Its type or the types there are.
    /^destinations\.0(\.type\b|\b.*webhook.*pagerduty.*opsgenie)/,
  ],
  [
    'an unknown field',
    [hook({ headers: { a: 'b' } })],
    /^destinations\.0\.headers is not an accepted field$/,
  ],
  [
    'a routing_key of 31 characters',
    [{ type: 'pagerduty', routing_key: 'a'.repeat(31) }],
    /^destinations\.0\.routing_key /,
  ],
  [
    'a routing_key of 33 characters',
    [{ type: 'pagerduty', routing_key: 'a'.repeat(33) }],
    /^destinations\.0\.routing_key /,
  ],
  [
    'a routing_key with a dash',
    [{ type: 'pagerduty', routing_key: `${'a'.repeat(31)}-` }],
    /^destinations\.0\.routing_key /,
  ],
  [
    'an api_key of 7 characters',
    [{ ...opsgenie, api_key: 'x'.repeat(7) }],
    /^destinations\.0\.api_key /,
  ],
  [
    'an unknown region',
    [{ ...opsgenie, region: 'ap' }],
    /^destinations\.0\.region must be one of us, eu$/,
  ],
  ['a secret of 15 characters', [hook({ secret: 'x'.repeat(15) })], /^destinations\.0\.secret /],
  ['a secret with a space', [hook({ secret: 'abcdefgh ijklmnop' })], /^destinations\.0\.secret /],
  [
    'a secret with a newline',
    [hook({ secret: 'abcdefghijklmnop\n' })],
    /^destinations\.0\.secret /,
  ],
  [
    'a secret with a control character',
    [hook({ secret: 'abcdefgh\u0007ijklmnop' })],
    /^destinations\.0\.secret /,
  ],
  [
    'a secret of 257 characters',
    [hook({ secret: 'x'.repeat(257) })],
    /^destinations\.0\.secret must be at most 256 characters$/,
  ],
  [
    'no secret',
    [{ type: 'webhook', url: 'https://hooks.example.com/' }],
    /^destinations\.0\.secret is required$/,
  ],
  ['an ftp:// url', [hook({ url: 'ftp://files.example.com/x' })], /^destinations\.0\.url /],
  ['a javascript: url', [hook({ url: 'javascript:alert(1)' })], /^destinations\.0\.url /],
  [
    'a url of 2,049 characters',
    [hook({ url: `https://hooks.example.com/${'a'.repeat(2_023)}` })],
    /^destinations\.0\.url must be at most 2048 characters$/,
  ],
];

// Hosts a webhook may not name (unless allowPrivateUrls), in the spellings URL parsing
// folds into one.
const PRIVATE_URLS = [
  'http://127.0.0.1/',
  'http://127.1/',
  'http://2130706433/',
  'http://0x7f000001/',
  'http://0/',
  'http://localhost:8080/',
  'http://LOCALHOST/',
  'http://api.localhost/',
  'http://[::1]/',
  'http://[0:0:0:0:0:0:0:1]/',
  'http://[::ffff:127.0.0.1]/',
  'http://[::]/',
  'http://169.254.169.254/latest/meta-data/',
  'http://[fe80::1]/',
  'http://10.0.0.1/',
  'http://172.16.0.1/',
  'http://192.168.1.1:8080/',
  'http://100.64.0.1/',
  'http://[fd00::1]/',
];

// What makes sense only beyond the shape (`destinationProblems`), and lists of another shape.
// Both name the field as the schema does: `destinations.0.url`.
const otherCases: [string, unknown, RegExp][] = [
  ['6 destinations', sixHooks, /^destinations must have at most 5 items$/],
  [
    'user:pw@ in the url',
    [hook({ url: 'https://user:pw@hooks.example.com/' })],
    /^destinations\.0\.url must not carry a user or password/,
  ],
  [
    'the same destination twice',
    [pagerduty, webhook, pagerduty],
    /^destinations\.2 is the same destination as an earlier one$/,
  ],
  ['destinations as an object', { 0: webhook }, /^destinations\b.*(array|list)/],
  ['destinations as null', null, /^destinations\b.*(array|list)/],
  ['destinations as a string', 'webhook', /^destinations\b.*(array|list)/],
  // Garbage in place of a destination: the item is at fault.
  ['a list of lists', deep, /^destinations\.0\b/],
  ['a deep object', [deepObject], /^destinations\.0\b/],
  ['a number', [1], /^destinations\.0\b/],
];

describe('hostile and careless destinations', () => {
  // Refused PUTs store nothing, so the routes share an app.
  const strict = sharedApp();
  const lenient = sharedApp({ allowPrivateUrls: true });

  describe.each(ROUTES)('on the %s route', (route) => {
    it.each([...shapeCases, ...otherCases])(
      'refuse %s with a 400 in the error shape, storing nothing, echoing no secret',
      async (_name, destinations, message) => {
        const answer = await putOn(strict(), route, destinations);
        const problems = problemsOf(answer);
        expect(problems.length).toBeGreaterThan(0);
        for (const problem of problems) expect(problem).toMatch(/^destinations\b/);
        expect(
          problems.some((problem) => message.test(problem)),
          problems.join(' | '),
        ).toBe(true);
        expect(answer.body.length).toBeLessThan(2_000);
        expectNoSecret(answer);
        await expectNothingStored(strict());
      },
    );

    it('refuse webhooks naming a loopback, private or link-local host', async () => {
      const unexpected: string[] = [];
      for (const url of PRIVATE_URLS) {
        const answer = await putOn(strict(), route, [hook({ url })]);
        const problems = problemsOf(answer);
        if (
          problems.length !== 1 ||
          !/^destinations\.0\.url names a loopback, private or link-local host/.test(
            String(problems[0]),
          )
        ) {
          unexpected.push(`${url}: ${problems.join(' | ')}`);
        }
        expectNoSecret(answer);
      }
      expect(unexpected).toEqual([]);
      await expectNothingStored(strict());
    });

    it('refuse a body of 1 MB with 413', async () => {
      const secret = 'k'.repeat(256);
      const answer = await putOn(strict(), route, Array(4_000).fill(hook({ secret })));
      expect(answer.statusCode).toBe(413);
      expect(errorBodyOf(answer).message).toBe('Request body is too large');
      expect(answer.body).not.toContain(secret);
      await expectNothingStored(strict());
    });

    describe('with allowPrivateUrls', () => {
      it('accept webhooks naming a loopback, private or link-local host', async () => {
        for (const url of PRIVATE_URLS) {
          const answer = await putOn(lenient(), route, [hook({ url })]);
          expect(answer.statusCode, `${url}: ${answer.body}`).toBeLessThan(300);
          expect(viewsOf(answer)).toEqual([
            { type: 'webhook', fingerprint: expect.any(String), origin: new URL(url).origin },
          ]);
        }
      });

      it('still refuse a user and password', async () => {
        const answer = await putOn(lenient(), route, [hook({ url: 'http://u:p@127.0.0.1/' })]);
        expect(problemsOf(answer)).toEqual([
          expect.stringMatching(/^destinations\.0\.url must not carry a user or password/),
        ]);
      });

      it('accept the limits themselves', async () => {
        const answer = await putOn(lenient(), route, [
          hook({ url: `https://hooks.example.com/${'a'.repeat(2_022)}`, secret: 'x'.repeat(16) }),
          hook({ secret: '!'.repeat(256) }),
          { type: 'pagerduty', routing_key: 'a'.repeat(32) },
          { type: 'opsgenie', api_key: '~'.repeat(8), region: 'us' },
          { type: 'opsgenie', api_key: 'k'.repeat(256), region: 'eu' },
        ]);
        expect(answer.statusCode, answer.body).toBeLessThan(300);
        expect(viewsOf(answer).map((view) => view.type)).toEqual([
          'webhook',
          'webhook',
          'pagerduty',
          'opsgenie',
          'opsgenie',
        ]);
      });
    });
  });

  describe('the body of the scheduler route', () => {
    it('has no field but destinations, and is an object', async () => {
      const { app } = strict();
      expect(problemsOf(await putOwn(app, 'payments-eod', { destinations: [], extra: 1 }))).toEqual(
        ['extra is not an accepted field'],
      );
      expect(problemsOf(await putOwn(app, 'payments-eod', {}))).toContain(
        'destinations is required',
      );
      expect(problemsOf(await putOwn(app, 'payments-eod', [webhook]))[0]).toMatch(/^body /);
      await expectNothingStored(strict());
    });
  });
});

describe('the admin scope', () => {
  it.each([
    ['read', READ_KEY],
    ['read and write', WRITE_KEY],
    ['scheduler-limited', SERVICE_A_KEY],
  ])(
    'is needed on every destination route: a %s key gets 403, changing nothing',
    async (_name, key) => {
      const { app, destinations } = main();
      await register(app, 'service-a-eod');
      const own = '/api/v1/schedulers/service-a-eod/destinations';
      expect(
        (await putOwn(app, 'service-a-eod', { destinations: [pagerduty] })).statusCode,
      ).toBeLessThan(300);
      expect((await putBoard(app, 'payments', boardBody([pagerduty]))).statusCode).toBeLessThan(
        300,
      );
      const answers = [
        await get(app, own, key),
        await putOwn(app, 'service-a-eod', { destinations: [webhook] }, key),
        await putOwn(app, 'service-a-unknown', { destinations: [] }, key),
        // Refused for the scope before the body or the path are validated: no schema in a
        // 400. (Malformed JSON is a 400 before the scope is looked at: the body is parsed
        // first, and that 400 says nothing of the schema.)
        await putOwn(app, 'service-a-eod', { destinations: 'x', extra: 1 }, key),
        await putOwn(app, 'bad%20id', { destinations: [] }, key),
        await del(app, own, key),
        await del(app, '/api/v1/schedulers/bad%20id/destinations', key),
        await putBoard(app, 'payments', boardBody([webhook]), key),
        await putBoard(app, 'payments', boardBody([{ type: 'pagerduty', routing_key: 1 }]), key),
        await get(app, '/api/v1/boards/payments', key),
        await get(app, '/api/v1/boards', key),
        await del(app, '/api/v1/boards/payments', key),
      ];
      for (const answer of answers) {
        expect(answer.statusCode, answer.body).toBe(403);
        expect(errorBodyOf(answer).message).toMatch(
          /may not (read|change) (destinations|boards): it needs the admin scope$/,
        );
        expectNoSecret(answer);
      }
      const stored = await destinations.get('service-a-eod', '2026-01-15T01:00:00.000Z');
      expect(stored?.destinations).toEqual([pagerduty]);
      const board = await get(app, '/api/v1/boards/payments');
      expect(viewsOf(board).map((view) => view.type)).toEqual(['pagerduty']);
    },
  );

  it('is in a plain API_KEYS key, and an admin-only key', async () => {
    const { app } = main();
    await register(app, 'admin-eod');
    expect((await putOwn(app, 'admin-eod', { destinations: [] }, FULL_KEY)).statusCode).toBe(201);
    expect((await get(app, '/api/v1/schedulers/admin-eod/destinations', FULL_KEY)).statusCode).toBe(
      200,
    );
    expect((await putOwn(app, 'admin-eod', { destinations: [] }, ADMIN_KEY)).statusCode).toBe(200);
  });

  it('answers 401 without a key or with an unknown one', async () => {
    const { app } = main();
    const url = '/api/v1/schedulers/payments-eod/destinations';
    for (const answer of [
      await app.inject({ method: 'GET', url }),
      await app.inject({ method: 'PUT', url, payload: { destinations: [] } }),
      await app.inject({ method: 'DELETE', url }),
      await get(app, url, 'not-a-key'),
    ]) {
      expect(answer.statusCode).toBe(401);
      errorBodyOf(answer);
    }
  });
});

describe("a scheduler's own destinations", () => {
  it('are refused for an archived scheduler, as for an unregistered one', async () => {
    const { app } = setup();
    await register(app, 'payments-old');
    const archived = await app.inject({
      method: 'DELETE',
      url: '/api/v1/schedulers/payments-old',
      headers: { 'x-api-key': FULL_KEY },
    });
    expect(archived.statusCode).toBe(200);
    expect((await putOwn(app, 'payments-old', { destinations: [pagerduty] })).statusCode).toBe(404);
  });

  it('are refused for an unregistered scheduler, then created, replaced, read and deleted', async () => {
    const { app, clock } = setup();
    const url = '/api/v1/schedulers/payments-eod/destinations';
    const unregistered = await putOwn(app, 'payments-eod', { destinations: [pagerduty] });
    expect(unregistered.statusCode).toBe(404);
    expect(errorBodyOf(unregistered).message).toBe(
      'Scheduler payments-eod not found. Please register first.',
    );
    const none = await get(app, url);
    expect(none.statusCode).toBe(404);
    expect(errorBodyOf(none).message).toMatch(/^Scheduler payments-eod has no destinations/);

    await register(app, 'payments-eod');
    expect((await get(app, url)).statusCode).toBe(404);
    const created = await putOwn(app, 'payments-eod', { destinations: [pagerduty] });
    expect(created.statusCode, created.body).toBe(201);

    clock.set('2026-01-15T02:00:00.000Z');
    const replaced = await putOwn(app, 'payments-eod', { destinations: [opsgenie, webhook] });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(replaced.json()).toMatchObject({
      scheduler_id: 'payments-eod',
      updated_at: '2026-01-15T02:00:00.000Z',
    });
    expect(viewsOf(replaced).map((view) => view.type)).toEqual(['opsgenie', 'webhook']);

    const read = await get(app, url);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(replaced.json());

    const deleted = await del(app, url);
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json()).toEqual(replaced.json());
    for (const answer of [await get(app, url), await del(app, url)]) {
      expect(answer.statusCode).toBe(404);
      expect(errorBodyOf(answer).message).toMatch(/^Scheduler payments-eod has no destinations/);
    }
  });

  it('may be an empty list: no destinations for this scheduler', async () => {
    const { app, destinations } = main();
    await register(app, 'empty-eod');
    const created = await putOwn(app, 'empty-eod', { destinations: [] });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toEqual({
      scheduler_id: 'empty-eod',
      destinations: [],
      updated_at: '2026-01-15T01:00:00.000Z',
    });
    const read = await get(app, '/api/v1/schedulers/empty-eod/destinations');
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(created.json());
    expect((await destinations.get('empty-eod', '2026-01-15T01:00:00.000Z'))?.destinations).toEqual(
      [],
    );
  });

  it('refuse a scheduler id of another shape with 400', async () => {
    const { app } = main();
    for (const id of ['a%20b', '-x', 'x'.repeat(256)]) {
      const url = `/api/v1/schedulers/${id}/destinations`;
      for (const answer of [
        await get(app, url),
        await putOwn(app, id, { destinations: [] }),
        await del(app, url),
      ]) {
        expect(answer.statusCode, answer.body).toBe(400);
        errorBodyOf(answer);
      }
    }
  });
});

/** An open incident of `schedulerId`, saved as the worker leaves it. */
function incident(schedulerId: string, eventId: string): IncidentRecord {
  return {
    incident_id: incidentIdOf(schedulerId, eventId),
    scheduler_id: schedulerId,
    kind: 'failed',
    state: 'open',
    opened_at: '2026-01-15T00:50:00.000Z',
    updated_at: '2026-01-15T00:50:00.000Z',
    resolved_at: null,
    events: 1,
    acknowledged_by: null,
    acknowledged_at: null,
    service_name: 'Service A',
    job_name: 'EOD Processing',
    slack: null,
  };
}

function attempt(
  incidentId: string,
  transition: DeliveryAttempt['transition'],
  n: number,
  extra: Partial<DeliveryAttempt> = {},
): DeliveryAttempt {
  return {
    incident_id: incidentId,
    destination: 'pagerduty:0123456789ab',
    destination_type: 'pagerduty',
    transition,
    delivery_id: `${incidentId}:${transition}`,
    attempt: n,
    at: `2026-01-15T00:5${n}:00.000Z`,
    outcome: n === 1 ? 'retry' : 'delivered',
    status: n === 1 ? 503 : 202,
    error: n === 1 ? 'HTTP 503' : null,
    resent: false,
    ...extra,
  };
}

const deliveriesUrl = (id: string) => `/api/v1/incidents/${encodeURIComponent(id)}/deliveries`;

describe('GET /api/v1/incidents/{id}/deliveries', () => {
  it('lists the attempts by transition (seq), then attempt, of that incident only', async () => {
    const { app, incidents, deliveries } = main();
    const id = incidentIdOf('service-a-eod', 'ev-1');
    // An incident whose id the first one's is a prefix of.
    const other = incidentIdOf('service-a-eod', 'ev-10');
    await incidents.saveIncident(incident('service-a-eod', 'ev-1'), 1, '2026-01-15T01:00:00.000Z');
    await incidents.saveIncident(incident('service-a-eod', 'ev-10'), 1, '2026-01-15T01:00:00.000Z');
    const opened1 = attempt(id, 'opened', 1);
    const opened2 = attempt(id, 'opened', 2);
    const acknowledged = attempt(id, 'acknowledged', 1, {
      outcome: 'delivered',
      status: 202,
      error: null,
    });
    const resolved1 = attempt(id, 'resolved', 1, { resent: true });
    const resolved2 = attempt(id, 'resolved', 2);
    // Appended out of order; seq 10 after seq 9 (not as text); one line expired, one logged twice.
    await deliveries.append(resolved2, 10, NOW_S + 3_600);
    await deliveries.append(acknowledged, 9, NOW_S + 3_600);
    await deliveries.append(opened2, 1, NOW_S + 3_600);
    await deliveries.append(resolved1, 10, NOW_S + 3_600);
    await deliveries.append(opened1, 1, NOW_S + 3_600);
    await deliveries.append(opened1, 1, NOW_S + 3_600);
    await deliveries.append(attempt(id, 'opened', 3), 0, NOW_S - 1);
    await deliveries.append(attempt(other, 'opened', 1), 1, NOW_S + 3_600);

    const answer = await get(app, deliveriesUrl(id), READ_KEY);
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toEqual({
      deliveries: [opened1, opened2, acknowledged, resolved1, resolved2],
    });
    const mine = await get(app, deliveriesUrl(id), SERVICE_A_KEY);
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toEqual(answer.json());
    const none = await get(app, deliveriesUrl(incidentIdOf('service-a-eod', 'ev-10')), FULL_KEY);
    expect((none.json() as { deliveries: DeliveryAttempt[] }).deliveries).toHaveLength(1);
  });

  it('answers an incident without deliveries with an empty list', async () => {
    const { app, incidents } = main();
    await incidents.saveIncident(incident('service-a-eod', 'ev-2'), 1, '2026-01-15T01:00:00.000Z');
    const answer = await get(app, deliveriesUrl('service-a-eod#ev-2'), FULL_KEY);
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ deliveries: [] });
  });

  it('answers 404 for an unknown incident, even with attempts logged for it', async () => {
    const { app, deliveries } = main();
    await deliveries.append(attempt('service-a-eod#ev-9', 'opened', 1), 1, NOW_S + 3_600);
    const answer = await get(app, deliveriesUrl('service-a-eod#ev-9'), FULL_KEY);
    expect(answer.statusCode).toBe(404);
    expect(errorBodyOf(answer).message).toBe('Incident service-a-eod#ev-9 not found');
  });

  it('answers 400 to an id of another shape, naming the id', async () => {
    for (const id of [
      'service-a-eod', // no #
      'a%23b%23c', // two
      'service-a-eod%23', // an empty event id
      'a%20b%23ev-1',
      'a%23ev%1B',
      `a%23${'x'.repeat(400)}`,
    ]) {
      const answer = await get(main().app, `/api/v1/incidents/${id}/deliveries`, FULL_KEY);
      expect(answer.statusCode, `${id}: ${answer.body}`).toBe(400);
      expect(problemsOf(answer)[0]).toMatch(/^id /);
    }
  });

  it("is read through the incident's scheduler: 403 outside a key's scope, 401 without a key", async () => {
    const { app, incidents } = main();
    await incidents.saveIncident(incident('service-b-eod', 'ev-1'), 1, '2026-01-15T01:00:00.000Z');
    await incidents.saveIncident(incident('service-a-eod', 'ev-3'), 1, '2026-01-15T01:00:00.000Z');
    const theirs = deliveriesUrl('service-b-eod#ev-1');
    for (const [key, url] of [
      [SERVICE_A_KEY, theirs],
      // The same for an incident that does not exist: no way to learn which do.
      [SERVICE_A_KEY, deliveriesUrl('service-b-eod#ev-2')],
      // An admin-only key has no read scope.
      [ADMIN_KEY, theirs],
    ] as const) {
      const answer = await get(app, url, key);
      expect(answer.statusCode, answer.body).toBe(403);
      expect(errorBodyOf(answer).message).toMatch(/may not read scheduler service-b-eod$/);
    }
    expect((await get(app, deliveriesUrl('service-a-eod#ev-3'), SERVICE_A_KEY)).statusCode).toBe(
      200,
    );
    expect((await get(app, theirs, WRITE_KEY)).statusCode).toBe(200);
    const anonymous = await app.inject({ method: 'GET', url: theirs });
    expect(anonymous.statusCode).toBe(401);
    expect(errorBodyOf(anonymous).message).toBe('Missing API key in x-api-key header');
  });
});

// Bugs found by these tests and fixed: kept as regressions. Their app is not the one of the
// refusals above, since a regression would store what it wrongly accepts.
describe('regressions', () => {
  const careless = sharedApp();

  // A destination with two problems gets one sentence per problem, as the rest of a body
  // does (docs/api.md), not only the first one's.
  it.each(ROUTES)('the %s route names every problem of one destination', async (route) => {
    const missed: string[] = [];
    for (const [destination, wanted] of [
      [hook({ url: 'ftp://files.example.com/', secret: 'short' }), ['url', 'secret']],
      [{ type: 'webhook' }, ['url', 'secret']],
      [{ ...pagerduty, routing_key: 'x', extra: 1 }, ['routing_key', 'extra']],
    ] as const) {
      const problems = problemsOf(await putOn(careless(), route, [destination]));
      for (const field of wanted) {
        if (!problems.some((problem) => problem.startsWith(`destinations.0.${field} `))) {
          missed.push(`${field} of ${JSON.stringify(destination)}: ${problems.join(' | ')}`);
        }
      }
    }
    expect(missed).toEqual([]);
  });

  // `localhost.` (the same host as `localhost`, fully qualified) and `api.localhost.` are
  // refused like `localhost`, rather than stored to fail at every delivery.
  it.each(ROUTES)(
    'the %s route refuses http://localhost./ and http://api.localhost./',
    async (route) => {
      const statuses: number[] = [];
      for (const url of ['http://localhost./', 'http://api.localhost./']) {
        statuses.push((await putOn(careless(), route, [hook({ url })])).statusCode);
      }
      expect(statuses).toEqual([400, 400]);
    },
  );

  // A body without `destinations` gets one problem, not also "destinations: Expected array".
  it('the scheduler route says a missing destinations once', async () => {
    expect(problemsOf(await putOwn(careless().app, 'payments-eod', {}))).toEqual([
      'destinations is required',
    ]);
  });
});
