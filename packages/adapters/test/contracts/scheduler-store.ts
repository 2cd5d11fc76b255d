// The SchedulerStore contract: run against the in-memory fake and the DynamoDB adapter.
import { randomUUID } from 'node:crypto';
import type { DeadlineSettings, SchedulerStore, Status, StatusEvent } from '@schedmon/domain';
import { compareOrder } from '@schedmon/domain';
import { shuffled } from '@schedmon/domain/fakes';
import { describe, expect, it } from 'vitest';

const NOW = '2026-01-15T00:00:00.000Z';
/** `WATCHDOG_GAP_SECONDS` as the worker passes it. */
const GAP = 300_000;
const LATER = '2026-01-15T00:30:00.000Z';
const at = (minute: number, ms = 0) =>
  `2026-01-15T00:${String(minute).padStart(2, '0')}:00.${String(ms).padStart(3, '0')}Z`;

export function statusEvent(
  schedulerId: string,
  eventId: string,
  timestamp: string,
  status: Status,
  extra: Partial<StatusEvent> = {},
): StatusEvent {
  return {
    type: 'status',
    event_id: eventId,
    scheduler_id: schedulerId,
    service_name: 'Service A',
    job_name: 'EOD',
    status,
    timestamp,
    execution_time_ms: null,
    error_message: status === 'failed' ? `failed ${eventId}` : null,
    metadata: null,
    run_id: null,
    accepted_at: null,
    ...extra,
  };
}

