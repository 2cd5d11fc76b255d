/**
 * The incident box: everything one scheduler's incidents need between signals, stored as
 * one item (docs/schedules.md → Incidents). It holds the tracker `nextIncidentState`
 * works on and the outbox of what is still to tell Slack, so a transition and the
 * messages it owes are written together in one conditional write: none is ever lost
 * between the two, and none is told twice. Pure: the worker's incident outbox reads and
 * writes the box through the `IncidentStore` port and performs what these functions say.
 *
 * An entry's life: queued → claimed (one deliverer, under a lease) → delivered and
 * removed; or retried later (Slack could not take it), dropped (Slack refused it, or it
 * grew older than the max age), or dropped as uncertain when its deliverer died holding
 * the claim (at most once: it may have reached Slack). Entries go out in order, so a
 * thread reply never precedes its root message.
 */
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { IncidentRoute } from './boards.ts';
import { IncidentRouteSchema } from './boards.ts';
import type { Destination } from './destinations.ts';
import {
  canonicalOf,
  DestinationSchema,
  MAX_INCIDENT_DESTINATIONS,
  TransitionSchema,
  transitionOf,
} from './destinations.ts';
import type { DeadlineEvent, StatusEvent } from './events.ts';
import { runDurationMs } from './events.ts';
import type {
  FollowUpReason,
  Incident,
  IncidentEffect,
  IncidentPolicy,
  IncidentRecord,
  IncidentSignal,
  IncidentStep,
  IncidentTracker,
} from './incidents.ts';
import { IncidentSchema, NO_INCIDENT, nextIncidentState } from './incidents.ts';
import type { Clock, MessageRef } from './ports.ts';
import type { SchedulerRecord } from './scheduler.ts';
import { isArchived, isPaused, parseTimestamp } from './scheduler.ts';
import { truncate } from './slack-text.ts';
import type { IncidentStore, VersionedBox } from './state-ports.ts';

/** Who the incident is about and what opened it: what its messages are drawn from. */
export const IncidentContextSchema = Type.Object({
  scheduler: Type.Object({
    scheduler_id: Type.String(),
    service_name: Type.String(),
    job_name: Type.String(),
    alert_user_id: Type.Union([Type.String(), Type.Null()]),
  }),
  opening: Type.Object({
    at: Type.String(),
    expected_at: Type.Union([Type.String(), Type.Null()]),
    grace_seconds: Type.Union([Type.Integer(), Type.Null()]),
    error_message: Type.Union([Type.String(), Type.Null()]),
    execution_time_ms: Type.Union([Type.Integer(), Type.Null()]),
    min_runtime_seconds: Type.Union([Type.Integer(), Type.Null()]),
    max_runtime_seconds: Type.Union([Type.Integer(), Type.Null()]),
    started_at: Type.Union([Type.String(), Type.Null()]),
    last_signal_at: Type.Union([Type.String(), Type.Null()]),
    failures_in_row: Type.Union([Type.Integer(), Type.Null()]),
  }),
  /**
   * Where its messages go: one root message and thread per route (its boards' channels
   * when it opened, docs/boards.md). Absent: the notifier's own channel, one thread.
   */
  routes: Type.Optional(Type.Array(IncidentRouteSchema)),
  /** As stored: the keys of its destinations in the box's `destination_table`, in order. */
  destination_keys: Type.Optional(Type.Array(Type.String())),
  /**
   * The PagerDuty, Opsgenie and webhook destinations of its transitions, as configured
   * when it opened (docs/destinations.md): what the worker gives `withStep`. The box
   * keeps each destination once, in `destination_table`, and the context its keys.
   */
  destinations: Type.Optional(
    Type.Array(DestinationSchema, { maxItems: MAX_INCIDENT_DESTINATIONS }),
  ),
});
export type IncidentContext = Static<typeof IncidentContextSchema>;

const ReasonSchema = Type.Unsafe<FollowUpReason>(
  Type.Object({ type: Type.String() }, { additionalProperties: true }),
);

/** One Slack call an incident owes. */
export const DeliverySchema = Type.Union([
  Type.Object({ type: Type.Literal('post_root') }),
  Type.Object({ type: Type.Literal('reply'), reason: ReasonSchema }),
  Type.Object({ type: Type.Literal('resolved'), duration_ms: Type.Number() }),
  Type.Object({ type: Type.Literal('reminder'), minutes: Type.Number() }),
  Type.Object({ type: Type.Literal('edit_root') }),
]);
export type Delivery = Static<typeof DeliverySchema>;

export const OutboxEntrySchema = Type.Object({
  seq: Type.Integer({ minimum: 1 }),
  /** The incident as this transition left it. */
  incident: IncidentSchema,
  delivery: DeliverySchema,
  /** The route's channel this call goes to; absent: the notifier's own channel. */
  channel: Type.Optional(Type.String()),
  created_at: Type.String(),
  attempts: Type.Integer({ minimum: 0 }),
  next_attempt_at: Type.String(),
  last_error: Type.Optional(Type.String()),
});
export type OutboxEntry = Static<typeof OutboxEntrySchema>;

/**
 * One transition an incident owes one destination. Entries of one incident and
 * destination (a lane) go out in order, each lane on its own, so a failing pager never
 * holds up Slack or another destination. A claim marks the entry being sent; a claim
 * that ran out (its sender died) is sent again under the same delivery id and dedup key,
 * which the destinations deduplicate (docs/destinations.md → Exactly once).
 */
