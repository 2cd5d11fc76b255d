#!/usr/bin/env node
/**
 * The `schedmon` command line: `run` wraps a job and reports it, `status` shows tonight's
 * table, `history` one scheduler's events, `pause`, `resume` and `archive` change one
 * scheduler, `boards` manages boards. Usage in `cli-options.ts` (`--help`) and in
 * docs/producers.md.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BoardIdSchema, parseTimestamp, SchedulerIdSchema } from '@schedmon/domain';
import type { CommandName } from './cli-options.ts';
import {
  CONNECTION_OPTIONS,
  connectionOf,
  HELP,
  parseDuration,
  parseInteger,
  USAGE_EXIT_CODE,
  UsageError,
} from './cli-options.ts';
import { runMonitored } from './cli-run.ts';
import { createSchedmonClient } from './http-client.ts';
import { terminalSafe } from './terminal-text.ts';

const environment = process.env;
const COMMANDS = new Set<string>([
  'run',
  'status',
  'history',
  'pause',
  'resume',
  'archive',
  'boards',
]);
const ID_PATTERN = new RegExp(SchedulerIdSchema.pattern ?? '');
const BOARD_ID_PATTERN = new RegExp(BoardIdSchema.pattern ?? '');

/** A board id as the api checks it. Throws `UsageError`. */
function checkedBoardId(id: string): string {
  if (id.length > 128 || !BOARD_ID_PATTERN.test(id)) {
    throw new UsageError(
      `a board id is 1–128 of A–Z a–z 0–9 . _ : -, starting with a letter or digit (got "${id}")`,
    );
  }
  return id;
}
const ignore = () => {};

function connect(values: { url?: string | undefined; 'api-key'?: string | undefined }) {
  const connection = connectionOf(values, environment);
  if ('missing' in connection) throw new UsageError(`missing ${connection.missing.join('; ')}`);
  // The read commands print failures themselves, with the exit code.
  return createSchedmonClient({ ...connection, retries: 2, onError: ignore });
}

async function run(args: string[]): Promise<number> {
  const split = args.indexOf('--');
  const own = split === -1 ? args : args.slice(0, split);
  const command = split === -1 ? [] : args.slice(split + 1);
  const { values, positionals } = parseArgs({
    args: own,
    options: {
      ...CONNECTION_OPTIONS,
      id: { type: 'string' },
      service: { type: 'string' },
      job: { type: 'string' },
      heartbeat: { type: 'string', default: '5m' },
      'owner-email': { type: 'string' },
      'alert-user-id': { type: 'string' },
    },
    allowPositionals: true,
  });
  if (values.help) return help('run');
  if (positionals.length > 0) {
    throw new UsageError(
      `put the command after --: schedmon run --id <id> -- ${positionals.join(' ')}`,
    );
  }
  if (command.length === 0)
    throw new UsageError('no command to run: schedmon run --id <id> -- <command>');
  const id = values.id ?? '';
  if (id === '' || id.length > 255 || !ID_PATTERN.test(id)) {
    throw new UsageError(
      `--id must be a scheduler id: 1–255 of A–Z a–z 0–9 . _ : -, starting with a letter or digit (got "${id}")`,
    );
  }
  const heartbeatMs = parseDuration(values.heartbeat, '--heartbeat');
  const connection = connectionOf(values, environment);
  if ('missing' in connection) {
    process.stderr.write(
      `schedmon: warning: monitoring is off (missing ${terminalSafe(connection.missing.join('; '))}): the command runs unreported\n`,
    );
  }
  return runMonitored({
    // Short deadlines: a dead api must cost the job seconds, not minutes.
    client:
      'missing' in connection
        ? undefined
        : createSchedmonClient({
            ...connection,
            retries: 2,
            timeoutMs: 3_000,
            maxRetryDelayMs: 5_000,
            onError: ignore,
          }),
    schedulerId: id,
    service: values.service,
    job: values.job,
    ownerEmail: values['owner-email'],
    alertUserId: values['alert-user-id'],
    heartbeatMs,
    command,
    stderr: process.stderr,
  });
}

