/**
 * Delivers what incidents owe Slack (docs/schedules.md → In Slack): each scheduler's box
 * (`incident-box.ts` in `@schedmon/domain`) queues its messages in order — the root
 * message, replies in its thread, edits of the root — and this file performs them, one
 * claimed entry at a time, under a lease, so parallel workers, redelivered events and
 * restarts never post one twice. Slack trouble never throws: a retryable failure leaves
 * the entry queued with a backoff (and stops the pass: the others would fail too), a
 * refusal drops it, and the box's pointer brings it back to the retry loop.
 */
import { randomUUID } from 'node:crypto';
import type {
  Clock,
  DeliveryResult,
  IncidentBox,
  IncidentMessageInput,
  IncidentStore,
  MessageRef,
  Notifier,
  OutboxEntry,
  ScheduledBox,
  UiLinks,
} from '@schedmon/domain';
import {
  exponentialBackoffMs,
  incidentRecordOf,
  NotifierError,
  nextDeliveryStep,
  pointerOf,
  renderIncidentFollowUp,
  renderIncidentReminder,
  renderIncidentResolved,
  renderIncidentRoot,
  rootRefOf,
  routeOf,
  settleDelivery,
} from '@schedmon/domain';

/** What one delivery came to, for metrics. */
export type IncidentDeliveryOutcome =
  | 'sent'
  | 'retry'
  | 'refused'
  | 'expired'
  | 'uncertain'
  | 'skipped'
  | 'reminder';

/** Structural logger: the app's pino logger fits as is. */
export type OutboxLogger = {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
};

export type IncidentOutboxDeps = {
  store: IncidentStore;
  notifier: Notifier;
  clock: Clock;
  logger: OutboxLogger;
  /** IANA zone the messages show times in. */
  timeZone: string;
  /** The dashboard's pages (`UI_PUBLIC_URL`): root messages link to them; unset, no links. */
  links?: UiLinks;
  /** An entry Slack did not take within this (ms after it was queued) is dropped. */
  maxAgeMs: number;
  /** How long a claim holds before its deliverer counts as dead; default 60 s. */
  leaseMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  owner?: string;
  onOutcome?: (outcome: IncidentDeliveryOutcome) => void;
};

export type IncidentOutbox = {
  /** Ends a running `deliverDue` pass after the box in hand (shutdown). */
  stop(): void;
  /** Delivers what the scheduler's box has due, in order; how many Slack calls it made. */
  deliver(schedulerId: string): Promise<'done' | 'retry' | 'busy'>;
  /** Delivers every due box (the retry loop); stops at the first box Slack cannot take. */
  deliverDue(limit?: number): Promise<number>;
};

/** Rounds of one `deliver` (claims, settles and lost races) before it leaves the rest. */
const MAX_ROUNDS = 64;