export const DestinationEntrySchema = Type.Object({
  seq: Type.Integer({ minimum: 1 }),
  /** The incident as this transition left it. */
  incident: IncidentSchema,
  /** Its index in the incident's `context.destination_keys`. */
  destination: Type.Integer({ minimum: 0 }),
  transition: TransitionSchema,
  created_at: Type.String(),
  /** Attempts made so far (a claim that ran out counts as one). */
  attempts: Type.Integer({ minimum: 0 }),
  next_attempt_at: Type.String(),
  last_error: Type.Optional(Type.String()),
  claim: Type.Optional(Type.Object({ owner: Type.String(), until: Type.String() })),
});
export type DestinationEntry = Static<typeof DestinationEntrySchema>;

const TrackerSchema = Type.Unsafe<IncidentTracker>(
  Type.Object({
    consecutive_failures: Type.Integer({ minimum: 0 }),
    consecutive_successes: Type.Integer({ minimum: 0 }),
    open: Type.Union([IncidentSchema, Type.Null()]),
    last_run_at: Type.Union([Type.String(), Type.Null()]),
    recent: Type.Array(Type.String()),
    started_after_miss: Type.Boolean(),
    stale_since: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  }),
);

const MessageRefSchema = Type.Object({ channel: Type.String(), ts: Type.String() });

/** The box as stored (`IncidentStore`). */
export const IncidentBoxSchema = Type.Object({
  tracker: TrackerSchema,
  outbox: Type.Array(OutboxEntrySchema),
  /** The root message of recent incidents in the notifier's own channel, by incident id. */
  refs: Type.Record(Type.String(), MessageRefSchema),
  /** The root messages of recent incidents in their routes' channels: id → channel → ref. */
  channel_refs: Type.Optional(
    Type.Record(Type.String(), Type.Record(Type.String(), MessageRefSchema)),
  ),
  /** What recent incidents' messages are drawn from, by incident id. */
  contexts: Type.Record(Type.String(), IncidentContextSchema),
  claim: Type.Union([
    Type.Object({ owner: Type.String(), seq: Type.Integer(), until: Type.String() }),
    Type.Null(),
  ]),
  next_seq: Type.Integer({ minimum: 1 }),
  /** One reminder of an unacknowledged incident, when it is due. */
  remind: Type.Union([Type.Object({ incident_id: Type.String(), at: Type.String() }), Type.Null()]),
  /** The latest state of recent incidents, by id: what the api's copies are written from. */
  incidents: Type.Optional(Type.Record(Type.String(), IncidentSchema)),
  /** What the incidents still owe their destinations, in order (`DestinationEntry`). */
  destination_outbox: Type.Optional(Type.Array(DestinationEntrySchema)),
  /**
   * The destinations of the incidents that may still owe them something (the open one,
   * those with entries), each once, by key; secrets included: the box is never shown,
   * and a destination leaves it with the last incident that needs it.
   */
  destination_table: Type.Optional(Type.Record(Type.String(), DestinationSchema)),
});
export type IncidentBox = Static<typeof IncidentBoxSchema>;

export const EMPTY_BOX: IncidentBox = Object.freeze({
  tracker: NO_INCIDENT,
  outbox: [],
  refs: {},
  contexts: {},
  claim: null,
  next_seq: 1,
  remind: null,
}) as IncidentBox;

/** Entries a box keeps at most: during a long Slack outage the oldest follow-ups go first. */
export const MAX_OUTBOX_ENTRIES = 50;
/** Incidents whose root message and context a box remembers (the open one among them). */
const REMEMBERED_INCIDENTS = 5;

/** What Slack calls each effect owes, in order. */
function deliveriesOf(effect: IncidentEffect): Delivery[] {
  switch (effect.type) {
    case 'open':
      return [{ type: 'post_root' }];
    case 'follow_up': {
      const reply: Delivery = { type: 'reply', reason: effect.reason };
      // The root shows the incident's kind and who acknowledged it: redrawn when they change.
      const redraw = effect.reason.type === 'escalated' || effect.reason.type === 'acknowledged';
      return redraw ? [reply, { type: 'edit_root' }] : [reply];
    }
    case 'resolve':
      return [{ type: 'resolved', duration_ms: effect.duration_ms }, { type: 'edit_root' }];
  }
}

/** The most of an error a box keeps: more than any message shows, far below item limits. */
const CONTEXT_ERROR_LENGTH = 2_000;

/** The context as a box keeps it: a long error cut (the message shows less anyway). */
function boundedContext(context: IncidentContext): IncidentContext {
  const error = context.opening.error_message;
  return error === null || error.length <= CONTEXT_ERROR_LENGTH
    ? context
    : {
        ...context,
        opening: { ...context.opening, error_message: truncate(error, CONTEXT_ERROR_LENGTH) },
      };
}

/** Keeps the newest `REMEMBERED_INCIDENTS` keys of a record, and every key in `keep`. */
function remembered<T>(record: Record<string, T>, keep: ReadonlySet<string>): Record<string, T> {
  const keys = Object.keys(record);
  const drop = keys.slice(0, Math.max(0, keys.length - REMEMBERED_INCIDENTS));
  return Object.fromEntries(
    Object.entries(record).filter(([key]) => keep.has(key) || !drop.includes(key)),
  );
}

/** Whether a step changes nothing that needs to be written. */
export function isNoOp(box: IncidentBox, step: IncidentStep): boolean {
  if (step.effects.length > 0) return false;
  const before = box.tracker;
  const after = step.tracker;
  return (
    before.open === after.open &&
    before.consecutive_failures === after.consecutive_failures &&
    before.consecutive_successes === after.consecutive_successes &&
    before.started_after_miss === after.started_after_miss &&
    (before.stale_since ?? null) === (after.stale_since ?? null)
  );
}

