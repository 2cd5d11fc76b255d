/**
 * What the `schedmon` commands share: the connection settings, durations, exit codes of
 * signals, and the help texts.
 */
import { constants } from 'node:os';

/** Exit code of a usage error (bad or missing option), before any command runs. */
export const USAGE_EXIT_CODE = 2;

export const HELP = {
  main: `schedmon — report scheduled jobs to the schedmon monitor, and read it back

Usage:
  schedmon run --id <scheduler_id> [options] -- <command> [args…]
  schedmon status [--board <id>] [--last] [--watch] [--interval <seconds>]
  schedmon boards apply <file.yaml> [--dry-run]
  schedmon boards list [--json]
  schedmon boards delete <board_id>
  schedmon history <scheduler_id> [--limit <n>] [--json]
  schedmon pause <scheduler_id> [--until <ISO time>] [--reason <text>]
  schedmon resume <scheduler_id>
  schedmon archive <scheduler_id>
  schedmon help [command]          (or: schedmon <command> --help)

Connection, for every command:
  --url <url>        the api's base URL, e.g. http://localhost:3000   [env SCHEDMON_URL]
  --api-key <key>    an API key with write (run, pause, resume, archive), read, or admin
                     (boards) scope
                     [env SCHEDMON_API_KEY] (prefer the variable: arguments show in ps)

Exit codes: run passes the command's own code through (128 + n when a signal ended it);
the other commands exit 0, or 1 when the api refused or cannot be reached; 2 is a usage
error, or a boards file with problems.
See docs/producers.md.
`,
  run: `schedmon run — run a command and report it: running, heartbeats, completed or failed

Usage:
  schedmon run --id <scheduler_id> [options] -- <command> [args…]

Options:
  --id <scheduler_id>    the scheduler to report (registered first if unknown)
  --service <name>       service name; default: the registered one, else the id
  --job <name>           job name; default: the registered one, else the id
  --heartbeat <every>    heartbeat interval while the command runs: 30s, 5m, 1h, 500ms,
                         a number of seconds, or 0 for none (default 5m)
  --owner-email <email>  owner, set only when run registers a new scheduler
  --alert-user-id <id>   Slack user or group to mention on failure, idem (U…, W…, S…)
  --url, --api-key       see schedmon --help

The command's stdout and stdin are untouched; its stderr is passed through and its last
20 lines, secrets of common shapes replaced by [REDACTED], go into the error message of a
failure. The command gets schedmon's environment without the SCHEDMON_* variables (the
API key stays with schedmon). SIGTERM, SIGINT and SIGHUP are passed to the command. The
exit code is the command's own, or 128 + n when signal n ended it (SIGTERM: 143); 127
when the command cannot be found, 126 when it cannot be executed. When the api cannot be
reached the command still runs: a warning goes to stderr, and reporting gives up after a
few seconds at the end.

Example:
  SCHEDMON_URL=http://localhost:3000 SCHEDMON_API_KEY=… \\
    schedmon run --id service-a-eod --service "Service A" --job "EOD" -- ./eod.sh --date today
`,
  status: `schedmon status — tonight's EOD table, as the Slack channel shows it

Usage:
  schedmon status [--board <id>] [--last] [--watch] [--interval <seconds>]

Options:
  --board <id>          one board's table: its members, window, zone and title
                        (default: the default board's, as before boards)
  --last                last night's final table: as it stood at that night's window end
  --watch               redraw every --interval seconds until Ctrl-C
  --interval <seconds>  refresh period for --watch (default 10)
  --url, --api-key      see schedmon --help

The EOD window is read from the same variables as the apps (EOD_TIMEZONE,
EOD_WINDOW_START, EOD_WINDOW_END, HEARTBEAT_TIMEOUT_MINUTES, EOD_LOOKBACK_HOURS, …),
defaulting to 00:00–06:00 Asia/Jakarta; a board's own window and zone come from the api
(reading a board needs the admin scope: without it, the EOD variables are used). Outside
the window, a line above the table says when tonight's window opens. Colours only on a
terminal, never with NO_COLOR.
`,
  boards: `schedmon boards — manage boards, one EOD table per team (needs the admin scope)

Usage:
  schedmon boards apply <file.yaml> [--dry-run]
  schedmon boards list [--json]
  schedmon boards delete <board_id>

apply makes the stored boards those of the file: it creates the new ones, updates those
whose settings differ, and deletes stored boards the file does not have. Every board is
checked first; a file with any problem changes nothing, each problem is printed with
its line, and the exit code is 2. --dry-run prints the plan and changes nothing.

The file:
  boards:
    - board_id: payments
      title: Payments EOD
      slack_channel_id: C0PAYMENTS
      timezone: Asia/Jakarta
      window_start: "00:00"
      window_end: "06:00"
      update_every_minutes: 60        # 15–180, default 60
      members:
        scheduler_ids: [payments-*, ledger-eod]   # * only as a suffix
        services: [Ledger]
        tags: [eod]
      mention: S0PAYOPS               # optional user or group id
      quiet_dates: ["2026-12-25"]     # optional, in the board's zone
`,
  history: `schedmon history — one scheduler's events, newest first (heartbeats included)

Usage:
  schedmon history <scheduler_id> [--limit <n>] [--json]

Options:
  --limit <n>       how many events, 1–1000 (default 20)
  --json            the api's JSON as is
  --url, --api-key  see schedmon --help
`,
  pause: `schedmon pause — pause a scheduler: no incidents or alerts while paused, ⏸ in tables

Usage:
  schedmon pause <scheduler_id> [--until <ISO time>] [--reason <text>]

Options:
  --until <time>    when the pause ends by itself, ISO 8601 with an offset or Z, e.g.
                    2026-01-15T06:00:00+07:00 (default: until schedmon resume)
  --reason <text>   why, shown with the pause (up to 500 characters)
  --url, --api-key  see schedmon --help

Its events are still recorded while it is paused. Pausing again replaces the pause.
`,
  resume: `schedmon resume — end a scheduler's pause

Usage:
  schedmon resume <scheduler_id>

Resuming one that is not paused changes nothing.
`,
  archive: `schedmon archive — archive a scheduler: out of tables, lists, deadlines and alerts

Usage:
  schedmon archive <scheduler_id>

Its history is kept (to the retention period); registering it again restores it, as
schedmon run does for an unknown id.
`,
} as const;