export function createIncidentOutbox(deps: IncidentOutboxDeps): IncidentOutbox {
  const { store, notifier, clock, logger, timeZone, maxAgeMs } = deps;
  const leaseMs = deps.leaseMs ?? 60_000;
  const retryBaseMs = deps.retryBaseMs ?? 5_000;
  const retryMaxMs = deps.retryMaxMs ?? 5 * 60_000;
  const owner = deps.owner ?? randomUUID();
  const report = (outcome: IncidentDeliveryOutcome) => deps.onOutcome?.(outcome);

  const inputOf = (box: IncidentBox, entry: OutboxEntry): IncidentMessageInput => {
    const context = box.contexts[entry.incident.incident_id];
    // A board's channel shows its zone and pages its mention when the job names nobody.
    const route = routeOf(box, entry);
    const scheduler = context?.scheduler ?? {
      scheduler_id: entry.incident.scheduler_id,
      service_name: entry.incident.scheduler_id,
      job_name: '',
      alert_user_id: null,
    };
    return {
      incident: entry.incident,
      scheduler: {
        ...scheduler,
        alert_user_id: scheduler.alert_user_id ?? route?.mention ?? null,
      },
      timeZone: route?.time_zone ?? timeZone,
      links: deps.links,
      opening: context?.opening ?? {
        at: entry.incident.opened_at,
        expected_at: null,
        grace_seconds: null,
        error_message: null,
        execution_time_ms: null,
        min_runtime_seconds: null,
        max_runtime_seconds: null,
        started_at: null,
        last_signal_at: null,
        failures_in_row: null,
      },
    };
  };

  /**
   * The one Slack call of an entry: where the message is; `undefined` without a root
   * message to reply to or edit; `moot` when there is nothing left to say.
   */
  async function call(
    box: IncidentBox,
    entry: OutboxEntry,
  ): Promise<MessageRef | undefined | 'moot'> {
    const input = inputOf(box, entry);
    const root = rootRefOf(box, entry.incident.incident_id, entry.channel);
    const delivery = entry.delivery;
    switch (delivery.type) {
      case 'post_root':
        return notifier.post(renderIncidentRoot(input), entry.channel);
      case 'edit_root':
        return root ? notifier.update(root, renderIncidentRoot(input)) : undefined;
      case 'reply':
        return root
          ? notifier.reply(
              root,
              renderIncidentFollowUp(input, delivery.reason, entry.incident.updated_at),
            )
          : undefined;
      case 'reminder': {
        // Only while nobody has acknowledged it (an acknowledgement queued after the
        // reminder makes it moot).
        const open = box.tracker.open;
        if (open?.incident_id !== entry.incident.incident_id || open.state !== 'open') {
          return 'moot';
        }
        return root
          ? notifier.reply(root, renderIncidentReminder(input, delivery.minutes))
          : undefined;
      }
      case 'resolved': {
        const message = renderIncidentResolved(input, delivery.duration_ms);
        // Without a root message (it never reached Slack) the recovery still gets said.
        return root ? notifier.reply(root, message) : notifier.post(message, entry.channel);
      }
    }
  }

  const context = (schedulerId: string, entry: OutboxEntry) => ({
    schedulerId,
    incidentId: entry.incident.incident_id,
    delivery: entry.delivery.type,
    attempts: entry.attempts,
  });

  /** Performs a claimed entry: what to settle it with. */
  async function perform(
    schedulerId: string,
    box: IncidentBox,
    entry: OutboxEntry,
  ): Promise<DeliveryResult> {
    try {
      const ref = await call(box, entry);
      if (ref === 'moot') return { type: 'done' };
      if (ref === undefined) {
        logger.warn(
          context(schedulerId, entry),
          'incident message skipped: its root message was never posted',
        );
        report('skipped');
        return { type: 'done' };
      }
      report('sent');
      return { type: 'done', ref };
    } catch (error) {
      if (error instanceof NotifierError && error.retryable) {
        const delay = Math.max(
          error.retryAfterMs ?? 0,
          Math.round(
            exponentialBackoffMs(entry.attempts + 1, {
              baseMs: retryBaseMs,
              maxMs: retryMaxMs,
              jitter: true,
            }),
          ),
        );
        logger.warn(
          { ...context(schedulerId, entry), reason: error.reason, retryInMs: delay },
          'Slack did not take the incident message; retrying later',
        );
        report('retry');
        return {
          type: 'retry',
          at: new Date(clock.now().getTime() + delay).toISOString(),
          error: error.reason,
        };
      }
      // A refusal repeats on every try; anything else may have reached Slack (at most once).
      const reason = error instanceof NotifierError ? error.reason : 'unexpected';
      logger.error(
        {
          ...context(schedulerId, entry),
          reason,
          ...(error instanceof NotifierError ? {} : { err: error }),
        },
        'The incident message was not delivered and will not be retried; the incident still shows in the table, the summary and the api',
      );
      report('refused');
      return { type: 'drop', error: reason };
    }
  }

  /** Settles a claimed entry on the box as it is now; false when the claim was lost. */
  async function settle(schedulerId: string, entry: OutboxEntry, result: DeliveryResult) {
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const now = clock.now().toISOString();
      const found = await store.box(schedulerId, now);
      const next = found && settleDelivery(found.box, owner, entry, result);
      if (found && next && !(await store.saveBox(schedulerId, next.box, found.version, now))) {
        continue;
      }
      if (!next || next.lost) {
        logger.warn(
          { schedulerId, seq: entry.seq, leaseMs },
          'an incident message outlasted its lease; another worker settled it',
        );
      }
      return next?.box ?? false;
    }
    throw new Error(`the incidents of ${schedulerId} kept changing while a delivery was settled`);
  }

  let stopping = false;

  async function deliver(schedulerId: string): Promise<'done' | 'retry' | 'busy'> {
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const now = clock.now();
      const iso = now.toISOString();
      const found = await store.box(schedulerId, iso);
      if (!found) {
        await store.unschedule(schedulerId);
        return 'done';
      }
      const step = nextDeliveryStep(found.box, now.getTime(), { owner, leaseMs, maxAgeMs });
      switch (step.kind) {
        case 'idle':
        case 'wait': {
          const pointer = pointerOf(found.box);
          if (step.kind === 'idle' || !pointer) await store.unschedule(schedulerId);
          else await store.schedule(schedulerId, pointer);
          // A signal queued since the read (its pointer written before and after its box)
          // must not be left with the pointer this wrote: look again.
          const again = await store.box(schedulerId, clock.now().toISOString());
          if (again && again.version !== found.version) continue;
          return 'done';
        }
        case 'busy':
          return 'busy';
        case 'settle': {
          if (!(await store.saveBox(schedulerId, step.box, found.version, iso))) continue;
          if (step.outcome === 'uncertain' && step.entry) {
            logger.error(
              context(schedulerId, step.entry),
              'A worker stopped while delivering this incident message: it may not have reached Slack, and is not sent again',
            );
          } else if (step.outcome === 'expired' && step.entry) {
            logger.error(
              { ...context(schedulerId, step.entry), lastError: step.entry.last_error },
              'Gave up on the incident message: Slack did not take it within ALERT_MAX_AGE_MINUTES',
            );
          }
          report(step.outcome);
          continue;
        }
        case 'claim': {
          // Stopping: no new claim, so none is cut short by the exit.
          if (stopping) return 'busy';
          if (!(await store.saveBox(schedulerId, step.box, found.version, iso))) continue;
          const result = await perform(schedulerId, step.box, step.entry);
          const settled = await settle(schedulerId, step.entry, result);
          if (settled && result.type === 'done' && step.entry.delivery.type === 'post_root') {
            // The api shows where the root message is: the incident as the box knows it
            // now, at its latest version, so a transition projected meanwhile is kept.
            const latest = settled.incidents?.[step.entry.incident.incident_id];
            await store.saveIncident(
              incidentRecordOf(settled, latest ?? step.entry.incident),
              // Without the box's latest state, the entry's own (older) version only.
              latest ? settled.next_seq - 1 : step.entry.seq,
              clock.now().toISOString(),
            );
          }
          if (result.type === 'retry') {
            // The box as it is now says what is due (a signal may have come since).
            const latest =
              (await store.box(schedulerId, clock.now().toISOString()))?.box || settled;
            const pointer = latest ? pointerOf(latest) : { at: result.at };
            if (pointer) await store.schedule(schedulerId, pointer);
            return 'retry';
          }
          continue;
        }
      }
    }
    logger.warn(
      { schedulerId },
      'the incident outbox kept changing under this worker; trying later',
    );
    return 'busy';
  }

  return {
    stop() {
      stopping = true;
    },
    deliver,
    async deliverDue(limit = 100) {
      const now = clock.now();
      // A box waiting only for its destinations is theirs to look at, not Slack's.
      const slackAt = (pointer: ScheduledBox) =>
        pointer.oldest === undefined ? pointer.at : pointer.slack_at;
      const due = (await store.scheduled(now.toISOString()))
        .flatMap((pointer) => {
          const at = slackAt(pointer);
          return at === undefined || Date.parse(at) > now.getTime() ? [] : [{ ...pointer, at }];
        })
        .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
        .slice(0, limit);
      let delivered = 0;
      for (const { schedulerId } of due) {
        // Stopping: the pass ends between boxes, never inside a claim.
        if (stopping) break;
        try {
          const result = await deliver(schedulerId);
          delivered += 1;
          // Slack is refusing: the rest would be refused too; they wait for the next pass.
          if (result === 'retry') break;
        } catch (error) {
          logger.warn(
            { err: error, schedulerId },
            'incident delivery failed; trying it again next pass',
          );
        }
      }
      return delivered;
    },
  };
}
