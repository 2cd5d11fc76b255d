/**
 * What every client and producer call resolves to. By default a failure is a value, not an
 * exception: monitoring must never be the reason a monitored job breaks.
 */

/** Why a call failed; stable, for `switch` in callers. */
export type ClientErrorCode =
  /** The api answered with a non-2xx status (see `status` and `problems`). */
  | 'HTTP_ERROR'
  /** No answer: connection refused or reset, DNS failure. */
  | 'NETWORK_ERROR'
  /** No answer within `timeoutMs`. */
  | 'TIMEOUT'
  /** The caller's `signal` aborted the call. */
  | 'ABORTED'
  /**
   * Refused before anything was sent: the event breaks the message contract, or its
   * request does (an `idempotencyKey` that is not 1–255 printable ASCII, a batch of none
   * or over 100 events).
   */
  | 'INVALID_EVENT'
  /** SQS refused the message, or could not be reached after brief retries. */
  | 'QUEUE_ERROR';

/** A failed call: what went wrong, every problem the api or the validators named, and the cause. */
export class SchedmonClientError extends Error {
  override readonly name = 'SchedmonClientError';
  readonly code: ClientErrorCode;
  /** The HTTP status, for `HTTP_ERROR`. */
  readonly status: number | undefined;
  /**
   * One readable sentence per problem: the api's 400 `message` array, or the validator's
   * sentences for `INVALID_EVENT` (the same ones the api gives).
   */
  readonly problems: readonly string[];
  /** The `x-request-id` of the last attempt, to find it in the api's log. */
  readonly requestId: string | undefined;
  /** How many HTTP attempts were made (0 when refused before sending). */
  readonly attempts: number;

  constructor(
    code: ClientErrorCode,
    message: string,
    details: {
      status?: number;
      problems?: readonly string[];
      requestId?: string;
      attempts?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.status = details.status;
    this.problems = details.problems ?? [message];
    this.requestId = details.requestId;
    this.attempts = details.attempts ?? 0;
  }
}

/** A call's outcome when failures are values (the default). */
export type SchedmonResult<T> = { ok: true; value: T } | { ok: false; error: SchedmonClientError };

/** What a method resolves to: the value itself with `throwOnError: true`, else a result. */
export type Returned<T, Throws extends boolean> = Throws extends true ? T : SchedmonResult<T>;

/** Where failures go when they are not thrown: `console.warn` unless the caller says. */
export type ErrorReporter = (error: SchedmonClientError) => void;

export const warnOnConsole: ErrorReporter = (error) => {
  console.warn(`schedmon: ${error.message}`);
};

/**
 * Turns an outcome into what the caller asked for: the value or a thrown error with
 * `throwOnError`, else the result itself, the failure reported to `onError` first.
 */
export function settle<T, Throws extends boolean>(
  outcome: SchedmonResult<T>,
  throwOnError: Throws,
  onError: ErrorReporter,
): Returned<T, Throws> {
  if (throwOnError) {
    if (!outcome.ok) throw outcome.error;
    return outcome.value as Returned<T, Throws>;
  }
  if (!outcome.ok) {
    // A reporter that throws must not turn a reported failure into a crash of the job.
    try {
      onError(outcome.error);
    } catch {}
  }
  return outcome as Returned<T, Throws>;
}
