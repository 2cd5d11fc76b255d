// R7/R8 (api half): generated malformed requests each get a 4xx in the error shape, never
// a 500, and nothing is stored or queued.
import { seededRandom } from '@schedmon/domain/fakes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBodyOf, headers, makeApp, registration, statusBody } from './helpers.ts';

type Case = {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  url: string;
  payload?: string;
  contentType?: string;
  key?: string | null;
};

const badValues: unknown[] = [
  null,
  true,
  -1,
  1.5,
  '',
  ' ',
  'x'.repeat(300),
  '\u0000',
  '<!channel>',
  [],
  {},
  { nested: { deep: true } },
  Number.MAX_SAFE_INTEGER,
  '2026-13-45T99:99:99Z',
  '😀'.repeat(200),
];

function bodyCases(next: () => number): Case[] {
  const cases: Case[] = [];
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T;
  const statusFields = [
    'scheduler_id',
    'service_name',
    'job_name',
    'status',
    'timestamp',
    'execution_time_ms',
    'error_message',
    'metadata',
    'run_id',
  ];
  // Each case breaks one field of an otherwise valid body with a value that field refuses.
  const refusedBy: Record<string, unknown[]> = {
    scheduler_id: [null, 1, '', '-x', 'a b', 'x'.repeat(256), '../etc', '\u0000', {}],
    service_name: [null, 1, '', '   ', '\u0007bell', 'x'.repeat(256), [], {}],
    job_name: [null, false, '', '\t', 'x'.repeat(256), ['a']],
    status: [null, '', 'done', 'FAILED', 1, {}, 'completed '],
    timestamp: [
      null,
      '',
      'now',
      '2026-01-15',
      '2026-01-15T00:00:00',
      '2099-01-01T00:00:00Z',
      1_700_000_000,
      '2026-13-45T99:99:99Z',
    ],
    execution_time_ms: [-1, 1.5, '10', null, 8 * 24 * 3_600_000, {}],
    error_message: [1, {}, 'x'.repeat(10_001), null],
    metadata: [
      'text',
      1,
      [],
      null,
      { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } },
    ],
    run_id: ['', 1, 'r'.repeat(129), null],
  };
  for (const field of statusFields) {
    for (const value of refusedBy[field] ?? []) {
      cases.push({
        name: `status with ${field}=${JSON.stringify(value)?.slice(0, 40)}`,
        method: 'PUT',
        url: '/api/v1/schedulers/service-a-eod/status',
        payload: JSON.stringify({ ...statusBody(), [field]: value }),
      });
    }
  }
  for (const field of ['scheduler_id', 'service_name', 'job_name', 'status', 'timestamp']) {
    const body: Record<string, unknown> = { ...statusBody() };
    delete body[field];
    cases.push({
      name: `status without ${field}`,
      method: 'PUT',
      url: '/api/v1/schedulers/service-a-eod/status',
      payload: JSON.stringify(body),
    });
  }
  for (let i = 0; i < 80; i += 1) {
    const extra = `field_${Math.floor(next() * 1e6)}`;
    cases.push({
      name: `status with unknown field ${extra}`,
      method: 'PUT',
      url: '/api/v1/schedulers/service-a-eod/status',
      payload: JSON.stringify({ ...statusBody(), [extra]: pick(badValues) }),
    });
  }
  const registrationRefused: Record<string, unknown[]> = {
    scheduler_id: [null, '', '_x', 'x'.repeat(256), 5],
    service_name: ['', '  ', null, 'a\u0000'],
    job_name: ['', 3, 'x'.repeat(256)],
    owner_email: ['nope', 'a@', '@b.c', 5, ''],
    alert_user_id: ['u123', '@here', '<!channel>', 'X12', 'U1', ''],
  };
  for (const [field, values] of Object.entries(registrationRefused)) {
    for (const value of values) {
      cases.push({
        name: `register with ${field}=${JSON.stringify(value)}`,
        method: 'POST',
        url: '/api/v1/schedulers/register',
        payload: JSON.stringify({ ...registration('abuse-new'), [field]: value }),
      });
    }
  }
  return cases;
}

