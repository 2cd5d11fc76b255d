/**
 * What the `/schedmon` slash command answers: tonight's table, one scheduler with its last
 * history rows, the incidents not yet resolved, or help. Pure rendering over the stores;
 * unknown input answers help, and every piece of the user's text shown back goes through
 * `safeText`.
 */
import type {
  BoardSettings,
  BoardStore,
  EodConfig,
  HistoryStore,
  IncidentRecord,
  IncidentStore,
  SchedulerRecord,
  SchedulerStore,
  SlackMessage,
  UiLinks,
} from '@schedmon/domain';
import {
  allBoards,
  BoardIdSchema,
  compileValidator,
  DEFAULT_BOARD_ID,
  defaultBoardOf,
  eodConfigOfBoard,
  escapeMrkdwn,
  formatWallTime,
  headerLabelsOf,
  membersOf,
  renderStatusTable,
  SchedulerIdSchema,
  safeText,
  slotOf,
  tonightRows,
  wallClock,
  zoneAbbreviation,
} from '@schedmon/domain';
import { findIncidents } from '../incident-pages.ts';

export type CommandDeps = {
  schedulers: SchedulerStore;
  history: HistoryStore;
  incidents: IncidentStore;
  eod: EodConfig;
  /** The stored boards (docs/boards.md); absent: only the default board, as before boards. */
  boards?: BoardStore | undefined;
  /** The default board of the environment; absent: `defaultBoardOf(eod)`, no channel. */
  defaultBoard?: BoardSettings | undefined;
  /** The dashboard's pages (`UI_PUBLIC_URL`): each row's job name links to its scheduler's. */
  links?: UiLinks | undefined;
};

/** Incidents `/schedmon incidents` lists at most (a section each, within a message's 50 blocks). */
const MAX_LISTED_INCIDENTS = 20;
/** Board ids an answer to an unknown board lists at most (ids are up to 128 characters). */
const MAX_LISTED_BOARDS = 15;

const HELP_TEXT = [
  '*/schedmon* — the EOD monitor',
  '• `/schedmon status [board]` — tonight’s table of a board, the default one without (only you see it)',
  // `<` and `>` as entities: raw, Slack reads `<scheduler_id>` as a link and drops it.
  '• `/schedmon show &lt;scheduler_id&gt;` — one scheduler and its last 10 events',
  '• `/schedmon incidents` — the open and acknowledged incidents, newest first',
  '• `/schedmon help` — this help',
].join('\n');

// The id rule the api registers schedulers by, so no id is looked up that cannot exist.
const schedulerId = compileValidator(SchedulerIdSchema);
const boardId = compileValidator(BoardIdSchema);

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

function helpMessage(prefix?: string): SlackMessage {
  const text = prefix ? `${prefix}\n\n${HELP_TEXT}` : HELP_TEXT;
  return { text, blocks: [section(text)] };
}

/** One board's table as the command shows it: its members, window and zone, and title. */
type BoardView = { eod: EodConfig; members: SchedulerRecord[]; title: string };

/**
 * The board `/schedmon status [board]` names (the default one without), or the answer
 * to a board that does not exist, listing those that do.
 */
async function boardView(
  deps: CommandDeps,
  argument: string | undefined,
  nowMs: number,
): Promise<BoardView | { unknown: SlackMessage }> {
  const stored = deps.boards ? await deps.boards.list(new Date(nowMs).toISOString()) : [];
  const boards = allBoards(stored, deps.defaultBoard ?? defaultBoardOf(deps.eod, undefined));
  const wanted = argument ?? DEFAULT_BOARD_ID;
  const board = boardId.check(wanted)
    ? boards.find((candidate) => candidate.board_id === wanted)
    : undefined;
  if (!board) {
    // Within one section's 3,000 characters however many boards there are.
    const listed = boards.slice(0, MAX_LISTED_BOARDS);
    const more = boards.length - listed.length;
    const ids =
      listed.map((candidate) => `\`${escapeMrkdwn(candidate.board_id)}\``).join(', ') +
      (more > 0 ? ` and ${more} more` : '');
    const shown = safeText(wanted, { max: 60 });
    const text = `No board \`${shown}\`. Boards: ${ids}.\nUse \`/schedmon status &lt;board&gt;\`, or \`/schedmon status\` for the default board.`;
    return { unknown: { text, blocks: [section(text)] } };
  }
  return {
    eod: eodConfigOfBoard(board, deps.eod),
    members: membersOf(board, await deps.schedulers.list(), boards),
    title: board.title,
  };
}

async function statusMessage(
  deps: CommandDeps,
  nowMs: number,
  argument?: string,
): Promise<SlackMessage> {
  const view = await boardView(deps, argument, nowMs);
  if ('unknown' in view) return view.unknown;
  const slot = slotOf(nowMs, view.eod);
  const messages = renderStatusTable({
    title: view.title,
    rows: tonightRows(view.members, nowMs, view.eod),
    timeZone: view.eod.timeZone,
    ...headerLabelsOf(slot.businessDate, nowMs, view.eod.timeZone),
    ...(deps.links === undefined ? {} : { links: deps.links }),
  });
  // An ephemeral answer is one message: the first carries the counts and every problem.
  const first = messages[0] ?? helpMessage();
  if (messages.length === 1) return first;
  const note = `_…and ${messages.length - 1} more message(s) of rows in the channel’s table._`;
  return {
    text: `${first.text}\n${note}`,
    blocks: [...first.blocks, { type: 'context', elements: [{ type: 'mrkdwn', text: note }] }],
  };
}

