/**
 * How every SQS call is made: bounded in time, retried briefly when the engine is the
 * problem, and its SDK error turned into a domain error at this boundary.
 */
import { EngineUnavailableError, exponentialBackoffMs, QueueRefusedError } from '@schedmon/domain';

// Throttling arrives as a 4xx, yet it is the engine, not the request, that is the problem.
const THROTTLING = new Set(['ThrottlingException', 'RequestThrottled', 'KmsThrottled']);

type SdkErrorShape = {
  name?: string;
  message?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
};

/**
 * True when the engine, not the request, is at fault: no HTTP answer at all (refused,
 * reset, timed out), a 5xx, or throttling. Retrying such a call may succeed. An abort
 * asked for by the caller is not transient.
 */
export function isTransient(error: unknown): boolean {
  const shape = (error ?? {}) as SdkErrorShape;
  // The caller gave up on purpose: trying again would only defy it.
  if (shape.name === 'AbortError') return false;
  if (shape.$retryable) return true;
  if (THROTTLING.has(shape.name ?? '')) return true;
  const status = shape.$metadata?.httpStatusCode;
  return status === undefined || status >= 500;
}

/** `Name: message` of an SDK error, for domain error messages and logs. */
function describeError(error: unknown): string {
  const shape = (error ?? {}) as SdkErrorShape;
  return `${shape.name ?? 'Error'}: ${shape.message ?? String(error)}`;
}

/**
 * The domain error of a failed call: engine trouble → `EngineUnavailableError`, a refusal
 * of the request itself (missing queue, access denied, bad parameter) → `QueueRefusedError`.
 * Either way the SDK error is the `cause`.
 */
export function toDomainError(error: unknown, operation: string): Error {
  const message = `SQS ${operation} failed: ${describeError(error)}`;
  return isTransient(error)
    ? new EngineUnavailableError('sqs', message, { cause: error })
    : new QueueRefusedError(message, { cause: error });
}

/** The SDK error `name` (`MessageNotInflight`, …), for the few errors that are outcomes. */
export function errorName(error: unknown): string {
  return ((error ?? {}) as SdkErrorShape).name ?? '';
}

/**
 * Runs `run` with a signal that aborts after `timeoutMs` or when any of `signals` aborts.
 * The SDK has no overall deadline of its own, so without this a hung engine would hold
 * a caller (and, in the api, an HTTP request) forever. A timeout rejects with a
 * `TimeoutError` (transient); an outside abort rejects with the SDK's `AbortError`.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  signals: readonly (AbortSignal | undefined)[],
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  for (const signal of signals) {
    if (signal?.aborted) controller.abort();
    signal?.addEventListener('abort', abort, { once: true });
  }
  try {
    return await run(controller.signal);
  } catch (error) {
    if (!timedOut) throw error;
    const timeout = new Error(`SQS did not answer within ${timeoutMs} ms`, { cause: error });
    timeout.name = 'TimeoutError';
    throw timeout;
  } finally {
    clearTimeout(timer);
    for (const signal of signals) signal?.removeEventListener('abort', abort);
  }
}

/** Waits `ms`; the timer is always cleared by firing, so nothing is left behind. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Exponential backoff with jitter from 50 ms: 25–50, 50–100, 100–200 ms, … */
export function backoffMs(attempt: number): number {
  return Math.round(exponentialBackoffMs(attempt, { baseMs: 50, jitter: true }));
}

/**
 * Runs `call` up to `attempts` times while it fails transiently. The SDK client retries
 * each call itself too; these few extra rounds ride out a restart of the engine or a cut
 * connection pool, not a long outage, so the caller hears about an outage in seconds.
 */
export async function retrying<T>(attempts: number, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isTransient(error)) throw error;
      await sleep(backoffMs(attempt));
    }
  }
}
