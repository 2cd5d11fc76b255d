/**
 * What the `/schedmon` slash command answers: tonight's table, one scheduler with its last
 * history rows, or help. Pure rendering over the stores; unknown input answers help, and
 * every piece of the user's text shown back goes through `safeText`.
 */
import type { EodConfig, HistoryStore, SchedulerStore, SlackMessage } from '@schedmon/domain';
import {
  compileValidator,
  escapeMrkdwn,
  formatBusinessDate,
  formatWallTime,
  renderStatusTable,
  SchedulerIdSchema,
  safeText,
  slotOf,
  tonightRows,
  zoneAbbreviation,
} from '@schedmon/domain';

export type CommandDeps = {
  schedulers: SchedulerStore;
  history: HistoryStore;
  eod: EodConfig;
};

const HELP_TEXT = [
  '*/schedmon* — the EOD monitor',
  '• `/schedmon status` — tonight’s table (only you see it)',
  // `<` and `>` as entities: raw, Slack reads `<scheduler_id>` as a link and drops it.
  '• `/schedmon show &lt;scheduler_id&gt;` — one scheduler and its last 10 events',
  '• `/schedmon help` — this help',
].join('\n');

// The id rule the api registers schedulers by, so no id is looked up that cannot exist.
const schedulerId = compileValidator(SchedulerIdSchema);

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

function helpMessage(prefix?: string): SlackMessage {
  const text = prefix ? `${prefix}\n\n${HELP_TEXT}` : HELP_TEXT;
  return { text, blocks: [section(text)] };
}

async function statusMessage(deps: CommandDeps, nowMs: number): Promise<SlackMessage> {
  const slot = slotOf(nowMs, deps.eod);
  const messages = renderStatusTable({
    rows: tonightRows(await deps.schedulers.list(), nowMs, deps.eod),
    timeZone: deps.eod.timeZone,
    businessDateLabel: formatBusinessDate(slot.businessDate),
    timeLabel: formatWallTime(nowMs, deps.eod.timeZone),
    zoneLabel: zoneAbbreviation(nowMs, deps.eod.timeZone),
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
  const when = (iso: string | null) =>
    iso
      ? `${formatWallTime(Date.parse(iso), zone)} ${zoneAbbreviation(Date.parse(iso), zone)} (${iso.slice(0, 10)})`
      : '—';
  const summary = [
    `*${escapeMrkdwn(record.service_name)} › ${escapeMrkdwn(record.job_name)}* (\`${escapeMrkdwn(record.scheduler_id)}\`)`,
    `Status: *${record.status}* since ${when(record.timestamp)}`,
    `Last heartbeat: ${when(record.last_heartbeat)}`,
    record.error_message ? `Error: ${safeText(record.error_message, { max: 300 })}` : undefined,
  ].filter(Boolean);
  const history = rows.length
    ? rows.map(
        (row) =>
          `• ${when(row.timestamp)} — ${row.type === 'heartbeat' ? 'heartbeat' : row.status}${row.error_message ? `: ${safeText(row.error_message, { max: 120 })}` : ''}`,
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
      return statusMessage(deps, nowMs);
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
