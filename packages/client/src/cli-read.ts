/**
 * The read commands: `schedmon status` (tonight's table of a board, once or `--watch`, or
 * last night's final one) and `schedmon history <id>`.
 */
import type { EodConfig, HistoryEntry, SchedulerRecord } from '@schedmon/domain';
import {
  addDays,
  currentOrNextWindow,
  DEFAULT_BOARD_ID,
  eodConfigOfBoard,
  formatBusinessDate,
  formatTimestamp,
  formatWallTime,
  slotsOf,
  windowFor,
  zoneAbbreviation,
} from '@schedmon/domain';
import { eodConfigOf, eodScheduleConfig, loadConfig, slackConfig } from '@schedmon/runtime';
import { Type } from '@sinclair/typebox';
import type { SchedmonClient } from './http-client.ts';
import type { SchedmonResult } from './result.ts';
import { renderTerminalTable, wantsColor } from './terminal-table.ts';
import { terminalSafe } from './terminal-text.ts';

type Output = NodeJS.WritableStream & { isTTY?: boolean };

export type ReadIo = {
  stdout: Output;
  stderr: NodeJS.WritableStream;
  environment: Readonly<Record<string, string | undefined>>;
};

// The EOD variables the cron and Slack apps read, so all three show the same night.
const eodVariables = Type.Object({
  EOD_TIMEZONE: slackConfig.EOD_TIMEZONE,
  ...eodScheduleConfig,
});

/** The EOD window from the environment, as the apps read it. Throws `ConfigError`. */
export function eodConfigFrom(
  environment: Readonly<Record<string, string | undefined>>,
): EodConfig {
  return eodConfigOf(loadConfig(eodVariables, environment));
}

const CLEAR_SCREEN = '\u001B[H\u001B[2J';

/** `7 h 36 min`, `12 min`, `under a minute`. */
function formatWait(ms: number): string {
  const minutes = Math.ceil(ms / 60_000);
  if (ms < 60_000) return 'under a minute';
  const hours = Math.floor(minutes / 60);
  return hours === 0 ? `${minutes} min` : `${hours} h ${minutes % 60} min`;
}

/**
 * The line above the table outside the window: `The night of 2 Dec opens at 00:00 WIB,
 * in 7 h 36 min.` Undefined inside the window.
 */
export function windowNote(nowMs: number, eod: EodConfig): string | undefined {
  const window = currentOrNextWindow(nowMs, eod);
  if (window.start <= nowMs) return undefined;
  const night = formatBusinessDate(window.businessDate).replace(/ \d{4}$/, '');
  const opens = `${formatWallTime(window.start, eod.timeZone)} ${zoneAbbreviation(window.start, eod.timeZone)}`;
  return `The night of ${night} opens at ${opens}, in ${formatWait(window.start - nowMs)}.`;
}

/** The night before the current or next one, and the instant its table was final. */
function lastNightOf(nowMs: number, eod: EodConfig): { businessDate: string; atMs: number } {
  const businessDate = addDays(currentOrNextWindow(nowMs, eod).businessDate, -1);
  const final = slotsOf(businessDate, eod).at(-1);
  return { businessDate, atMs: final?.slotStart ?? windowFor(businessDate, eod).end };
}

/**
 * A record as it stood at `atIso`, from its history: the newest status up to then (none:
 * pending, as a scheduler not yet started), and the last sign of life up to then. A
 * record not changed since is itself.
 */
async function recordAt(
  client: SchedmonClient,
  record: SchedulerRecord,
  atIso: string,
  signal: AbortSignal | undefined,
): Promise<SchedmonResult<SchedulerRecord>> {
  const changedSince =
    record.timestamp > atIso || (record.last_heartbeat !== null && record.last_heartbeat > atIso);
  if (!changedSince) return { ok: true, value: record };
  const rows = await client.history(record.scheduler_id, {
    to: atIso,
    limit: 100,
    ...(signal ? { signal } : {}),
  });
  if (!rows.ok) return rows;
  const status = rows.value.find((row) => row.type !== 'heartbeat' && row.status !== null);
  return {
    ok: true,
    value: {
      ...record,
      status: status?.status ?? 'pending',
      timestamp: status?.timestamp ?? record.created_at,
      execution_time_ms: status?.execution_time_ms ?? null,
      error_message: status?.error_message ?? null,
      metadata: status?.metadata ?? null,
      last_heartbeat: rows.value[0]?.timestamp ?? null,
    },
  };
}

/** Which table `status` shows: a board's (default: the default board), tonight or last night. */
type StatusView = { board?: string | undefined; last?: boolean };

/**
 * The table of `view` at `nowMs` as terminal text: the board's members with its window,
 * zone and title (the EOD variables for the default board unless a stored one replaces
 * it), and outside the window a line saying when tonight's opens.
 */
