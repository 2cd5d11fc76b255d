/**
 * One received batch, applied: parse and validate every message, apply events per
 * scheduler in event order through the stores' conditional writes, write history rows,
 * apply what they mean to incidents, and say what should happen to each message.
 * Nothing here deletes a message: the consumer does that only for messages whose writes
 * all succeeded.
 */
import type {
  ApplyResult,
  BoxRead,
  Clock,
  Destination,
  HistoryStore,
  IncidentRoute,
  QueueEvent,
  ReceivedMessage,
  RecordedEvent,
  SchedulerEvent,
  SchedulerRecord,
  SchedulerStore,
  SignalInput,
  VersionedBox,
} from '@schedmon/domain';
import {
  compareOrder,
  formatTimestamp,
  historyRowOf,
  parseQueueMessage,
  parseTimestamp,
  signalInputOf,
} from '@schedmon/domain';
import type { Logger } from '@schedmon/runtime';
import type { FailureDecision } from './classify.ts';
import { decideFailure } from './classify.ts';

/** What becomes of one message: deleted (`done`), or as `decideFailure` says. */
export type Decision = { kind: 'done'; outcome: ApplyResult } | FailureDecision;

/**
 * Where incident signals go: `apply` records one in the scheduler's incident box (once,
 * with what it owes Slack), `deliver` tries the box's messages at once; the retry loop
 * delivers what Slack did not take.
 */
export type IncidentSink = {
  /** `read`: the box as `boxes` just read it, for the first round. */
  apply(
    input: SignalInput,
    read?: BoxRead,
  ): Promise<{ effects: readonly unknown[]; owed: boolean }>;
  deliver(schedulerId: string): Promise<unknown>;
  /**
   * The boxes of several schedulers in one read (`IncidentStore.boxes`); without it each
   * signal reads its own box.
   */
  boxes?(schedulerIds: readonly string[]): Promise<Map<string, VersionedBox | undefined>>;
};

export type ProcessDeps = {
  clock: Clock;
  schedulers: SchedulerStore;
  history: HistoryStore;
  incidents: IncidentSink;
  logger: Logger;
  maxSkewMs: number;
  retentionDays: number;
  /** Signals older than this page nobody (a replayed backlog must not page anyone). */
  alertMaxAgeMs: number;
  /**
   * A deadline applied longer than this after it came due fell while schedmon was not
   * watching (the queue, the store or the worker was down): recorded as unknown, not paged.
   */
  deadlineGapMs: number;
  digest: (text: string) => string;
  /**
   * Where a scheduler's incident opened at an instant goes (its channels and its
   * destinations), and whether its boards are all quiet then (docs/boards.md); without
   * it, the notifier's channel, no destination, never quiet.
   */
  routes?: (
    record: SchedulerRecord,
    atMs: number,
  ) => Promise<{
    routes: IncidentRoute[] | undefined;
    quiet: boolean;
    destinations?: Destination[];
  }>;
  onProcessed?: (event: QueueEvent, outcome: ApplyResult, message: ReceivedMessage) => void;
};

type Item = {
  message: ReceivedMessage;
  event: QueueEvent;
  outcome?: ApplyResult;
  /** What the event says to incidents, once applied: the record it left, or none. */
  recorded?: { record: SchedulerRecord; event: RecordedEvent } | 'read';
};

/** At equal timestamps: a heartbeat, then a status, then a deadline (a real event wins). */
const TYPE_RANK: Readonly<Record<QueueEvent['type'], number>> = {
  heartbeat: 0,
  status: 1,
  deadline: 2,
};

/** Event order within one scheduler: by timestamp, status events by the full order key. */
function byEventOrder(a: Item, b: Item): number {
  if (a.event.type === 'status' && b.event.type === 'status') return compareOrder(a.event, b.event);
  if (a.event.timestamp !== b.event.timestamp)
    return a.event.timestamp < b.event.timestamp ? -1 : 1;
  return TYPE_RANK[a.event.type] - TYPE_RANK[b.event.type];
}

