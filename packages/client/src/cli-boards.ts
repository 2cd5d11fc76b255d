/**
 * `schedmon boards apply <file.yaml> [--dry-run]`, `schedmon boards list` and
 * `schedmon boards delete <id>` (docs/boards.md). `apply` makes the stored boards equal
 * the file's: every board is checked first (the api's own schema and rules, and ids
 * unique), and a file with any problem changes nothing and names the line of each; then
 * the plan (create, update, delete, unchanged) is printed and, unless `--dry-run`,
 * carried out: creates and updates, then deletes.
 */
import { createHash } from 'node:crypto';
import type { BoardInput, BoardSettings, BoardView } from '@schedmon/domain';
import {
  BoardInputSchema,
  boardProblems,
  boardView,
  compileValidator,
  sameSettings,
  settingsOf,
} from '@schedmon/domain';
import type { Document } from 'yaml';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import type { SchedmonClient } from './http-client.ts';
import { terminalSafe } from './terminal-text.ts';

type BoardsIo = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

/** Exit code of a boards file with problems: nothing was changed. */
const INVALID_FILE_EXIT_CODE = 2;

/** One board of a boards file: its id, what the api is sent, and where it starts. */
type FileBoard = { id: string; input: BoardInput; line: number };

/** A problem of a boards file, at a line (1-based) when it has one. */
type FileProblem = { line: number | undefined; message: string };

const boardInput = compileValidator(BoardInputSchema);
// A boards file is small: anything bigger is not one (and would cost time to parse).
const MAX_FILE_BYTES = 1_048_576;
const MAX_ALIASES = 100;

/** The settings of a board that a plan names when they change. */
const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const SETTING_NAMES = [
  'title',
  'slack_channel_id',
  'timezone',
  'window_start',
  'window_end',
  'update_every_minutes',
  'members',
  'mention',
  'quiet_dates',
  'destinations',
] as const satisfies readonly (keyof BoardSettings)[];

/** Where a node of the document starts, as a 1-based line. */
function lineOf(document: Document, lines: LineCounter, path: readonly unknown[]) {
  // The deepest node of the path that exists: an unknown or missing field is shown where
  // its board (or object) is.
  for (let length = path.length; length >= 0; length -= 1) {
    const node = document.getIn(path.slice(0, length), true) as
      | { range?: [number, number, number] }
      | undefined;
    const start = node?.range?.[0];
    if (start !== undefined) return lines.linePos(start).line;
  }
  return undefined;
}

/** The path under a board of the field a problem names: its first word, `a.b.0` → a, b, 0. */
function fieldPath(problem: string): string[] {
  const first = (problem.split(' ')[0] ?? '').replace(/:$/, '');
  return first === '' || first === 'body' ? [] : first.split('.');
}

/** A whole value `${NAME}`: the destination secret is read from the environment. */
const VARIABLE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/**
 * Reads a boards file: `boards:`, a list of board inputs each with its `board_id`.
 * Resolves every board, or every problem (a YAML syntax error, a board the api would
 * refuse, an id used twice), each with its line. In `destinations`, a value written
 * `${NAME}` is taken from `env` (so keys and secrets stay out of the file).
 */
