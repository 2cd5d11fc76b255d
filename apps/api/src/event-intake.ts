/**
 * The api's write path for events: a status, a heartbeat, and each event of a batch go
 * through `accept`, so a batched event is checked, named and queued exactly as a single
 * one. With an `Idempotency-Key`, the event id is derived from the scheduler and the key,
 * and a retry re-sends the first attempt's very message (docs/api.md → Retries).
 */
import { randomBytes } from 'node:crypto';
import type {
  Clock,
  EventProducer,
  HeartbeatMessage,
  IdempotencyStore,
  StatusBody,
  StatusMessage,
} from '@schedmon/domain';
import {
  buildHeartbeatMessage,
  buildStatusMessage,
  canonicalJson,
  formatTimestamp,
  futureSkewProblem,
  IDEMPOTENCY_KEY_PATTERN,
  IDEMPOTENCY_TTL_HOURS,
  idempotentEventId,
  requestFingerprint,
  statusRuleProblems,
  ValidationError,
} from '@schedmon/domain';
import type { ApiKey } from './auth.ts';
import { requireAccess, sha256 } from './auth.ts';
import { HttpError } from './errors.ts';
import type { KnownSchedulers } from './known-schedulers.ts';

/** One event as a route received it, already fitting its schema. */
export type EventInput =
  | { type: 'status'; schedulerId: string; body: StatusBody }
  | {
      type: 'heartbeat';
      schedulerId: string;
      body: { scheduler_id: string; timestamp?: string | undefined } | undefined;
    };

export type AcceptedMessage = (StatusMessage | HeartbeatMessage) & {
  event_id: string;
  accepted_at: string;
};

export type IntakeDeps = {
  clock: Clock;
  queue: EventProducer;
  known: KnownSchedulers;
  idempotency: IdempotencyStore;
  maxClockSkewMs: number;
  onEnqueued?: (type: 'status' | 'heartbeat') => void;
};

/** Who sends, under which retry key, in which request (for the log and the queue). */
export type IntakeContext = {
  key: ApiKey | undefined;
  idempotencyKey: string | undefined;
  requestId: string;
};

const HOUR_SECONDS = 3600;

/** Bytes drawn from the system's CSPRNG at once for event ids. */
const RANDOM_POOL_BYTES = 4096;

/**
 * `randomBytes` served from a pool refilled 4 KiB at a time: one call to the CSPRNG per
 * about 400 event ids instead of one per id (it showed in the api's profile). Each byte
 * is handed out once, as a copy of its own.
 */
export function pooledRandomBytes(poolBytes = RANDOM_POOL_BYTES): (size: number) => Uint8Array {
  let pool = randomBytes(poolBytes);
  let offset = 0;
  return (size) => {
    if (size > poolBytes) return randomBytes(size);
    if (offset + size > poolBytes) {
      pool = randomBytes(poolBytes);
      offset = 0;
    }
    offset += size;
    // A copy: a view would expose the pool's next bytes through its `.buffer`.
    return Uint8Array.from(pool.subarray(offset - size, offset));
  };
}
const hex = (text: string) => sha256(text).toString('hex');

/**
 * The key of one event of a batch sent with `Idempotency-Key: batchKey`: the batch's key
 * and the event's own content, so a retried batch repeats each event whatever order it
 * lists them in, and a changed event is a new one rather than a 422 or a duplicate.
 */
export function batchEventKey(batchKey: string, event: unknown): string {
  return `${batchKey}#${hex(canonicalJson(event))}`;
}

/** The `Idempotency-Key` header's value, checked; undefined when the request has none. */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(header)) {
    throw new ValidationError([
      'Idempotency-Key must be one header of 1–255 printable ASCII characters',
    ]);
  }
  return header;
}

/** The 404 of an archived scheduler, for writes to it. */
export function archivedError(schedulerId: string) {
  return new HttpError(
    404,
    `Scheduler ${schedulerId} is archived. Register it again to restore it.`,
  );
}

