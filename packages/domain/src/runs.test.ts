import { describe, expect, it } from 'vitest';
import type { HistoryRow } from './events.ts';
import type { Run, RunRange, RunSubject } from './runs.ts';
import { expectedStarts, runsOf } from './runs.ts';
import { occurrencesBetween } from './schedule.ts';
import type { Status } from './scheduler.ts';
import { at, iso } from './test-helpers.ts';

const subject = (overrides: Partial<RunSubject> = {}): RunSubject => ({
  scheduler_id: 'job',
  schedule: null,
  timezone: null,
  grace_seconds: 600,
  created_at: '2026-01-01T00:00:00.000Z',
  paused_at: null,
  paused_until: null,
  archived_at: null,
  ...overrides,
});

let ids = 0;
const status = (state: Status, timestamp: string, extra: Partial<HistoryRow> = {}): HistoryRow => {
  ids += 1;
  const id = extra.id ?? `e${String(ids).padStart(4, '0')}`;
  return {
    scheduler_id: 'job',
    sk: `${timestamp}#${id}`,
    id,
    type: 'status',
    status: state,
    timestamp,
    execution_time_ms: null,
    error_message: null,
    metadata: null,
    run_id: null,
    expires_at: 4_000_000_000,
    ...extra,
  };
};
const heartbeat = (timestamp: string): HistoryRow => ({
  ...status('running', timestamp),
  type: 'heartbeat',
  status: null,
});

/** A range over January 2026, judged as of 1 Feb. */
const JANUARY: RunRange = {
  fromMs: at('2026-01-01T00:00:00.000Z'),
  toMs: at('2026-02-01T00:00:00.000Z'),
  nowMs: at('2026-02-01T00:00:00.000Z'),
  timeZone: 'Asia/Jakarta',
};

/** The parts of a run a test looks at. */
const brief = (run: Run) => ({
  outcome: run.outcome,
  started_at: run.started_at,
  ended_at: run.ended_at,
  duration_ms: run.duration_ms,
  expected_at: run.expected_at,
  on_time: run.on_time,
});