function transportCases(): Case[] {
  const status = '/api/v1/schedulers/service-a-eod/status';
  const valid = JSON.stringify(statusBody());
  const malformed = [
    '{',
    '{"a":',
    '[1,2',
    'null',
    '"text"',
    '12',
    '{"scheduler_id": "x",}',
    '\u0000',
    'true',
    '{}{}',
  ];
  return [
    ...malformed.map((payload) => ({
      name: `malformed JSON ${JSON.stringify(payload)}`,
      method: 'PUT' as const,
      url: status,
      payload,
    })),
    ...[
      'text/plain',
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      'image/png',
    ].map((contentType) => ({
      name: `content type ${contentType}`,
      method: 'PUT' as const,
      url: status,
      payload: valid,
      contentType,
    })),
    {
      name: 'body over the limit',
      method: 'PUT',
      url: status,
      payload: JSON.stringify({ ...statusBody(), metadata: { blob: 'x'.repeat(70_000) } }),
    },
    { name: 'no key', method: 'PUT', url: status, payload: valid, key: null },
    { name: 'empty key', method: 'PUT', url: status, payload: valid, key: '' },
    { name: 'wrong key', method: 'PUT', url: status, payload: valid, key: 'wrong' },
    { name: 'huge key', method: 'PUT', url: status, payload: valid, key: 'k'.repeat(4096) },
    {
      name: 'read-only key writing',
      method: 'PUT',
      url: status,
      payload: valid,
      key: 'read-only-key',
    },
    { name: 'unknown route', method: 'GET', url: '/api/v1/nothing' },
    ...[
      '{"events":[]}',
      '{"events":"x"}',
      '{"events":null}',
      '[]',
      '{}',
      `{"events":[${Array.from({ length: 101 }, () => valid).join(',')}]}`,
      `{"events":[${valid}],"extra":1}`,
    ].map((payload, index) => ({
      name: `batch envelope ${index}`,
      method: 'POST' as const,
      url: '/api/v1/events',
      payload,
    })),
    {
      name: 'batch over its limit',
      method: 'POST',
      url: '/api/v1/events',
      payload: JSON.stringify({
        events: [{ ...statusBody(), metadata: { b: 'x'.repeat(1_100_000) } }],
      }),
    },
    ...[
      { reason: 'r'.repeat(501) },
      { reason: 'a\u0000b' },
      { reason: '   ' },
      { until: '2020-01-01T00:00:00Z' },
      { until: 'tomorrow' },
      { until: '2026-01-15T00:00:00' },
      { extra: true },
      [],
      'pause',
    ].map((body, index) => ({
      name: `pause body ${index}`,
      method: 'POST' as const,
      url: '/api/v1/schedulers/service-a-eod/pause',
      payload: JSON.stringify(body),
    })),
    { name: 'pause unknown', method: 'POST', url: '/api/v1/schedulers/ghost/pause', payload: '{}' },
    { name: 'resume unknown', method: 'POST', url: '/api/v1/schedulers/ghost/resume' },
    { name: 'archive unknown', method: 'DELETE', url: '/api/v1/schedulers/ghost' },
    ...[
      'limit=0',
      'limit=1001',
      'limit=-1',
      'limit=abc',
      'limit=10&cursor=bm90IGpzb24',
      'limit=10&cursor=WzEsMiwzXQ',
      'limit=10&cursor=a%3Db',
      `limit=10&cursor=${'A'.repeat(2000)}`,
      'cursor=WyJhIiwiYiIsImMiXQ',
      'archived=maybe',
      'tag=UPPER',
      'board=nope',
      'unknown=1',
    ].map((query) => ({
      name: `list query ${query.slice(0, 40)}`,
      method: 'GET' as const,
      url: `/api/v1/schedulers?${query}`,
    })),
    ...['cursor=bm90IGpzb24', 'cursor=WzFd', 'cursor=', 'limit=1001'].map((query) => ({
      name: `history query ${query}`,
      method: 'GET' as const,
      url: `/api/v1/schedulers/service-a-eod/history?${query}`,
    })),
    ...[
      { schedule: '61 * * * *' },
      { schedule: '* * *' },
      { schedule: '0 0 30 2 *' },
      { schedule: '0 0 * * * *' },
      { schedule: 'every 0m' },
      { schedule: 'every 99999h' },
      { schedule: '@yearly' },
      { schedule: '*'.repeat(200) },
      { timezone: 'Mars/Olympus_Mons' },
      { timezone: '../../etc/passwd' },
      { grace_seconds: 59 },
      { grace_seconds: 1.5 },
      { max_runtime_seconds: 1e9 },
      { min_runtime_seconds: 600, max_runtime_seconds: 300 },
      { alert_after_failures: 0 },
      { recover_after_successes: 101 },
      { tags: Array.from({ length: 21 }, (_, index) => `t${index}`) },
      { tags: ['a', 'a'] },
      { tags: ['Upper'] },
      { tags: [''] },
      { tags: 'a' },
    ].map((settings, index) => ({
      name: `registration settings ${index}`,
      method: 'POST' as const,
      url: '/api/v1/schedulers/register',
      payload: JSON.stringify({ ...registration(), scheduler_id: 'settings-x', ...settings }),
    })),
    { name: 'wrong method', method: 'PUT', url: '/api/v1/schedulers/service-a-eod' },
    { name: 'patch', method: 'PATCH', url: status, payload: valid },
    { name: 'bad id in path', method: 'GET', url: '/api/v1/schedulers/-bad' },
    { name: 'encoded slash id', method: 'GET', url: '/api/v1/schedulers/a%2Fb' },
    { name: 'traversal id', method: 'GET', url: '/api/v1/schedulers/..%2F..%2Fetc' },
    { name: 'overlong id', method: 'GET', url: `/api/v1/schedulers/${'x'.repeat(300)}` },
    { name: 'bad percent encoding', method: 'GET', url: '/api/v1/schedulers/%E0%A4%A' },
    {
      name: 'history limit 0',
      method: 'GET',
      url: '/api/v1/schedulers/service-a-eod/history?limit=0',
    },
    {
      name: 'history limit huge',
      method: 'GET',
      url: '/api/v1/schedulers/service-a-eod/history?limit=99999999999999999999',
    },
    {
      name: 'history limit negative',
      method: 'GET',
      url: '/api/v1/schedulers/service-a-eod/history?limit=-3',
    },
    {
      name: 'history from garbage',
      method: 'GET',
      url: '/api/v1/schedulers/service-a-eod/history?from=%00',
    },
    {
      name: 'history unknown query',
      method: 'GET',
      url: '/api/v1/schedulers/service-a-eod/history?sort=asc',
    },
    { name: 'list bad status', method: 'GET', url: '/api/v1/schedulers?status=%3Cscript%3E' },
    { name: 'list empty service', method: 'GET', url: '/api/v1/schedulers?service_name=' },
    {
      name: 'heartbeat other id',
      method: 'POST',
      url: '/api/v1/schedulers/service-a-eod/heartbeat',
      payload: '{"scheduler_id":"other"}',
    },
    {
      name: 'heartbeat future',
      method: 'POST',
      url: '/api/v1/schedulers/service-a-eod/heartbeat',
      payload: '{"scheduler_id":"service-a-eod","timestamp":"2099-01-01T00:00:00Z"}',
    },
    {
      name: 'heartbeat array',
      method: 'POST',
      url: '/api/v1/schedulers/service-a-eod/heartbeat',
      payload: '[]',
    },
    {
      name: 'status for unknown id',
      method: 'PUT',
      url: '/api/v1/schedulers/ghost/status',
      payload: JSON.stringify(statusBody('ghost')),
    },
  ];
}

