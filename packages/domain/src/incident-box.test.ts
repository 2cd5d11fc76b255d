import { describe, expect, it } from 'vitest';
import { createFakeClock, createMemoryIncidentStore } from './fakes.ts';
import type { IncidentBox, IncidentContext, OutboxEntry } from './incident-box.ts';
import {
  applyIncidentSignal,
  EMPTY_BOX,
  MAX_OUTBOX_ENTRIES,
  nextDeliveryStep,
  nextDueAt,
  settleDelivery,
  withStep,
} from './incident-box.ts';
import type { IncidentPolicy, IncidentSignal } from './incidents.ts';
import { nextIncidentState } from './incidents.ts';

const policy: IncidentPolicy = {
  alert_after_failures: 1,
  recover_after_successes: 1,
  min_runtime_seconds: null,
  quiet: false,
};
const context: IncidentContext = {
  scheduler: {
    scheduler_id: 'job',
    service_name: 'Payments',
    job_name: 'EOD',
    alert_user_id: 'U0ONCALL',
  },
  opening: {
    at: '2026-01-15T01:00:00.000Z',
    expected_at: null,
    grace_seconds: 600,
    error_message: 'disk full',
    execution_time_ms: null,
    min_runtime_seconds: null,
    max_runtime_seconds: null,
    started_at: null,
    last_signal_at: null,
    failures_in_row: null,
  },
};
const at = (minute: number) => `2026-01-15T01:${String(minute).padStart(2, '0')}:00.000Z`;
const failed = (minute: number, id = `f${minute}`): IncidentSignal => ({
  type: 'failed',
  at: at(minute),
  event_id: id,
  error_message: 'disk full',
});
const completed = (minute: number): IncidentSignal => ({
  type: 'completed',
  at: at(minute),
  event_id: `c${minute}`,
  duration_ms: 1000,
});

/** The box after each signal, as the worker would write it. */
function boxAfter(signals: IncidentSignal[], remindAfterMs: number | null = 3_600_000) {
  let box: IncidentBox = EMPTY_BOX;
  for (const signal of signals) {
    const step = nextIncidentState(box.tracker, 'job', signal, policy);
    box = withStep(box, step, context, signal.at, remindAfterMs).box;
  }
  return box;
}
const kinds = (box: IncidentBox) =>
  box.outbox.map((entry) =>
    entry.delivery.type === 'reply' ? `reply:${entry.delivery.reason.type}` : entry.delivery.type,
  );

describe('withStep', () => {
  it('queues an opening, its follow-ups and its resolution in order, with the reminder', () => {
    const box = boxAfter([failed(1), failed(2), completed(3)]);
    expect(kinds(box)).toEqual(['post_root', 'reply:repeated', 'resolved', 'edit_root']);
    expect(box.outbox.map((entry) => entry.seq)).toEqual([1, 2, 3, 4]);
    expect(box.next_seq).toBe(5);
    // Resolved: the reminder is gone.
    expect(box.remind).toBeNull();
    expect(boxAfter([failed(1)]).remind).toEqual({
      incident_id: 'job#f1',
      at: '2026-01-15T02:01:00.000Z',
    });
    expect(boxAfter([failed(1)], null).remind).toBeNull();
  });

  it('keeps a long error short in the stored context', () => {
    const long = { ...context, opening: { ...context.opening, error_message: 'x'.repeat(10_000) } };
    const step = nextIncidentState(EMPTY_BOX.tracker, 'job', failed(1), policy);
    const box = withStep(EMPTY_BOX, step, long, at(1), null).box;
    expect(box.contexts['job#f1']?.opening.error_message?.length).toBeLessThanOrEqual(2_000);
  });

  it('drops the oldest follow-ups past the limit, never the root, the edits or the recovery', () => {
    const signals = [failed(0)];
    for (let n = 1; n <= MAX_OUTBOX_ENTRIES + 5; n += 1) {
      signals.push({
        ...failed(0, `again-${n}`),
        at: `2026-01-15T01:00:${String(n % 60).padStart(2, '0')}.${String(n).padStart(3, '0')}Z`,
      });
    }
    signals.push(completed(59));
    let box: IncidentBox = EMPTY_BOX;
    let dropped = 0;
    for (const signal of signals) {
      const step = nextIncidentState(box.tracker, 'job', signal, policy);
      const next = withStep(box, step, context, signal.at, null);
      box = next.box;
      dropped += next.dropped;
    }
    expect(box.outbox).toHaveLength(MAX_OUTBOX_ENTRIES);
    expect(dropped).toBeGreaterThan(0);
    const left = kinds(box);
    expect(left[0]).toBe('post_root');
    expect(left.slice(-2)).toEqual(['resolved', 'edit_root']);
  });
});