async function statusText(
  client: SchedmonClient,
  eod: EodConfig,
  view: StatusView,
  nowMs: number,
  options: { color: boolean; signal?: AbortSignal | undefined; warn: (line: string) => void },
): Promise<SchedmonResult<string>> {
  const signal = options.signal ? { signal: options.signal } : {};
  let boardEod = eod;
  let title: string | undefined;
  if (view.board !== undefined) {
    const board = await client.getBoard(view.board, signal);
    if (board.ok) {
      boardEod = eodConfigOfBoard(board.value, eod);
      title = board.value.title;
    } else if (board.error.status === 403) {
      options.warn(
        `this key may not read board ${view.board}'s settings (the admin scope): its members are shown with the EOD_* window`,
      );
    } else if (!(board.error.status === 404 && view.board === DEFAULT_BOARD_ID)) {
      // The default board is stored only when it was changed: else it is the EOD_* one.
      return board;
    }
  }
  const listed = await client.listSchedulers({
    ...(view.board === undefined ? {} : { board: view.board }),
    ...signal,
  });
  if (!listed.ok) return listed;
  let records = listed.value;
  let atMs = nowMs;
  if (view.last) {
    atMs = lastNightOf(nowMs, boardEod).atMs;
    const atIso = formatTimestamp(atMs);
    const then: SchedulerRecord[] = [];
    for (const record of records) {
      // Created after that night: not in its table.
      if (record.created_at > atIso) continue;
      const past = await recordAt(client, record, atIso, options.signal);
      if (!past.ok) return past;
      then.push(past.value);
    }
    records = then;
  }
  const table = renderTerminalTable(records, atMs, boardEod, {
    color: options.color,
    ...(title === undefined ? {} : { title }),
  });
  const note = view.last ? undefined : windowNote(nowMs, boardEod);
  return { ok: true, value: note === undefined ? table : `${note}\n\n${table}` };
}

/**
 * Prints the table of `view`; with `watchMs`, again every `watchMs` until `signal` aborts
 * (Ctrl-C), riding out api failures with a line on stderr. Resolves with the exit code:
 * 0, or 1 when a single read failed (an unknown board is one).
 */
export async function showStatus(
  client: SchedmonClient,
  eod: EodConfig,
  io: ReadIo,
  options: { watchMs?: number; signal?: AbortSignal; view?: StatusView },
): Promise<number> {
  const color = wantsColor(io.stdout, io.environment);
  const { watchMs, signal } = options;
  const view = options.view ?? {};
  const warn = (line: string) => io.stderr.write(`schedmon: ${terminalSafe(line)}\n`);
  if (watchMs === undefined) {
    const shown = await statusText(client, eod, view, Date.now(), { color, warn });
    if (!shown.ok) {
      io.stderr.write(`schedmon: ${terminalSafe(shown.error.message)}\n`);
      return 1;
    }
    io.stdout.write(shown.value);
    return 0;
  }
  do {
    const listed = await statusText(client, eod, view, Date.now(), { color, signal, warn });
    if (signal?.aborted) break;
    if (listed.ok) {
      const table = listed.value;
      const footer = `\nEvery ${watchMs / 1000} s · ${new Date().toLocaleTimeString('en-GB')} · Ctrl-C to stop\n`;
      // On a terminal the table is redrawn in place; in a pipe each refresh follows the last.
      io.stdout.write(io.stdout.isTTY ? CLEAR_SCREEN + table + footer : `${table}${footer}\n`);
    } else {
      io.stderr.write(`schedmon: ${terminalSafe(listed.error.message)}\n`);
    }
  } while (await sleep(watchMs, signal));
  return 0;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolve(true);
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', stop, { once: true });
  });
}

function formatDuration(ms: number | null): string {
  if (ms === null) return '';
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return minutes < 60
    ? `${minutes} min ${seconds} s`
    : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * History rows as aligned text: time (UTC), event, duration, first line of the error, each
 * cell made terminal-safe (the api's answer is producer text).
 */
export function formatHistory(rows: readonly HistoryEntry[]): string {
  if (rows.length === 0) return 'No events.\n';
  const cells = rows.map((row) =>
    [
      row.timestamp,
      row.type === 'heartbeat' ? 'heartbeat' : (row.status ?? ''),
      formatDuration(row.execution_time_ms),
      (row.error_message ?? '').split(/\r?\n/)[0]?.slice(0, 120) ?? '',
    ].map((cell) => terminalSafe(cell)),
  );
  const heading = ['Time (UTC)', 'Event', 'Took', 'Error'];
  const widths = heading.map((title, column) =>
    Math.max(title.length, ...cells.map((row) => row[column]?.length ?? 0)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(heading), ...cells.map(line)].join('\n')}\n`;
}

/** Prints one scheduler's history; resolves 0, or 1 when the api cannot be read. */
export async function showHistory(
  client: SchedmonClient,
  schedulerId: string,
  io: ReadIo,
  options: { limit: number; json: boolean },
): Promise<number> {
  const result = await client.history(schedulerId, { limit: options.limit });
  if (!result.ok) {
    io.stderr.write(`schedmon: ${terminalSafe(result.error.message)}\n`);
    return 1;
  }
  // JSON.stringify escapes C0 but leaves DEL, C1 and bidi controls raw in strings.
  io.stdout.write(
    options.json
      ? `${terminalSafe(JSON.stringify(result.value, null, 2), { newlines: true })}\n`
      : formatHistory(result.value),
  );
  return 0;
}