async function status(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...CONNECTION_OPTIONS,
      watch: { type: 'boolean', default: false },
      interval: { type: 'string', default: '10' },
      board: { type: 'string' },
      last: { type: 'boolean', default: false },
    },
  });
  if (values.help) return help('status');
  const intervalSeconds = parseInteger(values.interval, '--interval', 1, 3_600);
  const view = {
    board: values.board === undefined ? undefined : checkedBoardId(values.board),
    last: values.last,
  };
  if (values.last && values.watch) throw new UsageError('--last is one table: drop --watch');
  const client = connect(values);
  // Loaded here only: the EOD variables come with the apps' config loader, which `run`,
  // the command that sits in front of every job, has no use for.
  const { eodConfigFrom, showStatus } = await import('./cli-read.ts');
  let eod: ReturnType<typeof eodConfigFrom>;
  try {
    eod = eodConfigFrom(environment);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const io = { stdout: process.stdout, stderr: process.stderr, environment };
  if (!values.watch) return showStatus(client, eod, io, { view });
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await showStatus(client, eod, io, {
      watchMs: intervalSeconds * 1000,
      signal: stop.signal,
      view,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function history(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...CONNECTION_OPTIONS,
      limit: { type: 'string', default: '20' },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) return help('history');
  const [id, ...extra] = positionals;
  if (id === undefined || extra.length > 0) {
    throw new UsageError('name one scheduler: schedmon history <scheduler_id>');
  }
  const limit = parseInteger(values.limit, '--limit', 1, 1_000);
  const client = connect(values);
  const { showHistory } = await import('./cli-read.ts');
  return showHistory(
    client,
    id,
    { stdout: process.stdout, stderr: process.stderr, environment },
    {
      limit,
      json: values.json,
    },
  );
}

/** The one scheduler id a command names, checked as the api checks it. Throws `UsageError`. */
function oneSchedulerId(positionals: readonly string[], command: string): string {
  const [id, ...extra] = positionals;
  if (id === undefined || extra.length > 0) {
    throw new UsageError(`name one scheduler: schedmon ${command} <scheduler_id>`);
  }
  if (id.length > 255 || !ID_PATTERN.test(id)) {
    throw new UsageError(
      `a scheduler id is 1–255 of A–Z a–z 0–9 . _ : -, starting with a letter or digit (got "${id}")`,
    );
  }
  return id;
}

/** `schedmon pause <id> [--until <ISO>] [--reason <text>]`. */
async function pause(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...CONNECTION_OPTIONS, until: { type: 'string' }, reason: { type: 'string' } },
    allowPositionals: true,
  });
  if (values.help) return help('pause');
  const id = oneSchedulerId(positionals, 'pause');
  const { until, reason } = values;
  if (until !== undefined && parseTimestamp(until) === undefined) {
    throw new UsageError(
      `--until must be an ISO 8601 time with an offset or Z, e.g. 2026-01-15T06:00:00+07:00 (got "${until}")`,
    );
  }
  if (reason !== undefined && reason.trim() === '') throw new UsageError('--reason is empty');
  const client = connect(values);
  const { changeScheduler } = await import('./cli-manage.ts');
  return changeScheduler(client, id, { action: 'pause', until, reason }, standardIo());
}

/** `schedmon resume <id>` and `schedmon archive <id>`. */
async function resumeOrArchive(command: 'resume' | 'archive', args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: CONNECTION_OPTIONS,
    allowPositionals: true,
  });
  if (values.help) return help(command);
  const id = oneSchedulerId(positionals, command);
  const client = connect(values);
  const { changeScheduler } = await import('./cli-manage.ts');
  return changeScheduler(client, id, { action: command }, standardIo());
}

/** `schedmon boards apply <file> [--dry-run]`, `boards list [--json]`, `boards delete <id>`. */
async function boards(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...CONNECTION_OPTIONS,
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) return help('boards');
  const [action, ...rest] = positionals;
  const { applyBoards, deleteBoard, listBoards } = await import('./cli-boards.ts');
  switch (action) {
    case 'apply': {
      const [file, ...extra] = rest;
      if (file === undefined || extra.length > 0) {
        throw new UsageError('name one file: schedmon boards apply <file.yaml> [--dry-run]');
      }
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
      }
      const client = connect(values);
      return applyBoards(
        client,
        { name: file, text },
        { dryRun: values['dry-run'], env: process.env },
        standardIo(),
      );
    }
    case 'list':
      if (rest.length > 0) throw new UsageError('schedmon boards list takes no arguments');
      return listBoards(connect(values), { json: values.json }, standardIo());
    case 'delete': {
      const [id, ...extra] = rest;
      if (id === undefined || extra.length > 0) {
        throw new UsageError('name one board: schedmon boards delete <board_id>');
      }
      return deleteBoard(connect(values), checkedBoardId(id), standardIo());
    }
    default:
      throw new UsageError(
        action === undefined
          ? 'say what to do: schedmon boards apply|list|delete'
          : `unknown boards command "${action}": apply, list or delete`,
      );
  }
}

const standardIo = () => ({ stdout: process.stdout, stderr: process.stderr });

function help(command: CommandName | 'main', to: NodeJS.WritableStream = process.stdout): number {
  to.write(HELP[command]);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'run':
        return await run(args);
      case 'status':
        return await status(args);
      case 'history':
        return await history(args);
      case 'pause':
        return await pause(args);
      case 'resume':
      case 'archive':
        return await resumeOrArchive(command, args);
      case 'boards':
        return await boards(args);
      case 'help': {
        const topic = args[0];
        return help(topic !== undefined && COMMANDS.has(topic) ? (topic as CommandName) : 'main');
      }
      case '-h':
      case '--help':
        return help('main');
      case undefined:
        help('main', process.stderr);
        return USAGE_EXIT_CODE;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    // parseArgs reports unknown options and missing values as TypeErrors with a code.
    const usage =
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true;
    if (!usage) throw error;
    const topic = command !== undefined && COMMANDS.has(command) ? `${command} ` : '';
    process.stderr.write(
      `schedmon: ${terminalSafe((error as Error).message)}\nRun "schedmon ${topic}--help" for usage.\n`,
    );
    return USAGE_EXIT_CODE;
  }
}

process.exitCode = await main(process.argv.slice(2));
