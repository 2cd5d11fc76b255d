/**
 * Domain errors: a stable `code`, a `name`, the underlying `cause`. They know nothing of
 * HTTP; the api maps codes to statuses in one table, the worker to retry-or-park.
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'VALUE_UNSTORABLE'
  | 'ENGINE_UNAVAILABLE'
  | 'QUEUE_REFUSED'
  | 'NOTIFIER_FAILED'
  | 'DESTINATION_FAILED';

export class DomainError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'DomainError';
  }
}

export class ValidationError extends DomainError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('VALIDATION_FAILED', problems.join('; '));
    this.name = 'ValidationError';
    this.problems = problems;
  }
}

/**
 * The store refused a value as it is (DynamoDB's `ValidationException`, or its SDK could
 * not encode it): retrying the same value cannot help. The worker parks the message with
 * reason `unstorable`; the api answers 400 without the engine's text.
 */
export class UnstorableValueError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('VALUE_UNSTORABLE', message, options);
    this.name = 'UnstorableValueError';
  }
}

/**
 * A store or queue engine could not be reached or throttled the call. Always worth
 * retrying later: nothing was written, or the write is idempotent.
 */
export class EngineUnavailableError extends DomainError {
  readonly engine: 'dynamodb' | 'sqs';

  constructor(engine: 'dynamodb' | 'sqs', message: string, options?: { cause?: unknown }) {
    super('ENGINE_UNAVAILABLE', message, options);
    this.name = 'EngineUnavailableError';
    this.engine = engine;
  }
}

/** The queue did not accept a message (the api answers 503: nothing was enqueued). */
export class QueueRefusedError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('QUEUE_REFUSED', message, options);
    this.name = 'QueueRefusedError';
  }
}

/**
 * Slack (or the log sink) did not take a message. `retryable` is true for 429, 5xx,
 * timeouts and network errors; false for a permanent refusal such as `channel_not_found`.
 */
export class NotifierError extends DomainError {
  readonly retryable: boolean;
  /** Slack's `error` string (`ratelimited`, `channel_not_found`, …) or the HTTP status. */
  readonly reason: string;
  /** How long Slack asked to wait, when it did (Retry-After). */
  readonly retryAfterMs: number | undefined;

  constructor(
    reason: string,
    retryable: boolean,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super('NOTIFIER_FAILED', `Slack refused the message: ${reason}`, options);
    this.name = 'NotifierError';
    this.reason = reason;
    this.retryable = retryable;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/**
 * A destination (PagerDuty, Opsgenie, a webhook) did not take a delivery. `retryable` is
 * true for 408, 429, 5xx, timeouts and network errors; false for an answer that will
 * never change (400, 401, 403, 404, 413, 422, a redirect, a refused address).
 */
export class DestinationError extends DomainError {
  readonly retryable: boolean;
  /** What went wrong, without the destination's URL or secret (`http 503`, `timeout`). */
  readonly reason: string;
  /** The HTTP status of the answer; null without one. */
  readonly status: number | null;
  /** How long the destination asked to wait, when it did (Retry-After). */
  readonly retryAfterMs: number | undefined;

  constructor(
    reason: string,
    retryable: boolean,
    options: { status: number | null; cause?: unknown; retryAfterMs?: number },
  ) {
    super('DESTINATION_FAILED', `The destination did not take the delivery: ${reason}`, options);
    this.name = 'DestinationError';
    this.reason = reason;
    this.retryable = retryable;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}
