/**
 * One received batch, applied: parse and validate every message, apply events per
 * scheduler in event order through the stores' conditional writes, write history rows,
 * record failure alerts, and say what should happen to each message. Nothing here
 * deletes a message: the consumer does that only for messages whose writes all succeeded.
 */
import type {
  ApplyResult,
  Clock,
  HistoryStore,
  ReceivedMessage,
  SchedulerEvent,
  SchedulerStore,
} from '@schedmon/domain';
import {
  alertKey,
  compareOrder,
  formatTimestamp,
  historyRowOf,
  isArchived,
  isPaused,
  parseQueueMessage,
  parseTimestamp,
} from '@schedmon/domain';
import type { Logger } from '@schedmon/runtime';
import type { AlertOutbox } from './alert-outbox.ts';
import type { FailureDecision } from './classify.ts';
import { decideFailure } from './classify.ts';

/** What becomes of one message: deleted (`done`), or as `decideFailure` says. */
export type Decision = { kind: 'done'; outcome: ApplyResult } | FailureDecision;

/** Where failure alerts go: the outbox that survives Slack outages. */
export type AlertSink = Pick<AlertOutbox, 'enqueue' | 'deliver'>;

export type ProcessDeps = {
  clock: Clock;
  schedulers: SchedulerStore;
  history: HistoryStore;
  alerts: AlertSink;
  logger: Logger;
  maxSkewMs: number;
  retentionDays: number;
  /** Failures older than this get no alert (a replayed backlog must not page anyone). */
  alertMaxAgeMs: number;
  digest: (text: string) => string;
  onProcessed?: (event: SchedulerEvent, outcome: ApplyResult, message: ReceivedMessage) => void;
};

type Item = { message: ReceivedMessage; event: SchedulerEvent; outcome?: ApplyResult };

/** Event order within one scheduler: by timestamp, status events by the full order key. */
function byEventOrder(a: Item, b: Item): number {
  if (a.event.type === 'status' && b.event.type === 'status') return compareOrder(a.event, b.event);
  if (a.event.timestamp !== b.event.timestamp)
    return a.event.timestamp < b.event.timestamp ? -1 : 1;
  return a.event.type === b.event.type ? 0 : a.event.type === 'heartbeat' ? -1 : 1;
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
          item.outcome =
            item.event.type === 'status'
              ? await deps.schedulers.applyStatus(item.event, now)
              : await deps.schedulers.applyHeartbeat(item.event);
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

  const written = await writeHistory(deps, applied, decisions);

  await Promise.all(
    written.map(async (item) => {
      try {
        await recordAlert(deps, item, nowMs);
        decisions.set(item.message.messageId, { kind: 'done', outcome: item.outcome ?? 'applied' });
        deps.onProcessed?.(item.event, item.outcome ?? 'applied', item.message);
      } catch (error) {
        const decision = decideFailure(error);
        decisions.set(item.message.messageId, decision);
        if (decision.kind !== 'park') {
          logFor(deps, item.message).warn({ err: error }, 'alert not recorded; will retry');
        }
      }
    }),
  );
  return decisions;
}

/**
 * Writes the history rows of `items` and returns the items whose rows were written; the
 * others get their decision. Should the store refuse a row it cannot store, the rows are
 * written one by one, so that row is parked alone and takes no other event with it.
 */
async function writeHistory(
  deps: ProcessDeps,
  items: readonly Item[],
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
 * Puts the alert of a failed status event in the outbox (idempotent per scheduler and
 * event id), then tries to deliver it at once. Delivery problems never fail the message:
 * the outbox retries them; only failing to record the alert does.
 */
async function recordAlert(deps: ProcessDeps, item: Item, nowMs: number) {
  const event = item.event;
  if (event.type !== 'status' || event.status !== 'failed') return;
  const log = logFor(deps, item.message);
  const failedMs = parseTimestamp(event.timestamp) ?? nowMs;
  if (nowMs - failedMs > deps.alertMaxAgeMs) {
    log.info(
      { scheduler_id: event.scheduler_id, event_id: event.event_id },
      'failure too old to alert',
    );
    return;
  }
  const record = await deps.schedulers.get(event.scheduler_id);
  // Failed while paused (or archived since): recorded, nobody is paged (docs/api.md).
  if (record && (isPaused(record, event.timestamp) || isArchived(record))) {
    log.info(
      { scheduler_id: event.scheduler_id, event_id: event.event_id },
      'scheduler paused or archived; failure recorded without an alert',
    );
    return;
  }
  await deps.alerts.enqueue({
    eventId: event.event_id,
    failedAt: event.timestamp,
    scheduler: {
      scheduler_id: event.scheduler_id,
      service_name: event.service_name,
      job_name: event.job_name,
      timestamp: event.timestamp,
      execution_time_ms: event.execution_time_ms,
      error_message: event.error_message,
      alert_user_id: record?.alert_user_id ?? null,
    },
  });
  try {
    await deps.alerts.deliver(alertKey(event.scheduler_id, event.event_id));
  } catch (error) {
    log.warn({ err: error, event_id: event.event_id }, 'alert delivery deferred to the retry loop');
  }
}