/**
 * The box after a step: the new tracker, and the step's effects queued as deliveries
 * (at `now`, due at once). An opening remembers its context and sets the reminder; an
 * acknowledgement or resolution clears it. Past `MAX_OUTBOX_ENTRIES` the oldest queued
 * follow-ups are dropped (never a claimed entry or a root post): `dropped` counts them.
 */
export function withStep(
  box: IncidentBox,
  step: IncidentStep,
  context: IncidentContext,
  now: string,
  remindAfterMs: number | null,
): { box: IncidentBox; dropped: number; shed: ShedDelivery[] } {
  let seq = box.next_seq;
  const entries: OutboxEntry[] = [...box.outbox];
  const owed: DestinationEntry[] = [...(box.destination_outbox ?? [])];
  let table = box.destination_table ?? {};
  let contexts = box.contexts;
  let remind = box.remind;
  let incidents = box.incidents ?? {};
  for (const effect of step.effects) {
    const id = effect.incident.incident_id;
    incidents = { ...incidents, [id]: effect.incident };
    if (effect.type === 'open') {
      const interned = internDestinations(boundedContext(context), table);
      table = interned.table;
      contexts = { ...contexts, [id]: interned.context };
      const openedMs = parseTimestamp(effect.incident.opened_at) ?? 0;
      remind =
        remindAfterMs === null
          ? null
          : { incident_id: id, at: new Date(openedMs + remindAfterMs).toISOString() };
    } else if (
      effect.type === 'resolve' ||
      (effect.type === 'follow_up' && effect.reason.type === 'acknowledged')
    ) {
      if (remind?.incident_id === id) remind = null;
    }
    const transition = transitionOf(effect);
    const keys = contexts[id]?.destination_keys ?? [];
    if (transition !== undefined) {
      for (let index = 0; index < keys.length; index += 1) {
        owed.push({
          seq,
          incident: effect.incident,
          destination: index,
          transition,
          created_at: now,
          attempts: 0,
          next_attempt_at: now,
        });
        seq += 1;
      }
    }
    const channels = channelsOf(contexts[id]?.routes);
    for (const delivery of deliveriesOf(effect)) {
      for (const channel of channels) {
        // One redraw of a root is enough: it is drawn from the latest state anyway.
        if (delivery.type === 'edit_root') {
          const stale = entries.findIndex(
            (entry) =>
              entry.delivery.type === 'edit_root' &&
              entry.incident.incident_id === id &&
              entry.channel === channel &&
              entry.seq !== box.claim?.seq,
          );
          if (stale >= 0) entries.splice(stale, 1);
        }
        entries.push({
          seq,
          incident: effect.incident,
          delivery,
          ...(channel === undefined ? {} : { channel }),
          created_at: now,
          attempts: 0,
          next_attempt_at: now,
        });
        seq += 1;
      }
    }
  }
  let dropped = 0;
  while (entries.length > MAX_OUTBOX_ENTRIES) {
    // What adds to a thread goes first; then, a flood of whole incidents during a long
    // outage, the oldest messages whatever they are (the item must stay storable).
    const unclaimed = (entry: OutboxEntry) => entry.seq !== box.claim?.seq;
    let index = entries.findIndex(
      (entry) =>
        (entry.delivery.type === 'reply' || entry.delivery.type === 'reminder') && unclaimed(entry),
    );
    if (index < 0) index = entries.findIndex(unclaimed);
    if (index < 0) break;
    entries.splice(index, 1);
    dropped += 1;
  }
  // A head that was waiting out a retry and is gone (redrawn once, or shed) passes its
  // wait on: Slack is not called again before it said it could take a call.
  const head = box.outbox[0];
  const first = entries[0];
  if (head && first && first.seq !== head.seq && first.next_attempt_at < head.next_attempt_at) {
    entries[0] = { ...first, next_attempt_at: head.next_attempt_at };
  }
  const openId = step.tracker.open?.incident_id;
  const shed = shedDestinationEntries(owed, openId);
  const live = new Set([
    ...entries.map((entry) => entry.incident.incident_id),
    ...shed.entries.map((entry) => entry.incident.incident_id),
    ...(openId ? [openId] : []),
  ]);
  const kept = withDestinationsOf(remembered(contexts, live), table, shed.entries, openId);
  return {
    box: {
      ...box,
      tracker: step.tracker,
      outbox: entries,
      contexts: kept.contexts,
      refs: remembered(box.refs, live),
      ...(box.channel_refs && { channel_refs: remembered(box.channel_refs, live) }),
      incidents: remembered(incidents, live),
      next_seq: seq,
      remind,
      ...(shed.entries.length > 0 || box.destination_outbox
        ? { destination_outbox: shed.entries }
        : {}),
      ...(Object.keys(kept.table).length > 0 || box.destination_table
        ? { destination_table: kept.table }
        : {}),
    },
    dropped,
    shed: shed.dropped.map((entry) => {
      const key = contexts[entry.incident.incident_id]?.destination_keys?.[entry.destination];
      return {
        incident_id: entry.incident.incident_id,
        transition: entry.transition,
        destination_type: (key === undefined ? undefined : table[key])?.type ?? 'webhook',
      };
    }),
  };
}

/** A delivery a full box gave up on before trying it (`withStep`). */
export type ShedDelivery = {
  incident_id: string;
  transition: DestinationEntry['transition'];
  destination_type: Destination['type'];
};