describe('nextDeliveryStep and settleDelivery', () => {
  const options = { owner: 'w1', leaseMs: 60_000, maxAgeMs: 3_600_000 };
  const nowMs = Date.parse(at(5));

  it('claims the first entry, and answers busy while the claim holds', () => {
    const box = boxAfter([failed(1)]);
    const step = nextDeliveryStep(box, nowMs, options);
    expect(step.kind).toBe('claim');
    if (step.kind !== 'claim') return;
    expect(step.entry.delivery.type).toBe('post_root');
    expect(nextDeliveryStep(step.box, nowMs + 1_000, { ...options, owner: 'w2' }).kind).toBe(
      'busy',
    );
  });

  it('drops an entry whose deliverer died holding the claim, once: at most once', () => {
    const box = boxAfter([failed(1)]);
    const claimed = nextDeliveryStep(box, nowMs, options);
    if (claimed.kind !== 'claim') throw new Error('no claim');
    const later = nextDeliveryStep(claimed.box, nowMs + 61_000, { ...options, owner: 'w2' });
    expect(later).toMatchObject({ kind: 'settle', outcome: 'uncertain' });
    if (later.kind !== 'settle') return;
    expect(later.box.outbox).toEqual([]);
    expect(later.box.claim).toBeNull();
  });

  it('remembers the root message, retries with the attempt counted, and keeps what was queued meanwhile', () => {
    const box = boxAfter([failed(1)]);
    const claimed = nextDeliveryStep(box, nowMs, options);
    if (claimed.kind !== 'claim') throw new Error('no claim');
    const entry = claimed.entry;
    // A follow-up was queued while the root message was being posted.
    const step = nextIncidentState(claimed.box.tracker, 'job', failed(2), policy);
    const meanwhile = withStep(claimed.box, step, context, at(2), null).box;
    const retried = settleDelivery(meanwhile, 'w1', entry, {
      type: 'retry',
      at: at(6),
      error: 'ratelimited',
    });
    expect(retried?.box.outbox.map((item) => [item.seq, item.attempts])).toEqual([
      [1, 1],
      [2, 0],
    ]);
    // In order: the follow-up waits for its root message's retry.
    expect(retried && nextDueAt(retried.box)).toBe(at(6));
    const done = settleDelivery(meanwhile, 'w1', entry, {
      type: 'done',
      ref: { channel: 'C1', ts: '1.0' },
    });
    expect(done?.box.refs['job#f1']).toEqual({ channel: 'C1', ts: '1.0' });
    expect(done?.box.outbox.map((item) => item.seq)).toEqual([2]);
    expect(done?.lost).toBe(false);
  });

  it('keeps a root message posted under a lost claim, and settles nothing else', () => {
    const box = boxAfter([failed(1)]);
    const claimed = nextDeliveryStep(box, nowMs, options);
    if (claimed.kind !== 'claim') throw new Error('no claim');
    const takenOver = nextDeliveryStep(claimed.box, nowMs + 61_000, { ...options, owner: 'w2' });
    if (takenOver.kind !== 'settle') throw new Error('not settled');
    const ref = { channel: 'C1', ts: '1.0' };
    const late = settleDelivery(takenOver.box, 'w1', claimed.entry, { type: 'done', ref });
    expect(late).toMatchObject({ lost: true });
    expect(late?.box.refs['job#f1']).toEqual(ref);
    const reply: OutboxEntry = { ...claimed.entry, delivery: { type: 'edit_root' } };
    expect(settleDelivery(takenOver.box, 'w1', reply, { type: 'done', ref })).toBeUndefined();
  });

  it('gives up an entry older than the max age', () => {
    const box = boxAfter([failed(1)]);
    expect(nextDeliveryStep(box, Date.parse(at(1)) + 3_600_001, options)).toMatchObject({
      kind: 'settle',
      outcome: 'expired',
    });
  });

  it('queues the reminder when due and the incident is still open, and never after', () => {
    let box = boxAfter([failed(1)], 60_000);
    box = { ...box, outbox: [] };
    expect(nextDeliveryStep(box, Date.parse(at(1)) + 59_000, options)).toMatchObject({
      kind: 'wait',
      until: at(2),
    });
    const due = nextDeliveryStep(box, Date.parse(at(2)), options);
    expect(due).toMatchObject({ kind: 'settle', outcome: 'reminder' });
    if (due.kind !== 'settle') return;
    expect(due.box.outbox.map((entry) => entry.delivery.type)).toEqual(['reminder']);
    expect(due.box.remind).toBeNull();
    // Resolved before the reminder came due: nothing is queued.
    const resolved = { ...box, tracker: { ...box.tracker, open: null } };
    const moot = nextDeliveryStep(resolved, Date.parse(at(2)), options);
    expect(moot.kind === 'settle' && moot.box.outbox).toEqual([]);
    expect(nextDeliveryStep(EMPTY_BOX, nowMs, options)).toEqual({ kind: 'idle' });
  });
});

