/**
 * An incident's Slack messages (incidents.md → In Slack): the root message in the board's
 * channel, edited in place when acknowledged and when resolved; the follow-ups, the
 * resolution and the one reminder in its thread; and the message that says schedmon itself
 * was not watching. Pure: the incident, the scheduler and the zone are parameters.
 *
 * All producer text goes through `safeText`. The only page is the alert recipient's mention
 * (`mentionFor` of `alert_user_id`), and it is only ever in an open root and in the reminder:
 * an edit or a thread reply must not read as a new page.
 */
import { alertSubject, ccLine } from './alert-text.ts';
import type { FollowUpReason, Incident, IncidentKind } from './incidents.ts';
import type { SlackMessage } from './ports.ts';
import {
  contextBlock,
  linkable,
  MESSAGE_BUDGET,
  message,
  mrkdwn,
  mrkdwnLink,
  sectionBlock,
  TEXT_LENGTHS,
} from './slack-blocks.ts';
import { mentionFor, safeText } from './slack-text.ts';
import {
  formatClock,
  formatDateTime,
  formatDuration,
  formatElapsed,
  withZone,
  zoneText,
} from './slack-times.ts';
import type { UiLinks } from './ui-links.ts';
import { wallDate, zoneAbbreviation } from './zoned-time.ts';

/** The `action_id` of the Acknowledge button on an incident's root message. */
export const INCIDENT_ACKNOWLEDGE_ACTION = 'incident_acknowledge';

/** Input of the incident renderers: the incident as it is now, and what opened it. */
export type IncidentMessageInput = {
  incident: Incident;
  scheduler: {
    scheduler_id: string;
    service_name: string;
    job_name: string;
    alert_user_id: string | null;
  };
  /** IANA zone times are shown in (the board's, else `EOD_TIMEZONE`). */
  timeZone: string;
  /**
   * The signal the root message describes: the opening one. The headline follows
   * `incident.kind`, which may have escalated since; what does not apply is left out.
   */
  opening: {
    /** ISO instant of the signal. */
    at: string;
    /** `missed`: the start that was expected. */
    expected_at: string | null;
    /** `missed`: how late the start could be. */
    grace_seconds: number | null;
    /** `failed`: the run's error. */
    error_message: string | null;
    /** `failed`, `too_fast`: the run's duration. */
    execution_time_ms: number | null;
    /** `too_fast`: the shortest believable run. */
    min_runtime_seconds: number | null;
    /** `overrun`: the longest allowed run. */
    max_runtime_seconds: number | null;
    /** `overrun`, `stale`: when the run started. */
    started_at: string | null;
    /** `stale`: the last status or heartbeat. */
    last_signal_at: string | null;
    /** `failed` with `alert_after_failures` > 1: how many failed in a row. */
    failures_in_row: number | null;
  };
  /** The dashboard's pages (`UI_PUBLIC_URL`): the root links to the scheduler and incident. */
  links?: UiLinks;
};

/** Input of `renderMonitorGap`: a time schedmon itself could not watch. */
export type MonitorGapInput = {
  /** ISO instant the gap began. */
  from: string;
  /** ISO instant it ended. */
  to: string;
  /** Deadlines that fell inside it, recorded as unknown. */
  deadlines: number;
  timeZone: string;
};

const KIND_TEXT: Readonly<Record<IncidentKind, { emoji: string; label: string; noun: string }>> = {
  failed: { emoji: '❌', label: 'Failed', noun: 'failed' },
  missed: { emoji: '❗', label: 'Missed', noun: 'missed' },
  overrun: { emoji: '⏱', label: 'Overrunning', noun: 'overrunning' },
  stale: { emoji: '⚠️', label: 'Stale', noun: 'stale' },
  too_fast: { emoji: '🐇', label: 'Too fast', noun: 'too fast' },
};

/** `Missed`, `Overrunning`, …: a kind in words, for the pagers and webhooks. */
export function incidentKindLabel(kind: IncidentKind): string {
  return KIND_TEXT[kind].label;
}

/** `❗ Missed`, `⏱ Overrunning`, …: how the messages, the table and the summary name a kind. */
export function incidentMark(kind: IncidentKind): string {
  const { emoji, label } = KIND_TEXT[kind];
  return `${emoji} ${label}`;
}

const NO_ERROR = '_No error message was reported._';