export type CommandName = Exclude<keyof typeof HELP, 'main'>;

/** A problem with the command line: its message is printed with the command's help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** `500ms`, `30s`, `5m`, `1h` or a bare number of seconds, in ms. Throws `UsageError`. */
export function parseDuration(value: string, option: string): number {
  const match = DURATION.exec(value.trim());
  if (!match) {
    throw new UsageError(`${option} must be a duration like 30s, 5m, 1h or 500ms (got "${value}")`);
  }
  const unit = (match[2] ?? 's') as keyof typeof UNIT_MS;
  return Math.round(Number(match[1]) * UNIT_MS[unit]);
}

/** A whole number within bounds, for numeric options. Throws `UsageError`. */
export function parseInteger(value: string, option: string, min: number, max: number): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || number < min || number > max) {
    throw new UsageError(`${option} must be a whole number from ${min} to ${max} (got "${value}")`);
  }
  return number;
}

/** The shell's exit code for a process ended by `signal`: 128 + its number (SIGTERM → 143). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** Where the api is and the key to it: options first, then the environment. */
export function connectionOf(
  values: { url?: string | undefined; 'api-key'?: string | undefined },
  environment: Readonly<Record<string, string | undefined>>,
): { baseUrl: string; apiKey: string } | { missing: string[] } {
  const baseUrl = values.url ?? environment.SCHEDMON_URL ?? '';
  const apiKey = values['api-key'] ?? environment.SCHEDMON_API_KEY ?? '';
  const missing = [
    ...(baseUrl.trim() === ''
      ? ['--url or SCHEDMON_URL']
      : URL.canParse(baseUrl.trim())
        ? []
        : [`a URL in --url or SCHEDMON_URL (got "${baseUrl}")`]),
    ...(apiKey.trim() === '' ? ['--api-key or SCHEDMON_API_KEY'] : []),
  ];
  return missing.length > 0 ? { missing } : { baseUrl: baseUrl.trim(), apiKey: apiKey.trim() };
}

/** The connection options every command accepts, for `parseArgs`. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
