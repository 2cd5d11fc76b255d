/**
 * Reports (docs/web.md → Reports): the figures of a set of runs over a period, per
 * scheduler and per board, and their CSV export. Pure: the runs come from `runsOf`, read
 * by `loadBoardReport`.
 *
 * Definitions (each figure over the runs counted in the period, by expected start, else
 * start; every rate or mean is null when there is nothing to divide by):
 * - `runs`: runs that started (completed, failed, unfinished); `missed` are not runs;
 * - `late`: runs judged not on time; `on_time_rate`: on-time runs / judged starts
 *   (on time + late + missed; extra runs and unscheduled jobs are not judged);
 * - `failure_rate`: failed / (completed + failed);
 * - `mttr_ms`: mean (to the ms), over the episodes that recovered in the period, of the time from the
 *   episode's first failure (a failed run's end, a missed start's expected time) to the
 *   end of the next completed run of that scheduler;
 * - `duration_p50_ms`, `duration_p95_ms`: nearest-rank percentiles of the durations of
 *   completed runs (the value at rank ⌈p/100 × n⌉ of the sorted durations);
 * - `trend`: this p50 against the p50 of the previous period of the same length.
 */
import type { Run } from './runs.ts';
import type { SchedulerRecord } from './scheduler.ts';

/** How this period's median duration compares with the previous period's. */
export type Trend = {
  previous_p50_ms: number;
  /** This p50 / the previous one. */
  ratio: number;
  /** `slower +12%`, `faster -8%`, or `steady` when it rounds to 0%. */
  label: string;
};

/** The figures of a period (see the top of this file). */
export type Report = {
  runs: number;
  completed: number;
  failed: number;
  /** Runs that reported no end. */
  unfinished: number;
  late: number;
  missed: number;
  on_time_rate: number | null;
  failure_rate: number | null;
  mttr_ms: number | null;
  duration_p50_ms: number | null;
  duration_p95_ms: number | null;
  trend: Trend | null;
};

/** One scheduler's report and its runs in the period, oldest first. */
export type SchedulerReport = {
  scheduler: Pick<SchedulerRecord, 'scheduler_id' | 'service_name' | 'job_name' | 'schedule'>;
  report: Report;
  runs: Run[];
  /** Its history was longer than a report reads (or older than kept): figures are partial. */
  partial: boolean;
};

/** A board's report: the figures of all its members' runs together, and each member's. */
export type BoardReport = {
  /** The period, [from, to), UTC ISO. */
  from: string;
  to: string;
  days: number;
  totals: Report;
  /** In the members' order. */
  schedulers: SchedulerReport[];
  /** Some member's figures are partial. */
  partial: boolean;
};

/** The period of a report; the previous one starts at `previousFromMs` (default one length earlier). */
export type ReportRange = { fromMs: number; toMs: number; previousFromMs?: number };

/**
 * The figures of `runs` (any schedulers, any order) counted in [fromMs, toMs); the runs
 * of the previous period, when given, are used only for the trend.
 */
export function reportOf(runs: readonly Run[], range: ReportRange): Report {
  const previousFromMs = range.previousFromMs ?? range.fromMs - (range.toMs - range.fromMs);
  const current = runs.filter((run) => within(run, range.fromMs, range.toMs));
  const count = (test: (run: Run) => boolean) => current.filter(test).length;
  const completed = count((run) => run.outcome === 'completed');
  const failed = count((run) => run.outcome === 'failed');
  const unfinished = count((run) => run.outcome === 'running');
  const missed = count((run) => run.outcome === 'missed');
  const judged = count((run) => run.on_time !== null);
  const p50 = durationPercentile(current, 50);
  return {
    runs: completed + failed + unfinished,
    completed,
    failed,
    unfinished,
    late: count((run) => run.on_time === false && run.outcome !== 'missed'),
    missed,
    on_time_rate: ratioOf(
      count((run) => run.on_time === true),
      judged,
    ),
    failure_rate: ratioOf(failed, completed + failed),
    mttr_ms: meanTimeToRecover(current),
    duration_p50_ms: p50,
    duration_p95_ms: durationPercentile(current, 95),
    trend: trendOf(
      p50,
      durationPercentile(
        runs.filter((run) => within(run, previousFromMs, range.fromMs)),
        50,
      ),
    ),
  };
}

function within(run: Run, fromMs: number, toMs: number): boolean {
  const at = Date.parse(run.expected_at ?? run.started_at ?? '');
  return at >= fromMs && at < toMs;
}

