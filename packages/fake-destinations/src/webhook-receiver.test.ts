import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WebhookReceiver, WebhookReceiverOptions } from './index.ts';
import { startWebhookReceiver, verifySchedmonSignature } from './index.ts';

const SECRET = 'whsec-0123456789abcdef';
const NOW_MS = 1_700_000_000_000;
const T = NOW_MS / 1000;

const hmac = (secret: string, t: number | string, body: string) =>
  createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
const sign = (body: string, secret = SECRET, t = T) => `t=${t},v1=${hmac(secret, t, body)}`;

const incident = {
  incident_id: 'inc-1',
  scheduler_id: 'nightly-etl',
  kind: 'late',
  state: 'open',
  opened_at: '2026-01-05T02:10:00.000Z',
  resolved_at: null,
  acknowledged_by: null,
};
const delivery = (fields: Record<string, unknown> = {}) => ({
  id: 'evt-1',
  type: 'incident.opened',
  created_at: '2026-01-05T02:10:01.000Z',
  incident,
  ...fields,
});

describe('verifySchedmonSignature', () => {
  const body = JSON.stringify(delivery());

  it('verifies a signature of the body with the secret at the current time', () => {
    expect(verifySchedmonSignature(sign(body), body, SECRET, NOW_MS)).toBe(true);
  });

  it('fails for a tampered body, a wrong secret or a tampered t', () => {
    expect(verifySchedmonSignature(sign(body), `${body} `, SECRET, NOW_MS)).toBe(false);
    expect(verifySchedmonSignature(sign(body, 'other-secret'), body, SECRET, NOW_MS)).toBe(false);
    const shifted = `t=${T + 1},v1=${hmac(SECRET, T, body)}`;
    expect(verifySchedmonSignature(shifted, body, SECRET, NOW_MS)).toBe(false);
  });

  it('accepts t up to the tolerance away from now, either way, and no further', () => {
    for (const offset of [-300, 300]) {
      expect(verifySchedmonSignature(sign(body, SECRET, T + offset), body, SECRET, NOW_MS)).toBe(
        true,
      );
    }
    for (const offset of [-301, 301]) {
      expect(verifySchedmonSignature(sign(body, SECRET, T + offset), body, SECRET, NOW_MS)).toBe(
        false,
      );
    }
    const old = sign(body, SECRET, T - 3_600);
    expect(verifySchedmonSignature(old, body, SECRET, NOW_MS, 3_600)).toBe(true);
    expect(verifySchedmonSignature(sign(body, SECRET, T - 11), body, SECRET, NOW_MS, 10)).toBe(
      false,
    );
  });

  it('verifies when any of several v1 values matches, as while a secret rotates', () => {
    const both = `t=${T},v1=${hmac('old-secret', T, body)},v1=${hmac(SECRET, T, body)}`;
    expect(verifySchedmonSignature(both, body, SECRET, NOW_MS)).toBe(true);
    expect(verifySchedmonSignature(both, body, 'old-secret', NOW_MS)).toBe(true);
    expect(verifySchedmonSignature(both, body, 'third-secret', NOW_MS)).toBe(false);
  });

  it('tolerates spaces after commas and skips other schemes', () => {
    const header = `t=${T}, v0=abc, v1=${hmac(SECRET, T, body)}`;
    expect(verifySchedmonSignature(header, body, SECRET, NOW_MS)).toBe(true);
  });

  it.each([
    ['a missing header', undefined],
    ['an empty header', ''],
    ['no v1', `t=${T}`],
    ['no t', `v1=${hmac(SECRET, T, body)}`],
    ['two t', `t=${T},t=${T},v1=${hmac(SECRET, T, body)}`],
    ['a t that is not a number', `t=soon,v1=${hmac(SECRET, 'soon', body)}`],
    ['a negative t', `t=-${T},v1=${hmac(SECRET, `-${T}`, body)}`],
    ['an element without =', `t=${T},v1`],
    ['an element with two =', `t=${T},v1=${hmac(SECRET, T, body)}=`],
    ['a v1 that is not hex', `t=${T},v1=${'z'.repeat(64)}`],
    ['a truncated v1', `t=${T},v1=${hmac(SECRET, T, body).slice(0, 63)}`],
    ['garbage', 'sha256=deadbeef'],
  ])('fails for %s', (_name, header) => {
    expect(verifySchedmonSignature(header, body, SECRET, NOW_MS)).toBe(false);
  });
});