export function readBoardsFile(
  text: string,
  env: Readonly<Record<string, string | undefined>> = {},
): { ok: true; boards: FileBoard[] } | { ok: false; problems: FileProblem[] } {
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) {
    return {
      ok: false,
      problems: [{ line: undefined, message: `the file is over ${MAX_FILE_BYTES} bytes` }],
    };
  }
  const lines = new LineCounter();
  // YAML 1.2's core schema whatever the file's `%YAML` directive says: under 1.1 an
  // unquoted 06:00 is the number 360 and a date a timestamp.
  const document = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    version: '1.2',
    schema: 'core',
  });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => ({
        line: lines.linePos(error.pos[0]).line,
        message: `YAML: ${error.message.split('\n')[0] ?? error.code}`,
      })),
    };
  }
  let content: unknown;
  try {
    content = document.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    return {
      ok: false,
      problems: [{ line: undefined, message: `YAML: ${(error as Error).message}` }],
    };
  }
  const root = document.contents;
  if (!isMap(root) || content === null || typeof content !== 'object') {
    return {
      ok: false,
      problems: [
        {
          line: lineOf(document, lines, []) ?? 1,
          message: 'the file needs `boards:`, a list of boards',
        },
      ],
    };
  }
  const problems: FileProblem[] = [];
  for (const key of Object.keys(content)) {
    if (key !== 'boards') {
      problems.push({
        line: lineOf(document, lines, [key]),
        message: `${key} is not an accepted field: the file holds \`boards:\` only`,
      });
    }
  }
  const entries = (content as { boards?: unknown }).boards;
  if (!Array.isArray(entries) || !isSeq(document.get('boards', true))) {
    problems.push({
      line: lineOf(document, lines, ['boards']),
      message: 'boards must be a list of boards (`boards: []` for none)',
    });
    return { ok: false, problems };
  }
  const boards: FileBoard[] = [];
  const firstLineOf = new Map<string, number | undefined>();
  entries.forEach((entry: unknown, index) => {
    const at = (path: readonly unknown[]) => lineOf(document, lines, ['boards', index, ...path]);
    const rawId = (entry as { board_id?: unknown } | null)?.board_id;
    const label =
      typeof rawId === 'string' && rawId.length <= 128 ? `board ${rawId}` : `board ${index + 1}`;
    const report = (path: readonly unknown[], message: string) =>
      problems.push({ line: at(path), message: `${label}: ${message}` });
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      report([], 'a board is a mapping of its fields (board_id, title, …)');
      return;
    }
    if (rawId === undefined) {
      report([], 'board_id is required in a boards file');
    }
    const destinations = (entry as { destinations?: unknown }).destinations;
    const before = problems.length;
    if (Array.isArray(destinations)) {
      destinations.forEach((destination: unknown, at) => {
        if (destination === null || typeof destination !== 'object') return;
        for (const [field, value] of Object.entries(destination)) {
          const name = typeof value === 'string' ? VARIABLE.exec(value)?.[1] : undefined;
          if (name === undefined) continue;
          const set = env[name];
          if (set === undefined || set === '') {
            report(
              ['destinations', at, field],
              `destinations.${at}.${field}: the variable ${name} is not set`,
            );
          } else {
            (destination as Record<string, unknown>)[field] = set;
          }
        }
      });
    }
    // An unset variable is the one problem: the value it stands for is not there to check.
    if (problems.length > before) return;
    if (!boardInput.check(entry)) {
      for (const problem of boardInput.problems(entry)) report(fieldPath(problem), problem);
      return;
    }
    const id = entry.board_id;
    if (id === undefined) return;
    for (const problem of boardProblems(entry, id, { allowPrivateUrls: true })) {
      const path = fieldPath(problem);
      // A quiet date is shown on its own line.
      const date = /^quiet_dates: '([^']*)'/.exec(problem)?.[1];
      const index = date === undefined ? -1 : (entry.quiet_dates ?? []).indexOf(date);
      report(index === -1 ? path : ['quiet_dates', index], problem);
    }
    if (firstLineOf.has(id)) {
      const first = firstLineOf.get(id);
      report(
        ['board_id'],
        `board_id '${id}' is used twice: also by the board${first === undefined ? '' : ` at line ${first}`}`,
      );
      return;
    }
    firstLineOf.set(id, at(['board_id']));
    boards.push({ id, input: entry, line: at([]) ?? 1 });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, boards };
}

/** One step of a plan. */
type PlanStep =
  | { action: 'create'; id: string; input: BoardInput }
  | { action: 'update'; id: string; input: BoardInput; changed: string[] }
  | { action: 'unchanged'; id: string }
  | { action: 'delete'; id: string };

/**
 * What makes the stored boards equal the file's: the file's boards in its order (create,
 * update when its settings differ, else unchanged), then a delete for each stored board
 * the file does not have, by id.
 */
export function planOf(wanted: readonly FileBoard[], stored: readonly BoardView[]): PlanStep[] {
  const byId = new Map(stored.map((board) => [board.board_id, board]));
  const steps: PlanStep[] = wanted.map(({ id, input }) => {
    const current = byId.get(id);
    if (!current) return { action: 'create', id, input };
    // Destinations are compared by fingerprint: the api never returns their secrets.
    const next = boardView(settingsOf(id, input), digest);
    if (sameSettings(next, current)) return { action: 'unchanged', id };
    const changed = SETTING_NAMES.filter(
      (name) => JSON.stringify(next[name]) !== JSON.stringify(current[name]),
    );
    return { action: 'update', id, input, changed };
  });
  const kept = new Set(wanted.map((board) => board.id));
  const gone = stored
    .filter((board) => !kept.has(board.board_id))
    .map((board) => board.board_id)
    .sort();
  return [...steps, ...gone.map((id) => ({ action: 'delete' as const, id }))];
}

/** `+ create payments`, `~ update ledger: title, members`, `- delete old`, `= unchanged hr`. */
function describeStep(step: PlanStep): string {
  switch (step.action) {
    case 'create':
      return `+ create ${step.id}`;
    case 'update':
      return `~ update ${step.id}: ${step.changed.join(', ')}`;
    case 'delete':
      return `- delete ${step.id}`;
    case 'unchanged':
      return `= unchanged ${step.id}`;
  }
}

function summaryOf(steps: readonly PlanStep[]): string {
  const count = (action: PlanStep['action']) =>
    steps.filter((step) => step.action === action).length;
  return `${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete, ${count('unchanged')} unchanged`;
}

