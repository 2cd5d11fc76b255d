import { describe, expect, it } from 'vitest';
import type { HistoryRow } from './events.ts';
import { createMemoryHistoryStore } from './fakes.ts';
import { loadBoardReport } from './load-report.ts';
import { reportOf } from './reports.ts';
import type { SchedulerRecord, Status } from './scheduler.ts';
import { expectValid, HOSTILE, record } from './test-helpers.ts';
import { uiLinksOf } from './ui-links.ts';
import { renderWeeklyReport } from './weekly-report-message.ts';

// ---------------------------------------------------------------------------------------
// A seeded week, computed by hand: the board "Payments EOD" in Asia/Jakarta (WIB, UTC+7),
// the week Monday 23 – Sunday 29 Nov 2026, reported on Monday 30 Nov at 09:00 WIB. Every
// time below is WIB; every schedule has the default 10 min grace.

const wib = (date: string, time: string) => new Date(`${date}T${time}:00.000+07:00`).toISOString();

let ids = 0;
function event(
  schedulerId: string,
  status: Status | null,
  date: string,
  time: string,
  extra: Partial<HistoryRow> = {},
): HistoryRow {
  ids += 1;
  const timestamp = wib(date, time);
  const id = extra.id ?? `ev-${ids}`;
  return {
    scheduler_id: schedulerId,
    sk: `${timestamp}#${id}`,
    id,
    type: status === null ? 'heartbeat' : 'status',
    status,
    timestamp,
    execution_time_ms: null,
    error_message: null,
    metadata: null,
    run_id: null,
    expires_at: 4_000_000_000,
    ...extra,
  };
}
/** `running` at `start`, `status` at `end` (the same day unless `endDate`). */
const run = (
  id: string,
  date: string,
  start: string,
  end: string,
  status: Status = 'completed',
  endDate = date,
) => [event(id, 'running', date, start), event(id, status, endDate, end)];

const PREVIOUS_WEEK = ['16', '17', '18', '19', '20', '21', '22'].map((day) => `2026-11-${day}`);
const WEEK = ['23', '24', '25', '26', '27', '28', '29'].map((day) => `2026-11-${day}`);

const member = (id: string, service: string, job: string, schedule: string | null) =>
  record(id, {
    service_name: service,
    job_name: job,
    schedule,
    timezone: schedule === null ? null : 'Asia/Jakarta',
    created_at: '2026-11-01T00:00:00.000Z',
  });
const MEMBERS: SchedulerRecord[] = [
  member('ledger-settle', 'Ledger', 'Nightly settle', '0 1 * * *'),
  member('payments-export', 'Payments', 'Export', '0 2 * * *'),
  member('reports-adhoc', 'Reports', 'Ad hoc', null),
  member('treasury-fx', 'Treasury', 'FX rates', '0 0 * * *'),
];

