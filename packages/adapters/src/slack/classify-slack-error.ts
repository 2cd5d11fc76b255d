import { NotifierError } from '@schedmon/domain';
import type { WebAPICallError, WebAPIRequestError } from '@slack/web-api';
import { ErrorCode } from '@slack/web-api';

/**
 * `ok: false` errors that mean Slack had trouble rather than refused the message. Every other
 * `error` (`channel_not_found`, `invalid_auth`, `invalid_blocks`, `msg_too_long`, …) is a
 * refusal that would repeat on every retry.
 */
const RETRYABLE_PLATFORM_ERRORS: ReadonlySet<string> = new Set([
  'ratelimited',
  'rate_limited',
  'request_timeout',
  'service_unavailable',
  'fatal_error',
  'internal_error',
]);

/** The codes axios gives a request that ran out of time (`ETIMEDOUT` when told to say so). */
const TIMEOUT_CODES: ReadonlySet<string> = new Set(['ECONNABORTED', 'ETIMEDOUT']);

const SDK_ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/**
 * Translates whatever a `@slack/web-api` call threw into a `NotifierError`, the one place that
 * decides what is worth retrying:
 *
 * - 429 (`ratelimited`): retryable, with `retryAfterMs` from `Retry-After` when Slack sent one;
 * - HTTP 5xx / 408: retryable, `reason` is the status (`"503"`); other HTTP statuses are not;
 * - network failures: retryable, `reason` is the error code (`ECONNREFUSED`, …), or `timeout`
 *   when the call ran out of time;
 * - `ok: false`: retryable only for Slack's own trouble (`fatal_error`, `internal_error`,
 *   `service_unavailable`, `request_timeout`, `ratelimited`); any other `error` is a refusal;
 * - anything unrecognised: retryable (`unexpected`), since it cannot be shown to be
 *   permanent and the caller's retry window bounds it.
 *
 * The SDK error is kept as `cause`, minus the HTTP request it carries, which holds the token.
 */
export function classifySlackError(error: unknown): NotifierError {
  if (error instanceof NotifierError) return error;
  if (!isSlackSdkError(error)) {
    // A 429 without a usable Retry-After is the one rate limit the SDK reports as a plain Error.
    if (error instanceof Error && /rate limit|retry header/i.test(error.message)) {
      return new NotifierError('ratelimited', true, { cause: error });
    }
    return new NotifierError('unexpected', true, { cause: error });
  }
  switch (error.code) {
    case ErrorCode.RateLimitedError:
      return new NotifierError('ratelimited', true, {
        cause: error,
        retryAfterMs: error.retryAfter * 1000,
      });
    case ErrorCode.PlatformError: {
      const reason = error.data.error;
      const retryAfter = error.data.response_metadata?.retryAfter;
      return new NotifierError(reason, RETRYABLE_PLATFORM_ERRORS.has(reason), {
        cause: error,
        ...(retryAfter !== undefined && { retryAfterMs: retryAfter * 1000 }),
      });
    }
    case ErrorCode.HTTPError: {
      const status = error.statusCode;
      const retryable = status >= 500 || status === 408 || status === 429;
      return new NotifierError(String(status), retryable, { cause: error });
    }
    case ErrorCode.RequestError: {
      const code = errorCode(error.original);
      const reason =
        code !== undefined && TIMEOUT_CODES.has(code) ? 'timeout' : (code ?? 'network');
      return new NotifierError(reason, true, { cause: withoutRequest(error) });
    }
    default:
      // The SDK's file-upload argument errors: this adapter never uploads files.
      return new NotifierError('unexpected', true, { cause: error });
  }
}

function isSlackSdkError(error: unknown): error is WebAPICallError {
  return (
    error instanceof Error &&
    'code' in error &&
    typeof error.code === 'string' &&
    SDK_ERROR_CODES.has(error.code)
  );
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/**
 * The request error with its `original` (an axios error) cut down to name, message and code:
 * the axios error holds the request config and the request itself, whose `Authorization`
 * header is the bot token, and a logger serialising `err.cause` would print it.
 */
function withoutRequest(error: WebAPIRequestError): WebAPIRequestError {
  const original = error.original as Error | undefined;
  const safe = Object.assign(new Error(error.message), {
    name: error.name,
    code: error.code,
    stack: error.stack,
  }) as WebAPIRequestError;
  if (original !== undefined) {
    safe.original = Object.assign(new Error(original.message), {
      name: original.name,
      code: errorCode(original),
    });
  }
  return safe;
}