describe('receiver with a secret', () => {
  let clock = NOW_MS;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver({ secret: SECRET, now: () => clock });
  });

  afterAll(async () => {
    await receiver.stop();
  });

  beforeEach(() => {
    receiver.reset();
    clock = NOW_MS;
  });

  function deliver(body: unknown, headers: Record<string, string> = {}, path = '/hooks/schedmon') {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    return fetch(`${receiver.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'schedmon-signature': sign(raw), ...headers },
      body: raw,
    });
  }

  async function answer(body: unknown, headers?: Record<string, string>) {
    const response = await deliver(body, headers);
    return { status: response.status, body: await response.json() };
  }

  it('answers 200 to a signed delivery and lists it as verified', async () => {
    expect(await answer(delivery())).toEqual({ status: 200, body: { received: true } });
    expect(receiver.deliveries()).toEqual([
      {
        id: 'evt-1',
        type: 'incident.opened',
        incidentId: 'inc-1',
        verified: true,
        body: delivery(),
        headers: expect.objectContaining({ 'schedmon-signature': expect.any(String) }),
        count: 1,
      },
    ]);
  });

  it('answers 400 to an unsigned or wrongly signed delivery and lists it unverified', async () => {
    const raw = JSON.stringify(delivery());
    const unsigned = await fetch(`${receiver.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw,
    });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toEqual({ error: 'invalid signature' });
    expect(
      (await answer(delivery(), { 'schedmon-signature': sign(raw, 'wrong-secret') })).status,
    ).toBe(400);
    expect(receiver.deliveries()).toMatchObject([{ id: 'evt-1', verified: false, count: 2 }]);

    // A correctly signed retry of the same event then verifies it.
    expect((await deliver(delivery())).status).toBe(200);
    expect(receiver.deliveries()).toMatchObject([{ id: 'evt-1', verified: true, count: 3 }]);
  });

  it('refuses a signature whose t is older than the tolerance on its clock', async () => {
    const raw = JSON.stringify(delivery());
    const header = sign(raw);
    clock += 301_000;
    expect((await answer(delivery(), { 'schedmon-signature': header })).status).toBe(400);
    clock -= 1_000;
    expect((await answer(delivery(), { 'schedmon-signature': header })).status).toBe(200);
  });

  it('verifies a delivery signed with the old and the new secret', async () => {
    const raw = JSON.stringify(delivery());
    const header = `t=${T},v1=${hmac('retired-secret', T, raw)},v1=${hmac(SECRET, T, raw)}`;
    expect((await answer(delivery(), { 'schedmon-signature': header })).status).toBe(200);
  });

  it('de-duplicates by id, keeping first-arrival order and the first copy', async () => {
    await deliver(delivery({ id: 'evt-2', type: 'incident.acknowledged' }));
    await deliver(delivery({ id: 'evt-1' }));
    await deliver(delivery({ id: 'evt-2', type: 'incident.acknowledged', retry: 1 }));
    expect(receiver.deliveries()).toMatchObject([
      { id: 'evt-2', type: 'incident.acknowledged', count: 2, body: { id: 'evt-2' } },
      { id: 'evt-1', type: 'incident.opened', count: 1 },
    ]);
    expect(receiver.deliveries()[0]?.body).not.toHaveProperty('retry');
    expect(receiver.requests).toHaveLength(3);
  });

  it('accepts POST on any path', async () => {
    expect((await deliver(delivery(), {}, '/a/b?token=x')).status).toBe(200);
    expect(receiver.requests[0]?.path).toBe('/a/b?token=x');
  });

  it.each([
    ['no id', { id: undefined }, ['id is missing']],
    ['an empty id', { id: '' }, ['id is missing']],
    [
      'an unknown type',
      { type: 'incident.closed' },
      ['type must be one of incident.opened, incident.acknowledged, incident.resolved'],
    ],
    ['no created_at', { created_at: undefined }, ['created_at is missing']],
    ['no incident', { incident: undefined }, ['incident is missing']],
    ['an incident list', { incident: [incident] }, ['incident is missing']],
    [
      'an incident without state and resolved_at',
      { incident: { ...incident, state: undefined, resolved_at: undefined } },
      ['incident.state is missing', 'incident.resolved_at is missing'],
    ],
  ])('answers 400 to a delivery with %s and lists nothing', async (_name, fields, errors) => {
    const body = JSON.parse(JSON.stringify(delivery(fields)));
    expect(await answer(body)).toEqual({
      status: 400,
      body: { error: 'invalid delivery', errors },
    });
    expect(receiver.deliveries()).toEqual([]);
  });

  it('names every missing field at once', async () => {
    expect(await answer({})).toEqual({
      status: 400,
      body: {
        error: 'invalid delivery',
        errors: [
          'id is missing',
          'type must be one of incident.opened, incident.acknowledged, incident.resolved',
          'created_at is missing',
          'incident is missing',
        ],
      },
    });
  });

  it('answers 400 to a body that is not JSON or not sent as JSON', async () => {
    expect(await answer('{"id":')).toEqual({
      status: 400,
      body: { error: 'the body is not a JSON object' },
    });
    expect(await answer(delivery(), { 'content-type': 'text/plain' })).toEqual({
      status: 400,
      body: { error: 'the content type must be application/json' },
    });
  });

  it('accepts a body of exactly 256 KB and answers 413 to one byte more', async () => {
    const sized = (bytes: number) => {
      const pad = 'x'.repeat(bytes - JSON.stringify(delivery({ pad: '' })).length);
      return JSON.stringify(delivery({ pad }));
    };
    expect(Buffer.byteLength(sized(256 * 1024))).toBe(256 * 1024);
    expect((await answer(sized(256 * 1024))).status).toBe(200);
    expect(await answer(sized(256 * 1024 + 1))).toEqual({
      status: 413,
      body: { error: 'the body is over 262144 bytes' },
    });
  });

  it('answers 405 to another method', async () => {
    const response = await fetch(`${receiver.url}/hooks`);
    expect(response.status).toBe(405);
    expect(await response.json()).toEqual({ error: 'use POST' });
  });

  it('fails on command without listing the delivery', async () => {
    receiver.fail({ status: 503, times: 1 });
    expect(await answer(delivery())).toEqual({
      status: 503,
      body: { error: 'Service Unavailable' },
    });
    expect(receiver.deliveries()).toEqual([]);
    expect((await deliver(delivery())).status).toBe(200);
    expect(receiver.deliveries()).toMatchObject([{ id: 'evt-1', count: 1 }]);
  });

  it('holds a verified delivery only', async () => {
    const held = receiver.hold();
    expect((await deliver(delivery(), { 'schedmon-signature': 'bad' })).status).toBe(400);
    const answered = deliver(delivery({ id: 'evt-2' }));
    const { request, release } = await held;
    expect(request.body).toMatchObject({ id: 'evt-2' });
    expect(receiver.deliveries().map((each) => each.id)).toEqual(['evt-1', 'evt-2']);
    release();
    expect((await answered).status).toBe(200);
  });
});

describe('receiver without a secret', () => {
  async function withReceiver(
    options: WebhookReceiverOptions,
    test: (receiver: WebhookReceiver) => Promise<void>,
  ) {
    const receiver = await startWebhookReceiver(options);
    try {
      await test(receiver);
    } finally {
      await receiver.stop();
    }
  }

  it('answers 200 to signed and unsigned deliveries alike, verified undefined', async () => {
    await withReceiver({}, async (receiver) => {
      for (const headers of [{}, { 'schedmon-signature': 'garbage' }]) {
        const response = await fetch(receiver.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(delivery()),
        });
        expect(response.status).toBe(200);
        await response.body?.cancel();
      }
      expect(receiver.deliveries()).toMatchObject([{ id: 'evt-1', verified: undefined, count: 2 }]);
    });
  });
});
