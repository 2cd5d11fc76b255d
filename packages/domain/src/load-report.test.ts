import { describe, expect, it } from 'vitest';
import type { HistoryRow } from './events.ts';
import { createMemoryHistoryStore } from './fakes.ts';
import { loadBoardReport } from './load-report.ts';
import type { HistoryStore } from './ports.ts';
import { runsOf } from './runs.ts';
import type { SchedulerRecord, Status } from './scheduler.ts';
import { at, iso, record } from './test-helpers.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

const row = (
  schedulerId: string,
  type: 'status' | 'heartbeat',
  status: Status | null,
  ms: number,
): HistoryRow => {
  const id = `${type}-${status ?? 'hb'}-${ms}`;
  return {
    scheduler_id: schedulerId,
    sk: `${iso(ms)}#${id}`,
    id,
    type,
    status,
    timestamp: iso(ms),
    execution_time_ms: null,
    error_message: null,
    metadata: null,
    run_id: null,
    expires_at: 4_000_000_000,
  };
};

/** An hourly job's runs from `fromMs` on: `running` on the hour, a heartbeat a minute, done after 10 min. */
function hourly(schedulerId: string, fromMs: number, hours: number): HistoryRow[] {
  const rows: HistoryRow[] = [];
  for (let hour = 0; hour < hours; hour += 1) {
    const start = fromMs + hour * HOUR;
    rows.push(row(schedulerId, 'status', 'running', start));
    for (let minute = 1; minute < 10; minute += 1) {
      rows.push(row(schedulerId, 'heartbeat', null, start + minute * MIN));
    }
    rows.push(row(schedulerId, 'status', 'completed', start + 10 * MIN));
  }
  return rows;
}

const NOW = '2026-01-20T00:00:00.000Z';
const member = (id: string, overrides: Partial<SchedulerRecord> = {}) =>
  record(id, {
    schedule: '0 * * * *',
    timezone: 'UTC',
    created_at: '2026-01-01T00:00:00.000Z',
    ...overrides,
  });

describe('loadBoardReport', () => {
  it('pages through each member’s history, newest first, and reports the period and the one before', async () => {
    const history = createMemoryHistoryStore();
    // 13–20 Jan: 7 days × 24 runs × 11 rows: more than one page.
    const rows = hourly('hourly', at('2026-01-06T00:00:00.000Z'), 14 * 24);
    await history.putAll(rows);
    const report = await loadBoardReport(
      { history },
      {
        members: [member('hourly')],
        timeZone: 'UTC',
        days: 7,
        now: NOW,
      },
    );
    expect(report).toMatchObject({
      from: '2026-01-13T00:00:00.000Z',
      to: '2026-01-20T00:00:00.000Z',
      days: 7,
      partial: false,
    });
    const [only] = report.schedulers;
    expect(only?.partial).toBe(false);
    expect(only?.runs).toHaveLength(7 * 24);
    expect(only?.report).toMatchObject({
      runs: 168,
      completed: 168,
      missed: 0,
      on_time_rate: 1,
      duration_p50_ms: 10 * MIN,
      trend: { label: 'steady', ratio: 1 },
    });
    expect(report.totals).toEqual(only?.report);
    // The same runs as from all the rows at once.
    const all = runsOf(rows, member('hourly'), {
      fromMs: at('2026-01-13T00:00:00.000Z'),
      toMs: at(NOW),
      nowMs: at(NOW),
      timeZone: 'UTC',
      historyFromMs: at('2026-01-06T00:00:00.000Z'),
    });
    expect(only?.runs).toEqual(all);
  });

  it('reads at most maxRowsPerScheduler rows of a member: partial, judging nothing before them', async () => {
    const history = createMemoryHistoryStore();
    await history.putAll(hourly('busy', at('2026-01-13T00:00:00.000Z'), 7 * 24));
    const report = await loadBoardReport(
      { history },
      {
        members: [member('busy')],
        timeZone: 'UTC',
        days: 7,
        now: NOW,
        maxRowsPerScheduler: 24 * 11,
      },
    );
    expect(report.partial).toBe(true);
    const [busy] = report.schedulers;
    expect(busy?.partial).toBe(true);
    // The newest 264 rows: the last day's 24 runs, and no start before them counted missed.
    expect(busy?.report).toMatchObject({ runs: 24, missed: 0, on_time_rate: 1 });
  });

  it('reads the members with bounded concurrency, in their order', async () => {
    const store = createMemoryHistoryStore();
    let inFlight = 0;
    let most = 0;
    const history: HistoryStore = {
      ...store,
      async query(id, query) {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        return store.query(id, query);
      },
    };
    const members = Array.from({ length: 10 }, (_, i) => member(`m${i}`));
    const report = await loadBoardReport(
      { history },
      {
        members,
        timeZone: 'UTC',
        days: 7,
        now: NOW,
        concurrency: 3,
      },
    );
    expect(most).toBe(3);
    expect(report.schedulers.map((item) => item.scheduler.scheduler_id)).toEqual(
      members.map((item) => item.scheduler_id),
    );
    // No history at all: every hourly start of the week was missed.
    expect(report.totals.missed).toBe(10 * 7 * 24);
  });

  it('does not read a previous period older than the history kept, and says when the period is', async () => {
    const history = createMemoryHistoryStore();
    const queries: { from?: string; to?: string }[] = [];
    const spy: HistoryStore = {
      ...history,
      query: async (id, query) => {
        queries.push({ from: query.from, to: query.to });
        return history.query(id, query);
      },
    };
    const request = { members: [member('a')], timeZone: 'UTC', now: NOW };
    const month = await loadBoardReport(
      { history: spy },
      { ...request, days: 30, retentionDays: 30 },
    );
    // 30 days back, less a day's lead cut at what is kept; no trend.
    expect(queries[0]).toEqual({ from: '2025-12-21T00:00:00.000Z', to: NOW });
    expect(month).toMatchObject({ from: '2025-12-21T00:00:00.000Z', partial: false });
    expect(month.totals.trend).toBeNull();
    const week = await loadBoardReport(
      { history: spy },
      { ...request, days: 7, retentionDays: 30 },
    );
    expect(queries[1]).toEqual({ from: '2026-01-05T00:00:00.000Z', to: NOW });
    expect(week.partial).toBe(false);
    const kept = await loadBoardReport({ history: spy }, { ...request, days: 7, retentionDays: 3 });
    expect(kept.partial).toBe(true);
  });

  it('counts days on the wall clock of the zone: a week over a DST change is 169 hours', async () => {
    const report = await loadBoardReport(
      { history: createMemoryHistoryStore() },
      {
        members: [],
        timeZone: 'Europe/London',
        days: 7,
        now: '2026-10-27T12:00:00.000Z',
        // Monday 26 Oct 00:00 GMT: the week before (clocks went back on Sunday 25 Oct) began
        // on Monday 19 Oct 00:00 BST.
        to: '2026-10-26T00:00:00.000Z',
      },
    );
    expect([report.from, report.to]).toEqual([
      '2026-10-18T23:00:00.000Z',
      '2026-10-26T00:00:00.000Z',
    ]);
    expect(report.totals.runs).toBe(0);
  });
});