/**
 * The context as stored: its destinations moved into the box's table (an equal one
 * already there is reused, else a new key is taken), the context keeping their keys.
 */
function internDestinations(
  context: IncidentContext,
  table: Record<string, Destination>,
): { context: IncidentContext; table: Record<string, Destination> } {
  const { destinations, ...rest } = context;
  if (!destinations || destinations.length === 0) return { context: rest, table };
  const next = { ...table };
  const byValue = new Map(Object.entries(next).map(([key, value]) => [canonicalOf(value), key]));
  let fresh = Math.max(0, ...Object.keys(next).map((key) => Number(key.slice(1)) || 0));
  const keys = destinations.map((destination) => {
    const known = byValue.get(canonicalOf(destination));
    if (known !== undefined) return known;
    fresh += 1;
    const key = `d${fresh}`;
    next[key] = destination;
    byValue.set(canonicalOf(destination), key);
    return key;
  });
  return { context: { ...rest, destination_keys: keys }, table: next };
}

/**
 * The contexts and table after pruning: only the open incident and incidents with entries
 * still owed keep their destination keys, and the table only the destinations they name,
 * so a secret leaves the box when the last incident needing it is done.
 */
function withDestinationsOf(
  contexts: Record<string, IncidentContext>,
  table: Record<string, Destination>,
  owed: readonly DestinationEntry[],
  openId: string | undefined,
): { contexts: Record<string, IncidentContext>; table: Record<string, Destination> } {
  const needing = new Set(owed.map((entry) => entry.incident.incident_id));
  if (openId) needing.add(openId);
  const used = new Set<string>();
  const next: Record<string, IncidentContext> = {};
  for (const [id, context] of Object.entries(contexts)) {
    if (needing.has(id) || context.destination_keys === undefined) {
      for (const key of context.destination_keys ?? []) used.add(key);
      next[id] = context;
    } else {
      const { destination_keys: _gone, ...rest } = context;
      next[id] = rest;
    }
  }
  return {
    contexts: next,
    table: Object.fromEntries(Object.entries(table).filter(([key]) => used.has(key))),
  };
}

/** Destination entries a box keeps at most. */
export const MAX_DESTINATION_ENTRIES = 60;
/** Incidents a box keeps destination entries of at most (besides the open one). */
const MAX_OWING_INCIDENTS = 10;

/**
 * The destination entries within `MAX_DESTINATION_ENTRIES` and `MAX_OWING_INCIDENTS` (a
 * flapping job during a long pager outage; the item must stay storable). Whole lanes go,
 * never the open incident's, never a claimed entry's: first those of resolved incidents
 * whose opening was never tried (their destination never heard of them), oldest first;
 * then the oldest incidents' lanes whatever they hold. `dropped`: the entries shed.
 */
function shedDestinationEntries(
  entries: DestinationEntry[],
  openId: string | undefined,
): { entries: DestinationEntry[]; dropped: DestinationEntry[] } {
  let kept = entries;
  const incidentsOf = (list: readonly DestinationEntry[]) =>
    new Set(list.map((entry) => entry.incident.incident_id));
  const over = () =>
    kept.length > MAX_DESTINATION_ENTRIES ||
    [...incidentsOf(kept)].filter((id) => id !== openId).length > MAX_OWING_INCIDENTS;
  while (over()) {
    const sheddable = (entry: DestinationEntry) =>
      entry.incident.incident_id !== openId &&
      !kept.some((item) => laneOf(item) === laneOf(entry) && item.claim !== undefined);
    const heads = laneHeads(kept).filter(sheddable);
    // Never tried: a tried one may have reached the destination, and needs its resolve.
    const unheard = heads.find(
      (entry) =>
        entry.transition === 'opened' &&
        entry.attempts === 0 &&
        kept.some((item) => laneOf(item) === laneOf(entry) && item.transition === 'resolved'),
    );
    const victim = unheard ?? heads[0];
    if (!victim) break;
    // The oldest incident goes whole when it is the one shed for age; an unheard lane alone.
    const gone = unheard
      ? (entry: DestinationEntry) => laneOf(entry) === laneOf(victim)
      : (entry: DestinationEntry) =>
          entry.incident.incident_id === victim.incident.incident_id && sheddable(entry);
    kept = kept.filter((entry) => !gone(entry));
  }
  const left = new Set(kept);
  return { entries: kept, dropped: entries.filter((entry) => !left.has(entry)) };
}

/** The box with `entries` as its destination outbox, its contexts and table pruned to them. */
function withOwed(box: IncidentBox, entries: DestinationEntry[]): IncidentBox {
  const kept = withDestinationsOf(
    box.contexts,
    box.destination_table ?? {},
    entries,
    box.tracker.open?.incident_id,
  );
  return {
    ...box,
    destination_outbox: entries,
    contexts: kept.contexts,
    ...(box.destination_table ? { destination_table: kept.table } : {}),
  };
}

/** The lane of an entry: its incident and destination. */
function laneOf(entry: DestinationEntry): string {
  return `${entry.destination} ${entry.incident.incident_id}`;
}

/** The first entry of every lane, in order. */
function laneHeads(entries: readonly DestinationEntry[]): DestinationEntry[] {
  const seen = new Set<string>();
  const heads: DestinationEntry[] = [];
  for (const entry of entries) {
    const lane = laneOf(entry);
    if (seen.has(lane)) continue;
    seen.add(lane);
    heads.push(entry);
  }
  return heads;
}