/**
 * An incident's root message. The headline names the incident's current kind and what
 * happened ("❗ Missed: expected 01:00 WIB, no start by 01:10"), then the service and job;
 * the fields the scheduler id, when it opened (in the zone), the number of signals and,
 * where the opening signal has them, execution time, start, last signal and limits; a
 * failure's escaped error excerpt.
 *
 * - `open`: the mention of `alert_user_id` (when it is a valid Slack id) and an Acknowledge
 *   button (`INCIDENT_ACKNOWLEDGE_ACTION`) whose value is the incident id.
 * - `acknowledged`: no mention, no button; "👀 Acknowledged by <@U…> at 01:14 WIB".
 * - `resolved`: no mention, no button; "✅ Resolved — " before the headline and
 *   "Recovered at 02:13 WIB after 1 h 31 min" (and the acknowledgement, if there was one).
 *
 * With `links`, every state ends with a context line "View scheduler · View incident"
 * linking to the two pages (ids percent-encoded, so no id can end a link early); a url too
 * long for Slack is left out with its label. The `text` fallback carries no links.
 *
 * Throws a `RangeError` for an unknown `timeZone`, or an incident id longer than a button
 * value may be (impossible for ids the schema accepts).
 */
export function renderIncidentRoot(input: IncidentMessageInput): SlackMessage {
  const { incident, opening, timeZone } = input;
  const { service, job, id, mention } = alertSubject(input.scheduler);
  const page = incident.state === 'open' ? mention : undefined;
  const headline = rootHeadline(input);
  const title = incident.state === 'resolved' ? `✅ Resolved — ${headline}` : headline;

  const fields = [
    `*Service*\n${service}`,
    `*Job*\n${job}`,
    `*Scheduler id*\n\`${id}\``,
    `*Opened at*\n${dateTimeIn(incident.opened_at, timeZone)}`,
    `*Events*\n${incident.events}`,
    ...(opening.execution_time_ms === null
      ? []
      : [`*Execution time*\n${formatDuration(opening.execution_time_ms)}`]),
    ...(opening.started_at === null ? [] : [`*Started*\n${clockIn(opening.started_at, timeZone)}`]),
    ...(opening.last_signal_at === null
      ? []
      : [`*Last signal*\n${clockIn(opening.last_signal_at, timeZone)}`]),
    ...(opening.max_runtime_seconds === null
      ? []
      : [`*Time limit*\n${formatElapsed(opening.max_runtime_seconds * 1_000)}`]),
    ...(opening.min_runtime_seconds === null
      ? []
      : [`*Minimum runtime*\n${formatElapsed(opening.min_runtime_seconds * 1_000)}`]),
  ];
  const blocks: Record<string, unknown>[] = [
    sectionBlock(`*${title}*\n${service} › ${job}${ccLine(page, '\n')}`),
    // Slack: at most 10 fields per section.
    { type: 'section', fields: fields.slice(0, 10).map((field) => mrkdwn(field)) },
  ];
  const error = safeText(opening.error_message, { max: TEXT_LENGTHS.alertError, multiline: true });
  if (error.length > 0) {
    // Backticks in the error were neutralized, so it cannot close the code block early.
    blocks.push(sectionBlock(`*Error*\n\`\`\`${error}\`\`\``));
  } else if (incident.kind === 'failed') {
    blocks.push(sectionBlock(`*Error*\n${NO_ERROR}`));
  }

  const stateLines: string[] = [];
  if (incident.acknowledged_by !== null) {
    stateLines.push(acknowledgedLine(incident.acknowledged_by, incident.acknowledged_at, timeZone));
  }
  if (incident.state === 'resolved') stateLines.push(recoveredLine(incident, timeZone));
  if (incident.state === 'open') blocks.push(acknowledgeButton(incident.incident_id));
  for (const line of stateLines) blocks.push(contextBlock(line));
  const pages = input.links === undefined ? '' : pageLinks(input.links, incident);
  if (pages.length > 0) blocks.push(contextBlock(pages));

  const shortError = safeText(opening.error_message, { max: TEXT_LENGTHS.rowError });
  const text = [
    `${title} — ${service} › ${job} (${id})`,
    shortError.length > 0 ? `: ${shortError}` : '',
    ccLine(page, ' '),
    ...stateLines.map((line) => ` — ${line}`),
  ].join('');
  return message(text, blocks);
}

/**
 * A follow-up in the incident's thread, never with a mention of the alert recipient:
 * "❌ Failed again at 01:32 WIB (4 events)", "⬆️ Now failed (was overrunning) at 01:32 WIB",
 * "▶️ Started 37 min late, at 01:47 WIB", "👀 Acknowledged by <@U…> at 01:14 WIB". `at` is
 * the follow-up's signal time.
 *
 * Throws a `RangeError` for an unknown `timeZone`.
 */
