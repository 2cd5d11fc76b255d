/**
 * The typed HTTP client of the schedmon api (docs/api.md): every call is bounded in time,
 * retried with backoff on 429, 5xx and network errors (honouring `Retry-After`), and by
 * default resolves to a result instead of throwing into the caller's job. Redirects are
 * refused, never followed, so the API key only ever goes to `baseUrl`.
 */
import { randomUUID } from 'node:crypto';
import type { HistoryEntry, Registration, SchedulerRecord, Status } from '@schedmon/domain';
import { exponentialBackoffMs } from '@schedmon/domain';
import type { ClientErrorCode, ErrorReporter, Returned, SchedmonResult } from './result.ts';
import { SchedmonClientError, settle, warnOnConsole } from './result.ts';
import type { HeartbeatAccepted, RouteName, StatusAccepted, StatusBody } from './routes.ts';
import { ROUTES } from './routes.ts';

export type ClientOptions<Throws extends boolean = false> = {
  /** Where the api answers, e.g. `http://localhost:3000` (a path prefix is kept). */
  baseUrl: string;
  /** Sent as `x-api-key`. */
  apiKey: string;
  /** The `fetch` to use (tests, proxies); the global one by default. */
  fetch?: typeof fetch;
  /** Retries after the first attempt on 429, 5xx, timeouts and network errors (default 3). */
  retries?: number;
  /** Deadline of one attempt, reading the answer included (default 10 s). */
  timeoutMs?: number;
  /**
   * Longest wait before a retry (default 30 s). A `Retry-After` asking for longer ends the
   * retries instead: waiting less than the api asked would only be refused again.
   */
  maxRetryDelayMs?: number;
  /** Where failures go when they are not thrown (default: one line on `console.warn`). */
  onError?: ErrorReporter;
  /** Throw `SchedmonClientError` instead of resolving `{ ok: false, error }`. */
  throwOnError?: Throws;
};

/** Per call: a signal that abandons the call, retries and waits included. */
export type CallOptions = { signal?: AbortSignal };

/** A status update; `timestamp` defaults to now. The path id is `scheduler_id`. */
export type StatusUpdate = Omit<StatusBody, 'timestamp'> & { timestamp?: string };

export type HeartbeatOptions = CallOptions & { timestamp?: string };

export type ListFilter = CallOptions & { status?: Status; service_name?: string };

export type HistoryOptions = CallOptions & { limit?: number; from?: string; to?: string };

/** The api's routes as methods; each resolves per `throwOnError` (see `Returned`). */
export type SchedmonClient<Throws extends boolean = false> = {
  /** Registers a scheduler, or updates its names and contacts (an omitted contact is cleared). */
  register(
    registration: Registration,
    options?: CallOptions,
  ): Promise<Returned<SchedulerRecord, Throws>>;
  /** Reports a status; 202 means the queue holds the event, the worker applies it soon after. */
  status(update: StatusUpdate, options?: CallOptions): Promise<Returned<StatusAccepted, Throws>>;
  /** Sends a heartbeat for a registered scheduler. */
  heartbeat(
    schedulerId: string,
    options?: HeartbeatOptions,
  ): Promise<Returned<HeartbeatAccepted, Throws>>;
  /** Every scheduler the key may read, sorted by service, job, id. */
  listSchedulers(filter?: ListFilter): Promise<Returned<SchedulerRecord[], Throws>>;
  /** One scheduler's current record (`HTTP_ERROR` with status 404 when unknown). */
  getScheduler(
    schedulerId: string,
    options?: CallOptions,
  ): Promise<Returned<SchedulerRecord, Throws>>;
  /** Status history, newest first, heartbeats included (`type: "heartbeat"`). */
  history(schedulerId: string, options?: HistoryOptions): Promise<Returned<HistoryEntry[], Throws>>;
};

const RETRY_BASE_MS = 250;
// The statuses fetch would follow.
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * Exponential backoff with jitter: attempt 1 waits 125–250 ms, then 250–500, 500–1000 …,
 * so many jobs hit by the same outage do not come back in lockstep.
 */
export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  return Math.round(exponentialBackoffMs(attempt, { baseMs: RETRY_BASE_MS, jitter: true, random }));
}

/** `Retry-After` in ms (seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** A failure and whether trying again may help; `waitMs` is what the api asked for. */
type AttemptFailure = { error: SchedmonClientError; retryable: boolean; waitMs?: number };
type AttemptOutcome<T> = { ok: true; value: T } | ({ ok: false } & AttemptFailure);

type Request = {
  route: RouteName;
  id?: string;
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  signal?: AbortSignal | undefined;
};

/** Waits `ms`, or less when `signal` aborts; resolves false when it was aborted. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (completed: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(completed);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The most useful words of a fetch failure: undici hides the reason in `cause`. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.message) return cause.message;
  if (cause?.code) return cause.code;
  return error instanceof Error ? error.message : String(error);
}

function problemsOf(body: unknown): string[] | undefined {
  const message = (body as { message?: unknown } | null)?.message;
  if (typeof message === 'string') return [message];
  if (Array.isArray(message) && message.every((item) => typeof item === 'string')) return message;
  return undefined;
}

/**
 * Creates the client. Nothing is sent until a method is called.
 *
 * Failure: each method resolves `{ ok: false, error }` (reported to `onError`) or, with
 * `throwOnError: true`, rejects with `SchedmonClientError`; `code` says which kind
 * (`HTTP_ERROR` with `status` and the api's `problems`, `NETWORK_ERROR`, `TIMEOUT`,
 * `ABORTED`). A redirect is an `HTTP_ERROR` with the 3xx status, not followed and not
 * retried. Retried: 429, 5xx, timeouts and network errors, `retries` times. A retried
 * status write the api did receive becomes a second event with the same content (see
 * docs/producers.md).
 */
