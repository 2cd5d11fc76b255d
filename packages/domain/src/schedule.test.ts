import { describe, expect, it } from 'vitest';
import { runDurationMs, runStartsOf } from './events.ts';
import type { DeadlineSettings } from './schedule.ts';
import { isDeadlineCurrent, nextDeadline, nextOccurrence, occurrencesBetween } from './schedule.ts';
import { record } from './test-helpers.ts';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const at = (value: string) => Date.parse(value);
const between = (schedule: string, zone: string, from: string, to: string) =>
  occurrencesBetween(schedule, zone, at(from), at(to)).map(iso);

describe('nextOccurrence', () => {
  it('reads the schedule in its zone', () => {
    expect(iso(nextOccurrence('0 1 * * *', 'Asia/Jakarta', at('2026-01-14T12:00:00Z')))).toBe(
      '2026-01-14T18:00:00.000Z',
    );
    expect(iso(nextOccurrence('@hourly', 'UTC', at('2026-01-14T12:00:00Z')))).toBe(
      '2026-01-14T13:00:00.000Z',
    );
  });

  it('is strictly after the instant', () => {
    expect(iso(nextOccurrence('0 1 * * *', 'UTC', at('2026-01-15T01:00:00Z')))).toBe(
      '2026-01-16T01:00:00.000Z',
    );
  });

  it('has no occurrence for a period ("every 15m" is relative to the last run)', () => {
    expect(nextOccurrence('every 15m', 'UTC', at('2026-01-15T01:00:00Z'))).toBeUndefined();
  });
});

