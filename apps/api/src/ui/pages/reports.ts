/**
 * The Reports pages and their CSV (docs/web.md → Reports), and the Scheduler page's chart:
 * all from the run-level view of history (`loadBoardReport`, the same as the weekly Slack
 * report's). A report reads every member's history, so each is kept for a minute per
 * board, period and key, and computed once however many ask meanwhile.
 */
import type {
  BoardReport,
  BoardSettings,
  Clock,
  EodConfig,
  HistoryStore,
  Report,
  SchedulerRecord,
} from '@schedmon/domain';
import {
  BoardIdSchema,
  csvOfColumns,
  formatTimestamp,
  isQuietAt,
  loadBoardReport,
  membersOf,
  REPORT_COLUMNS,
  RUN_COLUMNS,
  SchedulerIdSchema,
  UI_PATHS,
} from '@schedmon/domain';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKey } from '../../auth.ts';
import { isAllowed } from '../../auth.ts';
import { HttpError } from '../../errors.ts';
import type { Html } from '../html.ts';
import { html } from '../html.ts';
import type { LiveSnapshot } from '../live-state.ts';
import { durationChart } from './chart.ts';
import { duration, when, zoneLine } from './format.ts';
import type { Section } from './layout.ts';

/** What the dashboard's routes lend the report routes. */
export type ReportRouteHelpers = {
  signedIn: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  signedInOr401: (request: FastifyRequest) => Promise<void>;
  keyOf: (request: FastifyRequest) => ApiKey;
  send: (
    reply: FastifyReply,
    key: ApiKey | undefined,
    page: { title: string; section: Section; body: Html },
  ) => FastifyReply;
  snapshot: () => Promise<LiveSnapshot>;
  /** The boards a key may know of. */
  boardsFor: (key: ApiKey, snapshot: LiveSnapshot) => BoardSettings[];
};

export type ReportPages = {
  /** The Scheduler page's chart of the last runs. */
  chartOf(record: SchedulerRecord, zone: string): Promise<Html>;
  /** Registers `/ui/reports` and `/ui/reports.csv`. */
  register(app: FastifyInstance, helpers: ReportRouteHelpers): Promise<void>;
};

export type ReportPagesDeps = {
  history: HistoryStore;
  eod: EodConfig;
  clock: Clock;
  /** `HISTORY_RETENTION_DAYS`: a period older than it is partial, a trend past it left out. */
  retentionDays?: number | undefined;
};

/** Runs the chart shows at most. */
const CHART_RUNS = 30;
/** How far back the chart looks for them, and the rows it reads at most. */
const CHART_DAYS = 30;
const CHART_MAX_ROWS = 10_000;
const CACHE_MS = 60_000;
const CACHE_ENTRIES = 200;
/** Reports computed at once per api process: each reads every member's history. */
const MAX_COMPUTING = 2;
const PERIODS = [7, 30] as const;

const ReportQuerySchema = Type.Object({
  board: Type.Optional(BoardIdSchema),
  scheduler: Type.Optional(SchedulerIdSchema),
  days: Type.Optional(Type.Union(PERIODS.map((days) => Type.Literal(String(days))))),
});
const CsvQuerySchema = Type.Composite([
  ReportQuerySchema,
  Type.Object({
    table: Type.Optional(Type.Union([Type.Literal('schedulers'), Type.Literal('runs')])),
  }),
]);
type ReportQuery = {
  board?: string;
  scheduler?: string;
  days?: string;
  table?: 'schedulers' | 'runs';
};

const percent = (value: number | null) =>
  value === null ? '—' : `${(Math.round(value * 1000) / 10).toFixed(1)} %`;

function figures(report: Report): Html {
  return html`<dl class="facts">
<dt>Runs</dt><dd>${report.runs} (${report.completed} completed, ${report.failed} failed, ${report.unfinished} unfinished)</dd>
<dt>On time</dt><dd>${percent(report.on_time_rate)}${report.late + report.missed > 0 ? ` (${report.late} late, ${report.missed} missed)` : ''}</dd>
<dt>Failure rate</dt><dd>${percent(report.failure_rate)}</dd>
<dt>Mean time to recover</dt><dd>${duration(report.mttr_ms)}</dd>
<dt>Duration p50 / p95</dt><dd>${duration(report.duration_p50_ms)} / ${duration(report.duration_p95_ms)}</dd>
<dt>Trend</dt><dd>${report.trend === null ? '—' : `${report.trend.label} against the period before (p50 ${duration(report.trend.previous_p50_ms)})`}</dd>
</dl>`;
}

