import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakePagerDuty } from './index.ts';
import { startFakePagerDuty } from './index.ts';

// The shared machinery (records, faults, hold) seen through the fake PagerDuty; the other
// fakes' own failure bodies are checked in their files.
const KEY = 'e93facc04764012d7bfb002500d5d1a6';
let clock = 1_700_000_000_000;
let fake: FakePagerDuty;

beforeAll(async () => {
  fake = await startFakePagerDuty({ now: () => clock });
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  fake.reset();
  clock = 1_700_000_000_000;
});

const trigger = (dedup_key: string) => ({
  routing_key: KEY,
  event_action: 'trigger',
  dedup_key,
  payload: { summary: 'nightly-etl is late', source: 'schedmon', severity: 'error' },
});
const resolve = (dedup_key: string) => ({ routing_key: KEY, event_action: 'resolve', dedup_key });

function enqueue(body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${fake.url}/v2/enqueue`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...init,
  });
}

describe('recorded requests', () => {
  it('records method, path with query, headers, raw and parsed body, time and answer', async () => {
    const raw = JSON.stringify(trigger('k1'));
    await fetch(`${fake.url}/v2/enqueue?source=test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-trace': 'abc' },
      body: raw,
    });
    expect(fake.requests).toEqual([
      {
        time: clock,
        method: 'POST',
        path: '/v2/enqueue?source=test',
        headers: expect.objectContaining({ 'x-trace': 'abc' }),
        rawBody: raw,
        body: trigger('k1'),
        response: { status: 202, body: expect.objectContaining({ dedup_key: 'k1' }) },
      },
    ]);
  });

  it('records refused requests, with body undefined when it is not JSON', async () => {
    await enqueue(undefined, { body: 'not json' });
    expect(fake.requests).toMatchObject([
      { rawBody: 'not json', body: undefined, response: { status: 400 } },
    ]);
  });

  it('forgets requests, alerts and faults on reset()', async () => {
    await enqueue(trigger('k1'));
    fake.fail({ status: 503, times: 5 });
    fake.reset();
    expect(fake.requests).toEqual([]);
    expect(fake.alerts()).toEqual([]);
    expect((await enqueue(trigger('k1'))).status).toBe(202);
  });
});

describe('fail()', () => {
  it('fails the next `times` requests with no effect on the state, then answers again', async () => {
    fake.fail({ status: 503, times: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await enqueue(trigger('k1'))).status);

    expect(statuses).toEqual([503, 503, 202]);
    expect(fake.requests.map((request) => request.response?.status)).toEqual([503, 503, 202]);
    expect(fake.alerts()).toMatchObject([{ dedup_key: 'k1', duplicates: 0 }]);
    expect(fake.alerts()[0]?.events).toEqual([fake.requests[2]]);
  });

  it('fails one request by default', async () => {
    fake.fail({ status: 500 });
    expect((await enqueue(trigger('k1'))).status).toBe(500);
    expect((await enqueue(trigger('k1'))).status).toBe(202);
  });

  it("answers a 429 with Retry-After (default 1 s) and the service's throttle body", async () => {
    fake.fail({ status: 429, retryAfterSeconds: 30 });
    fake.fail({ status: 429 });
    const first = await enqueue(trigger('k1'));
    const second = await enqueue(trigger('k1'));

    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('30');
    expect(second.headers.get('retry-after')).toBe('1');
    expect(await first.json()).toEqual({
      status: 'throttle event',
      message: 'Requests for this service are arriving too quickly. Please retry later.',
    });
  });

  it('fails every request while now() < untilMs: an outage of 5 minutes on a fake clock', async () => {
    fake.fail({ status: 503, untilMs: clock + 300_000 });
    expect((await enqueue(trigger('k1'))).status).toBe(503);
    clock += 299_999;
    expect((await enqueue(trigger('k1'))).status).toBe(503);
    expect((await enqueue(trigger('k1'))).status).toBe(503);
    clock += 1;
    expect((await enqueue(trigger('k1'))).status).toBe(202);
    expect(fake.alerts()).toMatchObject([{ dedup_key: 'k1', duplicates: 0 }]);
  });

  it('fails at most `times` requests before untilMs when both are given', async () => {
    fake.fail({ status: 503, times: 1, untilMs: clock + 1_000 });
    fake.fail({ status: 502, times: 5, untilMs: clock + 1_000 });
    expect((await enqueue(trigger('k1'))).status).toBe(503);
    expect((await enqueue(trigger('k1'))).status).toBe(502);
    clock += 1_000;
    expect((await enqueue(trigger('k1'))).status).toBe(202);
  });

  it('fails only the requests `match` picks, leaving the others to the service', async () => {
    fake.fail({
      status: 503,
      times: 1,
      match: (request) => (request.body as { event_action?: string }).event_action === 'resolve',
    });
    expect((await enqueue(trigger('k1'))).status).toBe(202);
    expect((await enqueue(resolve('k1'))).status).toBe(503);
    expect(fake.alerts()[0]?.status).toBe('triggered');
    expect((await enqueue(resolve('k1'))).status).toBe(202);
    expect(fake.alerts()[0]?.status).toBe('resolved');
  });

  it('fails a request before it is validated, as an outage would', async () => {
    fake.fail({ status: 502 });
    const response = await enqueue({ nonsense: true });
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ status: 'bad gateway', message: 'Bad Gateway' });
  });

  it.each([200, 302, 600, 429.5])('refuses a fault with status %s', (status) => {
    expect(() => fake.fail({ status })).toThrow(RangeError);
  });
});

