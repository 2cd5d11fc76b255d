/**
 * The one place the worker decides what a failure means for a message: retry it later
 * (engine trouble, anything unexpected) or park it in the DLQ at once (it can never
 * succeed). Unknown errors are retried: the redrive policy parks them after
 * `maxReceiveCount` receives, so nothing is lost and nothing loops forever.
 */
import { EngineUnavailableError, ValidationError } from '@schedmon/domain';

export type FailureKind = 'transient' | 'poison';

export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof ValidationError) return 'poison';
  if (error instanceof EngineUnavailableError) return 'transient';
  return 'transient';
}

/** Seconds a message that failed transiently stays hidden before its next try. */
export function retryDelaySeconds(receiveCount: number): number {
  // 5, 10, 20, 40 … s: a short outage is ridden out within the redrive budget.
  return Math.min(300, 5 * 2 ** Math.max(0, receiveCount - 1));
}