export function createReportPages(deps: ReportPagesDeps): ReportPages {
  const cache = new Map<string, { atMs: number | undefined; report: Promise<BoardReport> }>();
  /** At most `MAX_COMPUTING` computations at once, the rest waiting in order. */
  const limiter = () => {
    let computing = 0;
    const waiting: (() => void)[] = [];
    return async <T>(compute: () => Promise<T>): Promise<T> => {
      if (computing >= MAX_COMPUTING) await new Promise<void>((resolve) => waiting.push(resolve));
      computing += 1;
      try {
        return await compute();
      } finally {
        computing -= 1;
        waiting.shift()?.();
      }
    };
  };
  // Charts apart from reports: slow board reports never hold a Scheduler page up.
  const forReports = limiter();
  const forCharts = limiter();
  /**
   * The report, computed once for the same question and kept a minute from when it
   * settled (one still computing is shared, however long it takes); a failure is not
   * kept. Past `CACHE_ENTRIES` the oldest entry goes (Map order is insertion order).
   */
  const cached = (
    key: string,
    limited: ReturnType<typeof limiter>,
    compute: () => Promise<BoardReport>,
  ) => {
    const nowMs = deps.clock.now().getTime();
    const hit = cache.get(key);
    if (hit !== undefined && (hit.atMs === undefined || nowMs - hit.atMs < CACHE_MS)) {
      return hit.report;
    }
    cache.delete(key);
    while (cache.size >= CACHE_ENTRIES) {
      const oldest = cache.keys().next().value;
      if (oldest === undefined) break;
      cache.delete(oldest);
    }
    const entry: { atMs: number | undefined; report: Promise<BoardReport> } = {
      atMs: undefined,
      report: limited(compute),
    };
    cache.set(key, entry);
    entry.report.then(
      () => {
        entry.atMs = deps.clock.now().getTime();
      },
      () => {
        if (cache.get(key) === entry) cache.delete(key);
      },
    );
    return entry.report;
  };
  const now = () => formatTimestamp(deps.clock.now().getTime());
  const retention = deps.retentionDays === undefined ? {} : { retentionDays: deps.retentionDays };

  return {
    async chartOf(record, zone) {
      const report = await cached(`chart|${record.scheduler_id}|${zone}`, forCharts, () =>
        loadBoardReport(deps, {
          members: [record],
          timeZone: zone,
          days: CHART_DAYS,
          now: now(),
          maxRowsPerScheduler: CHART_MAX_ROWS,
          ...retention,
        }),
      );
      const runs = (report.schedulers[0]?.runs ?? [])
        .filter((run) => run.duration_ms !== null && (run.started_at ?? run.ended_at) !== null)
        .slice(-CHART_RUNS);
      return durationChart(
        runs.map((run) => ({
          at: run.started_at ?? run.ended_at ?? '',
          durationMs: run.duration_ms ?? 0,
          failed: run.outcome === 'failed',
        })),
        zone,
        `Duration of the last ${runs.length} ${runs.length === 1 ? 'run' : 'runs'} with a duration in ${CHART_DAYS} days, oldest first${report.partial ? ' (partial: more history than the chart reads)' : ''}`,
      );
    },

    async register(app, helpers) {
      /** The board or scheduler asked for, its members the key may read, and the report. */
      const reportFor = async (request: FastifyRequest<{ Querystring: ReportQuery }>) => {
        const key = helpers.keyOf(request);
        const snapshot = await helpers.snapshot();
        const days = Number(request.query.days ?? 7);
        const { scheduler } = request.query;
        let board: BoardSettings | undefined;
        let members: SchedulerRecord[];
        if (scheduler !== undefined) {
          const record = snapshot.records.find((candidate) => candidate.scheduler_id === scheduler);
          if (record === undefined || !isAllowed(key, 'read', scheduler)) {
            throw new HttpError(404, `No scheduler ${scheduler}.`);
          }
          members = [record];
          board = helpers
            .boardsFor(key, snapshot)
            .find((candidate) => membersOf(candidate, [record], snapshot.boards).length > 0);
        } else {
          const boards = helpers.boardsFor(key, snapshot);
          const boardId = request.query.board ?? boards[0]?.board_id ?? 'default';
          board = boards.find((candidate) => candidate.board_id === boardId);
          if (board === undefined) throw new HttpError(404, `No board ${boardId}.`);
          members = membersOf(board, snapshot.records, snapshot.boards).filter((record) =>
            isAllowed(key, 'read', record.scheduler_id),
          );
        }
        const zone = board?.timezone ?? deps.eod.timeZone;
        const chosen = board;
        const report = await cached(
          `${key.name}|${scheduler === undefined ? `board:${chosen?.board_id}` : `scheduler:${scheduler}`}|${days}`,
          forReports,
          () =>
            loadBoardReport(deps, {
              members,
              timeZone: zone,
              days,
              now: now(),
              ...retention,
              ...(chosen === undefined
                ? {}
                : { quietAt: (instantMs: number) => isQuietAt(chosen, instantMs, deps.eod) }),
            }),
        );
        return { key, snapshot, days, board, scheduler, zone, report };
      };

      app.get<{ Querystring: ReportQuery }>(
        '/reports',
        { schema: { hide: true, querystring: ReportQuerySchema }, preHandler: helpers.signedIn },
        async (request, reply) => {
          const { key, snapshot, days, board, scheduler, zone, report } = await reportFor(request);
          const subject =
            scheduler === undefined
              ? {
                  query: `board=${encodeURIComponent(board?.board_id ?? '')}`,
                  title: board?.title ?? '',
                }
              : {
                  query: `scheduler=${encodeURIComponent(scheduler)}`,
                  title: `${report.schedulers[0]?.scheduler.service_name ?? ''} › ${report.schedulers[0]?.scheduler.job_name ?? scheduler}`,
                };
          const nowMs = Date.parse(report.to);
          const periodLinks = PERIODS.map((period) =>
            period === days
              ? html`<strong aria-current="page">the last ${period} days</strong>`
              : html`<a href="/ui/reports?${subject.query}&amp;days=${period}">the last ${period} days</a>`,
          );
          const boardPicker = html`<form class="filters" method="get" action="/ui/reports">
<label for="r-board">Board<select id="r-board" name="board">${helpers
            .boardsFor(key, snapshot)
            .map(
              (candidate) =>
                html`<option value="${candidate.board_id}"${candidate.board_id === board?.board_id && scheduler === undefined ? html` selected` : ''}>${candidate.title} (${candidate.board_id})</option>`,
            )}</select></label>
<input type="hidden" name="days" value="${days}">
<button type="submit">Show</button></form>`;
          const runsTable =
            scheduler === undefined
              ? html``
              : html`<h2>Runs</h2>${
                  (report.schedulers[0]?.runs.length ?? 0) === 0
                    ? html`<p>No runs in this period.</p>`
                    : html`<table class="cards"><caption class="visually-hidden">Runs, oldest first</caption>
<thead><tr><th scope="col">Outcome</th><th scope="col">Expected</th><th scope="col">Started</th><th scope="col">Ended</th><th scope="col" class="num">Duration</th><th scope="col">On time</th><th scope="col">Error</th></tr></thead>
<tbody>${(report.schedulers[0]?.runs ?? []).map(
                        (
                          run,
                        ) => html`<tr${run.outcome === 'failed' || run.outcome === 'missed' ? html` class="problem"` : ''}>
<td data-label="Outcome">${run.outcome}</td><td data-label="Expected">${when(run.expected_at, zone)}</td><td data-label="Started">${when(run.started_at, zone)}</td><td data-label="Ended">${when(run.ended_at, zone)}</td><td data-label="Duration" class="num">${duration(run.duration_ms)}</td><td data-label="On time">${run.on_time === null ? '—' : run.on_time ? 'yes' : 'no'}</td><td data-label="Error">${run.error_message ?? ''}</td></tr>`,
                      )}</tbody></table>`
                }`;
          return helpers.send(reply, key, {
            title: `Report: ${subject.title}`,
            section: 'reports',
            body: html`<h1>Report: ${subject.title}</h1>
${boardPicker}
<p>Period: ${periodLinks[0]} &middot; ${periodLinks[1]}, from ${when(report.from, zone)} to ${when(report.to, zone)} (times in ${zoneLine(zone, nowMs)}).</p>
${report.partial ? html`<p class="notice">Some figures are partial: a scheduler had more history than a report reads, or the period is older than history is kept.</p>` : ''}
<h2>${scheduler === undefined ? 'The board' : 'Figures'}</h2>
${figures(report.totals)}
${
  scheduler === undefined
    ? html`<h2>Schedulers</h2>${
        report.schedulers.length === 0
          ? html`<p>No schedulers on this board that you may read.</p>`
          : html`<div class="scroll"><table class="cards"><caption class="visually-hidden">Each scheduler's figures</caption>
<thead><tr><th scope="col">Service &rsaquo; Job</th><th scope="col" class="num">Runs</th><th scope="col" class="num">On time</th><th scope="col" class="num">Failure rate</th><th scope="col" class="num">MTTR</th><th scope="col" class="num">p50</th><th scope="col" class="num">p95</th><th scope="col">Trend</th></tr></thead>
<tbody>${report.schedulers.map(
              (
                item,
              ) => html`<tr${item.report.failed + item.report.missed > 0 ? html` class="problem"` : ''}>
<td data-label="Service &rsaquo; Job"><a href="/ui/reports?scheduler=${encodeURIComponent(item.scheduler.scheduler_id)}&amp;days=${days}">${item.scheduler.service_name} &rsaquo; ${item.scheduler.job_name}</a></td>
<td data-label="Runs" class="num">${item.report.runs}</td>
<td data-label="On time" class="num">${percent(item.report.on_time_rate)}</td>
<td data-label="Failure rate" class="num">${percent(item.report.failure_rate)}</td>
<td data-label="MTTR" class="num">${duration(item.report.mttr_ms)}</td>
<td data-label="p50" class="num">${duration(item.report.duration_p50_ms)}</td>
<td data-label="p95" class="num">${duration(item.report.duration_p95_ms)}</td>
<td data-label="Trend">${item.report.trend?.label ?? '—'}</td></tr>`,
            )}</tbody></table></div>`
      }`
    : html`<p><a href="${UI_PATHS.scheduler(scheduler)}">The scheduler's page</a></p>`
}
${runsTable}
<h2>Export</h2>
<ul>
${scheduler === undefined ? html`<li><a href="/ui/reports.csv?${subject.query}&amp;days=${days}&amp;table=schedulers" download>Schedulers (CSV)</a></li>` : ''}
<li><a href="/ui/reports.csv?${subject.query}&amp;days=${days}&amp;table=runs" download>Runs (CSV)</a></li>
</ul>
<p class="muted">How each figure is computed: docs/web.md &rarr; Reports.</p>`,
          });
        },
      );

      app.get<{ Querystring: ReportQuery }>(
        '/reports.csv',
        { schema: { hide: true, querystring: CsvQuerySchema }, preHandler: helpers.signedInOr401 },
        async (request, reply) => {
          const { days, board, scheduler, report } = await reportFor(request);
          const table = request.query.table ?? (scheduler === undefined ? 'schedulers' : 'runs');
          const body =
            table === 'runs'
              ? csvOfColumns(
                  RUN_COLUMNS,
                  report.schedulers.flatMap((item) => item.runs),
                )
              : csvOfColumns(REPORT_COLUMNS, report.schedulers);
          const name = (scheduler ?? board?.board_id ?? 'report').replace(/[^A-Za-z0-9._-]/g, '_');
          return reply
            .type('text/csv; charset=utf-8')
            .header(
              'content-disposition',
              `attachment; filename="schedmon-${name}-${days}d-${table}.csv"`,
            )
            .send(body);
        },
      );
    },
  };
}