/** When a lane head next needs a sender: when due, or when its claim runs out. */
function destinationDueAt(entry: DestinationEntry): string {
  return entry.claim?.until ?? entry.next_attempt_at;
}

/** The destination of an entry, from its incident's context (undefined: forgotten). */
export function destinationOf(box: IncidentBox, entry: DestinationEntry): Destination | undefined {
  const key = box.contexts[entry.incident.incident_id]?.destination_keys?.[entry.destination];
  return key === undefined ? undefined : box.destination_table?.[key];
}

/** What a sender does next with a box's destination entries (`nextDestinationStep`). */
export type DestinationStep = {
  /** Write this box (with the claims and drops), then send `claimed`. */
  box: IncidentBox;
  /** The entries claimed for the sender, each the head of its lane. */
  claimed: DestinationEntry[];
  /** Of `claimed`, those whose earlier sender died holding the claim (sent again). */
  resent: DestinationEntry[];
  /** Entries dropped: older than the max age, or their destination forgotten. */
  expired: DestinationEntry[];
};

/**
 * The destination entries `owner` sends now at `nowMs`: each lane's head when it is due
 * and unclaimed, or its claim ran out (sent again: the destination may have taken it, and
 * deduplicates by delivery id); a head older than `maxAgeMs` is dropped and the next of
 * its lane looked at. Undefined when there is nothing to do now.
 */
export function nextDestinationStep(
  box: IncidentBox,
  nowMs: number,
  options: { owner: string; leaseMs: number; maxAgeMs: number },
): DestinationStep | undefined {
  let entries = box.destination_outbox ?? [];
  const expired: DestinationEntry[] = [];
  for (;;) {
    const gone = laneHeads(entries).filter(
      (entry) =>
        (entry.claim === undefined || (parseTimestamp(entry.claim.until) ?? 0) <= nowMs) &&
        ((parseTimestamp(entry.created_at) ?? 0) + options.maxAgeMs < nowMs ||
          destinationOf(box, entry) === undefined),
    );
    if (gone.length === 0) break;
    expired.push(...gone);
    entries = entries.filter((entry) => !gone.includes(entry));
  }
  const until = new Date(nowMs + options.leaseMs).toISOString();
  const claimed: DestinationEntry[] = [];
  const resent: DestinationEntry[] = [];
  const heads = new Set(
    laneHeads(entries).filter((entry) => (parseTimestamp(destinationDueAt(entry)) ?? 0) <= nowMs),
  );
  entries = entries.map((entry) => {
    if (!heads.has(entry)) return entry;
    const again = entry.claim !== undefined;
    const next: DestinationEntry = {
      ...entry,
      attempts: entry.attempts + (again ? 1 : 0),
      claim: { owner: options.owner, until },
    };
    claimed.push(next);
    if (again) resent.push(next);
    return next;
  });
  if (claimed.length === 0 && expired.length === 0) return undefined;
  return { box: withOwed(box, entries), claimed, resent, expired };
}

/** How one destination delivery went. */
export type DestinationResult =
  | { type: 'done' }
  | { type: 'retry'; at: string; error: string }
  | { type: 'drop'; error: string };

/**
 * The box after `owner` sent its claimed entries, applied to the box as it is now:
 * delivered and refused ones removed, failed ones due again at their retry time. An
 * entry no longer claimed by `owner` (its lease ran out and another sender took it) is
 * left to that sender. Undefined when nothing changes.
 */
export function settleDestinations(
  box: IncidentBox,
  owner: string,
  results: ReadonlyMap<number, DestinationResult>,
): IncidentBox | undefined {
  const entries = box.destination_outbox ?? [];
  let changed = false;
  const next: DestinationEntry[] = [];
  for (const entry of entries) {
    const result = results.get(entry.seq);
    if (result === undefined || entry.claim?.owner !== owner) {
      next.push(entry);
      continue;
    }
    changed = true;
    if (result.type === 'retry') {
      const { claim: _claim, ...rest } = entry;
      next.push({
        ...rest,
        attempts: entry.attempts + 1,
        next_attempt_at: result.at,
        last_error: result.error,
      });
    }
  }
  return changed ? withOwed(box, next) : undefined;
}

/** When the oldest transition still owed to a destination was queued; undefined: none. */
export function oldestUndeliveredAt(box: IncidentBox): string | undefined {
  return (box.destination_outbox ?? []).map((entry) => entry.created_at).sort()[0];
}

/**
 * The channels an incident's messages go to, one entry each: its routes' channels, or
 * the notifier's own (undefined) without routes or for a route without a channel.
 */
function channelsOf(routes: readonly IncidentRoute[] | undefined): (string | undefined)[] {
  if (routes === undefined || routes.length === 0) return [undefined];
  return [...new Set(routes.map((route) => route.channel ?? undefined))];
}

/** The root message of an incident in `channel` (undefined: the notifier's own channel). */
export function rootRefOf(
  box: IncidentBox,
  incidentId: string,
  channel: string | undefined,
): MessageRef | undefined {
  return channel === undefined ? box.refs[incidentId] : box.channel_refs?.[incidentId]?.[channel];
}

/** The route of an entry's channel, from the incident's context. */
export function routeOf(box: IncidentBox, entry: OutboxEntry): IncidentRoute | undefined {
  const routes = box.contexts[entry.incident.incident_id]?.routes;
  return routes?.find((route) => (route.channel ?? undefined) === entry.channel);
}

