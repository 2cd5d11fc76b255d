import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakePagerDuty, FakePagerDutyOptions } from './index.ts';
import { startFakePagerDuty } from './index.ts';

const KEY = 'e93facc04764012d7bfb002500d5d1a6';
const OTHER_KEY = 'R0212P1QXGEIQE2NMTQ7L7WXD00DWHIN';
let fake: FakePagerDuty;

beforeAll(async () => {
  fake = await startFakePagerDuty();
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  fake.reset();
});

type Event = Record<string, unknown>;
const payload = { summary: 'nightly-etl is late', source: 'schedmon', severity: 'error' };
const trigger = (fields: Event = {}): Event => ({
  routing_key: KEY,
  event_action: 'trigger',
  dedup_key: 'k1',
  payload,
  ...fields,
});
const follow = (event_action: string, fields: Event = {}): Event => ({
  routing_key: KEY,
  event_action,
  dedup_key: 'k1',
  ...fields,
});

function enqueue(body: unknown, headers: Record<string, string> = {}, url = fake.url) {
  return fetch(`${url}/v2/enqueue`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function answer(body: unknown, headers?: Record<string, string>) {
  const response = await enqueue(body, headers);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const invalid = (...errors: string[]) => ({
  status: 400,
  body: { status: 'invalid event', message: 'Event object is invalid', errors },
});
const unrecognized = {
  status: 400,
  body: {
    status: 'Unrecognized object',
    message: 'Event object format is unrecognized',
    errors: ['JSON parse error'],
  },
};

/** Runs `test` against a fake of its own, stopped before the leak check runs. */
async function withFake(
  options: FakePagerDutyOptions,
  test: (own: FakePagerDuty) => Promise<void>,
) {
  const own = await startFakePagerDuty(options);
  try {
    await test(own);
  } finally {
    await own.stop();
  }
}

describe('accepted events', () => {
  it('answers 202 Event processed with the dedup key and opens a triggered alert', async () => {
    expect(await answer(trigger())).toEqual({
      status: 202,
      body: { status: 'success', message: 'Event processed', dedup_key: 'k1' },
    });
    expect(fake.alerts()).toEqual([
      {
        routing_key: KEY,
        dedup_key: 'k1',
        status: 'triggered',
        transitions: ['trigger'],
        duplicates: 0,
        events: [fake.requests[0]],
      },
    ]);
  });

  it('generates a unique dedup key for a trigger without one, so each opens an alert', async () => {
    const { dedup_key: _, ...withoutKey } = trigger();
    const first = await answer(withoutKey);
    const second = await answer({ ...withoutKey, dedup_key: '' });
    const keys = [first.body.dedup_key, second.body.dedup_key];

    expect(keys.every((key) => typeof key === 'string' && key.length > 0)).toBe(true);
    expect(keys[0]).not.toBe(keys[1]);
    expect(fake.alerts().map((alert) => alert.dedup_key)).toEqual(keys);
  });

  it('accepts every documented optional field', async () => {
    const full = trigger({
      payload: {
        ...payload,
        timestamp: '2015-07-17T08:42:58.315+0000',
        component: 'postgres',
        group: 'prod-datapipe',
        class: 'deploy',
        custom_details: { 'ping time': '1500ms', 'load avg': 0.75 },
      },
      client: 'schedmon',
      client_url: 'https://schedmon.example.com',
      links: [{ href: 'https://example.com/', text: 'Link text' }, { href: 'https://x.test/' }],
      images: [{ src: 'https://example.com/a.png', href: 'https://example.com/', alt: 'a' }],
    });
    expect((await answer(full)).status).toBe(202);
  });

  it.each([
    '2015-07-17T08:42:58Z',
    '2015-07-17T08:42:58.315+00:00',
    '2015-07-17T08:42:58-0500',
    '2015-07-17T08:42',
  ])('accepts the ISO 8601 timestamp %s', async (timestamp) => {
    expect((await answer(trigger({ payload: { ...payload, timestamp } }))).status).toBe(202);
  });
});

describe('alert state by dedup key', () => {
  it('de-duplicates triggers, then acknowledges, then resolves, counting the no-ops', async () => {
    for (const event of [
      trigger(),
      trigger(),
      follow('acknowledge'),
      follow('acknowledge'),
      trigger(),
      follow('resolve'),
      follow('resolve'),
      follow('acknowledge'),
    ]) {
      expect((await enqueue(event)).status).toBe(202);
    }
    expect(fake.alerts()).toEqual([
      {
        routing_key: KEY,
        dedup_key: 'k1',
        status: 'resolved',
        transitions: ['trigger', 'acknowledge', 'resolve'],
        duplicates: 5,
        events: fake.requests,
      },
    ]);
  });

  it('opens a new alert for a trigger after the alert was resolved', async () => {
    await enqueue(trigger());
    await enqueue(follow('resolve'));
    await enqueue(trigger());
    expect(fake.alerts()).toMatchObject([
      { dedup_key: 'k1', status: 'resolved', transitions: ['trigger', 'resolve'] },
      { dedup_key: 'k1', status: 'triggered', transitions: ['trigger'], duplicates: 0 },
    ]);
  });

  it('resolves a triggered alert that was never acknowledged', async () => {
    await enqueue(trigger());
    await enqueue(follow('resolve'));
    expect(fake.alerts()).toMatchObject([
      { status: 'resolved', transitions: ['trigger', 'resolve'] },
    ]);
  });

  it('accepts an acknowledge or resolve of an unknown key and changes nothing', async () => {
    expect(await answer(follow('acknowledge', { dedup_key: 'nope' }))).toEqual({
      status: 202,
      body: { status: 'success', message: 'Event processed', dedup_key: 'nope' },
    });
    expect((await enqueue(follow('resolve', { dedup_key: 'nope' }))).status).toBe(202);
    expect(fake.alerts()).toEqual([]);
  });

  it('keeps alerts apart by routing key: another key does not touch them', async () => {
    await enqueue(trigger());
    await enqueue(follow('resolve', { routing_key: OTHER_KEY }));
    await enqueue(trigger({ routing_key: OTHER_KEY }));
    expect(fake.alerts()).toMatchObject([
      { routing_key: KEY, dedup_key: 'k1', status: 'triggered', duplicates: 0 },
      { routing_key: OTHER_KEY, dedup_key: 'k1', status: 'triggered' },
    ]);
  });

  it('leaves the state alone for refused events', async () => {
    await enqueue(trigger());
    await enqueue(follow('resolve', { extra: 1 }));
    expect(fake.alerts()).toMatchObject([{ status: 'triggered', duplicates: 0 }]);
    expect(fake.alerts()[0]?.events).toHaveLength(1);
  });

  it('hands out copies', async () => {
    await enqueue(trigger());
    fake.alerts()[0]?.transitions.push('resolve');
    expect(fake.alerts()[0]?.transitions).toEqual(['trigger']);
  });
});

describe('routing key', () => {
  it.each([
    [
      '31 characters',
      KEY.slice(1),
      ["Length of 'routing_key' is incorrect (should be 32 characters)"],
    ],
    [
      '33 characters',
      `${KEY}a`,
      ["Length of 'routing_key' is incorrect (should be 32 characters)"],
    ],
    ['a dash', `${KEY.slice(1)}-`, ["'routing_key' cannot contain non-alphanumeric characters."]],
    ['nothing', undefined, ["'routing_key' is missing or blank"]],
    ['a number', 12, ["'routing_key' is missing or blank"]],
  ])('refuses a key of %s', async (_name, routing_key, errors) => {
    expect(await answer(trigger({ routing_key }))).toEqual(invalid(...errors));
  });

  it('takes any well-formed key without routingKeys, and only those with it', async () => {
    expect((await answer(trigger({ routing_key: OTHER_KEY }))).status).toBe(202);
    await withFake({ routingKeys: [KEY] }, async (own) => {
      expect((await enqueue(trigger(), {}, own.url)).status).toBe(202);
      const refused = await enqueue(trigger({ routing_key: OTHER_KEY }), {}, own.url);
      expect({ status: refused.status, body: await refused.json() }).toEqual(
        invalid('Invalid routing key'),
      );
      expect(own.alerts().map((alert) => alert.routing_key)).toEqual([KEY]);
    });
  });

  it('needs no auth header: the key in the body is the credential', async () => {
    await enqueue(trigger());
    expect(fake.requests[0]?.headers.authorization).toBeUndefined();
    expect(fake.requests[0]?.response?.status).toBe(202);
  });
});

describe('validation', () => {
  it.each([
    [undefined, "'event_action' is missing or blank"],
    ['', "'event_action' is missing or blank"],
    ['close', "'event_action' must be one of trigger, acknowledge, resolve"],
    ['TRIGGER', "'event_action' must be one of trigger, acknowledge, resolve"],
  ])('refuses event_action %j', async (event_action, error) => {
    expect(await answer(trigger({ event_action }))).toEqual(invalid(error));
  });

  it('accepts a dedup key of 255 characters and refuses 256', async () => {
    expect((await answer(trigger({ dedup_key: 'd'.repeat(255) }))).status).toBe(202);
    expect(await answer(follow('resolve', { dedup_key: 'd'.repeat(256) }))).toEqual(
      invalid("'dedup_key' is too long (maximum is 255 characters)"),
    );
    expect(await answer(trigger({ dedup_key: 7 }))).toEqual(
      invalid("'dedup_key' must be a string"),
    );
  });

  it.each(['acknowledge', 'resolve'])('needs a dedup key to %s', async (action) => {
    expect(await answer(follow(action, { dedup_key: undefined }))).toEqual(
      invalid("'dedup_key' is missing or blank"),
    );
    expect(await answer(follow(action, { dedup_key: '' }))).toEqual(
      invalid("'dedup_key' is missing or blank"),
    );
  });

  it('needs a payload to trigger, and none to acknowledge or resolve', async () => {
    expect(await answer(trigger({ payload: undefined }))).toEqual(
      invalid("'payload' is missing or blank"),
    );
    expect(await answer(trigger({ payload: 'text' }))).toEqual(
      invalid("'payload' is missing or blank"),
    );
    expect((await answer(follow('acknowledge'))).status).toBe(202);
  });

  it('accepts a summary of 1 and 1024 characters and refuses 0 and 1025', async () => {
    for (const summary of ['s', 's'.repeat(1024)]) {
      expect((await answer(trigger({ payload: { ...payload, summary } }))).status).toBe(202);
    }
    expect(await answer(trigger({ payload: { ...payload, summary: '' } }))).toEqual(
      invalid("'summary' is missing or blank"),
    );
    expect(await answer(trigger({ payload: { ...payload, summary: 's'.repeat(1025) } }))).toEqual(
      invalid("'summary' is too long (maiximum is 1024 characters)"),
    );
  });

  it.each([
    ['no source', { source: undefined }, "'source' is missing or blank"],
    ['an empty source', { source: '' }, "'source' is missing or blank"],
    ['no severity', { severity: undefined }, "'severity' is missing or blank"],
    [
      'severity high',
      { severity: 'high' },
      "'severity' must be one of critical, error, warning, info",
    ],
    [
      'a date without time',
      { timestamp: '2015-07-17' },
      "'timestamp' is not a valid ISO 8601 timestamp",
    ],
    [
      'a month 13',
      { timestamp: '2015-13-17T08:42:58Z' },
      "'timestamp' is not a valid ISO 8601 timestamp",
    ],
    [
      'a unix timestamp',
      { timestamp: 1437122578 },
      "'timestamp' is not a valid ISO 8601 timestamp",
    ],
    ['a numeric component', { component: 1 }, "'component' must be a string"],
    ['a group object', { group: {} }, "'group' must be a string"],
    ['a class list', { class: ['x'] }, "'class' must be a string"],
    ['custom_details as a list', { custom_details: [] }, "'custom_details' must be an object"],
  ])('refuses a payload with %s', async (_name, fields, error) => {
    expect(await answer(trigger({ payload: { ...payload, ...fields } }))).toEqual(invalid(error));
  });

  it.each(['critical', 'error', 'warning', 'info'])('accepts severity %s', async (severity) => {
    expect((await answer(trigger({ payload: { ...payload, severity } }))).status).toBe(202);
  });

  it('refuses unknown top-level fields and malformed links, images and client fields', async () => {
    const event = trigger({
      severity: 'error',
      client: 3,
      links: [{ text: 'no href' }, 'x'],
      images: { src: 'https://example.com/a.png' },
    });
    expect(await answer(event)).toEqual(
      invalid(
        "'severity' is not a valid event field",
        "'client' must be a string",
        "'links[0].href' is missing or blank",
        "'links[1]' must be an object",
        "'images' must be an array",
      ),
    );
  });

  it('lists every problem of an event at once', async () => {
    const event = {
      routing_key: 'short',
      event_action: 'trigger',
      payload: { summary: '', severity: 'bad' },
    };
    expect(await answer(event)).toEqual(
      invalid(
        "Length of 'routing_key' is incorrect (should be 32 characters)",
        "'summary' is missing or blank",
        "'source' is missing or blank",
        "'severity' must be one of critical, error, warning, info",
      ),
    );
  });
});

describe('request format', () => {
  it.each([
    ['invalid JSON', '{"routing_key":', {}],
    ['a JSON array', '[]', {}],
    ['a JSON string', '"event"', {}],
    ['a text/plain body', JSON.stringify(trigger()), { 'content-type': 'text/plain' }],
  ])('answers Unrecognized object to %s', async (_name, body, headers) => {
    expect(await answer(body, headers)).toEqual(unrecognized);
    expect(fake.alerts()).toEqual([]);
  });

  it('accepts application/json with a charset', async () => {
    const headers = { 'content-type': 'application/json; charset=utf-8' };
    expect((await answer(trigger(), headers)).status).toBe(202);
  });

  it('accepts an event of exactly 512 KB and refuses one byte more', async () => {
    const sized = (bytes: number) => {
      const event = trigger({ payload: { ...payload, custom_details: { pad: '' } } });
      const pad = 'x'.repeat(bytes - JSON.stringify(event).length);
      return JSON.stringify(trigger({ payload: { ...payload, custom_details: { pad } } }));
    };
    expect(Buffer.byteLength(sized(512 * 1024))).toBe(512 * 1024);
    expect((await answer(sized(512 * 1024))).status).toBe(202);
    expect(await answer(sized(512 * 1024 + 1))).toEqual(
      invalid('Event is too large (maximum is 524288 bytes)'),
    );
    expect(fake.alerts()).toHaveLength(1);
  });

  it('answers 404 off /v2/enqueue and 405 to another method', async () => {
    const elsewhere = await fetch(`${fake.url}/v2/change/enqueue`, { method: 'POST', body: '{}' });
    expect(elsewhere.status).toBe(404);
    await elsewhere.body?.cancel();
    const get = await fetch(`${fake.url}/v2/enqueue`);
    expect(get.status).toBe(405);
    expect(await get.json()).toEqual({
      status: 'method not allowed',
      message: 'Method Not Allowed',
    });
  });
});