function logFor(deps: ProcessDeps, message: ReceivedMessage) {
  const requestId = message.attributes.request_id;
  return deps.logger.child({
    message_id: message.messageId,
    ...(requestId ? { request_id: requestId } : {}),
  });
}

/**
 * Decides every message of the batch. Store failures never throw out of here: the
 * messages they touch get `decideFailure`'s decision, the others go on.
 */
export async function processBatch(
  deps: ProcessDeps,
  messages: readonly ReceivedMessage[],
): Promise<Map<string, Decision>> {
  const nowMs = deps.clock.now().getTime();
  const now = formatTimestamp(nowMs);
  const decisions = new Map<string, Decision>();
  const groups = new Map<string, Item[]>();

  for (const message of messages) {
    const parsed = parseQueueMessage(message.body, {
      now: nowMs,
      maxSkewMs: deps.maxSkewMs,
      digest: deps.digest,
    });
    if (!parsed.ok) {
      decisions.set(message.messageId, {
        kind: 'park',
        reason: parsed.reason,
        detail: parsed.detail,
      });
      continue;
    }
    const group = groups.get(parsed.event.scheduler_id) ?? [];
    group.push({ message, event: parsed.event });
    groups.set(parsed.event.scheduler_id, group);
  }

  // Schedulers are independent; within one, events go in event order, and the first
  // failure stops the rest of that scheduler's events so they are retried in order. An
  // event that can never be stored is parked alone: the events after it go on.
  await Promise.all(
    [...groups.values()].map(async (group) => {
      group.sort(byEventOrder);
      for (const [index, item] of group.entries()) {
        try {
          await applyOne(deps, item, now);
        } catch (error) {
          const decision = decideFailure(error);
          if (decision.kind === 'park') {
            decisions.set(item.message.messageId, decision);
            continue;
          }
          for (const rest of group.slice(index)) decisions.set(rest.message.messageId, decision);
          logFor(deps, item.message).warn({ err: error }, 'event not applied; will retry');
          return;
        }
        if (item.outcome === 'not_registered') {
          decisions.set(item.message.messageId, {
            kind: 'park',
            reason: 'unregistered_scheduler',
            detail: `Scheduler ${item.event.scheduler_id} is not registered`,
          });
        } else if (item.outcome === 'archived') {
          decisions.set(item.message.messageId, {
            kind: 'park',
            reason: 'archived_scheduler',
            detail: `Scheduler ${item.event.scheduler_id} is archived; register it again to restore it`,
          });
        }
      }
    }),
  );

  const applied = [...groups.values()]
    .flat()
    .filter(
      (item) =>
        item.outcome !== undefined &&
        item.outcome !== 'not_registered' &&
        item.outcome !== 'archived' &&
        !decisions.has(item.message.messageId),
    );

  // Deadlines have no history row: the incident they open is their record. The signals
  // then go in event order, deadlines among the others.
  const withRows = applied.filter(
    (item): item is Item & { event: SchedulerEvent } => item.event.type !== 'deadline',
  );
  const rowsWritten = new Set(await writeHistory(deps, withRows, decisions));
  const written = applied.filter((item) => item.event.type === 'deadline' || rowsWritten.has(item));

  // One scheduler's signals in event order, schedulers side by side.
  const bySchedulerWritten = new Map<string, Item[]>();
  for (const item of written) {
    const list = bySchedulerWritten.get(item.event.scheduler_id) ?? [];
    list.push(item);
    bySchedulerWritten.set(item.event.scheduler_id, list);
  }
  // What each event says to incidents is made first (its record, its routes); then the
  // boxes of the schedulers with something to say are read in one call, just before they
  // are used, as fresh as one read per event would be.
  const signals = new Map<Item, SignalInput>();
  await Promise.all(
    written.map(async (item) => {
      try {
        const input = await signalFor(deps, item, nowMs);
        if (input) signals.set(item, input);
      } catch (error) {
        failed(item, error);
      }
    }),
  );
  const boxes = await readBoxes(deps, [...signals.values()]);
  await Promise.all(
    [...bySchedulerWritten.values()].map(async (items) => {
      let owed = false;
      for (const item of items) owed = (await finish(item)) || owed;
      // Only when something was queued: most events change no incident.
      if (owed) await deliverIncidents(deps, items);
    }),
  );
  return decisions;

  /** Records the item's incident signal, if any; true when it queued something for Slack. */
  async function finish(item: Item): Promise<boolean> {
    if (decisions.has(item.message.messageId)) return false;
    const input = signals.get(item);
    try {
      let owed = false;
      if (input) {
        // The batch's read serves a scheduler's first signal; later ones read anew.
        const read = boxes.get(input.schedulerId);
        boxes.delete(input.schedulerId);
        ({ owed } = await deps.incidents.apply(input, read));
      }
      decisions.set(item.message.messageId, { kind: 'done', outcome: item.outcome ?? 'applied' });
      deps.onProcessed?.(item.event, item.outcome ?? 'applied', item.message);
      return owed;
    } catch (error) {
      failed(item, error);
      return false;
    }
  }

  function failed(item: Item, error: unknown) {
    const decision = decideFailure(error);
    decisions.set(item.message.messageId, decision);
    if (decision.kind !== 'park') {
      logFor(deps, item.message).warn({ err: error }, 'incident not recorded; will retry');
    }
  }
}