/** The box with `ref` as the incident's root message in `channel`. */
function withRootRef(
  box: IncidentBox,
  incidentId: string,
  channel: string | undefined,
  ref: MessageRef,
): IncidentBox {
  if (channel === undefined) return { ...box, refs: { ...box.refs, [incidentId]: ref } };
  const byChannel = box.channel_refs ?? {};
  return {
    ...box,
    channel_refs: { ...byChannel, [incidentId]: { ...byChannel[incidentId], [channel]: ref } },
  };
}

/**
 * When the box next needs a deliverer: its first Slack entry, its reminder, or the first
 * due of its destination lanes; else never.
 */
export function nextDueAt(box: IncidentBox): string | undefined {
  return [slackDueAt(box), lanesDueAt(box)]
    .filter((at): at is string => at !== undefined)
    .sort()[0];
}

/** When the first of the box's destination lanes is next due. */
function lanesDueAt(box: IncidentBox): string | undefined {
  return laneHeads(box.destination_outbox ?? [])
    .map(destinationDueAt)
    .sort()[0];
}

/** When Slack's part of the box is next due: its first entry, or its reminder. */
function slackDueAt(box: IncidentBox): string | undefined {
  const times = [box.outbox[0]?.next_attempt_at, box.remind?.at];
  return times.filter((at): at is string => at !== undefined).sort()[0];
}

/** What a deliverer does next with a box (`nextDeliveryStep`). */
export type DeliveryStep =
  | { kind: 'idle' }
  | { kind: 'wait'; until: string }
  /** Another deliverer holds the claim. */
  | { kind: 'busy' }
  /** Claim the first entry: write `box`, then perform `entry`. */
  | { kind: 'claim'; box: IncidentBox; entry: OutboxEntry }
  /** Write `box` (an entry dropped, or the reminder queued) and look again. */
  | {
      kind: 'settle';
      box: IncidentBox;
      outcome: 'expired' | 'uncertain' | 'reminder';
      entry?: OutboxEntry;
    };

/**
 * The next thing to do with a box at `nowMs` for the deliverer `owner`: claim the first
 * entry if it is due; drop it when its poster died holding the claim (`uncertain`: it may
 * have reached Slack, so it is not sent again) or when it is older than `maxAgeMs`; queue
 * the reminder when it is due and the incident is still open and unacknowledged.
 */
export function nextDeliveryStep(
  box: IncidentBox,
  nowMs: number,
  options: { owner: string; leaseMs: number; maxAgeMs: number },
): DeliveryStep {
  const now = new Date(nowMs).toISOString();
  const first = box.outbox[0];
  if (box.claim !== null) {
    if ((parseTimestamp(box.claim.until) ?? 0) > nowMs) return { kind: 'busy' };
    const claimed = box.outbox.find((entry) => entry.seq === box.claim?.seq);
    return {
      kind: 'settle',
      box: { ...box, claim: null, outbox: box.outbox.filter((entry) => entry !== claimed) },
      outcome: 'uncertain',
      ...(claimed ? { entry: claimed } : {}),
    };
  }
  if (first !== undefined) {
    if ((parseTimestamp(first.created_at) ?? 0) + options.maxAgeMs < nowMs) {
      return {
        kind: 'settle',
        box: { ...box, outbox: box.outbox.slice(1) },
        outcome: 'expired',
        entry: first,
      };
    }
    if ((parseTimestamp(first.next_attempt_at) ?? 0) <= nowMs) {
      return {
        kind: 'claim',
        box: {
          ...box,
          claim: {
            owner: options.owner,
            seq: first.seq,
            until: new Date(nowMs + options.leaseMs).toISOString(),
          },
        },
        entry: first,
      };
    }
  }
  const remind = box.remind;
  if (remind !== null && (parseTimestamp(remind.at) ?? 0) <= nowMs) {
    const open = box.tracker.open;
    const stillOpen = open !== null && open.incident_id === remind.incident_id;
    const reminders: OutboxEntry[] =
      stillOpen && open.state === 'open'
        ? channelsOf(box.contexts[open.incident_id]?.routes).map((channel, index) => ({
            seq: box.next_seq + index,
            incident: open,
            delivery: {
              type: 'reminder',
              minutes: Math.round((nowMs - (parseTimestamp(open.opened_at) ?? nowMs)) / 60_000),
            },
            ...(channel === undefined ? {} : { channel }),
            created_at: now,
            attempts: 0,
            next_attempt_at: now,
          }))
        : [];
    const entry = reminders[0];
    return {
      kind: 'settle',
      box: {
        ...box,
        remind: null,
        outbox: [...box.outbox, ...reminders],
        next_seq: box.next_seq + reminders.length,
      },
      outcome: 'reminder',
      ...(entry ? { entry } : {}),
    };
  }
  const due = nextDueAt(box);
  return due === undefined ? { kind: 'idle' } : { kind: 'wait', until: due };
}

/** How a claimed delivery went. */
export type DeliveryResult =
  | { type: 'done'; ref?: MessageRef }
  | { type: 'retry'; at: string; error: string }
  | { type: 'drop'; error: string };

/**
 * The box after `owner` performed its claimed `entry`, applied to the box as it is now
 * (signals queued meanwhile are kept); `lost` when the claim is no longer `owner`'s (its
 * lease ran out and another deliverer settled the entry). A root message posted under a
 * lost claim is still remembered, so its thread and edits find it. Undefined: nothing
 * to write.
 */