/** `01:10 WIB (2026-01-15)`, the date in the zone too, or `—` without a time. */
function when(iso: string | null, zone: string): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  const { year, month, day } = wallClock(ms, zone);
  const date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return `${formatWallTime(ms, zone)} ${zoneAbbreviation(ms, zone)} (${date})`;
}

function incidentLine(incident: IncidentRecord, zone: string): string {
  const names = `*${safeText(incident.service_name, { max: 80 })} › ${safeText(incident.job_name, { max: 80 })}*`;
  const id = `\`${safeText(incident.scheduler_id, { max: 80 })}\``;
  const state =
    incident.state === 'acknowledged'
      ? `acknowledged by \`${safeText(incident.acknowledged_by, { max: 60 }) || 'someone'}\` at ${when(incident.acknowledged_at, zone)}`
      : 'not acknowledged';
  const events = incident.events === 1 ? '1 event' : `${incident.events} events`;
  return `• ${names} (${id}): *${incident.kind.replace('_', ' ')}* since ${when(incident.opened_at, zone)}, ${events}, ${state}`;
}

async function incidentsMessage(deps: CommandDeps, nowMs: number): Promise<SlackMessage> {
  const page = await findIncidents(
    deps.incidents,
    {
      limit: MAX_LISTED_INCIDENTS,
      matches: (incident) => incident.state !== 'resolved',
      selective: true,
    },
    new Date(nowMs).toISOString(),
  );
  if (page.incidents.length === 0) {
    const text = 'No open incidents.';
    return { text, blocks: [section(text)] };
  }
  const heading = `*Open incidents*, newest first (${page.incidents.length})`;
  const lines = page.incidents.map((incident) => incidentLine(incident, deps.eod.timeZone));
  const more =
    page.next === undefined ? [] : ['_There may be more: `GET /api/v1/incidents` lists them all._'];
  return {
    text: [heading, ...lines, ...more].join('\n'),
    blocks: [
      section(heading),
      ...lines.map(section),
      ...more.map((note) => ({ type: 'context', elements: [{ type: 'mrkdwn', text: note }] })),
    ],
  };
}

function notASchedulerId(argument: string): SlackMessage {
  const shown = safeText(argument, { max: 60 });
  return helpMessage(
    `${shown ? `\`${shown}\`` : 'That'} is not a scheduler id: ids are 1–255 letters, digits, \`.\`, \`_\`, \`:\` or \`-\`, starting with a letter or digit.`,
  );
}

async function showMessage(
  deps: CommandDeps,
  schedulerId: string,
  nowMs: number,
): Promise<SlackMessage> {
  const record = await deps.schedulers.get(schedulerId);
  if (!record) return helpMessage(`No scheduler \`${safeText(schedulerId, { max: 100 })}\`.`);
  const rows = await deps.history.query(schedulerId, {
    limit: 10,
    now: new Date(nowMs).toISOString(),
  });
  const zone = deps.eod.timeZone;
  const summary = [
    `*${escapeMrkdwn(record.service_name)} › ${escapeMrkdwn(record.job_name)}* (\`${escapeMrkdwn(record.scheduler_id)}\`)`,
    `Status: *${record.status}* since ${when(record.timestamp, zone)}`,
    `Last heartbeat: ${when(record.last_heartbeat, zone)}`,
    record.error_message ? `Error: ${safeText(record.error_message, { max: 300 })}` : undefined,
  ].filter(Boolean);
  const history = rows.length
    ? rows.map(
        (row) =>
          `• ${when(row.timestamp, zone)} — ${row.type === 'heartbeat' ? 'heartbeat' : row.status}${row.error_message ? `: ${safeText(row.error_message, { max: 120 })}` : ''}`,
      )
    : ['No history yet.'];
  const text = `${summary.join('\n')}\n\n*Last ${rows.length} events*\n${history.join('\n')}`;
  return {
    text,
    blocks: [
      section(summary.join('\n')),
      section(`*Last ${rows.length} events*\n${history.join('\n')}`),
    ],
  };
}

/** The answer to `/schedmon <text>`. Never throws for user input: anything unknown is help. */
export async function answerCommand(
  deps: CommandDeps,
  text: string,
  nowMs: number,
): Promise<SlackMessage> {
  const [verb = '', argument] = text.trim().split(/\s+/);
  switch (verb.toLowerCase()) {
    case 'status':
      return statusMessage(deps, nowMs, argument);
    case 'incidents':
      return incidentsMessage(deps, nowMs);
    case 'show':
      if (!argument) return helpMessage('Which scheduler? `/schedmon show &lt;scheduler_id&gt;`');
      // Checked before the lookup: the table refuses an oversized key with an error, not a miss.
      return schedulerId.check(argument)
        ? showMessage(deps, argument, nowMs)
        : notASchedulerId(argument);
    case '':
    case 'help':
      return helpMessage();
    default:
      return helpMessage(`Unknown command \`${safeText(verb, { max: 40 })}\`.`);
  }
}