/**
 * Applies one event to the current record: a status or heartbeat through its ordering
 * condition, a deadline through `applyDeadline` (it fires only if it still stands). Sets
 * the item's outcome and what it says to incidents.
 */
async function applyOne(deps: ProcessDeps, item: Item, now: string) {
  const event = item.event;
  if (event.type === 'status') {
    const applied = await deps.schedulers.applyStatusRecord(event, now);
    item.outcome = applied.outcome;
    if (applied.record)
      item.recorded = { record: applied.record, event: { type: 'status', event } };
    // Redelivered: its incident signal may not have been recorded; the box knows it if so.
    else if (applied.outcome === 'duplicate') item.recorded = 'read';
    return;
  }
  if (event.type === 'heartbeat') {
    item.outcome = await deps.schedulers.applyHeartbeat(event);
    // Redelivered too: the box takes a signal once, and a lost one is taken now.
    if (item.outcome === 'applied' || item.outcome === 'duplicate') item.recorded = 'read';
    return;
  }
  // The message's own `unwatched` only shapes the watchdog's gap message: whether a
  // deadline pages is the store's judgement from the record (a forged message cannot
  // silence a page).
  const result = await deps.schedulers.applyDeadline(
    {
      scheduler_id: event.scheduler_id,
      kind: event.kind,
      due_at: event.timestamp,
      expected_at: event.expected_at,
    },
    now,
    deps.deadlineGapMs,
  );
  // Due by the watchdog's clock, not yet by this one's (within the allowed skew, or the
  // message would have been refused): tried again shortly.
  if (result.outcome === 'not_due') {
    throw new Error(`deadline ${event.event_id} is not due yet by this worker's clock`);
  }
  // A deadline of a scheduler that is gone, or one that no longer stands, is done with.
  item.outcome = result.outcome === 'fired' ? 'applied' : 'late';
  // Unknown as the record says: a deadline that fired watched, delivered again after an
  // outage held its message, still pages.
  if (result.outcome === 'fired' && !result.unknown) {
    // The expected start as the record says, never the message's.
    const recorded = { ...event, expected_at: result.expected_at };
    item.recorded = { record: result.record, event: { type: 'deadline', event: recorded } };
  }
  if (result.outcome === 'fired' && result.unknown) {
    logFor(deps, item.message).info(
      { scheduler_id: event.scheduler_id, kind: event.kind, due_at: event.timestamp },
      'deadline fell while schedmon was not watching: recorded as unknown, nobody paged',
    );
  }
}