// The transition nights of 2026: each expected start once, a time in a gap at the first
// instant after it (where cron runs it), a time in a repeated hour only in its first pass.
describe('occurrences across DST (London, New York, Sydney)', () => {
  it('London spring forward (29 Mar, 01:00 GMT → 02:00 BST): 01:30 is expected at 02:00 BST', () => {
    expect(
      between('30 1 * * *', 'Europe/London', '2026-03-28T00:00Z', '2026-03-31T00:00Z'),
    ).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
  });

  it('London fall back (25 Oct, 02:00 BST → 01:00 GMT): 01:30 once; hourly once per wall hour', () => {
    expect(
      between('30 1 * * *', 'Europe/London', '2026-10-24T00:00Z', '2026-10-27T00:00Z'),
    ).toEqual(['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    expect(between('0 * * * *', 'Europe/London', '2026-10-24T23:30Z', '2026-10-25T03:30Z')).toEqual(
      [
        '2026-10-25T00:00:00.000Z',
        // 01:00 GMT (01:00Z) is the second 01:00: not expected again.
        '2026-10-25T02:00:00.000Z',
        '2026-10-25T03:00:00.000Z',
      ],
    );
    expect(
      between('*/30 1 * * *', 'Europe/London', '2026-10-24T23:30Z', '2026-10-25T03:00Z'),
    ).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T00:30:00.000Z']);
  });

  it('New York spring forward (8 Mar, 02:00 EST → 03:00 EDT): 02:30 is expected at 03:00', () => {
    expect(
      between('30 2 * * *', 'America/New_York', '2026-03-07T00:00Z', '2026-03-10T00:00Z'),
    ).toEqual(['2026-03-07T07:30:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z']);
  });

  it('New York fall back (1 Nov, 02:00 EDT → 01:00 EST): 01:30 once', () => {
    expect(
      between('30 1 * * *', 'America/New_York', '2026-10-31T00:00Z', '2026-11-03T00:00Z'),
    ).toEqual(['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });

  it('Sydney spring forward (4 Oct, 02:00 AEST → 03:00 AEDT): 02:30 is expected at 03:00', () => {
    expect(
      between('30 2 * * *', 'Australia/Sydney', '2026-10-02T00:00Z', '2026-10-05T00:00Z'),
    ).toEqual(['2026-10-02T16:30:00.000Z', '2026-10-03T16:00:00.000Z', '2026-10-04T15:30:00.000Z']);
  });

  it('expects several times in a gap once, at its end (0,30 2 in New York; 0,30 1 in London)', () => {
    expect(
      between('0,30 2 * * *', 'America/New_York', '2026-03-08T05:00Z', '2026-03-09T08:00Z'),
    ).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-09T06:00:00.000Z', '2026-03-09T06:30:00.000Z']);
    expect(
      between('* 2 * * *', 'America/New_York', '2026-03-08T05:00Z', '2026-03-08T12:00Z'),
    ).toEqual(['2026-03-08T07:00:00.000Z']);
    expect(
      between('0,30 1 * * *', 'Europe/London', '2026-03-28T23:00Z', '2026-03-29T12:00Z'),
    ).toEqual(['2026-03-29T01:00:00.000Z']);
  });

  it('follows a half-hour shift too (Lord Howe Island)', () => {
    // 4 Oct 2026 02:00 → 02:30 (+10:30 → +11); 5 Apr 2026 02:00 → 01:30 (+11 → +10:30).
    expect(
      between('15 2 * * *', 'Australia/Lord_Howe', '2026-10-03T12:00Z', '2026-10-04T12:00Z'),
    ).toEqual(['2026-10-03T15:30:00.000Z']);
    expect(
      between('45 1 * * *', 'Australia/Lord_Howe', '2026-04-04T12:00Z', '2026-04-05T12:00Z'),
    ).toEqual(['2026-04-04T14:45:00.000Z']);
  });

  it('reads day of month and day of week as cron does: either when both are set, else both', () => {
    expect(between('0 0 13 * 5', 'UTC', '2026-02-01T00:00Z', '2026-02-28T00:00Z')).toEqual([
      '2026-02-06T00:00:00.000Z',
      '2026-02-13T00:00:00.000Z',
      '2026-02-20T00:00:00.000Z',
      '2026-02-27T00:00:00.000Z',
    ]);
    // `*/10` starts with `*`: Mondays that are the 1st, 11th, 21st or 31st.
    expect(between('0 0 */10 * 1', 'UTC', '2026-01-01T00:00Z', '2026-07-01T00:00Z')).toEqual([
      '2026-05-11T00:00:00.000Z',
      '2026-06-01T00:00:00.000Z',
    ]);
  });

  it('Sydney fall back (5 Apr, 03:00 AEDT → 02:00 AEST): 02:30 once', () => {
    expect(
      between('30 2 * * *', 'Australia/Sydney', '2026-04-03T00:00Z', '2026-04-06T00:00Z'),
    ).toEqual(['2026-04-03T15:30:00.000Z', '2026-04-04T15:30:00.000Z', '2026-04-05T16:30:00.000Z']);
  });
});

describe('nextDeadline', () => {
  const settings: DeadlineSettings = { timeZone: 'Asia/Jakarta', heartbeatTimeoutMinutes: 15 };
  const JAKARTA_0100 = '2026-01-14T18:00:00.000Z';

  it('expects an idle scheduled job at its next start, plus grace (missed)', () => {
    const job = record('j', {
      schedule: '0 1 * * *',
      status: 'completed',
      timestamp: '2026-01-13T18:20:00.000Z',
      execution_time_ms: 20 * 60_000,
    });
    expect(nextDeadline(job, settings)).toEqual({
      kind: 'missed',
      expected_at: JAKARTA_0100,
      due_at: '2026-01-14T18:10:00.000Z',
    });
  });

  it('counts a run that started early, within grace, for the occurrence it was for', () => {
    const job = record('j', {
      schedule: '0 1 * * *',
      status: 'completed',
      timestamp: '2026-01-14T17:59:00.000Z',
      execution_time_ms: 60_000,
    });
    expect(nextDeadline(job, settings)?.expected_at).toBe('2026-01-15T18:00:00.000Z');
  });

  it('expects a never-run job at the first start after its registration, in its own zone', () => {
    const job = record('j', {
      schedule: '30 2 * * *',
      timezone: 'America/New_York',
      status: 'pending',
      timestamp: '2026-03-07T12:00:00.000Z',
      created_at: '2026-03-07T12:00:00.000Z',
    });
    expect(nextDeadline(job, settings)).toMatchObject({
      kind: 'missed',
      expected_at: '2026-03-08T07:00:00.000Z',
    });
  });

  it('expects a period job one period after its last run started', () => {
    const job = record('j', {
      schedule: 'every 15m',
      grace_seconds: 120,
      status: 'completed',
      timestamp: '2026-01-15T01:01:00.000Z',
      execution_time_ms: 60_000,
    });
    expect(nextDeadline(job, settings)).toEqual({
      kind: 'missed',
      expected_at: '2026-01-15T01:15:00.000Z',
      due_at: '2026-01-15T01:17:00.000Z',
    });
  });

  it('watches a running job for the earlier of overrun and silence', () => {
    const running = record('j', {
      status: 'running',
      timestamp: '2026-01-15T01:00:00.000Z',
      last_heartbeat: '2026-01-15T01:10:00.000Z',
      max_runtime_seconds: 3600,
    });
    expect(nextDeadline(running, settings)).toEqual({
      kind: 'stale',
      expected_at: null,
      due_at: '2026-01-15T01:25:00.000Z',
    });
    const short = { ...running, max_runtime_seconds: 600 };
    expect(nextDeadline(short, settings)).toEqual({
      kind: 'overrun',
      expected_at: null,
      due_at: '2026-01-15T01:10:00.000Z',
    });
  });

  it('has none for an idle job without a schedule, a paused or an archived one', () => {
    expect(nextDeadline(record('j', { status: 'completed' }), settings)).toBeUndefined();
    const scheduled = record('j', { schedule: '0 1 * * *' });
    expect(
      nextDeadline({ ...scheduled, archived_at: '2026-01-14T00:00:00.000Z' }, settings),
    ).toBeUndefined();
    expect(
      nextDeadline({ ...scheduled, paused_at: '2026-01-14T00:00:00.000Z' }, settings),
    ).toBeUndefined();
  });
});

describe('nextDeadline: which start a run was for, pauses, resets', () => {
  const settings: DeadlineSettings = { timeZone: 'UTC', heartbeatTimeoutMinutes: 15 };
  const ranAt = (schedule: string, startedAt: string, extra = {}) =>
    record('j', {
      schedule,
      status: 'completed',
      timestamp: startedAt,
      execution_time_ms: 0,
      ...extra,
    });
  const expectedAfter = (schedule: string, startedAt: string, extra = {}) =>
    nextDeadline(ranAt(schedule, startedAt, extra), settings)?.expected_at;

  it('gives an on-time or late run to the start before it, an early one to the start after', () => {
    expect(expectedAfter('*/5 * * * *', '2026-01-15T01:00:01.000Z')).toBe(
      '2026-01-15T01:05:00.000Z',
    );
    expect(expectedAfter('@hourly', '2026-01-15T01:00:30.000Z', { grace_seconds: 3600 })).toBe(
      '2026-01-15T02:00:00.000Z',
    );
    expect(expectedAfter('0 1 * * *', '2026-01-15T01:20:00.000Z')).toBe('2026-01-16T01:00:00.000Z');
    expect(expectedAfter('0 1 * * *', '2026-01-15T00:55:00.000Z')).toBe('2026-01-16T01:00:00.000Z');
    // Early by more than grace: a run of its own, the start still expected.
    expect(expectedAfter('0 1 * * *', '2026-01-15T00:40:00.000Z')).toBe('2026-01-15T01:00:00.000Z');
  });

  it('counts a reset to pending from its own time, not from the registration', () => {
    const reset = record('j', {
      schedule: '0 1 * * *',
      status: 'pending',
      created_at: '2025-06-01T00:00:00.000Z',
      timestamp: '2026-01-15T12:00:00.000Z',
    });
    expect(nextDeadline(reset, settings)?.expected_at).toBe('2026-01-16T01:00:00.000Z');
  });

  it('expects nothing inside a pause, and counts from its end (or the resume) after it', () => {
    const lastRun = ranAt('0 1 * * *', '2026-01-10T01:00:00.000Z');
    const paused = {
      ...lastRun,
      paused_at: '2026-01-11T00:00:00.000Z',
      paused_until: '2026-01-13T12:00:00.000Z',
    };
    // The same answer during the pause and after it: the first start after its end.
    expect(nextDeadline(paused, settings)).toMatchObject({
      kind: 'missed',
      expected_at: '2026-01-14T01:00:00.000Z',
    });
    const running = {
      ...paused,
      status: 'running' as const,
      timestamp: '2026-01-11T06:00:00.000Z',
    };
    expect(nextDeadline(running, settings)).toMatchObject({
      kind: 'stale',
      due_at: '2026-01-13T12:00:00.000Z',
    });
  });
});

describe('isDeadlineCurrent', () => {
  const settings: DeadlineSettings = { timeZone: 'Asia/Jakarta', heartbeatTimeoutMinutes: 15 };
  const idle = record('j', {
    schedule: '0 1 * * *',
    status: 'completed',
    timestamp: '2026-01-13T18:20:00.000Z',
    execution_time_ms: 20 * 60_000,
  });
  const missed = { kind: 'missed' as const, due_at: '2026-01-14T18:10:00.000Z' };

  it('lets the deadline stand when nothing happened since it was set', () => {
    expect(isDeadlineCurrent(idle, settings, missed)).toBe(true);
  });

  it('drops it when a real event came first, in either order of arrival', () => {
    // The job started at 01:05: the missed deadline no longer stands, a stale one does.
    const started = { ...idle, status: 'running' as const, timestamp: '2026-01-14T18:05:00.000Z' };
    expect(isDeadlineCurrent(started, settings, missed)).toBe(false);
    expect(
      isDeadlineCurrent(started, settings, { kind: 'stale', due_at: '2026-01-14T18:20:00.000Z' }),
    ).toBe(true);
    // A deadline of another kind, or moved, is not this one either.
    expect(isDeadlineCurrent(idle, settings, { ...missed, kind: 'overrun' })).toBe(false);
    expect(
      isDeadlineCurrent(idle, settings, { ...missed, due_at: '2026-01-14T18:11:00.000Z' }),
    ).toBe(false);
    expect(
      isDeadlineCurrent({ ...idle, archived_at: '2026-01-14T18:10:30.000Z' }, settings, missed),
    ).toBe(false);
  });
});

describe('nextDeadline: a deadline that came due moves on', () => {
  const settings: DeadlineSettings = { timeZone: 'Asia/Jakarta', heartbeatTimeoutMinutes: 15 };
  const idle = record('j', {
    schedule: '0 1 * * *',
    status: 'completed',
    timestamp: '2026-01-13T18:20:00.000Z',
    execution_time_ms: 20 * 60_000,
  });

  it('expects the following start once a missed deadline came due', () => {
    const fired = { ...idle, deadline_fired_at: '2026-01-14T18:10:00.000Z' };
    expect(nextDeadline(fired, settings)).toEqual({
      kind: 'missed',
      expected_at: '2026-01-15T18:00:00.000Z',
      due_at: '2026-01-15T18:10:00.000Z',
    });
    // Days of missed starts in a row: each one once, never one already due.
    const weekLater = { ...idle, deadline_fired_at: '2026-01-20T18:10:00.000Z' };
    expect(nextDeadline(weekLater, settings)?.due_at).toBe('2026-01-21T18:10:00.000Z');
    // A fired marker from before the run changes nothing.
    const old = { ...idle, deadline_fired_at: '2026-01-10T18:10:00.000Z' };
    expect(nextDeadline(old, settings)).toEqual(nextDeadline(idle, settings));
  });

  it('moves a period job to the first period whose deadline is after the one that came due', () => {
    const job = record('p', {
      schedule: 'every 10m',
      grace_seconds: 60,
      status: 'completed',
      timestamp: '2026-01-14T00:00:00.000Z',
    });
    expect(nextDeadline(job, settings)?.due_at).toBe('2026-01-14T00:11:00.000Z');
    const fired = { ...job, deadline_fired_at: '2026-01-14T00:11:00.000Z' };
    expect(nextDeadline(fired, settings)).toMatchObject({
      expected_at: '2026-01-14T00:20:00.000Z',
      due_at: '2026-01-14T00:21:00.000Z',
    });
    const between = { ...job, deadline_fired_at: '2026-01-14T00:25:00.000Z' };
    expect(nextDeadline(between, settings)?.due_at).toBe('2026-01-14T00:31:00.000Z');
  });

  it('after an overrun came due, the run is watched for silence; after that, nothing', () => {
    const running = record('r', {
      status: 'running',
      timestamp: '2026-01-14T18:00:00.000Z',
      run_started_at: '2026-01-14T18:00:00.000Z',
      max_runtime_seconds: 300,
      last_heartbeat: '2026-01-14T18:04:00.000Z',
    });
    expect(nextDeadline(running, settings)).toMatchObject({
      kind: 'overrun',
      due_at: '2026-01-14T18:05:00.000Z',
    });
    const overran = { ...running, deadline_fired_at: '2026-01-14T18:05:00.000Z' };
    expect(nextDeadline(overran, settings)).toMatchObject({
      kind: 'stale',
      due_at: '2026-01-14T18:19:00.000Z',
    });
    const silent = { ...running, deadline_fired_at: '2026-01-14T18:19:00.000Z' };
    expect(nextDeadline(silent, settings)).toBeUndefined();
    // A heartbeat after the stale deadline starts a new episode.
    const spoke = { ...silent, last_heartbeat: '2026-01-14T18:30:00.000Z' };
    expect(nextDeadline(spoke, settings)).toMatchObject({
      kind: 'stale',
      due_at: '2026-01-14T18:45:00.000Z',
    });
  });

  it('counts an overrun from the first running event, not the latest', () => {
    const running = record('r', {
      status: 'running',
      timestamp: '2026-01-14T18:30:00.000Z',
      run_started_at: '2026-01-14T18:00:00.000Z',
      max_runtime_seconds: 3600,
      last_heartbeat: '2026-01-14T18:30:00.000Z',
    });
    const far = { ...settings, heartbeatTimeoutMinutes: 120 };
    expect(nextDeadline(running, far)).toMatchObject({
      kind: 'overrun',
      due_at: '2026-01-14T19:00:00.000Z',
    });
  });
});

describe('runStartsOf and runDurationMs', () => {
  const none = { run_started_at: null, last_run_started_at: null };
  const ts = (minute: number) => `2026-01-14T18:${String(minute).padStart(2, '0')}:00.000Z`;

  it('starts a run at its first running event and keeps it through later ones', () => {
    const first = runStartsOf(none, { status: 'running', timestamp: ts(0) });
    expect(first).toEqual({ run_started_at: ts(0), last_run_started_at: null });
    expect(runStartsOf(first, { status: 'running', timestamp: ts(5) })).toEqual(first);
  });

  it('ends the run at a terminal or pending event, keeping its start as the last run', () => {
    const running = { run_started_at: ts(0), last_run_started_at: ts(0) };
    for (const status of ['completed', 'failed', 'pending'] as const) {
      expect(runStartsOf(running, { status, timestamp: ts(7) })).toEqual({
        run_started_at: null,
        last_run_started_at: ts(0),
      });
    }
    // A terminal event with no running before it: no start known.
    expect(runStartsOf(none, { status: 'completed', timestamp: ts(7) })).toEqual(none);
  });

  it('measures a run by execution_time_ms, else from its start to its end', () => {
    const base = { timestamp: ts(7), last_run_started_at: ts(0) };
    expect(runDurationMs({ ...base, execution_time_ms: 1234 })).toBe(1234);
    expect(runDurationMs({ ...base, execution_time_ms: null })).toBe(7 * 60_000);
    expect(
      runDurationMs({ timestamp: ts(7), last_run_started_at: null, execution_time_ms: null }),
    ).toBeNull();
    expect(
      runDurationMs({ timestamp: ts(0), last_run_started_at: ts(7), execution_time_ms: null }),
    ).toBeNull();
  });
});