describe('runsOf: pairing events into runs', () => {
  it('pairs a running with the terminal event after it; the duration is execution_time_ms, else end − start', () => {
    const rows = [
      status('running', '2026-01-10T18:00:00.000Z'),
      status('completed', '2026-01-10T18:05:00.000Z'),
      status('running', '2026-01-11T18:00:00.000Z'),
      status('failed', '2026-01-11T18:10:00.000Z', {
        execution_time_ms: 420_000,
        error_message: 'boom',
      }),
    ];
    const runs = runsOf(rows, subject(), JANUARY);
    expect(runs.map(brief)).toEqual([
      {
        outcome: 'completed',
        started_at: '2026-01-10T18:00:00.000Z',
        ended_at: '2026-01-10T18:05:00.000Z',
        duration_ms: 300_000,
        expected_at: null,
        on_time: null,
      },
      {
        outcome: 'failed',
        started_at: '2026-01-11T18:00:00.000Z',
        ended_at: '2026-01-11T18:10:00.000Z',
        duration_ms: 420_000,
        expected_at: null,
        on_time: null,
      },
    ]);
    expect(runs[1]?.error_message).toBe('boom');
  });

  it('takes a lone terminal event as a run that started execution_time_ms before it (else at it)', () => {
    const rows = [
      status('completed', '2026-01-10T18:05:00.000Z', { execution_time_ms: 300_000 }),
      status('failed', '2026-01-11T18:05:00.000Z'),
    ];
    expect(runsOf(rows, subject(), JANUARY).map(brief)).toEqual([
      {
        outcome: 'completed',
        started_at: '2026-01-10T18:00:00.000Z',
        ended_at: '2026-01-10T18:05:00.000Z',
        duration_ms: 300_000,
        expected_at: null,
        on_time: null,
      },
      {
        outcome: 'failed',
        started_at: '2026-01-11T18:05:00.000Z',
        ended_at: '2026-01-11T18:05:00.000Z',
        duration_ms: null,
        expected_at: null,
        on_time: null,
      },
    ]);
  });

  it('ignores heartbeats, rows of other schedulers and a second running of the same run', () => {
    const rows = [
      status('running', '2026-01-10T18:00:00.000Z'),
      heartbeat('2026-01-10T18:01:00.000Z'),
      status('running', '2026-01-10T18:02:00.000Z'),
      heartbeat('2026-01-10T18:03:00.000Z'),
      { ...status('failed', '2026-01-10T18:03:30.000Z'), scheduler_id: 'other' },
      status('completed', '2026-01-10T18:04:00.000Z'),
    ];
    expect(runsOf(rows, subject(), JANUARY).map(brief)).toEqual([
      expect.objectContaining({
        outcome: 'completed',
        started_at: '2026-01-10T18:00:00.000Z',
        duration_ms: 240_000,
      }),
    ]);
  });

  it('counts a row delivered twice once, and a terminal event sent twice (same status and time) once', () => {
    const running = status('running', '2026-01-10T18:00:00.000Z');
    const done = status('completed', '2026-01-10T18:04:00.000Z');
    const again = status('completed', '2026-01-10T18:04:00.000Z');
    const sameRun = status('failed', '2026-01-11T18:04:00.000Z', { run_id: 'r-7' });
    const sameRunLater = status('failed', '2026-01-11T18:04:09.000Z', { run_id: 'r-7' });
    const runs = runsOf(
      [running, done, done, again, running, sameRun, sameRunLater],
      subject(),
      JANUARY,
    );
    expect(runs.map((run) => run.outcome)).toEqual(['completed', 'failed']);
  });

  it('reads rows in any order as in event order (a terminal wins a tie with running)', () => {
    const rows = [
      status('completed', '2026-01-10T18:04:00.000Z'),
      status('running', '2026-01-11T18:00:00.000Z'),
      status('completed', '2026-01-11T18:00:00.000Z'),
      status('running', '2026-01-10T18:00:00.000Z'),
    ];
    const runs = runsOf(rows, subject(), JANUARY);
    expect(runs).toEqual(runsOf([...rows].reverse(), subject(), JANUARY));
    expect(runs.map(brief)).toEqual([
      expect.objectContaining({ started_at: '2026-01-10T18:00:00.000Z', duration_ms: 240_000 }),
      expect.objectContaining({ started_at: '2026-01-11T18:00:00.000Z', duration_ms: 0 }),
    ]);
  });

  it('leaves a run unfinished when a pending, another run id or the end of history comes first', () => {
    const rows = [
      status('running', '2026-01-10T18:00:00.000Z', { run_id: 'a' }),
      status('running', '2026-01-11T18:00:00.000Z', { run_id: 'b' }),
      status('completed', '2026-01-11T18:01:00.000Z', { run_id: 'b' }),
      status('running', '2026-01-12T18:00:00.000Z'),
      status('pending', '2026-01-12T19:00:00.000Z'),
      status('running', '2026-01-13T18:00:00.000Z'),
      heartbeat('2026-01-13T18:30:00.000Z'),
    ];
    expect(runsOf(rows, subject(), JANUARY).map((run) => [run.outcome, run.started_at])).toEqual([
      ['running', '2026-01-10T18:00:00.000Z'],
      ['completed', '2026-01-11T18:00:00.000Z'],
      ['running', '2026-01-12T18:00:00.000Z'],
      ['running', '2026-01-13T18:00:00.000Z'],
    ]);
  });

  it('keeps the runs that start in the range, with their end even after it', () => {
    const range = { ...JANUARY, fromMs: at('2026-01-10T00:00:00.000Z') };
    const rows = [
      status('running', '2026-01-09T23:50:00.000Z'),
      status('completed', '2026-01-10T00:10:00.000Z'),
      status('running', '2026-01-31T23:50:00.000Z'),
      status('completed', '2026-02-01T00:10:00.000Z'),
    ];
    expect(runsOf(rows, subject(), range).map((run) => [run.started_at, run.ended_at])).toEqual([
      ['2026-01-31T23:50:00.000Z', '2026-02-01T00:10:00.000Z'],
    ]);
  });

  it('drops a run that started before the history read (historyFromMs)', () => {
    const rows = [
      status('completed', '2026-01-10T00:10:00.000Z', { execution_time_ms: 1_200_000 }),
    ];
    const range = { ...JANUARY, historyFromMs: at('2026-01-10T00:00:00.000Z') };
    expect(runsOf(rows, subject(), range)).toEqual([]);
  });
});