export function createSchedmonClient<Throws extends boolean = false>(
  options: ClientOptions<Throws>,
): SchedmonClient<Throws> {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const fetchFn = options.fetch ?? globalThis.fetch;
  const retries = Math.max(0, Math.floor(options.retries ?? 3));
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
  const throwOnError = (options.throwOnError ?? false) as Throws;
  const onError = options.onError ?? warnOnConsole;

  const attempt = async <T>(
    request: Request,
    requestId: string,
    attempts: number,
  ): Promise<AttemptOutcome<T>> => {
    const route = ROUTES[request.route];
    const path = route.path.replace('{id}', encodeURIComponent(request.id ?? ''));
    const query = new URLSearchParams();
    // Only the parameters the route declares (and the contract test checks) are sent.
    const allowed: readonly string[] = 'query' in route ? route.query : [];
    for (const name of allowed) {
      const value = request.query?.[name];
      if (value !== undefined) query.set(name, String(value));
    }
    const search = query.size > 0 ? `?${query}` : '';
    const what = `${route.method} ${path}`;
    const fail = (
      code: ClientErrorCode,
      message: string,
      retryable: boolean,
      details: { status?: number; problems?: string[]; cause?: unknown; waitMs?: number } = {},
    ): AttemptOutcome<T> => ({
      ok: false,
      retryable,
      ...(details.waitMs === undefined ? {} : { waitMs: details.waitMs }),
      error: new SchedmonClientError(code, message, { ...details, requestId, attempts }),
    });

    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await fetchFn(`${baseUrl}${path}${search}`, {
        method: route.method,
        headers: {
          accept: 'application/json',
          'x-api-key': options.apiKey,
          'x-request-id': requestId,
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        // Redirects are never followed: fetch would send `x-api-key` along to wherever the
        // answer points, another host included. The api never redirects, so a redirect
        // means a wrong base URL (http for https, a proxy's login page): it fails below.
        redirect: 'manual',
        signal,
      });
      text = await response.text();
    } catch (error) {
      if (request.signal?.aborted)
        return fail('ABORTED', `${what} was aborted`, false, { cause: error });
      if (timeout.aborted) {
        return fail('TIMEOUT', `${what} got no answer within ${timeoutMs} ms`, true, {
          cause: error,
        });
      }
      return fail('NETWORK_ERROR', `${what} failed: ${networkReason(error)}`, true, {
        cause: error,
      });
    }

    // `opaqueredirect` (status 0) is what a browser's fetch gives instead of the 3xx.
    if (response.type === 'opaqueredirect' || REDIRECT_STATUSES.has(response.status)) {
      const location = response.headers.get('location') ?? 'an unnamed location';
      return fail(
        'HTTP_ERROR',
        `${what} answered ${response.status}, a redirect to ${location.slice(0, 200)}: not followed, so the API key goes nowhere else; set the base URL to the api's own address`,
        false,
        { status: response.status },
      );
    }

    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch (error) {
      body = undefined;
      if (response.ok) {
        return fail(
          'HTTP_ERROR',
          `${what} answered ${response.status} with a body that is not JSON`,
          false,
          {
            status: response.status,
            cause: error,
          },
        );
      }
    }
    if (response.ok) return { ok: true, value: body as T };
    const problems = problemsOf(body) ?? [response.statusText || `HTTP ${response.status}`];
    const wait = retryAfterMs(response.headers.get('retry-after'));
    return fail(
      'HTTP_ERROR',
      `${what} answered ${response.status}: ${problems.join('; ')}`,
      response.status === 429 || response.status >= 500,
      { status: response.status, problems, ...(wait === undefined ? {} : { waitMs: wait }) },
    );
  };

  const call = async <T>(request: Request): Promise<Returned<T, Throws>> => {
    // One id for every attempt: the api's log shows a retried call as one story.
    const requestId = randomUUID();
    let outcome: AttemptOutcome<T>;
    for (let attempts = 1; ; attempts += 1) {
      outcome = await attempt<T>(request, requestId, attempts);
      if (outcome.ok || !outcome.retryable || attempts > retries) break;
      const waitMs = outcome.waitMs ?? backoffDelayMs(attempts);
      if (waitMs > maxRetryDelayMs) break;
      if (!(await pause(waitMs, request.signal))) break;
    }
    const result: SchedmonResult<T> = outcome.ok ? outcome : { ok: false, error: outcome.error };
    return settle(result, throwOnError, onError);
  };

  return {
    register: (registration, callOptions = {}) =>
      call({ route: 'register', body: registration, signal: callOptions.signal }),
    status: (update, callOptions = {}) =>
      call({
        route: 'status',
        id: update.scheduler_id,
        body: { ...update, timestamp: update.timestamp ?? new Date().toISOString() },
        signal: callOptions.signal,
      }),
    heartbeat: (schedulerId, { signal, timestamp } = {}) =>
      call({
        route: 'heartbeat',
        id: schedulerId,
        body:
          timestamp === undefined
            ? { scheduler_id: schedulerId }
            : { scheduler_id: schedulerId, timestamp },
        signal,
      }),
    listSchedulers: ({ signal, ...filter } = {}) =>
      call({ route: 'listSchedulers', query: filter, signal }),
    getScheduler: (schedulerId, callOptions = {}) =>
      call({ route: 'getScheduler', id: schedulerId, signal: callOptions.signal }),
    history: (schedulerId, { signal, ...query } = {}) =>
      call({ route: 'history', id: schedulerId, query, signal }),
  };
}
