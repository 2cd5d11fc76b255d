import { describe, expect, it } from 'vitest';
import type { SchedulerReport } from './reports.ts';
import { csvOf, csvOfColumns, REPORT_COLUMNS, RUN_COLUMNS, reportOf } from './reports.ts';
import type { Run } from './runs.ts';
import { at } from './test-helpers.ts';

const MIN = 60_000;

/** A run of `job` that started at `start` (UTC) and lasted `minutes`. */
const run = (
  start: string,
  minutes: number | null,
  outcome: Run['outcome'] = 'completed',
  overrides: Partial<Run> = {},
): Run => {
  const startMs = at(start);
  const ended = outcome === 'completed' || outcome === 'failed';
  return {
    scheduler_id: 'job',
    outcome,
    expected_at: null,
    started_at: start,
    ended_at:
      ended && minutes !== null
        ? new Date(startMs + minutes * MIN).toISOString()
        : ended
          ? start
          : null,
    duration_ms: ended && minutes !== null ? minutes * MIN : null,
    on_time: null,
    delay_ms: null,
    run_id: null,
    error_message: null,
    ...overrides,
  };
};
const missed = (expected: string, schedulerId = 'job'): Run => ({
  scheduler_id: schedulerId,
  outcome: 'missed',
  expected_at: expected,
  started_at: null,
  ended_at: null,
  duration_ms: null,
  on_time: false,
  delay_ms: null,
  run_id: null,
  error_message: null,
});

const WEEK = { fromMs: at('2026-01-05T00:00:00.000Z'), toMs: at('2026-01-12T00:00:00.000Z') };

describe('reportOf', () => {
  it('has nothing to divide by without runs: rates, MTTR, percentiles and trend are null', () => {
    expect(reportOf([], WEEK)).toEqual({
      runs: 0,
      completed: 0,
      failed: 0,
      unfinished: 0,
      late: 0,
      missed: 0,
      on_time_rate: null,
      failure_rate: null,
      mttr_ms: null,
      duration_p50_ms: null,
      duration_p95_ms: null,
      trend: null,
    });
  });

  it('counts outcomes, rates and nearest-rank percentiles of completed runs in the range', () => {
    const runs = [
      run('2026-01-04T23:00:00.000Z', 99), // before the range
      run('2026-01-05T01:00:00.000Z', 10, 'completed', { on_time: true }),
      run('2026-01-06T01:00:00.000Z', 20, 'completed', { on_time: false }),
      run('2026-01-07T01:00:00.000Z', 5, 'failed', { on_time: true }),
      run('2026-01-08T01:00:00.000Z', 40, 'completed', { on_time: true }),
      run('2026-01-09T01:00:00.000Z', null, 'running', { on_time: true }),
      missed('2026-01-10T01:00:00.000Z'),
      run('2026-01-11T01:00:00.000Z', 30, 'completed'), // extra run: not judged
      run('2026-01-12T00:00:00.000Z', 99), // after it
    ];
    const report = reportOf(runs, WEEK);
    expect(report).toMatchObject({
      runs: 6,
      completed: 4,
      failed: 1,
      unfinished: 1,
      late: 1,
      missed: 1,
      // 4 on time of 6 judged (one late, one missed; the extra run is not judged).
      on_time_rate: 4 / 6,
      failure_rate: 1 / 5,
      // Completed durations 10, 20, 30, 40: p50 rank 2 → 20, p95 rank 4 → 40.
      duration_p50_ms: 20 * MIN,
      duration_p95_ms: 40 * MIN,
    });
  });

  it('takes MTTR from the first failure or missed start of an episode to the end of the next completed run', () => {
    const runs = [
      run('2026-01-05T01:00:00.000Z', 10, 'failed'), // fails at 01:10
      run('2026-01-05T02:00:00.000Z', 10, 'failed'), // same episode
      run('2026-01-05T03:00:00.000Z', 20), // recovered at 03:20: 2 h 10 min
      missed('2026-01-06T01:00:00.000Z'), // from 01:00
      run('2026-01-06T01:30:00.000Z', 15, 'running'), // neither
      run('2026-01-06T02:00:00.000Z', 50), // recovered at 02:50: 1 h 50 min
      run('2026-01-07T01:00:00.000Z', 10, 'failed'), // never recovered: left out
      // Another scheduler's episode is its own.
      missed('2026-01-07T00:00:00.000Z', 'other'),
      run('2026-01-07T00:30:00.000Z', 30, 'completed', { scheduler_id: 'other' }), // 1 h
    ];
    expect(reportOf(runs, WEEK).mttr_ms).toBe(((130 + 110 + 60) * MIN) / 3);
  });

  it('compares the p50 with the previous period of the same length as a trend', () => {
    const previous = [
      run('2025-12-29T01:00:00.000Z', 10),
      run('2025-12-30T01:00:00.000Z', 20),
      run('2025-12-31T01:00:00.000Z', 30),
    ];
    const slower = [run('2026-01-05T01:00:00.000Z', 22), run('2026-01-06T01:00:00.000Z', 23)];
    expect(reportOf([...previous, ...slower], WEEK).trend).toEqual({
      previous_p50_ms: 20 * MIN,
      ratio: 22 / 20,
      label: 'slower +10%',
    });
    const faster = [run('2026-01-05T01:00:00.000Z', 15)];
    expect(reportOf([...previous, ...faster], WEEK).trend?.label).toBe('faster -25%');
    const steady = [run('2026-01-05T01:00:00.000Z', 20.05)];
    expect(reportOf([...previous, ...steady], WEEK).trend?.label).toBe('steady');
    // The previous period can be given (a week of a DST change is not 7 × 24 h).
    const range = { ...WEEK, previousFromMs: at('2025-12-30T12:00:00.000Z') };
    expect(reportOf([...previous, ...slower], range).trend?.previous_p50_ms).toBe(30 * MIN);
    expect(reportOf(slower, WEEK).trend).toBeNull();
  });
});