export function settleDelivery(
  box: IncidentBox,
  owner: string,
  claimed: OutboxEntry,
  result: DeliveryResult,
): { box: IncidentBox; lost: boolean } | undefined {
  const seq = claimed.seq;
  const id = claimed.incident.incident_id;
  const rootRef =
    result.type === 'done' && claimed.delivery.type === 'post_root' ? result.ref : undefined;
  const channel = claimed.channel;
  if (box.claim?.owner !== owner || box.claim.seq !== seq) {
    return rootRef && !rootRefOf(box, id, channel)
      ? { box: withRootRef(box, id, channel, rootRef), lost: true }
      : undefined;
  }
  const entry = box.outbox.find((item) => item.seq === seq);
  const rest = box.outbox.filter((item) => item.seq !== seq);
  if (result.type === 'retry' && entry) {
    const retried = {
      ...entry,
      attempts: entry.attempts + 1,
      next_attempt_at: result.at,
      last_error: result.error,
    };
    return { box: { ...box, claim: null, outbox: [retried, ...rest] }, lost: false };
  }
  const settled = { ...box, claim: null, outbox: rest };
  return { box: rootRef ? withRootRef(settled, id, channel, rootRef) : settled, lost: false };
}

/** The outbox pointer of a box, as stored: when it next needs a deliverer. */
export const BoxPointerSchema = Type.Object({
  /** When the box next needs a deliverer (`nextDueAt`). */
  at: Type.String(),
  /** With destination entries: when the oldest of them was queued (the age metric). */
  oldest: Type.Optional(Type.String()),
  /** With destination entries: when Slack's part next is due; absent, Slack owes nothing. */
  slack_at: Type.Optional(Type.String()),
  /** With destination entries: when the first of its lanes is next due. */
  destinations_at: Type.Optional(Type.String()),
});
export type BoxPointer = Static<typeof BoxPointerSchema>;

/**
 * The outbox pointer a box needs, or undefined when it owes nothing. A box owing its
 * destinations says apart when Slack's part is due, so the Slack pass does not spend
 * itself on boxes waiting for a pager, nor the reverse.
 */
export function pointerOf(box: IncidentBox): BoxPointer | undefined {
  const at = nextDueAt(box);
  if (at === undefined) return undefined;
  const oldest = oldestUndeliveredAt(box);
  const lanes = lanesDueAt(box);
  if (oldest === undefined || lanes === undefined) return { at };
  const slack = slackDueAt(box);
  return {
    at,
    oldest,
    destinations_at: lanes,
    ...(slack === undefined ? {} : { slack_at: slack }),
  };
}

/** What `applyIncidentSignal` needs. */
export type ApplySignalDeps = {
  store: IncidentStore;
  clock: Clock;
  /** `INCIDENT_REMIND_MINUTES` in ms; null: no reminder. */
  remindAfterMs: number | null;
};

/** A box already read for a signal (`found` undefined: the scheduler has none). */
export type BoxRead = { found: VersionedBox | undefined };

/** One signal for one scheduler's incidents, with what an opening would be drawn from. */
export type SignalInput = {
  schedulerId: string;
  signal: IncidentSignal;
  policy: IncidentPolicy;
  context: IncidentContext;
};

/** Lost races in a row before a signal is left for its message's retry. */
const MAX_SIGNAL_ROUNDS = 8;

/** The api's view of an incident: the transition's snapshot with its scheduler and root message. */
export function incidentRecordOf(box: IncidentBox, incident: Incident): IncidentRecord {
  const context = box.contexts[incident.incident_id];
  return {
    ...incident,
    service_name: context?.scheduler.service_name ?? '',
    job_name: context?.scheduler.job_name ?? '',
    // The notifier's own channel's root, else the first board's.
    slack:
      box.refs[incident.incident_id] ??
      Object.values(box.channel_refs?.[incident.incident_id] ?? {})[0] ??
      null,
  };
}

/**
 * Applies a signal to a scheduler's incidents (`nextIncidentState`) and queues what it
 * owes Slack, in one compare-and-set of the box; the outbox pointer is written first, so
 * a box with something to deliver is always found. A signal seen before changes nothing.
 * Returns the effects (empty when nothing changed). The incidents the api reads are
 * updated as well, after the box.
 *
 * Failure: `EngineUnavailableError` from the store (nothing, or only the pointer,
 * written: apply again); an Error when the box kept changing under it.
 */
export async function applyIncidentSignal(
  deps: ApplySignalDeps,
  input: SignalInput,
  /**
   * The box as just read with others (`IncidentStore.boxes`), for the first round; a
   * lost race reads it again. Absent: the first round reads it too.
   */
  read?: BoxRead,
): Promise<{
  effects: IncidentEffect[];
  dropped: number;
  owed: boolean;
  shed: ShedDelivery[];
}> {
  for (let round = 0; round < MAX_SIGNAL_ROUNDS; round += 1) {
    const now = deps.clock.now().toISOString();
    const found = round === 0 && read ? read.found : await deps.store.box(input.schedulerId, now);
    const box = found?.box ?? EMPTY_BOX;
    const step = nextIncidentState(box.tracker, input.schedulerId, input.signal, input.policy);
    if (isNoOp(box, step)) {
      // Seen before (or an acknowledgement already taken): its first application may have
      // stopped after the box, before the pointer or the api's copies. They are written
      // again (an older copy never overwrites a newer one), and what the box still owes
      // is said to be owed, so the caller delivers it.
      const again = found !== undefined && takenBefore(box, input.signal);
      if (!again) return { effects: [], dropped: 0, owed: false, shed: [] };
      const pointer = pointerOf(box);
      if (pointer) await deps.store.schedule(input.schedulerId, pointer);
      await project(deps, box, incidentsIn(box), now);
      return { effects: [], dropped: 0, owed: pointer !== undefined, shed: [] };
    }
    const next = withStep(box, step, input.context, now, deps.remindAfterMs);
    const pointer = pointerOf(next.box);
    if (pointer) await deps.store.schedule(input.schedulerId, pointer);
    if (!(await deps.store.saveBox(input.schedulerId, next.box, found?.version ?? 0, now))) {
      continue;
    }
    // Again after the box: a deliverer that read the box before it, found nothing to do
    // and dropped the pointer meanwhile does not leave this box unfound.
    if (pointer) await deps.store.schedule(input.schedulerId, pointer);
    await project(
      deps,
      next.box,
      step.effects.map((effect) => effect.incident),
      now,
    );
    return {
      effects: step.effects,
      dropped: next.dropped,
      owed: step.effects.length > 0,
      shed: next.shed,
    };
  }
  throw new Error(`the incidents of ${input.schedulerId} kept changing while a signal was applied`);
}