describe('applyIncidentSignal', () => {
  it('applies a signal once, with the pointer and the api’s copy, and a redelivery writes no new message', async () => {
    const store = createMemoryIncidentStore();
    const clock = createFakeClock(at(1));
    const deps = { store, clock, remindAfterMs: null };
    const input = { schedulerId: 'job', signal: failed(1), policy, context };
    expect((await applyIncidentSignal(deps, input)).effects).toHaveLength(1);
    expect((await applyIncidentSignal(deps, input)).effects).toHaveLength(0);
    const box = await store.box('job', at(1));
    expect(box?.box.outbox).toHaveLength(1);
    expect(await store.scheduled(at(1))).toEqual([{ schedulerId: 'job', at: at(1) }]);
    expect(await store.incident('job#f1', at(1))).toMatchObject({
      state: 'open',
      service_name: 'Payments',
      slack: null,
    });
  });

  it('writes the api’s copy again when a redelivery finds its first application cut short', async () => {
    const inner = createMemoryIncidentStore();
    let failProjection = true;
    const store = {
      ...inner,
      async saveIncident(...args: Parameters<typeof inner.saveIncident>) {
        if (failProjection) throw new Error('engine down');
        return inner.saveIncident(...args);
      },
    };
    const deps = { store, clock: createFakeClock(at(1)), remindAfterMs: null };
    const input = { schedulerId: 'job', signal: failed(1), policy, context };
    await expect(applyIncidentSignal(deps, input)).rejects.toThrow('engine down');
    failProjection = false;
    expect((await applyIncidentSignal(deps, input)).effects).toHaveLength(0);
    expect(await inner.incident('job#f1', at(1))).toMatchObject({ state: 'open' });
  });
});