const ROWS: HistoryRow[] = [
  // Ledger › Nightly settle, daily 01:00.
  // The week before: 20 min every night (its p50: 20 min).
  ...PREVIOUS_WEEK.flatMap((day) => run('ledger-settle', day, '01:00', '01:20')),
  ...run('ledger-settle', '2026-11-23', '01:00', '01:20'), // Mon: on time, 20 min
  ...run('ledger-settle', '2026-11-24', '01:02', '01:07', 'failed'), // Tue: on time, fails 01:07
  ...run('ledger-settle', '2026-11-25', '01:00', '01:22'), // Wed: 22 min; recovered after 24 h 15 min
  ...run('ledger-settle', '2026-11-26', '01:30', '01:50'), // Thu: 30 min late (> 10 min grace), 20 min
  // Fri 27: no run: missed (from 01:00).
  ...run('ledger-settle', '2026-11-28', '01:05', '01:31'), // Sat: on time, 26 min; recovered after 24 h 31 min
  ...run('ledger-settle', '2026-11-29', '01:00', '01:21'), // Sun: 21 min
  ...run('ledger-settle', '2026-11-30', '01:00', '01:20'), // Mon 30: next week's
  // Payments › Export, daily 02:00.
  // The week before: 12 min every night, reported only at the end (start = end − 12 min).
  ...PREVIOUS_WEEK.map((day) =>
    event('payments-export', 'completed', day, '02:12', { execution_time_ms: 12 * 60_000 }),
  ),
  // This week: on time, 10 min, with heartbeats.
  ...WEEK.flatMap((day) => [
    ...run('payments-export', day, '02:00', '02:10'),
    event('payments-export', null, day, '02:05'),
  ]),
  // Reports › Ad hoc, no schedule: on time is not judged.
  ...run('reports-adhoc', '2026-11-24', '14:00', '14:05'), // 5 min
  event('reports-adhoc', 'completed', '2026-11-24', '14:05', { id: 'dup' }), // sent twice
  event('reports-adhoc', 'completed', '2026-11-24', '14:05', { id: 'dup' }),
  ...run('reports-adhoc', '2026-11-26', '10:00', '10:07'), // 7 min
  event('reports-adhoc', null, '2026-11-26', '10:03'),
  ...run('reports-adhoc', '2026-11-28', '16:00', '16:02', 'failed'), // fails; no recovery this week
  // Treasury › FX rates, daily 00:00.
  ...run('treasury-fx', '2026-11-22', '23:57', '00:00', 'completed', '2026-11-23'), // Mon's, 3 min early
  ...run('treasury-fx', '2026-11-24', '00:00', '00:03'),
  ...run('treasury-fx', '2026-11-25', '00:00', '00:04'),
  // Thu: started on time, never ended (reset to pending at 06:00): unfinished.
  ...run('treasury-fx', '2026-11-26', '00:00', '06:00', 'pending'),
  ...run('treasury-fx', '2026-11-27', '00:00', '00:03'),
  ...run('treasury-fx', '2026-11-28', '00:00', '00:03'),
  ...run('treasury-fx', '2026-11-29', '00:00', '00:05'),
  ...run('treasury-fx', '2026-11-29', '23:58', '00:01', 'completed', '2026-11-30'), // Mon 30's
];

