import type { AlertStore, MessageRef, Notifier, SlackMessage } from '@schedmon/domain';
import {
  alertKey,
  EngineUnavailableError,
  NotifierError,
  renderFailureAlert,
  ValidationError,
  zoneAbbreviation,
} from '@schedmon/domain';
import {
  createFakeClock,
  createMemoryAlertStore,
  createMemoryNotifier,
} from '@schedmon/domain/fakes';
import { describe, expect, it } from 'vitest';
import type { AlertInput, AlertOutboxDeps, AlertOutcome } from '../src/alert-outbox.ts';
import { createAlertOutbox } from '../src/alert-outbox.ts';

const START = '2026-01-15T18:45:00.000Z';
const ZONE = 'Asia/Jakarta';
const MAX_AGE_MS = 60 * 60_000;
const LEASE_MS = 60_000;

/** The outbox key of `failure(eventId)`. */
const key = (eventId: string) => alertKey('service-a-eod', eventId);

function failure(eventId: string, failedAt = START): AlertInput {
  return {
    eventId,
    failedAt,
    scheduler: {
      scheduler_id: 'service-a-eod',
      service_name: 'Service A',
      job_name: 'EOD Processing',
      timestamp: failedAt,
      execution_time_ms: 15_000,
      error_message: 'disk full',
      alert_user_id: 'U0ONCALL',
    },
  };
}

type LogLine = { level: 'info' | 'warn' | 'error'; obj: Record<string, unknown>; msg: string };

/** One worker's outbox over shared fakes; `worker()` adds another on the same store. */
function setup(overrides: Partial<AlertOutboxDeps> = {}) {
  const clock = createFakeClock(START);
  const alerts = createMemoryAlertStore();
  const notifier = createMemoryNotifier();
  const lines: LogLine[] = [];
  const outcomes: AlertOutcome[] = [];
  const at = (level: LogLine['level']) => (obj: Record<string, unknown>, msg: string) => {
    lines.push({ level, obj, msg });
  };
  const worker = (more: Partial<AlertOutboxDeps> = {}) =>
    createAlertOutbox({
      alerts,
      notifier,
      clock,
      logger: { info: at('info'), warn: at('warn'), error: at('error') },
      timeZone: ZONE,
      maxAgeMs: MAX_AGE_MS,
      leaseMs: LEASE_MS,
      onOutcome: (outcome) => outcomes.push(outcome),
      ...overrides,
      ...more,
    });
  const pointers = async () =>
    (await alerts.scheduled(clock.now().toISOString())).map((pointer) => pointer.key);
  return { clock, alerts, notifier, lines, outcomes, outbox: worker(), worker, pointers };
}

/** A notifier whose posts wait until the test lets them go, to stop a worker mid-post. */
function gatedNotifier(inner: Notifier) {
  const gates: { release: () => void; fail: (error: unknown) => void }[] = [];
  const notifier: Notifier = {
    ...inner,
    post: (message: SlackMessage) =>
      new Promise<MessageRef>((resolve, reject) => {
        gates.push({
          release: () => resolve(inner.post(message)),
          fail: (error) => reject(error),
        });
      }),
  };
  return { notifier, gates };
}

