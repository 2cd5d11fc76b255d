/**
 * Safe retries of HTTP writes that carry an `Idempotency-Key`: the event id a keyed write
 * gets, the fingerprint that tells a retry from a different request under the same key,
 * and the record kept per scheduler and key for `IDEMPOTENCY_TTL_HOURS`. The api claims
 * the record before it sends; a retry re-sends the stored message, whose event id the
 * worker deduplicates.
 */
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { canonicalJson } from './events.ts';
import { SchedulerIdSchema } from './scheduler.ts';

/**
 * How long a key is remembered: a request with the key later than this is a new claim,
 * and so a new event.
 */
export const IDEMPOTENCY_TTL_HOURS = 24;

/**
 * The event id of a write with `key` for `schedulerId`, claimed at `claimedAt` (ISO):
 * every retry of that claim re-sends the claimed message, so it is the same event. The
 * claim's instant is part of it, so a key reused after its claim expired is a new event,
 * never a second one under an id the worker (and the alert outbox, for days) already
 * knows. Apart per scheduler: keys are chosen by each producer, so two may pick the
 * same one. The `k-` prefix keeps it apart from derived (`d-`) ids and within
 * `EventIdSchema`.
 */
export function idempotentEventId(
  schedulerId: string,
  key: string,
  claimedAt: string,
  digest: (text: string) => string,
): string {
  // Scheduler ids and timestamps hold no newline, so no two claims share the text.
  return `k-${digest(`${schedulerId}\n${claimedAt}\n${key}`).slice(0, 40)}`;
}

/** What a request asked for, whatever order its fields came in: equal for a true retry. */
export function requestFingerprint(parts: unknown, digest: (text: string) => string): string {
  return digest(canonicalJson(parts));
}

/** The longest queue message a record keeps (well under DynamoDB's 400 KB item limit). */
const MAX_STORED_MESSAGE_LENGTH = 300_000;

/** One claimed key of a scheduler, as stored until it expires. */
export const IdempotencyRecordSchema = Type.Object(
  {
    scheduler_id: SchedulerIdSchema,
    /**
     * The sha256 (hex) of the key, never the key: producers may choose keys freely, so a
     * key may carry text nobody meant to store, and a digest also bounds the item key.
     */
    key_digest: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    /** `requestFingerprint` of the request that claimed the key. */
    fingerprint: Type.String(),
    /** The queue message JSON exactly as sent, re-sent as is on a retry. */
    message: Type.String({ maxLength: MAX_STORED_MESSAGE_LENGTH }),
    /** When the key was claimed (ISO). */
    created_at: Type.String(),
  },
  { additionalProperties: false },
);
export type IdempotencyRecord = Static<typeof IdempotencyRecordSchema>;