function ratioOf(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

/** The nearest-rank percentile of the completed runs' durations; null without any. */
function durationPercentile(runs: readonly Run[], percent: number): number | null {
  const durations = runs
    .filter((run) => run.outcome === 'completed' && run.duration_ms !== null)
    .map((run) => run.duration_ms ?? 0)
    .sort((a, b) => a - b);
  if (durations.length === 0) return null;
  const rank = Math.max(1, Math.ceil((percent / 100) * durations.length));
  return durations[rank - 1] ?? null;
}

function trendOf(current: number | null, previous: number | null): Trend | null {
  if (current === null || previous === null) return null;
  if (previous === 0 && current !== 0) return null;
  const ratio = previous === 0 ? 1 : current / previous;
  const percent = Math.round((ratio - 1) * 100);
  const label =
    percent > 0 ? `slower +${percent}%` : percent < 0 ? `faster -${-percent}%` : 'steady';
  return { previous_p50_ms: previous, ratio, label };
}

/** See `mttr_ms` at the top of this file. */
function meanTimeToRecover(runs: readonly Run[]): number | null {
  const bySchedulers = new Map<string, { at: number; good: boolean }[]>();
  for (const run of runs) {
    const at =
      run.outcome === 'missed'
        ? Date.parse(run.expected_at ?? '')
        : run.outcome === 'running'
          ? Number.NaN
          : Date.parse(run.ended_at ?? '');
    if (!Number.isFinite(at)) continue;
    const events = bySchedulers.get(run.scheduler_id) ?? [];
    events.push({ at, good: run.outcome === 'completed' });
    bySchedulers.set(run.scheduler_id, events);
  }
  const recoveries: number[] = [];
  for (const events of bySchedulers.values()) {
    let since: number | undefined;
    for (const event of events.sort((a, b) => a.at - b.at)) {
      if (!event.good) since ??= event.at;
      else if (since !== undefined) {
        recoveries.push(event.at - since);
        since = undefined;
      }
    }
  }
  if (recoveries.length === 0) return null;
  return Math.round(recoveries.reduce((sum, ms) => sum + ms, 0) / recoveries.length);
}

// ---------------------------------------------------------------------------------------
// CSV (RFC 4180)

/** A CSV field: null, undefined and non-finite numbers are empty. */
export type CsvCell = string | number | boolean | null | undefined;

// A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

function csvField(cell: CsvCell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  if (typeof cell === 'boolean') return String(cell);
  const text = FORMULA_START.test(cell) ? `'${cell}` : cell;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A CSV document (RFC 4180): a heading line, then one line per row, each ended by CRLF;
 * fields with a comma, a quote or a line break quoted, quotes doubled. Text starting with
 * `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a spreadsheet
 * shows it instead of running it; numbers are written as numbers.
 */
export function csvOf(headings: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [headings, ...rows].map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}

/** One column of a table: its heading and its cell for an item. */
export type CsvColumn<T> = { heading: string; cell: (item: T) => CsvCell };

/** `csvOf` of `items` through `columns`. */
export function csvOfColumns<T>(columns: readonly CsvColumn<T>[], items: readonly T[]): string {
  return csvOf(
    columns.map((column) => column.heading),
    items.map((item) => columns.map((column) => column.cell(item))),
  );
}

/** A rate to four decimals, as a fraction (0.8571). */
const rate = (value: number | null) => (value === null ? null : Math.round(value * 1e4) / 1e4);

/** The per-scheduler report table: the figures, rates as fractions, times in ms. */
export const REPORT_COLUMNS: readonly CsvColumn<SchedulerReport>[] = [
  { heading: 'scheduler_id', cell: (item) => item.scheduler.scheduler_id },
  { heading: 'service_name', cell: (item) => item.scheduler.service_name },
  { heading: 'job_name', cell: (item) => item.scheduler.job_name },
  { heading: 'schedule', cell: (item) => item.scheduler.schedule },
  { heading: 'runs', cell: (item) => item.report.runs },
  { heading: 'completed', cell: (item) => item.report.completed },
  { heading: 'failed', cell: (item) => item.report.failed },
  { heading: 'unfinished', cell: (item) => item.report.unfinished },
  { heading: 'late', cell: (item) => item.report.late },
  { heading: 'missed', cell: (item) => item.report.missed },
  { heading: 'on_time_rate', cell: (item) => rate(item.report.on_time_rate) },
  { heading: 'failure_rate', cell: (item) => rate(item.report.failure_rate) },
  { heading: 'mttr_ms', cell: (item) => item.report.mttr_ms },
  { heading: 'duration_p50_ms', cell: (item) => item.report.duration_p50_ms },
  { heading: 'duration_p95_ms', cell: (item) => item.report.duration_p95_ms },
  { heading: 'trend', cell: (item) => item.report.trend?.label },
  { heading: 'trend_ratio', cell: (item) => rate(item.report.trend?.ratio ?? null) },
  { heading: 'partial', cell: (item) => item.partial },
];

/** The runs table: one line per run or missed start, instants in UTC ISO. */
export const RUN_COLUMNS: readonly CsvColumn<Run>[] = [
  { heading: 'scheduler_id', cell: (run) => run.scheduler_id },
  { heading: 'outcome', cell: (run) => run.outcome },
  { heading: 'expected_at', cell: (run) => run.expected_at },
  { heading: 'started_at', cell: (run) => run.started_at },
  { heading: 'ended_at', cell: (run) => run.ended_at },
  { heading: 'duration_ms', cell: (run) => run.duration_ms },
  { heading: 'on_time', cell: (run) => run.on_time },
  { heading: 'delay_ms', cell: (run) => run.delay_ms },
  { heading: 'run_id', cell: (run) => run.run_id },
  { heading: 'error_message', cell: (run) => run.error_message },
];