export function renderIncidentFollowUp(
  input: IncidentMessageInput,
  reason: FollowUpReason,
  at: string,
): SlackMessage {
  const when = clockIn(at, input.timeZone);
  switch (reason.type) {
    case 'repeated': {
      const { events } = input.incident;
      const count = `${events} ${events === 1 ? 'event' : 'events'}`;
      return threadReply(input, `${incidentMark(reason.kind)} again at ${when} (${count})`);
    }
    case 'escalated': {
      const to = KIND_TEXT[reason.to];
      const from = KIND_TEXT[reason.from].noun;
      return threadReply(input, `⬆️ Now ${to.noun} (was ${from}) at ${when}`);
    }
    case 'started_late':
      return threadReply(input, `▶️ Started ${formatElapsed(reason.late_ms)} late, at ${when}`);
    case 'acknowledged':
      return threadReply(input, acknowledgedLine(reason.user_id, at, input.timeZone));
  }
}

/**
 * The resolution's thread reply: "✅ Recovered at 02:13 WIB after 1 h 31 min", the time
 * being `incident.resolved_at` in the zone. No mention.
 *
 * Throws a `RangeError` for an unknown `timeZone`.
 */
export function renderIncidentResolved(
  input: IncidentMessageInput,
  durationMs: number,
): SlackMessage {
  const when = clockIn(input.incident.resolved_at, input.timeZone);
  return threadReply(input, `✅ Recovered at ${when} after ${formatElapsed(durationMs)}`);
}

/**
 * The one reminder of an incident still unacknowledged after `INCIDENT_REMIND_MINUTES`,
 * in its thread, and the only thread reply that mentions the alert recipient:
 * "⏰ Still unacknowledged after 1 h — <@U…>" (no mention without a valid id).
 */
export function renderIncidentReminder(
  input: IncidentMessageInput,
  minutesOpen: number,
): SlackMessage {
  const { mention } = alertSubject(input.scheduler);
  const after = formatElapsed(minutesOpen * 60_000);
  return threadReply(
    input,
    `⏰ Still unacknowledged after ${after}${mention === undefined ? '' : ` — ${mention}`}`,
  );
}

/**
 * One channel message for a time schedmon itself was not watching (incidents.md →
 * Deadlines): from when to when, in the zone, and that the deadlines in it were recorded as
 * unknown and paged nobody. No mention.
 *
 * Throws a `RangeError` for an unknown `timeZone`.
 */
export function renderMonitorGap(input: MonitorGapInput): SlackMessage {
  const { from, to, timeZone } = input;
  const span = `from ${gapSpan(from, to, timeZone)}`;
  const count = Number.isFinite(input.deadlines) ? Math.max(0, Math.floor(input.deadlines)) : 0;
  const what =
    count === 0
      ? '; no deadline fell in that time.'
      : count === 1
        ? ': 1 deadline in that time was not checked and is recorded as unknown — ' +
          'nobody was paged for it.'
        : `: ${count.toLocaleString('en-US')} deadlines in that time were not checked and are ` +
          'recorded as unknown — nobody was paged for them.';
  const line = `🛰️ schedmon was not watching ${span}${what}`;
  return message(line, [sectionBlock(line)]);
}

/**
 * Who acknowledged, as the messages show it: a Slack user id as `<@U…>`; anything else (an
 * API key's name, a user group id) as escaped code text, never a mention.
 */
export function acknowledgerText(by: string): string {
  const mention = mentionFor(by);
  if (mention?.startsWith('<@')) return mention;
  const text = safeText(by, { max: TEXT_LENGTHS.id });
  return text.length > 0 ? `\`${text}\`` : 'an unknown user';
}

/** `View scheduler · View incident`, each a link to its page; a url Slack cannot take is left out. */
function pageLinks(links: UiLinks, incident: Incident): string {
  return [
    { url: linkable(links.scheduler(incident.scheduler_id)), label: 'View scheduler' },
    { url: linkable(links.incident(incident.incident_id)), label: 'View incident' },
  ]
    .filter((page) => page.url !== undefined)
    .map((page) => mrkdwnLink(page.url, page.label))
    .join(' · ');
}

function acknowledgedLine(by: string, at: string | null, timeZone: string): string {
  const when = at === null ? '' : ` at ${clockIn(at, timeZone)}`;
  return `👀 Acknowledged by ${acknowledgerText(by)}${when}`;
}

function recoveredLine(incident: Incident, timeZone: string): string {
  if (incident.resolved_at === null) return 'Recovered';
  const lasted = Date.parse(incident.resolved_at) - Date.parse(incident.opened_at);
  return `Recovered at ${clockIn(incident.resolved_at, timeZone)} after ${formatElapsed(lasted)}`;
}

function acknowledgeButton(incidentId: string): Record<string, unknown> {
  if (incidentId.length > MESSAGE_BUDGET.maxButtonValueChars) {
    throw new RangeError('incident id exceeds a button value’s 2,000 characters');
  }
  return {
    type: 'actions',
    elements: [
      {
        type: 'button',
        action_id: INCIDENT_ACKNOWLEDGE_ACTION,
        text: { type: 'plain_text', text: 'Acknowledge', emoji: true },
        value: incidentId,
        style: 'primary',
      },
    ],
  };
}

