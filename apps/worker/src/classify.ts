/**
 * The one place the worker decides what a failure means for a message:
 *
 * - `park`: it can never succeed (a value the store refuses): to the DLQ at once, with a
 *   reason, and the receive loop goes straight on.
 * - `hold`: an engine is down (`EngineUnavailableError`): the message stays hidden and
 *   receiving pauses until the engine answers, so an outage burns no receive counts.
 * - `retry`: anything unexpected: received again after a growing delay; the redrive policy
 *   parks it after `maxReceiveCount` receives, so nothing loops forever.
 */
import {
  EngineUnavailableError,
  exponentialBackoffMs,
  UnstorableValueError,
} from '@schedmon/domain';

/** What becomes of a message whose processing failed with some error. */
export type FailureDecision =
  | { kind: 'park'; reason: string; detail: string }
  | { kind: 'hold'; error: unknown }
  | { kind: 'retry'; error: unknown };

/** Decides a failure. Parse-time refusals never get here: they are parked where parsed. */
export function decideFailure(error: unknown): FailureDecision {
  if (error instanceof UnstorableValueError) {
    return { kind: 'park', reason: 'unstorable', detail: error.message };
  }
  if (error instanceof EngineUnavailableError) return { kind: 'hold', error };
  return { kind: 'retry', error };
}

/** Seconds a message that failed unexpectedly stays hidden before its next try. */
export function retryDelaySeconds(receiveCount: number, firstSeconds = 5): number {
  // 5, 10, 20, 40 … s with the default: the redrive budget is spent over minutes, not seconds.
  return exponentialBackoffMs(receiveCount, { baseMs: firstSeconds * 1000, maxMs: 300_000 }) / 1000;
}