describe('hold()', () => {
  it('applies and records the request, and withholds the answer until release()', async () => {
    const held = fake.hold();
    const answer = enqueue(trigger('k1'));
    const { request, release } = await held;

    expect(request.body).toEqual(trigger('k1'));
    expect(request.response).toBeUndefined();
    expect(fake.alerts()).toMatchObject([{ dedup_key: 'k1', status: 'triggered' }]);
    expect(fake.requests).toEqual([request]);

    release();
    const response = await answer;
    expect(response.status).toBe(202);
    expect(request.response).toEqual({
      status: 202,
      body: expect.objectContaining({ dedup_key: 'k1' }),
    });
  });

  it('takes only a request the service accepts: refused and failed ones are answered', async () => {
    fake.fail({ status: 503 });
    const held = fake.hold();
    expect((await enqueue(trigger('k1'))).status).toBe(503);
    expect((await enqueue({ routing_key: KEY })).status).toBe(400);
    const answer = enqueue(trigger('k2'));
    const { request, release } = await held;
    expect(request.body).toEqual(trigger('k2'));
    release();
    expect((await answer).status).toBe(202);
  });

  it('keeps the effect when the client leaves before the answer, which it then never gets', async () => {
    const held = fake.hold();
    const controller = new AbortController();
    const answer = enqueue(trigger('k1'), { signal: controller.signal });
    const { request, release, disconnected } = await held;

    controller.abort();
    await expect(answer).rejects.toThrow();
    await disconnected;
    release();
    expect(request.response).toBeUndefined();
    expect(fake.alerts()).toMatchObject([{ dedup_key: 'k1', status: 'triggered' }]);
    // A retry of the same event is then a duplicate, as in PagerDuty.
    expect((await enqueue(trigger('k1'))).status).toBe(202);
    expect(fake.alerts()).toMatchObject([{ dedup_key: 'k1', duplicates: 1 }]);
  });

  it('holds one request per call', async () => {
    const first = fake.hold();
    const second = fake.hold();
    const answers = [enqueue(trigger('k1')), enqueue(trigger('k2'))];
    const held = await Promise.all([first, second]);
    const keys = held.map(({ request }) => (request.body as { dedup_key: string }).dedup_key);
    expect(keys.sort()).toEqual(['k1', 'k2']);
    for (const { release } of held) release();
    expect((await Promise.all(answers)).map((response) => response.status)).toEqual([202, 202]);
  });

  it('closes a held connection on stop()', async () => {
    const own = await startFakePagerDuty();
    try {
      const held = own.hold();
      const answer = fetch(`${own.url}/v2/enqueue`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(trigger('k1')),
      });
      await held;
      await own.stop();
      await expect(answer).rejects.toThrow();
    } finally {
      await own.stop();
    }
  });
});