describe('the weekly report of a seeded week', () => {
  it('has the figures computed by hand, and says them in one message', async () => {
    const history = createMemoryHistoryStore();
    await history.putAll(ROWS);
    const report = await loadBoardReport(
      { history },
      {
        members: MEMBERS,
        timeZone: 'Asia/Jakarta',
        days: 7,
        now: wib('2026-11-30', '09:00'),
        to: wib('2026-11-30', '00:00'),
      },
    );
    expect([report.from, report.to]).toEqual([
      wib('2026-11-23', '00:00'),
      wib('2026-11-30', '00:00'),
    ]);

    // Ledger: 6 runs (5 completed, 1 failed), Thu late, Fri missed. Judged starts 7, on time
    // Mon Tue Wed Sat Sun = 5/7. Completed 20, 22, 20, 26, 21 min → sorted 20 20 21 22 26:
    // p50 = rank ⌈2.5⌉ = 3rd = 21 min, p95 = rank ⌈4.75⌉ = 5th = 26 min. MTTR: Tue 01:07 →
    // Wed 01:22 = 24 h 15 min, Fri 01:00 → Sat 01:31 = 24 h 31 min; mean 24 h 23 min.
    // Trend: 21 / 20 = 1.05, slower +5%.
    const [ledger, payments, adhoc, treasury] = report.schedulers.map((item) => item.report);
    expect(ledger).toEqual({
      runs: 6,
      completed: 5,
      failed: 1,
      unfinished: 0,
      late: 1,
      missed: 1,
      on_time_rate: 5 / 7,
      failure_rate: 1 / 6,
      mttr_ms: (24 * 60 + 23) * 60_000,
      duration_p50_ms: 21 * 60_000,
      duration_p95_ms: 26 * 60_000,
      trend: { previous_p50_ms: 20 * 60_000, ratio: 1.05, label: 'slower +5%' },
    });
    // Payments: 7 on time, 10 min each; the week before 12 min: 10 / 12, faster -17%.
    expect(payments).toMatchObject({
      runs: 7,
      completed: 7,
      on_time_rate: 1,
      duration_p95_ms: 600_000,
    });
    expect(payments?.trend?.label).toBe('faster -17%');
    // Ad hoc: 3 runs, 5 and 7 min and a failure; not judged, never recovered, no week before.
    expect(adhoc).toEqual({
      ...reportOf([], { fromMs: 0, toMs: 0 }),
      runs: 3,
      completed: 2,
      failed: 1,
      failure_rate: 1 / 3,
      duration_p50_ms: 5 * 60_000,
      duration_p95_ms: 7 * 60_000,
    });
    // Treasury: 7 runs (Mon's 3 min early), Thu unfinished; completed 3 3 4 3 3 5 min →
    // sorted 3 3 3 3 4 5: p50 3rd = 3 min, p95 6th = 5 min. Mon 30's early run is next week's.
    expect(treasury).toMatchObject({
      runs: 7,
      completed: 6,
      unfinished: 1,
      on_time_rate: 1,
      failure_rate: 0,
      duration_p50_ms: 3 * 60_000,
      duration_p95_ms: 5 * 60_000,
      trend: null,
    });

    // The board: 23 runs = 6 + 7 + 3 + 7; completed 5 + 7 + 2 + 6 = 20; failed 2. On time
    // 19 of 21 judged (7 + 7 + 7) = 90.5%; failure rate 2 / 22 = 9.1%; MTTR as Ledger's (Ad
    // hoc never recovered). The 20 completed durations sorted: 3 3 3 3 4 5 5 7, 10 × 7,
    // 20 20 21 22 26: p50 = 10th = 10 min, p95 = 19th = 22 min. The week before: 12 × 7,
    // 20 × 7: p50 = 7th = 12 min; 10 / 12 = faster -17%.
    expect(report.totals).toEqual({
      runs: 23,
      completed: 20,
      failed: 2,
      unfinished: 1,
      late: 1,
      missed: 1,
      on_time_rate: 19 / 21,
      failure_rate: 2 / 22,
      mttr_ms: (24 * 60 + 23) * 60_000,
      duration_p50_ms: 10 * 60_000,
      duration_p95_ms: 22 * 60_000,
      trend: { previous_p50_ms: 12 * 60_000, ratio: 10 / 12, label: 'faster -17%' },
    });

    const message = renderWeeklyReport({
      boardId: 'payments',
      title: 'Payments EOD',
      timeZone: 'Asia/Jakarta',
      weekStart: '2026-11-23',
      report,
      links: uiLinksOf('https://schedmon.example.com/'),
    });
    const overview = [
      '*23–29 Nov 2026* (Asia/Jakarta) · 4 schedulers',
      '*Runs:* 23 · ✅ 20 completed · ❌ 2 failed · 🟡 1 unfinished · ⏰ 1 late · ❗ 1 missed',
      '*On time:* 90.5% · *Failure rate:* 9.1% · *MTTR:* 24 h 23 min',
      '*Duration:* p50 10 min · p95 22 min · faster -17% than the week before',
    ].join('\n');
    const lines = [
      '*Needs attention (3)*',
      '❌ Ledger › Nightly settle — 6 runs · 1 failed · 1 late · 1 missed · on time 71.4% · p50 21 min · slower +5%',
      '❌ Reports › Ad hoc — 3 runs · 1 failed · p50 5 min',
      '🟡 Treasury › FX rates — 7 runs · 1 unfinished · on time 100% · p50 3 min',
      '*All good (1)*',
      '✅ Payments › Export — 7 runs · on time 100% · p50 10 min · faster -17%',
    ].join('\n');
    const link =
      '📈 <https://schedmon.example.com/ui/reports?board=payments&amp;days=7|Open the report>';
    expect(message.blocks).toEqual([
      {
        type: 'header',
        text: { type: 'plain_text', text: '📊 Payments EOD — weekly report', emoji: true },
      },
      { type: 'section', text: { type: 'mrkdwn', text: overview, verbatim: true } },
      { type: 'section', text: { type: 'mrkdwn', text: lines, verbatim: true } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: link, verbatim: true }] },
    ]);
    expect(message.text).toBe(
      ['📊 Payments EOD — weekly report', overview, lines, link].join('\n\n'),
    );
    expectValid([message]);
  });
});