/**
 * `schedmon boards apply`: resolves 0 when the stored boards equal the file's (or, with
 * `dryRun`, the plan was printed), 2 when the file has problems (nothing changed), 1 when
 * the api refused or could not be reached (what was done before is printed).
 */
export async function applyBoards(
  client: SchedmonClient,
  file: { name: string; text: string },
  options: { dryRun: boolean; env?: Readonly<Record<string, string | undefined>> },
  io: BoardsIo,
): Promise<number> {
  const read = readBoardsFile(file.text, options.env);
  const name = terminalSafe(file.name);
  if (!read.ok) {
    for (const problem of read.problems) {
      const where = problem.line === undefined ? name : `${name}:${problem.line}`;
      io.stderr.write(`${where}: ${terminalSafe(problem.message)}\n`);
    }
    io.stderr.write(
      `schedmon: ${read.problems.length} problem(s) in ${name}: nothing was changed\n`,
    );
    return INVALID_FILE_EXIT_CODE;
  }
  const stored = await client.listBoards();
  if (!stored.ok) {
    io.stderr.write(`schedmon: ${terminalSafe(stored.error.message)}\n`);
    return 1;
  }
  const steps = planOf(read.boards, stored.value);
  for (const step of steps) io.stdout.write(`${terminalSafe(describeStep(step))}\n`);
  const changes = steps.filter((step) => step.action !== 'unchanged');
  if (changes.length === 0) {
    io.stdout.write(`Nothing to change: the stored boards are those of ${name}.\n`);
    return 0;
  }
  io.stdout.write(`Plan: ${summaryOf(steps)}.\n`);
  if (options.dryRun) {
    io.stdout.write('Dry run: nothing was changed.\n');
    return 0;
  }
  // Creates and updates first: a scheduler moving from a deleted board to a new one is
  // never left on the default board in between.
  const ordered = [
    ...changes.filter((step) => step.action !== 'delete'),
    ...changes.filter((step) => step.action === 'delete'),
  ];
  let done = 0;
  for (const step of ordered) {
    const result =
      step.action === 'delete'
        ? await client.deleteBoard(step.id)
        : await client.putBoard(step.id, step.input);
    // A delete whose first answer was lost is answered 404 when retried: it is gone.
    const gone = step.action === 'delete' && !result.ok && result.error.status === 404;
    if (!result.ok && !gone) {
      io.stderr.write(
        `schedmon: ${terminalSafe(result.error.message)}\nschedmon: ${done} of ${ordered.length} change(s) made before this one; run apply again to finish\n`,
      );
      return 1;
    }
    done += 1;
    const verb = { create: 'created', update: 'updated', delete: 'deleted' }[step.action];
    io.stdout.write(`${terminalSafe(`${verb} ${step.id}`)}\n`);
  }
  io.stdout.write(`Applied: the stored boards are those of ${name}.\n`);
  return 0;
}

/** `schedmon boards list`: one line a board; 0, or 1 when the api refused. */
export async function listBoards(
  client: SchedmonClient,
  options: { json: boolean },
  io: BoardsIo,
): Promise<number> {
  const result = await client.listBoards();
  if (!result.ok) {
    io.stderr.write(`schedmon: ${terminalSafe(result.error.message)}\n`);
    return 1;
  }
  if (options.json) {
    io.stdout.write(
      `${terminalSafe(JSON.stringify({ boards: result.value }, null, 2), { newlines: true })}\n`,
    );
    return 0;
  }
  if (result.value.length === 0) {
    io.stdout.write(
      'No stored boards: the default board (EOD_* variables) holds every scheduler.\n',
    );
    return 0;
  }
  for (const board of result.value) {
    const selectors = [
      ...board.members.scheduler_ids,
      ...board.members.services.map((service) => `service:${service}`),
      ...board.members.tags.map((tag) => `tag:${tag}`),
    ];
    io.stdout.write(
      `${terminalSafe(`${board.board_id}  "${board.title}"  ${board.slack_channel_id}  ${board.window_start}–${board.window_end} ${board.timezone}  every ${board.update_every_minutes} min  members: ${selectors.join(', ')}`)}\n`,
    );
  }
  return 0;
}

/** `schedmon boards delete <id>`: 0, or 1 when the api refused (404: no such board). */
export async function deleteBoard(
  client: SchedmonClient,
  boardId: string,
  io: BoardsIo,
): Promise<number> {
  const result = await client.deleteBoard(boardId);
  if (!result.ok) {
    io.stderr.write(`schedmon: ${terminalSafe(result.error.message)}\n`);
    return 1;
  }
  io.stdout.write(
    `${terminalSafe(`Deleted board ${result.value.board_id}: its members go back to the default board unless another board names them`)}\n`,
  );
  return 0;
}