// A daily job at 01:00 WIB (18:00 UTC the day before), 10 min grace.
const DAILY = subject({ schedule: '0 1 * * *', timezone: 'Asia/Jakarta' });
// 10–14 Jan 2026 WIB, judged as of 14 Jan 12:00 WIB.
const WEEK: RunRange = {
  fromMs: at('2026-01-09T17:00:00.000Z'),
  toMs: at('2026-01-14T17:00:00.000Z'),
  nowMs: at('2026-01-14T05:00:00.000Z'),
  timeZone: 'UTC',
};
const ran = (start: string, end: string, state: Status = 'completed') => [
  status('running', start),
  status(state, end),
];

describe('runsOf: against a cron schedule', () => {
  it('judges each run against the start it is for, and reports a start nobody made as missed', () => {
    const rows = [
      // 10 Jan 01:00 WIB: on time, 2 min late.
      ...ran('2026-01-09T18:02:00.000Z', '2026-01-09T18:30:00.000Z'),
      // 11 Jan: started 40 min late (after the 10 min grace): late.
      ...ran('2026-01-10T18:40:00.000Z', '2026-01-10T19:00:00.000Z', 'failed'),
      // A re-run the same night: no start is left for it.
      ...ran('2026-01-10T20:00:00.000Z', '2026-01-10T20:20:00.000Z'),
      // 12 Jan: nothing (missed). 13 Jan: 5 min early, counts for 01:00.
      ...ran('2026-01-12T17:55:00.000Z', '2026-01-12T18:20:00.000Z'),
      // 14 Jan: 01:00 WIB, on time to the second.
      ...ran('2026-01-13T18:00:00.000Z', '2026-01-13T18:20:00.000Z'),
    ];
    const runs = runsOf(rows, DAILY, WEEK);
    expect(runs.map((run) => [run.outcome, run.expected_at, run.on_time, run.delay_ms])).toEqual([
      ['completed', '2026-01-09T18:00:00.000Z', true, 120_000],
      ['failed', '2026-01-10T18:00:00.000Z', false, 2_400_000],
      ['completed', null, null, null],
      ['missed', '2026-01-11T18:00:00.000Z', false, null],
      ['completed', '2026-01-12T18:00:00.000Z', true, -300_000],
      ['completed', '2026-01-13T18:00:00.000Z', true, 0],
    ]);
    const missed = runs[3];
    expect(missed).toMatchObject({ started_at: null, ended_at: null, duration_ms: null });
  });

  it('uses the board zone for a schedule without its own', () => {
    const rows = ran('2026-01-09T18:02:00.000Z', '2026-01-09T18:30:00.000Z');
    const runs = runsOf(rows, { ...DAILY, timezone: null }, { ...WEEK, timeZone: 'Asia/Jakarta' });
    expect(runs[0]?.expected_at).toBe('2026-01-09T18:00:00.000Z');
  });

  it('reports a start as missed only once its deadline has passed', () => {
    const rows = ran('2026-01-12T18:00:00.000Z', '2026-01-12T18:10:00.000Z');
    // 14 Jan 01:05 WIB: the 01:00 start is 5 min late, inside its grace: not missed yet.
    const runs = runsOf(rows, DAILY, { ...WEEK, nowMs: at('2026-01-13T18:05:00.000Z') });
    expect(runs.map((run) => [run.outcome, run.expected_at])).toEqual([
      ['missed', '2026-01-09T18:00:00.000Z'],
      ['missed', '2026-01-10T18:00:00.000Z'],
      ['missed', '2026-01-11T18:00:00.000Z'],
      ['completed', '2026-01-12T18:00:00.000Z'],
    ]);
  });

  it('expects nothing before registration, during a pause, after archiving, on quiet dates or before the history read', () => {
    const judged = (overrides: Partial<RunSubject>, range: Partial<RunRange> = {}) =>
      runsOf([], { ...DAILY, ...overrides }, { ...WEEK, nowMs: WEEK.toMs, ...range }).map(
        (run) => run.expected_at,
      );
    const all = [
      '2026-01-09T18:00:00.000Z',
      '2026-01-10T18:00:00.000Z',
      '2026-01-11T18:00:00.000Z',
      '2026-01-12T18:00:00.000Z',
      '2026-01-13T18:00:00.000Z',
    ];
    expect(judged({})).toEqual(all);
    expect(judged({ created_at: '2026-01-11T00:00:00.000Z' })).toEqual(all.slice(2));
    // Paused from 11 Jan 18:05Z (inside the 18:00 start's grace) until 12 Jan 18:00Z.
    expect(
      judged({ paused_at: '2026-01-11T18:05:00.000Z', paused_until: '2026-01-12T18:00:00.000Z' }),
    ).toEqual([all[0], all[1], all[4]]);
    expect(judged({ paused_at: '2026-01-11T00:00:00.000Z' })).toEqual(all.slice(0, 2));
    expect(judged({ archived_at: '2026-01-10T19:00:00.000Z' })).toEqual(all.slice(0, 2));
    expect(judged({}, { quietAt: (ms) => iso(ms).startsWith('2026-01-11') })).toEqual([
      all[0],
      all[1],
      all[3],
      all[4],
    ]);
    expect(judged({}, { historyFromMs: at('2026-01-12T00:00:00.000Z') })).toEqual(all.slice(3));
  });

  it('expects nothing of a job still running (the watchdog watches it for overrun and silence)', () => {
    const rows = [
      status('running', '2026-01-10T18:00:00.000Z'),
      heartbeat('2026-01-13T18:00:00.000Z'),
    ];
    const runs = runsOf(rows, DAILY, { ...WEEK, nowMs: WEEK.toMs });
    expect(runs.map((run) => [run.outcome, run.expected_at])).toEqual([
      ['missed', '2026-01-09T18:00:00.000Z'],
      ['running', '2026-01-10T18:00:00.000Z'],
    ]);
  });

  it('places an early start just before the range in the range of the start it is for', () => {
    const rows = ran('2026-01-09T16:55:00.000Z', '2026-01-09T17:10:00.000Z');
    const midnight = subject({ schedule: '0 0 * * *', timezone: 'Asia/Jakarta' });
    const runs = runsOf(rows, midnight, {
      ...WEEK,
      nowMs: at('2026-01-09T18:00:00.000Z'),
      historyFromMs: at('2026-01-09T00:00:00.000Z'),
    });
    expect(runs.map((run) => [run.expected_at, run.on_time])).toEqual([
      ['2026-01-09T17:00:00.000Z', true],
    ]);
  });

  it('expects a wall time repeated by a fall-back once, in its first pass (Europe/London, 25 Oct 2026)', () => {
    const london = subject({ schedule: '30 1 * * *', timezone: 'Europe/London' });
    const range: RunRange = {
      fromMs: at('2026-10-24T00:00:00.000Z'),
      toMs: at('2026-10-27T00:00:00.000Z'),
      nowMs: at('2026-10-27T00:00:00.000Z'),
      timeZone: 'UTC',
    };
    const rows = [
      ...ran('2026-10-24T00:30:00.000Z', '2026-10-24T00:40:00.000Z'), // 01:30 BST
      ...ran('2026-10-25T00:30:00.000Z', '2026-10-25T00:40:00.000Z'), // 01:30 BST, first pass
      ...ran('2026-10-25T01:30:00.000Z', '2026-10-25T01:40:00.000Z'), // 01:30 GMT, second pass
      ...ran('2026-10-26T01:30:00.000Z', '2026-10-26T01:40:00.000Z'), // 01:30 GMT
    ];
    expect(runsOf(rows, london, range).map((run) => [run.expected_at, run.on_time])).toEqual([
      ['2026-10-24T00:30:00.000Z', true],
      ['2026-10-25T00:30:00.000Z', true],
      [null, null],
      ['2026-10-26T01:30:00.000Z', true],
    ]);
  });

  it('expects a wall time in a spring-forward gap at the end of the gap (America/New_York, 8 Mar 2026)', () => {
    const newYork = subject({ schedule: '30 2 * * *', timezone: 'America/New_York' });
    const range: RunRange = {
      fromMs: at('2026-03-07T00:00:00.000Z'),
      toMs: at('2026-03-10T00:00:00.000Z'),
      nowMs: at('2026-03-10T00:00:00.000Z'),
      timeZone: 'UTC',
    };
    const rows = [
      ...ran('2026-03-07T07:30:00.000Z', '2026-03-07T07:40:00.000Z'), // 02:30 EST
      ...ran('2026-03-08T07:00:00.000Z', '2026-03-08T07:10:00.000Z'), // 03:00 EDT
    ];
    expect(runsOf(rows, newYork, range).map((run) => [run.outcome, run.expected_at])).toEqual([
      ['completed', '2026-03-07T07:30:00.000Z'],
      ['completed', '2026-03-08T07:00:00.000Z'],
      ['missed', '2026-03-09T06:30:00.000Z'], // 02:30 EDT
    ]);
  });
});