/** The 404 of an id that is not registered, or is archived. */
async function requireActive(known: KnownSchedulers, schedulerId: string) {
  const state = await known.lookup(schedulerId);
  if (state === 'absent') {
    throw new HttpError(404, `Scheduler ${schedulerId} not found. Please register first.`);
  }
  if (state === 'archived') throw archivedError(schedulerId);
}

export function createEventIntake(deps: IntakeDeps) {
  const random = pooledRandomBytes();
  const problemsOf = (input: EventInput, nowMs: number): string[] => {
    const problems: string[] = [];
    const body = input.body;
    if (body && body.scheduler_id !== input.schedulerId) {
      problems.push(`scheduler_id must equal the id in the path (${input.schedulerId})`);
    }
    if (input.type === 'status') problems.push(...statusRuleProblems(input.body));
    const skew = body?.timestamp
      ? futureSkewProblem(body.timestamp, nowMs, deps.maxClockSkewMs)
      : undefined;
    if (skew) problems.push(skew);
    return problems;
  };

  const build = (input: EventInput, nowMs: number, eventId: string | undefined) => {
    const context = { now: nowMs, random, accepted: true };
    const id = eventId === undefined ? {} : { event_id: eventId };
    return (
      input.type === 'status'
        ? buildStatusMessage({ ...input.body, ...id }, context)
        : buildHeartbeatMessage(
            { scheduler_id: input.schedulerId, timestamp: input.body?.timestamp, ...id },
            context,
          )
    ) as AcceptedMessage;
  };

  /**
   * The message to send for a keyed request: this one when the key is new, else the
   * first attempt's (the same event, the same answer). A key reused for another request
   * is a 422: it would otherwise be two events under one id.
   */
  const claimed = async (
    input: EventInput,
    idempotencyKey: string,
    nowMs: number,
  ): Promise<AcceptedMessage> => {
    const schedulerId = input.schedulerId;
    const now = formatTimestamp(nowMs);
    const message = build(input, nowMs, idempotentEventId(schedulerId, idempotencyKey, now, hex));
    const fingerprint = requestFingerprint(
      { type: input.type, scheduler_id: schedulerId, body: input.body ?? null },
      hex,
    );
    const claim = await deps.idempotency.claim(
      {
        scheduler_id: schedulerId,
        key_digest: hex(idempotencyKey),
        fingerprint,
        message: JSON.stringify(message),
        created_at: now,
      },
      now,
      Math.floor(nowMs / 1000) + IDEMPOTENCY_TTL_HOURS * HOUR_SECONDS,
    );
    if (claim.claimed) return message;
    if (claim.existing.fingerprint !== fingerprint) {
      throw new HttpError(
        422,
        `Idempotency-Key was already used for a different request to scheduler ${schedulerId} within ${IDEMPOTENCY_TTL_HOURS} h; send a new key for a new event`,
      );
    }
    return JSON.parse(claim.existing.message) as AcceptedMessage;
  };

  /**
   * Checks the event, then enqueues it; resolves once the queue holds it. Throws
   * `HttpError` (403, 404, 422), `ValidationError` (400) or the queue's errors (503).
   */
  async function accept(input: EventInput, context: IntakeContext): Promise<AcceptedMessage> {
    requireAccess(context.key, 'write', input.schedulerId);
    const nowMs = deps.clock.now().getTime();
    const problems = problemsOf(input, nowMs);
    if (problems.length > 0) throw new ValidationError(problems);
    await requireActive(deps.known, input.schedulerId);
    const message = context.idempotencyKey
      ? await claimed(input, context.idempotencyKey, nowMs)
      : build(input, nowMs, undefined);
    await deps.queue.send(message, { request_id: context.requestId, source: 'http' });
    deps.onEnqueued?.(input.type);
    return message;
  }

  return { accept };
}

export type EventIntake = ReturnType<typeof createEventIntake>;