async function until(check: () => Promise<boolean>) {
  for (let i = 0; i < 100; i += 1) {
    if (await check()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error('condition not reached');
}

describe('alert outbox: enqueue', () => {
  it('records one alert per event id, with the rendered message, and a pointer', async () => {
    const { outbox, alerts, clock, pointers } = setup();
    expect(await outbox.enqueue(failure('e1'))).toBe('created');
    expect(await outbox.enqueue(failure('e1'))).toBe('exists');
    expect((await alerts.get(key('e1'), clock.now().toISOString()))?.version).toBe(1);
    expect(await outbox.get(key('e1'))).toMatchObject({
      state: 'pending',
      scheduler_id: 'service-a-eod',
      attempts: 0,
      created_at: START,
      failed_at: START,
      next_attempt_at: START,
      message: renderFailureAlert({
        ...failure('e1'),
        timeZone: ZONE,
        zoneLabel: zoneAbbreviation(Date.parse(START), ZONE),
      }),
    });
    expect((await outbox.get(key('e1')))?.message.text).toContain('WIB');
    expect(await pointers()).toEqual([key('e1')]);
  });

  it('keeps apart the alerts of two schedulers that reuse an event id', async () => {
    const { outbox, notifier, pointers } = setup();
    const other = failure('nightly-run-1');
    other.scheduler = { ...other.scheduler, scheduler_id: 'service-b-eod' };
    expect(await outbox.enqueue(failure('nightly-run-1'))).toBe('created');
    expect(await outbox.enqueue(other)).toBe('created');
    const keys = [
      alertKey('service-a-eod', 'nightly-run-1'),
      alertKey('service-b-eod', 'nightly-run-1'),
    ];
    expect((await pointers()).sort()).toEqual(keys);
    for (const each of keys) expect(await outbox.deliver(each)).toBe('sent');
    expect(notifier.posted()).toHaveLength(2);
    expect(await outbox.get(keys[1] ?? '')).toMatchObject({
      scheduler_id: 'service-b-eod',
      event_id: 'nightly-run-1',
    });
  });
});

describe('alert outbox: deliver', () => {
  it('posts once, records where, and does nothing for a redelivered event', async () => {
    const { outbox, notifier, pointers, outcomes } = setup();
    await outbox.enqueue(failure('e1'));
    expect(await outbox.deliver(key('e1'))).toBe('sent');
    const posted = notifier.posted();
    expect(posted).toHaveLength(1);
    expect(await outbox.get(key('e1'))).toMatchObject({ state: 'sent', ref: posted[0]?.ref });
    expect(await pointers()).toEqual([]);

    expect(await outbox.enqueue(failure('e1'))).toBe('exists');
    expect(await outbox.deliver(key('e1'))).toBe('duplicate');
    expect(notifier.posted()).toHaveLength(1);
    expect(await pointers()).toEqual([]);
    expect(outcomes).toEqual(['sent', 'duplicate']);
    expect(await outbox.deliver(key('unknown'))).toBe('missing');
  });

  it('posts once when two workers deliver the same alert at the same time', async () => {
    const { outbox, worker, notifier } = setup();
    await outbox.enqueue(failure('e1'));
    const results = await Promise.all([
      outbox.deliver(key('e1')),
      worker().deliver(key('e1')),
      outbox.deliver(key('e1')),
    ]);
    expect(results.filter((result) => result === 'sent')).toHaveLength(1);
    for (const result of results.filter((result) => result !== 'sent')) {
      expect(['in_progress', 'duplicate']).toContain(result);
    }
    expect(notifier.posted()).toHaveLength(1);
  });

  it('keeps a retryable failure pending with a growing, jittered backoff', async () => {
    const { outbox, notifier, clock, outcomes, lines } = setup({ retryBaseMs: 4_000 });
    await outbox.enqueue(failure('e1'));
    notifier.failNext(new NotifierError('503', true), 2);

    expect(await outbox.deliver(key('e1'))).toBe('retry');
    const first = await outbox.get(key('e1'));
    expect(first).toMatchObject({ state: 'pending', attempts: 1, last_error: '503' });
    expect(first?.lease_until).toBeUndefined();
    const firstDelay = Date.parse(first?.next_attempt_at ?? '') - clock.now().getTime();
    expect(firstDelay).toBeGreaterThanOrEqual(2_000);
    expect(firstDelay).toBeLessThanOrEqual(4_000);
    expect(lines.some((line) => line.level === 'warn' && line.obj.reason === '503')).toBe(true);

    // Not before its time: no post is even tried.
    clock.advance(firstDelay - 1);
    expect(await outbox.deliver(key('e1'))).toBe('not_due');
    clock.advance(1);
    expect(await outbox.deliver(key('e1'))).toBe('retry');
    const second = await outbox.get(key('e1'));
    const secondDelay = Date.parse(second?.next_attempt_at ?? '') - clock.now().getTime();
    expect(second?.attempts).toBe(2);
    expect(secondDelay).toBeGreaterThanOrEqual(4_000);
    expect(secondDelay).toBeLessThanOrEqual(8_000);

    clock.advance(secondDelay);
    expect(await outbox.deliver(key('e1'))).toBe('sent');
    expect(notifier.posted()).toHaveLength(1);
    expect(outcomes).toEqual(['retry', 'retry', 'sent']);
  });

  it('caps the backoff', async () => {
    const { outbox, notifier, clock } = setup({ retryBaseMs: 60_000, retryMaxMs: 90_000 });
    await outbox.enqueue(failure('e1'));
    notifier.failNext(new NotifierError('503', true), 3);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      clock.set((await outbox.get(key('e1')))?.next_attempt_at ?? START);
      expect(await outbox.deliver(key('e1'))).toBe('retry');
    }
    const delay =
      Date.parse((await outbox.get(key('e1')))?.next_attempt_at ?? '') - clock.now().getTime();
    expect(delay).toBeGreaterThanOrEqual(45_000);
    expect(delay).toBeLessThanOrEqual(90_000);
  });

  it("honours Slack's Retry-After", async () => {
    const { outbox, notifier, clock } = setup();
    await outbox.enqueue(failure('e1'));
    notifier.failNext(new NotifierError('ratelimited', true, { retryAfterMs: 120_000 }));
    expect(await outbox.deliver(key('e1'))).toBe('retry');
    expect((await outbox.get(key('e1')))?.next_attempt_at).toBe('2026-01-15T18:47:00.000Z');
    clock.advance(119_999);
    expect(await outbox.deliver(key('e1'))).toBe('not_due');
    clock.advance(1);
    expect(await outbox.deliver(key('e1'))).toBe('sent');
  });

  it('gives up on a refusal at once: failed, logged, never retried', async () => {
    const { outbox, notifier, clock, outcomes, lines, pointers } = setup();
    await outbox.enqueue(failure('e1'));
    notifier.failNext(new NotifierError('channel_not_found', false));
    expect(await outbox.deliver(key('e1'))).toBe('failed');
    expect(await outbox.get(key('e1'))).toMatchObject({
      state: 'failed',
      attempts: 1,
      last_error: 'channel_not_found',
    });
    expect(outcomes).toEqual(['failed']);
    const logged = lines.find((line) => line.level === 'error');
    expect(logged?.obj).toMatchObject({ eventId: 'e1', reason: 'channel_not_found' });
    expect(await pointers()).toEqual([]);

    clock.advance(10 * 60_000);
    expect(await outbox.deliver(key('e1'))).toBe('duplicate');
    expect((await outbox.deliverDue()).sent).toBe(0);
    expect(notifier.posted()).toHaveLength(0);
  });

  it('expires an alert Slack did not take within the max age, counted from the failure', async () => {
    const { outbox, notifier, clock, outcomes, lines, pointers } = setup();
    // Failed ten minutes before the worker saw it.
    await outbox.enqueue(failure('e1', '2026-01-15T18:35:00.000Z'));
    notifier.failNext(new NotifierError('503', true));
    expect(await outbox.deliver(key('e1'))).toBe('retry');
    clock.set('2026-01-15T19:34:59.999Z');
    expect(await outbox.deliver(key('e1'))).toBe('sent');

    await outbox.enqueue(failure('e2', '2026-01-15T18:35:00.000Z'));
    clock.set('2026-01-15T19:35:00.000Z');
    expect(await outbox.deliver(key('e2'))).toBe('expired');
    expect(await outbox.get(key('e2'))).toMatchObject({ state: 'expired' });
    expect(notifier.posted()).toHaveLength(1);
    expect(outcomes).toEqual(['retry', 'sent', 'expired']);
    expect(lines.find((line) => line.level === 'error')?.obj).toMatchObject({ eventId: 'e2' });
    expect(await pointers()).toEqual([]);
  });

  it('marks an alert uncertain, not re-posted, when its poster died mid-post', async () => {
    const { outbox, worker, notifier, clock, outcomes, lines, pointers } = setup();
    const gated = gatedNotifier(notifier);
    const dying = worker({ notifier: gated.notifier, owner: 'worker-1' });
    await outbox.enqueue(failure('e1'));

    const stuck = dying.deliver(key('e1'));
    await until(async () => gated.gates.length === 1);
    expect(await outbox.get(key('e1'))).toMatchObject({ state: 'posting', owner: 'worker-1' });

    // While the lease runs, other workers leave it alone.
    clock.advance(LEASE_MS - 1);
    expect(await outbox.deliver(key('e1'))).toBe('in_progress');
    expect((await outbox.deliverDue()).in_progress).toBe(1);

    clock.advance(1);
    expect(await outbox.deliver(key('e1'))).toBe('uncertain');
    expect(await outbox.get(key('e1'))).toMatchObject({ state: 'uncertain' });
    expect(notifier.posted()).toHaveLength(0);
    const logged = lines.find((line) => line.level === 'error');
    expect(logged?.msg).toContain('may not have been delivered');
    expect(logged?.obj).toMatchObject({ eventId: 'e1', owner: 'worker-1' });
    expect(await outbox.deliver(key('e1'))).toBe('duplicate');
    expect(await pointers()).toEqual([]);

    // Had the worker not died but only failed late, the alert still is not retried.
    gated.gates[0]?.fail(new NotifierError('timeout', true));
    expect(await stuck).toBe('duplicate');
    expect(await outbox.get(key('e1'))).toMatchObject({ state: 'uncertain' });
    expect(outcomes).toEqual(['uncertain', 'duplicate', 'duplicate']);
  });

  it('records sent when a post that outlasted its lease did succeed', async () => {
    const { outbox, worker, notifier, clock } = setup();
    const gated = gatedNotifier(notifier);
    await outbox.enqueue(failure('e1'));
    const slow = worker({ notifier: gated.notifier }).deliver(key('e1'));
    await until(async () => gated.gates.length === 1);
    clock.advance(LEASE_MS);
    expect(await outbox.deliver(key('e1'))).toBe('uncertain');
    gated.gates[0]?.release();
    expect(await slow).toBe('sent');
    expect(await outbox.get(key('e1'))).toMatchObject({
      state: 'sent',
      ref: notifier.posted()[0]?.ref,
    });
  });

  it('treats an unexpected error from the notifier as uncertain (it may have posted)', async () => {
    const { outbox, worker, notifier, outcomes } = setup();
    const gated = gatedNotifier(notifier);
    await outbox.enqueue(failure('e1'));
    const broken = worker({ notifier: gated.notifier }).deliver(key('e1'));
    await until(async () => gated.gates.length === 1);
    gated.gates[0]?.fail(new TypeError('bug'));
    expect(await broken).toBe('uncertain');
    expect(await outbox.deliver(key('e1'))).toBe('duplicate');
    expect(outcomes).toEqual(['uncertain', 'duplicate']);
  });

  it('lets state-table trouble reject with EngineUnavailableError, nothing posted', async () => {
    const { alerts, worker, notifier } = setup();
    const down = new EngineUnavailableError('dynamodb', 'DynamoDB Query failed');
    const broken: AlertStore = { ...alerts, replace: () => Promise.reject(down) };
    const outbox = worker({ alerts: broken });
    await outbox.enqueue(failure('e1'));
    await expect(outbox.deliver(key('e1'))).rejects.toBe(down);
    expect(notifier.posted()).toHaveLength(0);
    // Once the engine is back, the next pass delivers it.
    expect(await worker().deliver(key('e1'))).toBe('sent');
  });
});

describe('alert outbox: deliverDue', () => {
  it('delivers only the due alerts, and the others when their time comes', async () => {
    const { outbox, notifier, clock, pointers } = setup();
    for (const id of ['a', 'b', 'c']) await outbox.enqueue(failure(id));
    expect(await outbox.deliver(key('b'))).toBe('sent');
    notifier.failNext(new NotifierError('ratelimited', true, { retryAfterMs: 30_000 }));
    expect(await outbox.deliver(key('a'))).toBe('retry');

    expect(await outbox.deliverDue()).toMatchObject({ sent: 1, retry: 0, not_due: 0 });
    expect(await outbox.get(key('c'))).toMatchObject({ state: 'sent' });
    expect(await pointers()).toEqual([key('a')]);
    expect(notifier.posted()).toHaveLength(2);

    clock.advance(30_000);
    expect(await outbox.deliverDue()).toMatchObject({ sent: 1 });
    expect(await pointers()).toEqual([]);
    expect(notifier.posted()).toHaveLength(3);
    expect(await outbox.deliverDue()).toMatchObject({ sent: 0, duplicate: 0 });
  });

  it('drops an alert item that cannot be read, and delivers the others behind it', async () => {
    const { alerts, notifier, clock, lines, worker, pointers } = setup();
    // A store whose item for one key fails its schema, as a hand-edited or foreign item would.
    const unreadable: AlertStore = {
      ...alerts,
      get: async (k, now) => {
        if (k === key('bad')) throw new ValidationError([`alert ${k} is not an alert item`]);
        return alerts.get(k, now);
      },
    };
    const outbox = worker({ alerts: unreadable });
    await alerts.schedule(key('bad'), '2000-01-01T00:00:00.000Z', 1_900_000_000);
    await outbox.enqueue(failure('good'));
    clock.advance(1);
    expect(await outbox.deliverDue()).toMatchObject({ missing: 1, sent: 1 });
    expect(notifier.posted()).toHaveLength(1);
    expect(await pointers()).toEqual([]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'an alert item cannot be read; it is dropped from the outbox',
      }),
    );
  });

  it('goes on past an alert whose store call fails, and tries it again next pass', async () => {
    const { alerts, notifier, clock, worker, pointers } = setup();
    let broken = true;
    const flaky: AlertStore = {
      ...alerts,
      get: async (k, now) => {
        if (broken && k === key('first')) throw new EngineUnavailableError('dynamodb', 'down');
        return alerts.get(k, now);
      },
    };
    const outbox = worker({ alerts: flaky });
    await outbox.enqueue(failure('first'));
    clock.advance(1);
    await outbox.enqueue(failure('second'));
    clock.advance(1);
    expect(await outbox.deliverDue()).toMatchObject({ retry: 1, sent: 1 });
    expect(await pointers()).toEqual([key('first')]);
    broken = false;
    expect(await outbox.deliverDue()).toMatchObject({ sent: 1 });
    expect(notifier.posted()).toHaveLength(2);
  });

  it('stops a pass at the first retry, leaving the rest due, and honours the limit', async () => {
    const { outbox, notifier, clock } = setup();
    for (const id of ['a', 'b', 'c']) await outbox.enqueue(failure(id));
    notifier.failNext(new NotifierError('503', true), 1);
    expect(await outbox.deliverDue()).toMatchObject({ retry: 1, sent: 0 });
    const attempts = await Promise.all(
      ['a', 'b', 'c'].map(async (id) => (await outbox.get(key(id)))?.attempts),
    );
    expect(attempts).toEqual([1, 0, 0]);

    expect(await outbox.deliverDue(1)).toMatchObject({ sent: 1 });
    expect(await outbox.deliverDue()).toMatchObject({ sent: 1 });
    clock.advance(5 * 60_000);
    expect(await outbox.deliverDue()).toMatchObject({ sent: 1 });
    expect(notifier.posted()).toHaveLength(3);
  });

  it('settles a dead claim and drops pointers of finished alerts', async () => {
    const { outbox, worker, notifier, clock, pointers } = setup();
    const gated = gatedNotifier(notifier);
    await outbox.enqueue(failure('a'));
    const stuck = worker({ notifier: gated.notifier }).deliver(key('a'));
    await until(async () => gated.gates.length === 1);
    await outbox.enqueue(failure('b'));
    await outbox.deliver(key('b'));
    await outbox.enqueue(failure('b')); // a redelivery puts the pointer back
    clock.advance(LEASE_MS);
    expect(await outbox.deliverDue()).toMatchObject({ uncertain: 1, duplicate: 1, sent: 0 });
    expect(await pointers()).toEqual([]);
    gated.gates[0]?.fail(new NotifierError('timeout', true));
    await stuck;
  });
});