describe('malformed and abusive requests', () => {
  const fixture = makeApp({
    limits: {
      rateLimitPerMinute: 100_000,
      authFailuresPerMinute: 100_000,
      bodyLimitBytes: 65_536,
      batchBodyLimitBytes: 1_048_576,
      maxClockSkewMs: 300_000,
      knownSchedulerTtlMs: 30_000,
    },
  });
  const cases = [...bodyCases(seededRandom(7)), ...transportCases()];

  beforeAll(async () => {
    await fixture.schedulers.register(registration(), '2026-01-15T00:00:00.000Z');
  });
  afterAll(async () => {
    await fixture.app.close();
  });

  it('generates at least 200 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
  });

  it('answers every one with a 4xx in the error shape, stores and queues nothing', async () => {
    const before = await fixture.schedulers.list();
    const failures: string[] = [];
    for (const [index, testCase] of cases.entries()) {
      const key =
        testCase.key === undefined
          ? headers()
          : testCase.key === null
            ? {}
            : { 'x-api-key': testCase.key };
      const response = await fixture.app.inject({
        method: testCase.method,
        url: testCase.url,
        headers: {
          ...key,
          ...(testCase.payload !== undefined
            ? { 'content-type': testCase.contentType ?? 'application/json' }
            : {}),
        },
        ...(testCase.payload !== undefined ? { payload: testCase.payload } : {}),
      });
      try {
        expect(response.statusCode).toBeGreaterThanOrEqual(400);
        expect(response.statusCode).toBeLessThan(500);
        errorBodyOf(response);
      } catch (error) {
        failures.push(
          `#${index} ${testCase.name}: ${response.statusCode} ${response.body.slice(0, 200)} (${(error as Error).message.slice(0, 80)})`,
        );
      }
    }
    expect(failures).toEqual([]);
    expect(await fixture.schedulers.list()).toEqual(before);
    expect(fixture.queue.depth()).toBe(0);
  });
});