/**
 * Whether the box took this signal before: its id among the latest taken, an
 * acknowledgement (taken once), or a heartbeat that resolved a recent incident.
 */
function takenBefore(box: IncidentBox, signal: IncidentSignal): boolean {
  if (signal.type === 'acknowledged') return true;
  if (signal.type === 'heartbeat') {
    return Object.values(box.incidents ?? {}).some(
      (incident) => incident.resolved_at === signal.at,
    );
  }
  return box.tracker.recent.includes(signal.event_id);
}

/** The incidents a box knows: recent ones, the open one, those its messages are about. */
function incidentsIn(box: IncidentBox): Incident[] {
  const byId = new Map<string, Incident>();
  for (const entry of box.outbox) byId.set(entry.incident.incident_id, entry.incident);
  if (box.tracker.open) byId.set(box.tracker.open.incident_id, box.tracker.open);
  // The latest state of each recent incident, resolved ones included.
  for (const [id, incident] of Object.entries(box.incidents ?? {})) byId.set(id, incident);
  return [...byId.values()];
}

/** Writes the api's copies of `incidents` at the box's latest version. */
async function project(
  deps: ApplySignalDeps,
  box: IncidentBox,
  incidents: readonly Incident[],
  now: string,
) {
  for (const incident of incidents) {
    await deps.store.saveIncident(incidentRecordOf(box, incident), box.next_seq - 1, now);
  }
}

/** What a scheduler's record and one of its events say to its incidents. */
export type RecordedEvent =
  | { type: 'status'; event: StatusEvent }
  | { type: 'heartbeat'; at: string }
  | { type: 'deadline'; event: DeadlineEvent }
  /** Someone acknowledged the incident (the api, the Slack button). */
  | { type: 'acknowledged'; at: string; user_id: string; incident_id: string };

/**
 * The incident signal of an event applied to `record` (the record as the event left
 * it), with the policy it is judged by and what an opening would show. `quiet` when
 * the scheduler was paused at the event's time or is archived, or the event is older
 * than `maxAgeMs` at `nowMs` (a replayed backlog pages nobody).
 */
export function signalInputOf(
  record: SchedulerRecord,
  recorded: RecordedEvent,
  nowMs: number,
  maxAgeMs: number,
): SignalInput {
  const at =
    recorded.type === 'heartbeat' || recorded.type === 'acknowledged'
      ? recorded.at
      : recorded.event.timestamp;
  let signal: IncidentSignal;
  if (recorded.type === 'heartbeat') signal = { type: 'heartbeat', at };
  else if (recorded.type === 'acknowledged') signal = { ...recorded };
  else if (recorded.type === 'deadline') {
    const event = recorded.event;
    signal = {
      type: 'deadline',
      kind: event.kind,
      at,
      event_id: event.event_id,
      expected_at: event.expected_at,
    };
  } else {
    const event = recorded.event;
    signal =
      event.status === 'failed'
        ? { type: 'failed', at, event_id: event.event_id, error_message: event.error_message }
        : event.status === 'completed'
          ? { type: 'completed', at, event_id: event.event_id, duration_ms: runDurationMs(record) }
          : { type: event.status, at, event_id: event.event_id };
  }
  const tooOld = nowMs - (parseTimestamp(at) ?? nowMs) > maxAgeMs;
  const status = recorded.type === 'status' ? recorded.event : undefined;
  return {
    schedulerId: record.scheduler_id,
    signal,
    policy: {
      alert_after_failures: record.alert_after_failures,
      recover_after_successes: record.recover_after_successes,
      min_runtime_seconds: record.min_runtime_seconds,
      quiet: isPaused(record, at) || isArchived(record) || tooOld,
    },
    context: {
      scheduler: {
        scheduler_id: record.scheduler_id,
        service_name: record.service_name,
        job_name: record.job_name,
        alert_user_id: record.alert_user_id,
      },
      opening: {
        at,
        expected_at: recorded.type === 'deadline' ? recorded.event.expected_at : null,
        grace_seconds: record.grace_seconds,
        error_message: status?.error_message ?? null,
        execution_time_ms: status ? runDurationMs(record) : null,
        min_runtime_seconds: record.min_runtime_seconds,
        max_runtime_seconds: record.max_runtime_seconds,
        started_at: record.run_started_at ?? record.last_run_started_at,
        last_signal_at: [record.timestamp, record.last_heartbeat ?? ''].sort().at(-1) ?? null,
        failures_in_row: record.alert_after_failures > 1 ? record.alert_after_failures : null,
      },
    },
  };
}