/** A thread reply: one section; the fallback also names the scheduler, for notifications. */
function threadReply(input: IncidentMessageInput, line: string): SlackMessage {
  const { service, job } = alertSubject(input.scheduler);
  return message(`${line} — ${service} › ${job}`, [sectionBlock(line)]);
}

/** The root's headline for the incident's current kind, from what the opening signal says. */
function rootHeadline(input: IncidentMessageInput): string {
  const { incident, opening, timeZone } = input;
  const mark = incidentMark(incident.kind);
  const at = clockIn(opening.at, timeZone);
  switch (incident.kind) {
    case 'missed': {
      if (opening.expected_at === null) return `${mark}: no start by ${at}`;
      const deadline =
        opening.grace_seconds === null
          ? opening.at
          : new Date(Date.parse(opening.expected_at) + opening.grace_seconds * 1_000).toISOString();
      return `${mark}: expected ${timeSpan(opening.expected_at, deadline, timeZone, ', no start by ')}`;
    }
    case 'failed': {
      const inRow = opening.failures_in_row;
      const row = inRow !== null && inRow > 1 ? ` — ${ordinal(inRow)} failure in a row` : '';
      return `${mark} at ${at}${row}`;
    }
    case 'overrun': {
      if (opening.started_at === null) return `${mark} since ${at}`;
      const limit =
        opening.max_runtime_seconds === null
          ? ''
          : `, past its ${formatElapsed(opening.max_runtime_seconds * 1_000)} limit`;
      return `${mark}: running since ${clockIn(opening.started_at, timeZone)}${limit}`;
    }
    case 'stale': {
      const last = opening.last_signal_at ?? opening.started_at;
      return last === null
        ? `${mark} since ${at}`
        : `${mark}: no heartbeat since ${clockIn(last, timeZone)}`;
    }
    case 'too_fast': {
      const took =
        opening.execution_time_ms === null
          ? ''
          : ` in ${formatDuration(opening.execution_time_ms)}`;
      const minimum =
        opening.min_runtime_seconds === null
          ? ''
          : `, under its ${formatElapsed(opening.min_runtime_seconds * 1_000)} minimum`;
      return `${mark}: completed${took} at ${at}${minimum}`;
    }
  }
}

/** `1st`, `2nd`, `3rd`, `4th`, `11th`, `21st`. */
function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  const suffix = ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
}

/** The zone's label at the instant (`WIB`, `GMT`, `BST`), escaped; '' for a bad instant. */
function zoneAt(iso: string, timeZone: string): string {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? zoneText(zoneAbbreviation(ms, timeZone)) : '';
}

/** `01:14 WIB`: the instant's time in the zone, with the zone's label at that instant. */
function clockIn(iso: string | null, timeZone: string): string {
  if (iso === null) return formatClock(null, timeZone);
  return withZone(formatClock(iso, timeZone), zoneAt(iso, timeZone));
}

/** `15 Jan 2026 01:10 WIB`. */
function dateTimeIn(iso: string, timeZone: string): string {
  return withZone(formatDateTime(iso, timeZone), zoneAt(iso, timeZone));
}

/**
 * Two times joined by `joiner`, the zone said once after the first when both instants have
 * the same label (`01:00 WIB, no start by 01:10`), after each otherwise (across DST).
 */
function timeSpan(first: string, second: string, timeZone: string, joiner: string): string {
  const firstZone = zoneAt(first, timeZone);
  const secondZone = zoneAt(second, timeZone);
  const secondTime = formatClock(second, timeZone);
  return firstZone === secondZone
    ? `${withZone(formatClock(first, timeZone), firstZone)}${joiner}${secondTime}`
    : `${withZone(formatClock(first, timeZone), firstZone)}${joiner}${withZone(secondTime, secondZone)}`;
}

/**
 * A gap's span: `01:00 to 01:30 WIB` on one date with one label, the label after each time
 * across DST, and the dates too across midnight.
 */
function gapSpan(from: string, to: string, timeZone: string): string {
  const fromMs = Date.parse(from);
  const toMs = Date.parse(to);
  const sameDate =
    Number.isFinite(fromMs) &&
    Number.isFinite(toMs) &&
    wallDate(fromMs, timeZone) === wallDate(toMs, timeZone);
  const show = sameDate ? formatClock : formatDateTime;
  const fromZone = zoneAt(from, timeZone);
  const toZone = zoneAt(to, timeZone);
  const fromText = show(from, timeZone);
  const toText = withZone(show(to, timeZone), toZone);
  return fromZone === toZone
    ? `${fromText} to ${toText}`
    : `${withZone(fromText, fromZone)} to ${toText}`;
}