export function schedulerStoreContract(name: string, setup: () => SchedulerStore) {
  describe(`SchedulerStore contract: ${name}`, () => {
    const newId = () => `job-${randomUUID()}`;
    const register = (store: SchedulerStore, id: string, extra = {}) =>
      store.register(
        { scheduler_id: id, service_name: 'Service A', job_name: 'EOD', ...extra },
        NOW,
      );

    it('registers a new scheduler as pending since now, with nulls for absent values', async () => {
      const store = setup();
      const id = newId();
      const record = await register(store, id, { alert_user_id: 'U123' });
      expect(record).toEqual({
        scheduler_id: id,
        service_name: 'Service A',
        job_name: 'EOD',
        status: 'pending',
        timestamp: NOW,
        execution_time_ms: null,
        error_message: null,
        metadata: null,
        last_heartbeat: null,
        created_at: NOW,
        updated_at: NOW,
        owner_email: null,
        alert_user_id: 'U123',
        schedule: null,
        timezone: null,
        grace_seconds: 600,
        max_runtime_seconds: null,
        min_runtime_seconds: null,
        alert_after_failures: 1,
        recover_after_successes: 1,
        tags: [],
        paused_at: null,
        paused_until: null,
        pause_reason: null,
        archived_at: null,
        next_expected_at: null,
        due_at: null,
        due_kind: null,
        run_started_at: null,
        last_run_started_at: null,
        deadline_fired_at: null,
        deadline_fired_kind: null,
        deadline_unknown_at: null,
      });
      expect(await store.get(id)).toEqual(record);
      expect(await store.get(newId())).toBeUndefined();
    });

    it('re-registering updates names and contacts but keeps status, times and heartbeat', async () => {
      const store = setup();
      const id = newId();
      await register(store, id, { owner_email: 'a@example.com' });
      await store.applyStatus(statusEvent(id, 'e1', at(5), 'running'), LATER);
      await store.applyHeartbeat({
        type: 'heartbeat',
        event_id: 'h1',
        scheduler_id: id,
        timestamp: at(6),
        accepted_at: null,
      });
      const record = await store.register(
        {
          scheduler_id: id,
          service_name: ' Service B ',
          job_name: 'Backup',
          alert_user_id: 'S0OPS',
        },
        LATER,
      );
      expect(record).toMatchObject({
        service_name: 'Service B',
        job_name: 'Backup',
        status: 'running',
        timestamp: at(5),
        last_heartbeat: at(6),
        created_at: NOW,
        updated_at: LATER,
        owner_email: null,
        alert_user_id: 'S0OPS',
      });
    });

    it('lists sorted by service then job, with status and service filters', async () => {
      const store = setup();
      const tag = randomUUID().slice(0, 8);
      const ids = ['c', 'a', 'b'].map((letter) => `${letter}-${tag}`);
      await store.register(
        { scheduler_id: ids[0] ?? '', service_name: `S2-${tag}`, job_name: 'A' },
        NOW,
      );
      await store.register(
        { scheduler_id: ids[1] ?? '', service_name: `S1-${tag}`, job_name: 'B' },
        NOW,
      );
      await store.register(
        { scheduler_id: ids[2] ?? '', service_name: `S1-${tag}`, job_name: 'A' },
        NOW,
      );
      await store.applyStatus(
        {
          ...statusEvent(ids[0] ?? '', 'e1', at(1), 'failed'),
          service_name: `S2-${tag}`,
          job_name: 'A',
        },
        NOW,
      );
      const mine = (await store.list()).filter((record) => record.scheduler_id.endsWith(tag));
      expect(mine.map((record) => record.scheduler_id)).toEqual([ids[2], ids[1], ids[0]]);
      const failed = await store.list({ status: 'failed' });
      expect(failed.map((record) => record.scheduler_id)).toContain(ids[0]);
      expect(failed.every((record) => record.status === 'failed')).toBe(true);
      const service = await store.list({ service_name: `S1-${tag}` });
      expect(service.map((record) => record.scheduler_id)).toEqual([ids[2], ids[1]]);
    });

    it('applies a newer status, reports late and duplicate events, clears omitted fields', async () => {
      const store = setup();
      const id = newId();
      await register(store, id);
      const failed = statusEvent(id, 'e1', at(10), 'failed', {
        execution_time_ms: 1500,
        metadata: { rows: 3 },
      });
      expect(await store.applyStatus(failed, LATER)).toBe('applied');
      expect(await store.get(id)).toMatchObject({
        status: 'failed',
        timestamp: at(10),
        execution_time_ms: 1500,
        error_message: 'failed e1',
        metadata: { rows: 3 },
        updated_at: LATER,
      });
      expect(await store.applyStatus(failed, LATER)).toBe('duplicate');
      expect(await store.applyStatus(statusEvent(id, 'e0', at(9), 'running'), LATER)).toBe('late');
      expect(await store.applyStatus(statusEvent(id, 'e2', at(11), 'running'), LATER)).toBe(
        'applied',
      );
      expect(await store.get(id)).toMatchObject({
        status: 'running',
        execution_time_ms: null,
        error_message: null,
        metadata: null,
      });
    });

    it('breaks timestamp ties terminal > running > pending', async () => {
      const store = setup();
      const id = newId();
      await register(store, id);
      expect(await store.applyStatus(statusEvent(id, 'z-run', at(10), 'running'), LATER)).toBe(
        'applied',
      );
      expect(await store.applyStatus(statusEvent(id, 'a-done', at(10), 'completed'), LATER)).toBe(
        'applied',
      );
      expect(await store.applyStatus(statusEvent(id, 'zz-run', at(10), 'running'), LATER)).toBe(
        'late',
      );
      expect(await store.applyStatus(statusEvent(id, 'zz-pend', at(10), 'pending'), LATER)).toBe(
        'late',
      );
      expect((await store.get(id))?.status).toBe('completed');
    });

    it('lets the first event replace the registration placeholder even when older', async () => {
      const store = setup();
      const id = newId();
      await register(store, id);
      const early = statusEvent(id, 'e1', '2026-01-14T23:59:00.000Z', 'running');
      expect(await store.applyStatus(early, LATER)).toBe('applied');
      expect((await store.get(id))?.status).toBe('running');
    });

    it('refuses events and heartbeats for an unregistered scheduler', async () => {
      const store = setup();
      const id = newId();
      expect(await store.applyStatus(statusEvent(id, 'e1', at(1), 'running'), NOW)).toBe(
        'not_registered',
      );
      expect(
        await store.applyHeartbeat({
          type: 'heartbeat',
          event_id: 'h',
          scheduler_id: id,
          timestamp: at(1),
          accepted_at: null,
        }),
      ).toBe('not_registered');
      expect(await store.get(id)).toBeUndefined();
    });

    it('moves last_heartbeat only forward and never changes the status', async () => {
      const store = setup();
      const id = newId();
      await register(store, id);
      const beat = (minute: number) =>
        store.applyHeartbeat({
          type: 'heartbeat',
          event_id: `h${minute}`,
          scheduler_id: id,
          timestamp: at(minute),
          accepted_at: null,
        });
      expect(await beat(5)).toBe('applied');
      expect(await beat(3)).toBe('late');
      expect(await beat(5)).toBe('duplicate');
      expect(await beat(7)).toBe('applied');
      expect(await store.get(id)).toMatchObject({ last_heartbeat: at(7), status: 'pending' });
    });

    it('ends on the newest event for any order, duplication or concurrency of the same events', async () => {
      const store = setup();
      const events = (id: string) => [
        statusEvent(id, 'a', at(1), 'pending'),
        statusEvent(id, 'b', at(2), 'running'),
        statusEvent(id, 'c', at(4, 500), 'running', { metadata: { step: 1 } }),
        statusEvent(id, 'd', at(4, 500), 'failed'),
        statusEvent(id, 'e', at(4, 500), 'completed', { execution_time_ms: 42 }),
        statusEvent(id, 'f', at(3), 'completed'),
      ];
      const expectedOf = (id: string) => [...events(id)].sort(compareOrder).at(-1);
      for (let seed = 1; seed <= 12; seed += 1) {
        const id = newId();
        await register(store, id);
        const all = events(id);
        const delivered = shuffled([...all, ...all.slice(0, seed % all.length)], seed);
        if (seed % 2 === 0) {
          await Promise.all(delivered.map((event) => store.applyStatus(event, LATER)));
        } else {
          for (const event of delivered) await store.applyStatus(event, LATER);
        }
        const expected = expectedOf(id);
        expect(await store.get(id)).toMatchObject({
          status: expected?.status,
          timestamp: expected?.timestamp,
          error_message: expected?.error_message,
          execution_time_ms: expected?.execution_time_ms,
          metadata: expected?.metadata,
        });
      }
    });

    it('stores the schedule settings and tags, and clears the ones a registration omits', async () => {
      const store = setup();
      const id = newId();
      const settings = {
        schedule: '30 1 * * *',
        timezone: 'Europe/London',
        grace_seconds: 900,
        max_runtime_seconds: 3600,
        min_runtime_seconds: 60,
        alert_after_failures: 3,
        recover_after_successes: 2,
        tags: ['payments', 'eod'],
      };
      const record = await register(store, id, settings);
      expect(record).toMatchObject(settings);
      expect(await store.get(id)).toMatchObject(settings);
      const plain = await register(store, id);
      expect(plain).toMatchObject({
        schedule: null,
        timezone: null,
        grace_seconds: 600,
        max_runtime_seconds: null,
        min_runtime_seconds: null,
        alert_after_failures: 1,
        recover_after_successes: 1,
        tags: [],
      });
      expect(await store.get(id)).toEqual(plain);
    });

    it('filters by tag, and lists archived schedulers only when asked', async () => {
      const store = setup();
      const tag = `t-${randomUUID().slice(0, 8)}`;
      const [a, b, c] = [newId(), newId(), newId()];
      await register(store, a, { tags: [tag, 'other'] });
      await register(store, b, { tags: [tag] });
      await register(store, c);
      expect((await store.list({ tag })).map((record) => record.scheduler_id).sort()).toEqual(
        [a, b].sort(),
      );
      await store.archive(b, LATER);
      expect((await store.list({ tag })).map((record) => record.scheduler_id)).toEqual([a]);
      const archived = await store.list({ archived: true, tag });
      expect(archived.map((record) => record.scheduler_id)).toEqual([b]);
      expect(archived[0]?.archived_at).toBe(LATER);
      expect((await store.list()).some((record) => record.scheduler_id === b)).toBe(false);
    });

    it('archives idempotently, refuses events while archived, and restores on registration', async () => {
      const store = setup();
      const id = newId();
      await register(store, id);
      expect(await store.applyStatus(statusEvent(id, 'e1', at(1), 'running'), NOW)).toBe('applied');
      expect((await store.archive(id, at(2)))?.archived_at).toBe(at(2));
      expect((await store.archive(id, at(3)))?.archived_at).toBe(at(2));
      expect(await store.archive(newId(), at(3))).toBeUndefined();
      expect(await store.applyStatus(statusEvent(id, 'e2', at(4), 'failed'), NOW)).toBe('archived');
      // One from before the archive (still queued when it happened) is part of the record.
      expect(await store.applyStatus(statusEvent(id, 'e1b', at(1, 500), 'completed'), NOW)).toBe(
        'applied',
      );
      expect(await store.applyStatus(statusEvent(id, 'e1b', at(1, 500), 'completed'), NOW)).toBe(
        'duplicate',
      );
      expect((await store.get(id))?.status).toBe('completed');
      expect(
        await store.applyHeartbeat({
          type: 'heartbeat',
          event_id: 'h',
          scheduler_id: id,
          timestamp: at(4),
          accepted_at: null,
        }),
      ).toBe('archived');
      expect(await store.pause(id, { until: null, reason: null }, at(4))).toBe('archived');
      expect(await store.resume(id, at(4))).toBe('archived');
      const restored = await register(store, id);
      expect(restored).toMatchObject({
        archived_at: null,
        status: 'completed',
        timestamp: at(1, 500),
      });
      expect(await store.applyStatus(statusEvent(id, 'e3', at(5), 'completed'), NOW)).toBe(
        'applied',
      );
    });

    it('pauses with or without an end and a reason, keeps the pause on re-registration, resumes', async () => {
      const store = setup();
      const id = newId();
      await register(store, id);
      const paused = await store.pause(id, { until: LATER, reason: 'maintenance' }, at(1));
      expect(paused).toMatchObject({
        paused_at: at(1),
        paused_until: LATER,
        pause_reason: 'maintenance',
      });
      const again = await store.pause(id, { until: null, reason: null }, at(2));
      expect(again).toMatchObject({ paused_at: at(2), paused_until: null, pause_reason: null });
      expect(await register(store, id)).toMatchObject({ paused_at: at(2) });
      expect(await store.applyStatus(statusEvent(id, 'e1', at(3), 'failed'), NOW)).toBe('applied');
      // Resuming ends the pause now; the record keeps it, so deadlines count from its end.
      const resumed = await store.resume(id, at(4));
      expect(resumed).toMatchObject({ paused_at: at(2), paused_until: at(4), updated_at: at(4) });
      expect(await store.resume(id, at(5))).toMatchObject({
        paused_until: at(4),
        updated_at: at(4),
      });
      expect(await store.pause(newId(), { until: null, reason: null }, at(4))).toBe(
        'not_registered',
      );
      expect(await store.resume(newId(), at(4))).toBe('not_registered');
    });
  });
}