describe('applyIncidentSignal, redelivered after its first application was cut short', () => {
  it('writes the pointer again and says the box still owes its messages', async () => {
    const store = createMemoryIncidentStore();
    const deps = { store, clock: createFakeClock(at(1)), remindAfterMs: null };
    const input = { schedulerId: 'job', signal: failed(1), policy, context };
    await applyIncidentSignal(deps, input);
    // A deliverer's stale read dropped the pointer; the message is then delivered again.
    await store.unschedule('job');
    const again = await applyIncidentSignal(deps, input);
    expect(again).toMatchObject({ effects: [], owed: true });
    expect(await store.scheduled(at(1))).toEqual([{ schedulerId: 'job', at: at(1) }]);
  });

  it('writes a resolved incident’s copy again, even once its messages were delivered', async () => {
    const inner = createMemoryIncidentStore();
    let failProjection = false;
    const store = {
      ...inner,
      async saveIncident(...args: Parameters<typeof inner.saveIncident>) {
        if (failProjection) throw new Error('engine down');
        return inner.saveIncident(...args);
      },
    };
    const deps = { store, clock: createFakeClock(at(3)), remindAfterMs: null };
    await applyIncidentSignal(deps, { schedulerId: 'job', signal: failed(1), policy, context });
    failProjection = true;
    const resolve = { schedulerId: 'job', signal: completed(2), policy, context };
    await expect(applyIncidentSignal(deps, resolve)).rejects.toThrow('engine down');
    // Meanwhile the retry loop delivered everything the box owed.
    const found = await inner.box('job', at(3));
    if (!found) throw new Error('no box');
    await inner.saveBox('job', { ...found.box, outbox: [] }, found.version, at(3));
    failProjection = false;
    expect((await applyIncidentSignal(deps, resolve)).owed).toBe(false);
    expect(await inner.incident('job#f1', at(3))).toMatchObject({ state: 'resolved' });
  });
});

describe('what a box keeps through a Slack outage', () => {
  it('keeps a waiting head’s retry time when a redraw replaces it', () => {
    const options = { owner: 'w1', leaseMs: 60_000, maxAgeMs: 3_600_000 };
    // Escalated: a reply and a redraw queued; the redraw is first after the root went.
    let box = boxAfter([failed(1)]);
    box = { ...box, outbox: [], refs: { 'job#f1': { channel: 'C1', ts: '1.0' } } };
    const stale: IncidentSignal = {
      type: 'acknowledged',
      at: at(2),
      user_id: 'U1',
      incident_id: 'job#f1',
    };
    const acked = withStep(
      box,
      nextIncidentState(box.tracker, 'job', stale, policy),
      context,
      at(2),
      null,
    ).box;
    // The reply went; Slack said to wait until 01:30 for the redraw, now at the head.
    const waiting = {
      ...acked,
      outbox: acked.outbox
        .filter((entry) => entry.delivery.type === 'edit_root')
        .map((entry) => ({ ...entry, next_attempt_at: at(30), attempts: 1 })),
    };
    const step = nextIncidentState(waiting.tracker, 'job', completed(3), policy);
    const after = withStep(waiting, step, context, at(3), null).box;
    // The old redraw gave way to the new one; the new head waits as the old one did.
    expect(after.outbox.map((entry) => entry.delivery.type)).toEqual(['resolved', 'edit_root']);
    expect(after.outbox[0]?.next_attempt_at).toBe(at(30));
    expect(nextDeliveryStep(after, Date.parse(at(4)), options).kind).toBe('wait');
  });
});

describe('applyIncidentSignal, a heartbeat delivered again', () => {
  it('writes the copy of the stale incident it resolved again', async () => {
    const inner = createMemoryIncidentStore();
    let failProjection = false;
    const store = {
      ...inner,
      async saveIncident(...args: Parameters<typeof inner.saveIncident>) {
        if (failProjection) throw new Error('engine down');
        return inner.saveIncident(...args);
      },
    };
    const deps = { store, clock: createFakeClock(at(20)), remindAfterMs: null };
    const stale: IncidentSignal = {
      type: 'deadline',
      kind: 'stale',
      at: at(15),
      event_id: 'dl-stale',
      expected_at: null,
    };
    await applyIncidentSignal(deps, { schedulerId: 'job', signal: stale, policy, context });
    failProjection = true;
    const heartbeat = {
      schedulerId: 'job',
      signal: { type: 'heartbeat', at: at(16) } as IncidentSignal,
      policy,
      context,
    };
    await expect(applyIncidentSignal(deps, heartbeat)).rejects.toThrow('engine down');
    failProjection = false;
    await applyIncidentSignal(deps, heartbeat);
    expect(await inner.incident('job#dl-stale', at(20))).toMatchObject({ state: 'resolved' });
  });
});