describe('renderWeeklyReport', () => {
  const empty = reportOf([], { fromMs: 0, toMs: 0 });
  const item = (id: string, service: string, job: string, report = empty) => ({
    scheduler: { scheduler_id: id, service_name: service, job_name: job, schedule: null },
    report,
    runs: [],
    partial: false,
  });

  it('writes a week across months and years, and a board without runs, without links', () => {
    const render = (weekStart: string) =>
      renderWeeklyReport({
        boardId: 'b',
        title: 'Ops',
        timeZone: 'Europe/London',
        weekStart,
        report: { totals: empty, schedulers: [item('x', 'Svc', 'Job')], partial: true },
      });
    const message = render('2026-09-28');
    expect(message.blocks.slice(1)).toEqual([
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          verbatim: true,
          text: [
            '*28 Sep – 4 Oct 2026* (Europe/London) · 1 scheduler',
            '*Runs:* 0 · ✅ 0 completed · ❌ 0 failed · ⏰ 0 late · ❗ 0 missed',
            '*On time:* n/a · *Failure rate:* n/a · *MTTR:* n/a',
            '*Duration:* no completed run',
            '⚠️ Partial: some schedulers have more history than a report reads; their figures cover their newest runs.',
          ].join('\n'),
        },
      },
      {
        type: 'section',
        text: { type: 'mrkdwn', verbatim: true, text: '*All good (1)*\n⬜ Svc › Job — no runs' },
      },
    ]);
    expect(JSON.stringify(render('2026-12-28').blocks)).toContain('28 Dec 2026 – 3 Jan 2027');
  });

  it('escapes producer text and stays within Slack’s limits for a big board, problems kept first', () => {
    const failing = { ...empty, runs: 1, failed: 1, failure_rate: 1 };
    const schedulers = Array.from({ length: 600 }, (_, index) =>
      item(
        `s${index}`,
        `${HOSTILE} ${'s'.repeat(300)}`,
        `job ${String(index).padStart(3, '0')} ${'j'.repeat(300)}`,
        index % 100 === 99 ? failing : { ...empty, runs: 1, completed: 1 },
      ),
    );
    const message = renderWeeklyReport({
      boardId: 'big',
      title: `${HOSTILE} ${'t'.repeat(200)}`,
      timeZone: 'Asia/Jakarta',
      weekStart: '2026-11-23',
      report: { totals: empty, schedulers, partial: false },
      links: uiLinksOf('https://schedmon.example.com'),
    });
    expectValid([message]);
    // The header is plain text, which Slack shows as it is; everything else is mrkdwn.
    const text = message.blocks
      .slice(1)
      .map((block) => JSON.stringify(block))
      .join('');
    expect(`${text}${message.text}`).not.toMatch(/<!channel>|<!here>|<@U123>|<http:\/\/evil/);
    // The 6 failing ones come first, then as many others as fit, and the count of the rest.
    expect(text.indexOf('*Needs attention (6)*')).toBeLessThan(text.indexOf('*All good (594)*'));
    expect(text).toMatch(
      /…and \d+ more in <https:\/\/schedmon\.example\.com\/ui\/reports\?board=big&amp;days=7\|the report>/,
    );
  });
});
