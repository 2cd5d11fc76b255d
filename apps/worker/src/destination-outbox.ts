/**
 * Delivers what incidents owe their destinations (docs/destinations.md): each box's
 * destination lanes (`nextDestinationStep` in `@schedmon/domain`) — one per incident and
 * destination, in order — are claimed together under a lease, sent in parallel, logged
 * attempt by attempt, and settled in one write. A failure that can pass is retried with
 * backoff up to the max age; a refusal (a 4xx that will never pass) is not. A claim whose
 * sender died is sent again with the same delivery id and dedup key, which the
 * destinations deduplicate. Trouble never throws out of a pass; the pointer brings the
 * box back.
 */
import { randomUUID } from 'node:crypto';
import type { DestinationMessage, DestinationSender } from '@schedmon/adapters/destinations';
import { deliveryIdOf } from '@schedmon/adapters/destinations';
import type {
  Clock,
  DeliveryAttempt,
  DeliveryLogStore,
  DeliveryOutcome,
  DestinationEntry,
  DestinationResult,
  IncidentBox,
  IncidentStore,
} from '@schedmon/domain';
import {
  DestinationError,
  destinationFingerprint,
  destinationOf,
  exponentialBackoffMs,
  nextDestinationStep,
  pointerOf,
  settleDestinations,
} from '@schedmon/domain';
import type { OutboxLogger } from './incident-outbox.ts';

export type DestinationOutboxDeps = {
  store: IncidentStore;
  sender: DestinationSender;
  log: DeliveryLogStore;
  clock: Clock;
  logger: OutboxLogger;
  /** SHA-256 in hex: destinations are logged by fingerprint. */
  digest: (text: string) => string;
  /** A transition not delivered within this (ms after it happened) is given up. */
  maxAgeMs: number;
  /** How long the delivery log keeps an attempt, in days. */
  logRetentionDays: number;
  /** How long a claim holds before its sender counts as dead; default 60 s. */
  leaseMs?: number;
  /** The retry schedule: 10 s doubling to 10 min by default, with jitter. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Boxes one `deliverDue` pass works on at once; default 8. */
  parallelBoxes?: number;
  owner?: string;
  onOutcome?: (type: string, outcome: DeliveryOutcome) => void;
  /** After each pass: the age in ms of the oldest transition still owed (undefined: none). */
  onOldest?: (ageMs: number | undefined) => void;
};

export type DestinationOutbox = {
  /** Ends a running pass after the boxes in hand (shutdown); no new claims. */
  stop(): void;
  /** Sends what the scheduler's box owes its destinations now, lane by lane. */
  deliver(schedulerId: string): Promise<void>;
  /** Sends what every due box owes (the retry loop); how many boxes it looked at. */
  deliverDue(limit?: number): Promise<number>;
};

/** Rounds of one `deliver` (claims, settles and lost races) before it leaves the rest. */
const MAX_ROUNDS = 32;

