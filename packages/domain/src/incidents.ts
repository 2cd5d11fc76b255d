/**
 * Incidents (docs/schedules.md → Incidents): one problem episode of one scheduler, as a
 * pure state machine. `nextIncidentState` takes what a scheduler's incident state is and
 * one signal (a run's outcome, a deadline that came due, an acknowledgement) and says the
 * new state and what to tell people: open a page, follow up in its thread, resolve it.
 * The outbox that carries the effects out once, and Slack, are the adapters' and the
 * worker's; nothing here does I/O or reads a clock.
 */
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { parseTimestamp } from './scheduler.ts';

export const INCIDENT_KINDS = ['failed', 'missed', 'overrun', 'stale', 'too_fast'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export type IncidentState = 'open' | 'acknowledged' | 'resolved';

/** One incident as stored and as the api returns it. */
export const IncidentSchema = Type.Object(
  {
    // A scheduler id (≤ 255), `#` and an event id (≤ 128).
    incident_id: Type.String({ minLength: 1, maxLength: 384 }),
    scheduler_id: Type.String(),
    kind: Type.Union(INCIDENT_KINDS.map((kind) => Type.Literal(kind))),
    state: Type.Union([
      Type.Literal('open'),
      Type.Literal('acknowledged'),
      Type.Literal('resolved'),
    ]),
    opened_at: Type.String(),
    updated_at: Type.String(),
    resolved_at: Type.Union([Type.String(), Type.Null()]),
    /** Signals that belonged to it: the opening one and every follow-up. */
    events: Type.Integer({ minimum: 1 }),
    acknowledged_by: Type.Union([Type.String(), Type.Null()]),
    acknowledged_at: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type Incident = Static<typeof IncidentSchema>;

/** An incident as listed and read through the api: with its scheduler's names and root message. */
export const IncidentRecordSchema = Type.Composite(
  [
    IncidentSchema,
    Type.Object({
      service_name: Type.String(),
      job_name: Type.String(),
      /** The root message in Slack, once posted. */
      slack: Type.Union([Type.Object({ channel: Type.String(), ts: Type.String() }), Type.Null()]),
    }),
  ],
  { additionalProperties: false },
);
export type IncidentRecord = Static<typeof IncidentRecordSchema>;

/** What a scheduler carries between signals: the run of outcomes and the open incident. */
export type IncidentTracker = {
  /** Failed runs in a row (a success resets it). */
  consecutive_failures: number;
  /** Successful runs in a row (a failure or a suspicious run resets it). */
  consecutive_successes: number;
  /** The open (or acknowledged) incident, at most one; null when none is. */
  open: Incident | null;
  /** The time of the newest run signal taken: an older one (delivered late) is ignored. */
  last_run_at: string | null;
  /** The ids of the latest signals taken: one delivered again is ignored. */
  recent: string[];
  /** An open `missed` incident's job has started (its lateness was said once). */
  started_after_miss: boolean;
  /** When the open incident last found the job silent (its `stale` deadline). */
  stale_since?: string | null;
};

export const NO_INCIDENT: IncidentTracker = Object.freeze({
  consecutive_failures: 0,
  consecutive_successes: 0,
  open: null,
  last_run_at: null,
  recent: [],
  started_after_miss: false,
});

/** How many signal ids a tracker remembers to know a redelivery. */
const RECENT_SIGNALS = 32;

/** The scheduler's settings and situation a signal is judged by. */
export type IncidentPolicy = {
  alert_after_failures: number;
  recover_after_successes: number;
  min_runtime_seconds: number | null;
  /** Paused (at the signal's time) or archived: no incident opens, no follow-up is sent. */
  quiet: boolean;
};

/** What happened, as far as incidents care. `at` is the signal's own time (UTC ISO). */
export type IncidentSignal =
  | { type: 'failed'; at: string; event_id: string; error_message: string | null }
  | { type: 'completed'; at: string; event_id: string; duration_ms: number | null }
  | { type: 'running'; at: string; event_id: string }
  | { type: 'pending'; at: string; event_id: string }
  | { type: 'heartbeat'; at: string }
  | {
      type: 'deadline';
      kind: 'missed' | 'overrun' | 'stale';
      at: string;
      /** The deadline's id: deterministic, so a redelivered deadline is the same one. */
      event_id: string;
      /** For `missed`: the start that was expected. */
      expected_at: string | null;
    }
  | { type: 'acknowledged'; at: string; user_id: string; incident_id: string };

/** Why a follow-up is posted in an incident's thread. */
export type FollowUpReason =
  | { type: 'repeated'; kind: IncidentKind }
  | { type: 'escalated'; from: IncidentKind; to: IncidentKind }
  | { type: 'started_late'; late_ms: number }
  | { type: 'acknowledged'; user_id: string };

/** What to tell people; each effect is carried out once by the incidents outbox. */
export type IncidentEffect =
  | { type: 'open'; incident: Incident; signal: IncidentSignal }
  | { type: 'follow_up'; incident: Incident; reason: FollowUpReason }
  | { type: 'resolve'; incident: Incident; duration_ms: number };

export type IncidentStep = { tracker: IncidentTracker; effects: IncidentEffect[] };

/**
 * Which kind wins when a further problem joins an open incident: a failure says the most,
 * then a run that never ended, silence, a missed start, a suspicious success.
 */
const SEVERITY: Readonly<Record<IncidentKind, number>> = {
  failed: 5,
  overrun: 4,
  stale: 3,
  missed: 2,
  too_fast: 1,
};

/** An incident's id: the scheduler and the id of the signal that opened it. */
export function incidentIdOf(schedulerId: string, openingEventId: string): string {
  return `${schedulerId}#${openingEventId}`;
}

function opened(
  schedulerId: string,
  kind: IncidentKind,
  signal: IncidentSignal & { event_id: string },
): Incident {
  return {
    incident_id: incidentIdOf(schedulerId, signal.event_id),
    scheduler_id: schedulerId,
    kind,
    state: 'open',
    opened_at: signal.at,
    updated_at: signal.at,
    resolved_at: null,
    events: 1,
    acknowledged_by: null,
    acknowledged_at: null,
  };
}

const elapsedMs = (from: string, to: string) =>
  Math.max(0, (parseTimestamp(to) ?? 0) - (parseTimestamp(from) ?? 0));

type Counts = Pick<IncidentTracker, 'consecutive_failures' | 'consecutive_successes'>;

/** The tracker with `incident` open: a problem joins it, or opens it when none is. */
function problem(
  tracker: IncidentTracker,
  schedulerId: string,
  kind: IncidentKind,
  signal: IncidentSignal & { event_id: string },
  policy: IncidentPolicy,
  counts: Counts,
): IncidentStep {
  const open = tracker.open;
  if (open === null) {
    if (policy.quiet) return { tracker: { ...tracker, ...counts }, effects: [] };
    const incident = opened(schedulerId, kind, signal);
    return {
      tracker: {
        ...tracker,
        ...counts,
        open: incident,
        started_after_miss: false,
        stale_since: kind === 'stale' ? signal.at : null,
      },
      effects: [{ type: 'open', incident, signal }],
    };
  }
  const escalates = SEVERITY[kind] > SEVERITY[open.kind];
  const incident: Incident = {
    ...open,
    kind: escalates ? kind : open.kind,
    events: open.events + 1,
    updated_at: signal.at,
  };
  const reason: FollowUpReason = escalates
    ? { type: 'escalated', from: open.kind, to: kind }
    : { type: 'repeated', kind };
  return {
    tracker: {
      ...tracker,
      ...counts,
      open: incident,
      ...(kind === 'stale' ? { stale_since: signal.at } : {}),
    },
    effects: policy.quiet ? [] : [{ type: 'follow_up', incident, reason }],
  };
}

/** The tracker with its open incident resolved at `at`. */
function resolved(tracker: IncidentTracker, at: string, counts: Counts): IncidentStep {
  const open = tracker.open;
  if (open === null) return { tracker: { ...tracker, ...counts }, effects: [] };
  const incident: Incident = { ...open, state: 'resolved', resolved_at: at, updated_at: at };
  return {
    tracker: { ...tracker, ...counts, open: null, started_after_miss: false, stale_since: null },
    effects: [{ type: 'resolve', incident, duration_ms: elapsedMs(open.opened_at, at) }],
  };
}

const RUN_SIGNALS: ReadonlySet<IncidentSignal['type']> = new Set([
  'failed',
  'completed',
  'running',
  'pending',
]);

/**
 * The signal's effect on a tracker that has not seen it, or undefined: a signal taken
 * before (redelivered) or a run signal older than the newest taken (delivered late) does
 * nothing, so each transition happens once whatever the delivery.
 */
function freshTracker(
  tracker: IncidentTracker,
  signal: IncidentSignal,
): IncidentTracker | undefined {
  const id = 'event_id' in signal ? signal.event_id : undefined;
  if (id !== undefined && tracker.recent.includes(id)) return undefined;
  const isRun = RUN_SIGNALS.has(signal.type);
  if (isRun && tracker.last_run_at !== null && signal.at < tracker.last_run_at) return undefined;
  return {
    ...tracker,
    last_run_at: isRun ? signal.at : tracker.last_run_at,
    recent: id === undefined ? tracker.recent : [...tracker.recent, id].slice(-RECENT_SIGNALS),
  };
}

/**
 * Whether a sign of life at `at` ends an open `stale` incident: only one from after the
 * silence was found (a heartbeat from before it, delivered again, is the one it counted
 * from), also when the incident became `stale` by escalation.
 */
function endsSilence(tracker: IncidentTracker, at: string): boolean {
  const open = tracker.open;
  return open?.kind === 'stale' && at >= (tracker.stale_since ?? open.opened_at);
}

/**
 * The incident state after one signal, and what to tell people (incidents.md):
 * - a failure counts towards `alert_after_failures` and opens a `failed` incident at the
 *   Nth in a row; with one open it is a follow-up (escalating a lesser kind to `failed`);
 * - a due deadline opens a `missed`, `overrun` or `stale` incident, or follows up;
 * - a completed run shorter than `min_runtime_seconds` is a `too_fast` problem, not a
 *   success; any other completed run counts towards `recover_after_successes`, which
 *   resolves the incident; a `missed`, `overrun` or `stale` one resolves at once, since
 *   its condition ended (the late run completed, the long run ended, the job spoke);
 * - a start (`running`) follows up a `missed` incident with how late it started, and
 *   ends a `stale` one; a heartbeat ends a `stale` one;
 * - an acknowledgement marks the open incident and follows up;
 * - `quiet` (paused, archived): nothing opens and nothing is posted; an incident already
 *   open still resolves.
 */
export function nextIncidentState(
  seen: IncidentTracker,
  schedulerId: string,
  signal: IncidentSignal,
  policy: IncidentPolicy,
): IncidentStep {
  const tracker = freshTracker(seen, signal);
  if (tracker === undefined) return { tracker: seen, effects: [] };
  const open = tracker.open;
  const keep: Counts = {
    consecutive_failures: tracker.consecutive_failures,
    consecutive_successes: tracker.consecutive_successes,
  };
  switch (signal.type) {
    case 'failed': {
      const counts = {
        // Counted up to the threshold only: past it nothing changes, and nothing is written.
        consecutive_failures: Math.min(keep.consecutive_failures + 1, policy.alert_after_failures),
        consecutive_successes: 0,
      };
      if (open === null && counts.consecutive_failures < policy.alert_after_failures) {
        return { tracker: { ...tracker, ...counts }, effects: [] };
      }
      return problem(tracker, schedulerId, 'failed', signal, policy, counts);
    }
    case 'completed': {
      const minMs = policy.min_runtime_seconds === null ? null : policy.min_runtime_seconds * 1000;
      if (minMs !== null && signal.duration_ms !== null && signal.duration_ms < minMs) {
        return problem(tracker, schedulerId, 'too_fast', signal, policy, {
          consecutive_failures: keep.consecutive_failures,
          consecutive_successes: 0,
        });
      }
      const counts = {
        consecutive_failures: 0,
        consecutive_successes: Math.min(
          keep.consecutive_successes + 1,
          policy.recover_after_successes,
        ),
      };
      if (open === null) return { tracker: { ...tracker, ...counts }, effects: [] };
      const conditionEnded =
        open.kind === 'missed' || open.kind === 'overrun' || open.kind === 'stale';
      if (conditionEnded || counts.consecutive_successes >= policy.recover_after_successes) {
        return resolved(tracker, signal.at, counts);
      }
      return { tracker: { ...tracker, ...counts }, effects: [] };
    }
    case 'pending':
      return endsSilence(tracker, signal.at)
        ? resolved(tracker, signal.at, keep)
        : { tracker, effects: [] };
    case 'running': {
      if (endsSilence(tracker, signal.at)) return resolved(tracker, signal.at, keep);
      // The late start is said once (from the deadline the job missed).
      if (open?.kind === 'missed' && !tracker.started_after_miss && !policy.quiet) {
        const incident = { ...open, events: open.events + 1, updated_at: signal.at };
        return {
          tracker: { ...tracker, open: incident, started_after_miss: true },
          effects: [
            {
              type: 'follow_up',
              incident,
              reason: { type: 'started_late', late_ms: elapsedMs(open.opened_at, signal.at) },
            },
          ],
        };
      }
      return { tracker, effects: [] };
    }
    case 'heartbeat':
      return endsSilence(tracker, signal.at)
        ? resolved(tracker, signal.at, keep)
        : { tracker, effects: [] };
    case 'deadline':
      return problem(tracker, schedulerId, signal.kind, signal, policy, keep);
    case 'acknowledged': {
      // An acknowledgement is for one incident: a click on an older one changes nothing.
      if (
        open === null ||
        open.state === 'acknowledged' ||
        open.incident_id !== signal.incident_id
      ) {
        return { tracker: seen, effects: [] };
      }
      const incident: Incident = {
        ...open,
        state: 'acknowledged',
        acknowledged_by: signal.user_id,
        acknowledged_at: signal.at,
        updated_at: signal.at,
      };
      return {
        tracker: { ...tracker, open: incident },
        effects: [
          {
            type: 'follow_up',
            incident,
            reason: { type: 'acknowledged', user_id: signal.user_id },
          },
        ],
      };
    }
  }
}