describe('runsOf: against a period', () => {
  const HOURLY = subject({ schedule: 'every 1h', created_at: '2026-01-10T00:00:00.000Z' });
  const DAY: RunRange = {
    fromMs: at('2026-01-10T00:00:00.000Z'),
    toMs: at('2026-01-11T00:00:00.000Z'),
    nowMs: at('2026-01-10T06:25:00.000Z'),
    timeZone: 'UTC',
  };

  it('expects each run a period after the last one started (after registration for the first)', () => {
    const rows = [
      ...ran('2026-01-10T01:05:00.000Z', '2026-01-10T01:10:00.000Z'), // 01:00 + 5 min
      ...ran('2026-01-10T02:05:00.000Z', '2026-01-10T02:10:00.000Z'), // 02:05, on time
      // Nothing at 03:05 (missed); started 04:25: late for 04:05.
      ...ran('2026-01-10T04:25:00.000Z', '2026-01-10T04:30:00.000Z'),
      // 05:25 expected: started 05:20, early is fine.
      ...ran('2026-01-10T05:20:00.000Z', '2026-01-10T05:30:00.000Z'),
      // 06:20 expected, 06:25 now: its deadline (06:30) has not passed.
    ];
    expect(
      runsOf(rows, HOURLY, DAY).map((run) => [run.outcome, run.expected_at, run.on_time]),
    ).toEqual([
      ['completed', '2026-01-10T01:00:00.000Z', true],
      ['completed', '2026-01-10T02:05:00.000Z', true],
      ['missed', '2026-01-10T03:05:00.000Z', false],
      ['completed', '2026-01-10T04:05:00.000Z', false],
      ['completed', '2026-01-10T05:25:00.000Z', true],
    ]);
  });

  it('does not judge the first run when it does not know the one before', () => {
    const rows = ran('2026-01-10T01:05:00.000Z', '2026-01-10T01:10:00.000Z');
    const older = { ...HOURLY, created_at: '2025-12-01T00:00:00.000Z' };
    const runs = runsOf(rows, older, { ...DAY, nowMs: at('2026-01-10T03:00:00.000Z') });
    expect(runs.map((run) => [run.outcome, run.expected_at, run.on_time])).toEqual([
      ['completed', null, null],
      ['missed', '2026-01-10T02:05:00.000Z', false],
    ]);
  });

  it('misses a start before a pause, and counts from the end of the pause', () => {
    const paused = {
      ...HOURLY,
      paused_at: '2026-01-10T01:30:00.000Z',
      paused_until: '2026-01-10T03:30:00.000Z',
    };
    const runs = runsOf([], paused, { ...DAY, nowMs: at('2026-01-10T05:00:00.000Z') });
    expect(runs.map((run) => run.expected_at)).toEqual([
      '2026-01-10T01:00:00.000Z',
      '2026-01-10T04:30:00.000Z',
    ]);
  });

  it('counts from the end of a pause', () => {
    const paused = {
      ...HOURLY,
      paused_at: '2026-01-10T00:30:00.000Z',
      paused_until: '2026-01-10T03:30:00.000Z',
    };
    const runs = runsOf([], paused, { ...DAY, nowMs: at('2026-01-10T05:00:00.000Z') });
    expect(runs.map((run) => run.expected_at)).toEqual(['2026-01-10T04:30:00.000Z']);
  });
});

describe('expectedStarts', () => {
  it('is occurrencesBetween, faster, across DST changes in several zones', () => {
    const cases: [string, string][] = [
      ['30 1 * * *', 'Europe/London'],
      ['0 * * * *', 'Europe/London'],
      ['*/20 1-3 * * *', 'America/New_York'],
      ['30 2 * * 0', 'America/New_York'],
      ['0 2 * * *', 'Australia/Sydney'],
      ['15 3 1,15 * 1', 'Asia/Jakarta'],
      ['@daily', 'Asia/Kolkata'],
    ];
    // Around the spring and autumn changes of the northern and southern hemispheres.
    const ranges = [
      ['2026-03-01T00:00:00.000Z', '2026-04-10T00:00:00.000Z'],
      ['2026-09-25T00:00:00.000Z', '2026-11-05T00:00:00.000Z'],
    ];
    for (const [schedule, zone] of cases) {
      for (const [from = '', to = ''] of ranges) {
        expect(
          expectedStarts(schedule, zone, at(from), at(to)).map(iso),
          `${schedule} ${zone}`,
        ).toEqual(occurrencesBetween(schedule, zone, at(from), at(to)).map(iso));
      }
    }
  });
});