/**
 * Writes the history rows of `items` and returns the items whose rows were written; the
 * others get their decision. Should the store refuse a row it cannot store, the rows are
 * written one by one, so that row is parked alone and takes no other event with it.
 */
async function writeHistory(
  deps: ProcessDeps,
  items: readonly (Item & { event: SchedulerEvent })[],
  decisions: Map<string, Decision>,
): Promise<readonly Item[]> {
  try {
    await deps.history.putAll(items.map((item) => historyRowOf(item.event, deps.retentionDays)));
    return items;
  } catch (error) {
    const decision = decideFailure(error);
    if (decision.kind === 'park' && items.length > 1) {
      const written: Item[] = [];
      for (const item of items) written.push(...(await writeHistory(deps, [item], decisions)));
      return written;
    }
    for (const item of items) decisions.set(item.message.messageId, decision);
    if (decision.kind !== 'park') {
      deps.logger.warn({ err: error, events: items.length }, 'history not written; will retry');
    }
    return [];
  }
}

/**
 * What an applied event means to its scheduler's incidents, as the signal
 * `applyIncidentSignal` takes once per event, whatever the redelivery; undefined when it
 * says nothing. Failing to record it fails the message, which is retried; delivering to
 * Slack is the outbox's business and never fails it.
 */
async function signalFor(
  deps: ProcessDeps,
  item: Item,
  nowMs: number,
): Promise<SignalInput | undefined> {
  if (item.recorded === undefined) return undefined;
  let recorded = item.recorded;
  if (recorded === 'read') {
    const record = await deps.schedulers.get(item.event.scheduler_id);
    if (!record) return undefined;
    const event = item.event;
    recorded = {
      record,
      event:
        event.type === 'status'
          ? { type: 'status', event }
          : event.type === 'heartbeat'
            ? { type: 'heartbeat', at: event.timestamp }
            : { type: 'deadline', event },
    };
  }
  const input = signalInputOf(recorded.record, recorded.event, nowMs, deps.alertMaxAgeMs);
  if (deps.routes) {
    const routed = await deps.routes(recorded.record, parseTimestamp(input.signal.at) ?? nowMs);
    if (routed.routes) input.context = { ...input.context, routes: routed.routes };
    if (routed.destinations && routed.destinations.length > 0) {
      input.context = { ...input.context, destinations: routed.destinations };
    }
    // A quiet date of every board of it opens no incident; the event is still recorded.
    if (routed.quiet) input.policy = { ...input.policy, quiet: true };
  }
  return input;
}

/**
 * The incident boxes of the schedulers these signals are for, in one read rather than one
 * per event. A failed read is not the events' failure: each then reads its own box.
 */
async function readBoxes(
  deps: ProcessDeps,
  signals: readonly SignalInput[],
): Promise<Map<string, BoxRead>> {
  const read = new Map<string, BoxRead>();
  const ids = [...new Set(signals.map((signal) => signal.schedulerId))];
  if (!deps.incidents.boxes || ids.length < 2) return read;
  try {
    for (const [id, found] of await deps.incidents.boxes(ids)) read.set(id, { found });
  } catch (error) {
    deps.logger.warn({ err: error, schedulers: ids.length }, 'incident boxes not read together');
  }
  return read;
}

/** Tries the messages the scheduler's incidents owe at once; the retry loop does the rest. */
async function deliverIncidents(deps: ProcessDeps, items: readonly Item[]) {
  const first = items[0];
  if (!first) return;
  try {
    await deps.incidents.deliver(first.event.scheduler_id);
  } catch (error) {
    logFor(deps, first.message).warn(
      { err: error, scheduler_id: first.event.scheduler_id },
      'incident delivery deferred to the retry loop',
    );
  }
}