describe('csvOf', () => {
  it('writes RFC 4180: CRLF after every record, fields with a comma, quote or line break quoted', () => {
    expect(
      csvOf(
        ['name', 'note'],
        [
          ['plain', 'a, b'],
          ['say "hi"', 'two\nlines'],
          [42, null],
          [true, undefined],
          [Number.NaN, 0.5],
        ],
      ),
    ).toBe('name,note\r\nplain,"a, b"\r\n"say ""hi""","two\nlines"\r\n42,\r\ntrue,\r\n,0.5\r\n');
  });

  it('keeps a spreadsheet from reading producer text as a formula', () => {
    const hostile = ['=HYPERLINK("http://x")', '+1', '-2+3', '@SUM(A1)', '\tx', '\rx', 'ok=1'];
    expect(
      csvOf(
        ['cell'],
        hostile.map((cell) => [cell]),
      ),
    ).toBe(
      [
        'cell',
        `"'=HYPERLINK(""http://x"")"`,
        "'+1",
        "'-2+3",
        "'@SUM(A1)",
        "'\tx",
        `"'\rx"`,
        'ok=1',
        '',
      ].join('\r\n'),
    );
    // Numbers are numbers: a negative one is not text starting with '-'.
    expect(csvOf(['n'], [[-5]])).toBe('n\r\n-5\r\n');
  });

  it('has column sets for the report table and the runs table', () => {
    const report: SchedulerReport = {
      scheduler: {
        scheduler_id: 'svc-eod',
        service_name: 'Service, A',
        job_name: '=cmd',
        schedule: '0 1 * * *',
      },
      report: {
        ...reportOf([], WEEK),
        runs: 7,
        completed: 6,
        failed: 1,
        on_time_rate: 6 / 7,
        failure_rate: 1 / 7,
        mttr_ms: 3_600_000,
        duration_p50_ms: 60_000,
        duration_p95_ms: 120_000,
        trend: { previous_p50_ms: 50_000, ratio: 1.2, label: 'slower +20%' },
      },
      runs: [],
      partial: false,
    };
    expect(csvOfColumns(REPORT_COLUMNS, [report]).split('\r\n')).toEqual([
      'scheduler_id,service_name,job_name,schedule,runs,completed,failed,unfinished,late,missed,on_time_rate,failure_rate,mttr_ms,duration_p50_ms,duration_p95_ms,trend,trend_ratio,partial',
      `svc-eod,"Service, A",'=cmd,0 1 * * *,7,6,1,0,0,0,0.8571,0.1429,3600000,60000,120000,slower +20%,1.2,false`,
      '',
    ]);
    const late = run('2026-01-05T01:12:00.000Z', 3, 'failed', {
      expected_at: '2026-01-05T01:00:00.000Z',
      on_time: false,
      delay_ms: 720_000,
      error_message: '-rf /',
    });
    expect(csvOfColumns(RUN_COLUMNS, [late]).split('\r\n')).toEqual([
      'scheduler_id,outcome,expected_at,started_at,ended_at,duration_ms,on_time,delay_ms,run_id,error_message',
      "job,failed,2026-01-05T01:00:00.000Z,2026-01-05T01:12:00.000Z,2026-01-05T01:15:00.000Z,180000,false,720000,,'-rf /",
      '',
    ]);
  });
});
