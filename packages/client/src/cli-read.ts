/**
 * The read commands: `schedmon status` (tonight's table, once or `--watch`) and
 * `schedmon history <id>`.
 */
import type { EodConfig, HistoryEntry } from '@schedmon/domain';
import { eodConfigOf, eodScheduleConfig, loadConfig, slackConfig } from '@schedmon/runtime';
import { Type } from '@sinclair/typebox';
import type { SchedmonClient } from './http-client.ts';
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

/**
 * Prints tonight's table; with `watchMs`, again every `watchMs` until `signal` aborts
 * (Ctrl-C), riding out api failures with a line on stderr. Resolves with the exit code:
 * 0, or 1 when a single read failed.
 */
export async function showStatus(
  client: SchedmonClient,
  eod: EodConfig,
  io: ReadIo,
  options: { watchMs?: number; signal?: AbortSignal },
): Promise<number> {
  const color = wantsColor(io.stdout, io.environment);
  const { watchMs, signal } = options;
  if (watchMs === undefined) {
    const listed = await client.listSchedulers();
    if (!listed.ok) {
      io.stderr.write(`schedmon: ${terminalSafe(listed.error.message)}\n`);
      return 1;
    }
    io.stdout.write(renderTerminalTable(listed.value, Date.now(), eod, { color }));
    return 0;
  }
  do {
    const listed = await client.listSchedulers(signal ? { signal } : {});
    if (signal?.aborted) break;
    if (listed.ok) {
      const table = renderTerminalTable(listed.value, Date.now(), eod, { color });
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