/**
 * Deadlines kept by a store made with deadline settings (docs/schedules.md), and the
 * watchdog's query. Every scheduler id is new per test; `due` answers for the whole
 * table, so the checks look at their own ids only.
 */
export function schedulerDeadlineContract(
  name: string,
  setup: (deadlines: DeadlineSettings) => SchedulerStore,
) {
  describe(`SchedulerStore deadlines: ${name}`, () => {
    const settings: DeadlineSettings = { timeZone: 'Asia/Jakarta', heartbeatTimeoutMinutes: 15 };
    const newId = () => `dl-${randomUUID()}`;
    // 2026-01-15 01:00 WIB is 2026-01-14T18:00Z; the registration is the day before.
    const REGISTERED = '2026-01-13T12:00:00.000Z';
    const register = (store: SchedulerStore, id: string, extra = {}) =>
      store.register(
        { scheduler_id: id, service_name: 'S', job_name: 'J', schedule: '0 1 * * *', ...extra },
        REGISTERED,
      );
    const dueIds = async (store: SchedulerStore, now: string, ids: string[]) =>
      (await store.due(now, 1000)).filter((deadline) => ids.includes(deadline.scheduler_id));

    it('stores the next deadline on registration, finds it once due, and clears it with the schedule', async () => {
      const store = setup(settings);
      const id = newId();
      const record = await register(store, id);
      expect(record).toMatchObject({
        next_expected_at: '2026-01-13T18:00:00.000Z',
        due_at: '2026-01-13T18:10:00.000Z',
        due_kind: 'missed',
      });
      expect(await store.get(id)).toMatchObject({ due_at: '2026-01-13T18:10:00.000Z' });
      expect(await dueIds(store, '2026-01-13T18:09:59.999Z', [id])).toEqual([]);
      expect(await dueIds(store, '2026-01-13T18:10:00.000Z', [id])).toEqual([
        {
          scheduler_id: id,
          kind: 'missed',
          due_at: '2026-01-13T18:10:00.000Z',
          expected_at: '2026-01-13T18:00:00.000Z',
        },
      ]);
      const plain = await store.register(
        { scheduler_id: id, service_name: 'S', job_name: 'J' },
        LATER,
      );
      expect(plain).toMatchObject({ due_at: null, due_kind: null, next_expected_at: null });
      expect(await dueIds(store, '2027-01-01T00:00:00.000Z', [id])).toEqual([]);
    });

    it('moves a deadline earlier on a status event, and leaves a later one for the watchdog', async () => {
      const store = setup(settings);
      const id = newId();
      await register(store, id);
      // Started at 00:55 WIB: silent past 01:10 WIB would be stale, earlier than tomorrow.
      const start = '2026-01-13T17:55:00.000Z';
      expect(await store.applyStatus(statusEvent(id, 'run', start, 'running'), start)).toBe(
        'applied',
      );
      expect(await store.get(id)).toMatchObject({
        due_kind: 'missed',
        due_at: '2026-01-13T18:10:00.000Z',
      });
      // An overrun bound makes it earlier: 00:55 + 10 min = 01:05 WIB.
      const shortId = newId();
      await register(store, shortId, { max_runtime_seconds: 600 });
      await store.applyStatus(statusEvent(shortId, 'run', start, 'running'), start);
      expect(await store.get(shortId)).toMatchObject({
        due_kind: 'overrun',
        due_at: '2026-01-13T18:05:00.000Z',
        next_expected_at: null,
      });
      // Completed: tomorrow's deadline is later, so the stored one stays until checked.
      const done = '2026-01-13T18:02:00.000Z';
      await store.applyStatus(statusEvent(shortId, 'done', done, 'completed'), done);
      expect(await store.get(shortId)).toMatchObject({ due_at: '2026-01-13T18:05:00.000Z' });
    });

    it('writes a deadline only on the version it was computed from', async () => {
      const store = setup(settings);
      const id = newId();
      const record = await register(store, id);
      const later = {
        due_at: '2026-01-14T18:10:00.000Z',
        due_kind: 'missed' as const,
        next_expected_at: '2026-01-14T18:00:00.000Z',
      };
      expect(await store.setDeadline(id, later, 'not-the-version')).toBe(false);
      expect(await store.setDeadline(id, later, record.updated_at)).toBe(true);
      expect(await store.get(id)).toMatchObject(later);
      const none = { due_at: null, due_kind: null, next_expected_at: null };
      expect(await store.setDeadline(id, none, record.updated_at)).toBe(true);
      expect(await dueIds(store, '2027-01-01T00:00:00.000Z', [id])).toEqual([]);
      expect(await store.setDeadline(newId(), later, record.updated_at)).toBe(false);
    });

    it('lists due deadlines earliest first, across shards, up to the limit', async () => {
      const store = setup(settings);
      const ids = Array.from({ length: 40 }, () => newId());
      for (const [index, id] of ids.entries()) {
        const record = await store.register(
          { scheduler_id: id, service_name: 'S', job_name: 'J' },
          REGISTERED,
        );
        const due = `2026-01-13T18:${String(index).padStart(2, '0')}:00.000Z`;
        await store.setDeadline(
          id,
          { due_at: due, due_kind: 'missed', next_expected_at: null },
          record.updated_at,
        );
      }
      const due = await dueIds(store, '2026-01-13T18:19:30.000Z', ids);
      expect(due.map((deadline) => deadline.scheduler_id)).toEqual(ids.slice(0, 20));
    });

    const deadlineOf = (
      id: string,
      due_at: string,
      kind: 'missed' | 'overrun' | 'stale' = 'missed',
    ) => ({
      scheduler_id: id,
      kind,
      due_at,
      expected_at: kind === 'missed' ? '2026-01-13T18:00:00.000Z' : null,
    });

    it('fires a due deadline once, then stores the next one', async () => {
      const store = setup(settings);
      const id = newId();
      await register(store, id);
      const due = deadlineOf(id, '2026-01-13T18:10:00.000Z');
      // Not before its time: a forged or early deadline does nothing.
      expect((await store.applyDeadline(due, '2026-01-13T18:09:59.999Z', GAP)).outcome).toBe(
        'not_due',
      );
      const fired = await store.applyDeadline(due, '2026-01-13T18:10:05.000Z', GAP);
      expect(fired.outcome).toBe('fired');
      const next = {
        deadline_fired_at: '2026-01-13T18:10:00.000Z',
        deadline_unknown_at: null,
        due_at: '2026-01-14T18:10:00.000Z',
        due_kind: 'missed',
        next_expected_at: '2026-01-14T18:00:00.000Z',
      };
      expect(fired.outcome !== 'not_registered' && fired.record).toMatchObject(next);
      expect(await store.get(id)).toMatchObject(next);
      // Redelivered (its incident may not have been recorded): fired again for the
      // incident box, which takes the signal once; the record does not change.
      const again = await store.applyDeadline(due, '2026-01-13T18:11:00.000Z', GAP);
      expect(again.outcome).toBe('fired');
      expect(await store.get(id)).toMatchObject(next);
      expect(await dueIds(store, '2026-01-13T18:30:00.000Z', [id])).toEqual([]);
      expect((await store.applyDeadline(deadlineOf(newId(), due.due_at), LATER, GAP)).outcome).toBe(
        'not_registered',
      );
    });

    it('records a deadline that fell while nobody watched as unknown, and keeps the mark', async () => {
      const store = setup(settings);
      const id = newId();
      await register(store, id);
      const due = deadlineOf(id, '2026-01-13T18:10:00.000Z');
      const result = await store.applyDeadline(due, '2026-01-13T18:40:00.000Z', GAP);
      expect(result.outcome).toBe('fired');
      expect(await store.get(id)).toMatchObject({
        deadline_unknown_at: '2026-01-13T18:10:00.000Z',
        deadline_fired_at: '2026-01-13T18:10:00.000Z',
      });
      const start = '2026-01-13T18:41:00.000Z';
      await store.applyStatus(statusEvent(id, 'run', start, 'running'), start);
      expect(await store.get(id)).toMatchObject({
        deadline_unknown_at: '2026-01-13T18:10:00.000Z',
      });
      // Delivered again after the job spoke: over, it pages nobody.
      const again = await store.applyDeadline(due, '2026-01-13T18:42:00.000Z', GAP);
      expect(again.outcome).toBe('superseded');
    });

    it('lets a real event that came first win: the deadline is superseded and the real one stored', async () => {
      const store = setup(settings);
      const id = newId();
      await register(store, id, { max_runtime_seconds: 3600 });
      const start = '2026-01-13T18:05:00.000Z';
      await store.applyStatus(statusEvent(id, 'run', start, 'running'), start);
      const result = await store.applyDeadline(
        deadlineOf(id, '2026-01-13T18:10:00.000Z'),
        '2026-01-13T18:10:01.000Z',
        GAP,
      );
      expect(result.outcome).toBe('superseded');
      // Running since 01:05 WIB: silent for 15 min is the next deadline.
      expect(await store.get(id)).toMatchObject({
        due_kind: 'stale',
        due_at: '2026-01-13T18:20:00.000Z',
        deadline_fired_at: null,
      });
    });

    it("keeps a run's start through later running events and hands it to the finished run", async () => {
      const store = setup(settings);
      const id = newId();
      await register(store, id, { max_runtime_seconds: 300 });
      const start = '2026-01-13T18:00:00.000Z';
      const again = '2026-01-13T18:04:00.000Z';
      await store.applyStatus(statusEvent(id, 'r1', start, 'running'), start);
      const second = await store.applyStatusRecord(statusEvent(id, 'r2', again, 'running'), again);
      expect(second.outcome).toBe('applied');
      expect(second.record).toMatchObject({ run_started_at: start, last_run_started_at: null });
      // The overrun counts from the first running event: 01:00 + 5 min.
      expect(await store.get(id)).toMatchObject({
        due_kind: 'overrun',
        due_at: '2026-01-13T18:05:00.000Z',
      });
      const end = '2026-01-13T18:07:00.000Z';
      const done = await store.applyStatusRecord(statusEvent(id, 'c', end, 'completed'), end);
      expect(done.record).toMatchObject({ run_started_at: null, last_run_started_at: start });
      // A duplicate gives no record: nothing was applied.
      expect(await store.applyStatusRecord(statusEvent(id, 'c', end, 'completed'), end)).toEqual({
        outcome: 'duplicate',
      });
      const next = '2026-01-13T18:30:00.000Z';
      const rerun = await store.applyStatusRecord(statusEvent(id, 'r3', next, 'running'), next);
      expect(rerun.record).toMatchObject({ run_started_at: next, last_run_started_at: start });
    });

    it('fires overrun, then stale, then nothing for a run that never ends', async () => {
      const store = setup(settings);
      const id = newId();
      await register(store, id, { max_runtime_seconds: 300 });
      const start = '2026-01-13T18:00:00.000Z';
      await store.applyStatus(statusEvent(id, 'run', start, 'running'), start);
      const overrun = deadlineOf(id, '2026-01-13T18:05:00.000Z', 'overrun');
      expect((await store.applyDeadline(overrun, '2026-01-13T18:05:01.000Z', GAP)).outcome).toBe(
        'fired',
      );
      expect(await store.get(id)).toMatchObject({
        due_kind: 'stale',
        due_at: '2026-01-13T18:15:00.000Z',
      });
      const stale = deadlineOf(id, '2026-01-13T18:15:00.000Z', 'stale');
      expect((await store.applyDeadline(stale, '2026-01-13T18:15:01.000Z', GAP)).outcome).toBe(
        'fired',
      );
      expect(await store.get(id)).toMatchObject({ due_kind: null, due_at: null });
    });

    it('takes an archived scheduler out of the deadlines index, and a pause moves its deadline', async () => {
      const store = setup(settings);
      const archived = newId();
      await register(store, archived);
      await store.archive(archived, LATER);
      expect(await store.get(archived)).toMatchObject({ due_at: null, due_kind: null });
      expect(await dueIds(store, '2027-01-01T00:00:00.000Z', [archived])).toEqual([]);

      const paused = newId();
      await register(store, paused);
      // Paused without an end: nothing is expected of it.
      await store.pause(paused, { until: null, reason: null }, '2026-01-13T13:00:00.000Z');
      expect(await store.get(paused)).toMatchObject({ due_at: null });
      // Resumed on the 14th at 12:00 UTC: expected at the next 01:00 WIB after that.
      await store.resume(paused, '2026-01-14T12:00:00.000Z');
      expect(await store.get(paused)).toMatchObject({
        due_kind: 'missed',
        next_expected_at: '2026-01-14T18:00:00.000Z',
        due_at: '2026-01-14T18:10:00.000Z',
      });
    });

    it('fires a deadline once when two workers apply it at the same time', async () => {
      const store = setup(settings);
      const id = newId();
      await register(store, id);
      const due = deadlineOf(id, '2026-01-13T18:10:00.000Z');
      const results = await Promise.all(
        Array.from({ length: 4 }, () => store.applyDeadline(due, '2026-01-13T18:10:05.000Z', GAP)),
      );
      // Each says it fired (a redelivery is offered to the incident box, which takes it
      // once), and the record moved on exactly once.
      expect(results.every((result) => result.outcome === 'fired')).toBe(true);
      expect(await store.get(id)).toMatchObject({
        deadline_fired_at: '2026-01-13T18:10:00.000Z',
        due_at: '2026-01-14T18:10:00.000Z',
      });
    });

    it('answers a fired deadline delivered again as it first fired, and no other deadline of that instant', async () => {
      const store = setup(settings);
      const id = newId();
      await register(store, id);
      const due = deadlineOf(id, '2026-01-13T18:10:00.000Z');
      await store.applyDeadline(due, '2026-01-13T18:10:05.000Z', GAP);
      // An hour later (its message held through an outage): still watched, so it pages.
      const again = await store.applyDeadline(due, '2026-01-13T19:10:00.000Z', GAP);
      expect(again).toMatchObject({
        outcome: 'fired',
        unknown: false,
        expected_at: '2026-01-13T18:00:00.000Z',
      });
      // Another kind at that instant is not the deadline that fired.
      const forged = await store.applyDeadline(
        deadlineOf(id, '2026-01-13T18:10:00.000Z', 'overrun'),
        '2026-01-13T18:11:00.000Z',
        GAP,
      );
      expect(forged.outcome).toBe('superseded');
    });

    it('judges a deadline known late by when the record made it due, not by its instant', async () => {
      const store = setup(settings);
      const id = newId();
      await register(store, id, { max_runtime_seconds: 3600 });
      // A run from 00:40 WIB to 01:30 WIB: when it completes, the 01:00 start (due 01:10)
      // is already 20 min past; found at once, it still pages.
      const start = '2026-01-13T17:40:00.000Z';
      await store.applyStatus(statusEvent(id, 'run', start, 'running'), start);
      const end = '2026-01-13T18:30:00.000Z';
      await store.applyStatus(statusEvent(id, 'done', end, 'completed'), end);
      const result = await store.applyDeadline(
        deadlineOf(id, '2026-01-13T18:10:00.000Z'),
        '2026-01-13T18:30:30.000Z',
        GAP,
      );
      expect(result).toMatchObject({ outcome: 'fired', unknown: false });
    });
  });
}