export function createDestinationOutbox(deps: DestinationOutboxDeps): DestinationOutbox {
  const { store, sender, log, clock, logger, maxAgeMs } = deps;
  const leaseMs = deps.leaseMs ?? 60_000;
  const retryBaseMs = deps.retryBaseMs ?? 10_000;
  const retryMaxMs = deps.retryMaxMs ?? 10 * 60_000;
  const owner = deps.owner ?? randomUUID();
  const parallelBoxes = deps.parallelBoxes ?? 8;
  let stopping = false;

  const messageOf = (box: IncidentBox, entry: DestinationEntry): DestinationMessage | undefined => {
    const destination = destinationOf(box, entry);
    const context = box.contexts[entry.incident.incident_id];
    if (!destination || !context) return undefined;
    return {
      destination,
      transition: entry.transition,
      incident: entry.incident,
      scheduler: context.scheduler,
      opening: context.opening,
      deliveryId: deliveryIdOf(entry.incident.incident_id, entry.destination, entry.transition),
      createdAt: entry.created_at,
    };
  };

  /** Writes one line of the delivery log; the log failing never stops a delivery. */
  async function record(
    box: IncidentBox,
    entry: DestinationEntry,
    line: Pick<DeliveryAttempt, 'outcome' | 'status' | 'error'> & { attempt: number },
    resent: boolean,
  ) {
    const destination = destinationOf(box, entry);
    const type = destination?.type ?? 'webhook';
    deps.onOutcome?.(type, line.outcome);
    const now = clock.now();
    try {
      await log.append(
        {
          incident_id: entry.incident.incident_id,
          destination: destination ? destinationFingerprint(destination, deps.digest) : 'forgotten',
          destination_type: type,
          transition: entry.transition,
          delivery_id: deliveryIdOf(
            entry.incident.incident_id,
            entry.destination,
            entry.transition,
          ),
          at: now.toISOString(),
          resent,
          ...line,
          attempt: Math.max(1, line.attempt),
        },
        entry.seq,
        Math.floor(now.getTime() / 1000) + deps.logRetentionDays * 86_400,
      );
    } catch (error) {
      logger.warn(
        { err: error, incidentId: entry.incident.incident_id, seq: entry.seq },
        'a delivery attempt could not be written to the delivery log',
      );
    }
  }

  const about = (box: IncidentBox, entry: DestinationEntry) => {
    const destination = destinationOf(box, entry);
    return {
      incidentId: entry.incident.incident_id,
      transition: entry.transition,
      destination: destination ? destinationFingerprint(destination, deps.digest) : 'forgotten',
      attempts: entry.attempts,
    };
  };

  /** Sends one claimed entry: what to settle it with. */
  async function perform(
    box: IncidentBox,
    entry: DestinationEntry,
    resent: boolean,
  ): Promise<DestinationResult> {
    const message = messageOf(box, entry);
    // A claim that ran out already counted its attempt: this one is the next.
    const attempt = entry.attempts + 1;
    // `nextDestinationStep` expires an entry whose destination is forgotten; never claimed.
    if (!message) throw new Error(`claimed a delivery without its destination (seq ${entry.seq})`);
    try {
      const { status } = await sender.send(message);
      await record(box, entry, { outcome: 'delivered', status, error: null, attempt }, resent);
      return { type: 'done' };
    } catch (error) {
      const known = error instanceof DestinationError ? error : undefined;
      const reason = known?.reason ?? 'unexpected';
      const status = known?.status ?? null;
      // Unknown trouble is retried too: a resend is deduplicated, a lost transition is not.
      if (!known || known.retryable) {
        const delay = Math.max(
          known?.retryAfterMs ?? 0,
          Math.round(
            exponentialBackoffMs(entry.attempts + 1, {
              baseMs: retryBaseMs,
              maxMs: retryMaxMs,
              jitter: true,
            }),
          ),
        );
        logger.warn(
          { ...about(box, entry), reason, retryInMs: delay, ...(known ? {} : { err: error }) },
          'a destination did not take the delivery; retrying later',
        );
        await record(box, entry, { outcome: 'retry', status, error: reason, attempt }, resent);
        // Never later than its expiry: the entries behind it then go in their turn.
        const expiresMs = (Date.parse(entry.created_at) || 0) + maxAgeMs + 1;
        return {
          type: 'retry',
          at: new Date(Math.min(clock.now().getTime() + delay, expiresMs)).toISOString(),
          error: reason,
        };
      }
      logger.error(
        { ...about(box, entry), reason, status },
        'a destination refused the delivery; it is not retried (check the destination’s key or URL)',
      );
      await record(box, entry, { outcome: 'refused', status, error: reason, attempt }, resent);
      return { type: 'drop', error: reason };
    }
  }

  /** Settles the results on the box as it is now: the box written, or undefined. */
  async function settle(
    schedulerId: string,
    claimer: string,
    results: ReadonlyMap<number, DestinationResult>,
  ) {
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const now = clock.now().toISOString();
      const found = await store.box(schedulerId, now);
      const next = found && settleDestinations(found.box, claimer, results);
      if (!found || !next) {
        logger.warn(
          { schedulerId, leaseMs },
          'destination deliveries outlasted their lease; another worker took them',
        );
        return undefined;
      }
      if (await store.saveBox(schedulerId, next, found.version, now)) return next;
    }
    throw new Error(`the incidents of ${schedulerId} kept changing while deliveries were settled`);
  }

  async function deliver(schedulerId: string): Promise<void> {
    // Whether this call changed the box: only then is its pointer this call's to fix.
    let changed = false;
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      if (stopping) return;
      const now = clock.now();
      const iso = now.toISOString();
      const found = await store.box(schedulerId, iso);
      if (!found) return;
      // A box that owes its destinations nothing (most: no destination configured) is the
      // Slack outbox's alone, pointer included.
      if (!changed && (found.box.destination_outbox ?? []).length === 0) return;
      // Each round's claims are its own: another round of this worker (the batch's send
      // and the retry pass) never settles them.
      const claimer = `${owner}:${randomUUID()}`;
      const step = nextDestinationStep(found.box, now.getTime(), {
        owner: claimer,
        leaseMs,
        maxAgeMs,
      });
      if (!step) {
        // Nothing due now: the pointer says when, or goes, unless the box changed since.
        const pointer = pointerOf(found.box);
        if (pointer) await store.schedule(schedulerId, pointer);
        else await store.unschedule(schedulerId);
        const again = await store.box(schedulerId, clock.now().toISOString());
        if (again && again.version !== found.version) continue;
        return;
      }
      // The pointer first, so a sender dying with the claims leaves the box findable.
      const pointer = pointerOf(step.box);
      if (pointer) await store.schedule(schedulerId, pointer);
      if (!(await store.saveBox(schedulerId, step.box, found.version, iso))) continue;
      changed = true;
      const results = new Map<number, DestinationResult>();
      await Promise.all([
        ...step.claimed.map(async (entry) => {
          results.set(entry.seq, await perform(step.box, entry, step.resent.includes(entry)));
        }),
        ...step.expired.map(async (entry) => {
          logger.error(
            { ...about(found.box, entry), lastError: entry.last_error },
            'gave up on a destination delivery: not delivered within DESTINATION_MAX_AGE_MINUTES',
          );
          await record(
            found.box,
            entry,
            {
              outcome: 'expired',
              status: null,
              error: entry.last_error ?? null,
              // The attempt that was not made: its line is apart from the last one's.
              attempt: entry.attempts + 1,
            },
            false,
          );
        }),
      ]);
      if (step.claimed.length > 0 && !(await settle(schedulerId, claimer, results))) return;
      // And round again: the next of a lane may be due now, the pointer is rewritten from
      // the box as it is then, or the box owes nothing more.
    }
    logger.warn(
      { schedulerId },
      'the destination outbox kept changing under this worker; trying later',
    );
  }

  return {
    stop() {
      stopping = true;
    },
    deliver,
    async deliverDue(limit = 200) {
      const now = clock.now();
      const pointers = await store.scheduled(now.toISOString());
      const oldest = pointers
        .map((pointer) => pointer.oldest)
        .filter((at): at is string => at !== undefined)
        .sort()[0];
      deps.onOldest?.(
        oldest === undefined ? undefined : Math.max(0, now.getTime() - Date.parse(oldest)),
      );
      // Only boxes whose lanes are due (a box waiting for Slack alone is the Slack pass's).
      const due = pointers
        .flatMap((pointer) => {
          if (pointer.oldest === undefined) return [];
          const at = pointer.destinations_at ?? pointer.at;
          return Date.parse(at) > now.getTime() ? [] : [{ ...pointer, at }];
        })
        .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
        .slice(0, limit);
      let next = 0;
      const worker = async () => {
        while (next < due.length && !stopping) {
          const pointer = due[next];
          next += 1;
          if (!pointer) break;
          try {
            await deliver(pointer.schedulerId);
          } catch (error) {
            logger.warn(
              { err: error, schedulerId: pointer.schedulerId },
              'destination delivery failed; trying it again next pass',
            );
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(parallelBoxes, due.length) }, worker));
      return due.length;
    },
  };
}
