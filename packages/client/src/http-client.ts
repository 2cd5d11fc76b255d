/**
 * The typed HTTP client of the schedmon api (docs/api.md): every call is bounded in time,
 * retried with backoff on 429, 5xx and network errors (honouring `Retry-After`), and by
 * default resolves to a result instead of throwing into the caller's job. Writes carry an
 * `Idempotency-Key`, the same on every retry, so a retry is never a second event.
 * Redirects are refused, never followed, so the API key only ever goes to `baseUrl`.
 */
import { randomUUID } from 'node:crypto';
import type {
  BoardInput,
  BoardView,
  DeliveryAttempt,
  Destination,
  HistoryEntry,
  IncidentRecord,
  PauseBody,
  Registration,
  SchedulerDestinations,
  SchedulerRecord,
  Status,
} from '@schedmon/domain';
import {
  CursorSchema,
  compareSchedulers,
  exponentialBackoffMs,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_KEY_PATTERN,
  MAX_BATCH_EVENTS,
  MAX_CURSOR_LENGTH,
} from '@schedmon/domain';
import type { ClientErrorCode, ErrorReporter, Returned, SchedmonResult } from './result.ts';
import { SchedmonClientError, settle, warnOnConsole } from './result.ts';
import type {
  AcknowledgeBody,
  BatchAccepted,
  BatchEvent,
  HeartbeatAccepted,
  RouteName,
  StatusAccepted,
  StatusBody,
} from './routes.ts';
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

/**
 * Per write (status, heartbeat, sendEvents). `idempotencyKey`: the `Idempotency-Key` of
 * this event, 1–255 printable ASCII; by default a new UUID per call. Every retry of the
 * call sends the same key. Pass your own to retry a call yourself (after a crash, from
 * another process): the same key with the same request is the same event; with a
 * different request the api answers 422.
 */
export type WriteOptions = CallOptions & { idempotencyKey?: string };

/** A status update; `timestamp` defaults to now. The path id is `scheduler_id`. */
export type StatusUpdate = Omit<StatusBody, 'timestamp'> & { timestamp?: string };

export type HeartbeatOptions = WriteOptions & { timestamp?: string };

/** One event of `sendEvents`: a status (`timestamp` defaults to now) or a heartbeat. */
export type BatchEventInput =
  | (Omit<Extract<BatchEvent, { type: 'status' }>, 'timestamp'> & { timestamp?: string })
  | Exclude<BatchEvent, { type: 'status' }>;

export type ListFilter = CallOptions & {
  status?: Status;
  service_name?: string;
  tag?: string;
  board?: string;
  /** true: only archived schedulers; false or absent: only active ones. */
  archived?: boolean;
};

/** One page: `limit` 1–1000 (the api's default 50); `cursor` from the previous page. */
export type ListPageOptions = ListFilter & { limit?: number; cursor?: string };

export type HistoryOptions = CallOptions & { limit?: number; from?: string; to?: string };

export type HistoryPageOptions = HistoryOptions & { cursor?: string };

/** What a pause asks: until when (ISO; absent: until resumed) and why. */
export type PauseOptions = CallOptions & PauseBody;

export type IncidentFilter = CallOptions & {
  state?: IncidentRecord['state'];
  kind?: IncidentRecord['kind'];
  scheduler_id?: string;
  board?: string;
};

/** One page: `limit` 1–100 (the api's default 50); `cursor` from the previous page. */
export type IncidentListPageOptions = IncidentFilter & { limit?: number; cursor?: string };

/** Who acknowledges (`by`, ≤ 100 printable characters); by default `api:<name of the key>`. */
export type AcknowledgeOptions = CallOptions & AcknowledgeBody;

/** One page of a list; `next_cursor` asks for the page after it, null on the last. */
export type Page<T> = { items: T[]; next_cursor: string | null };

/** The api's routes as methods; each resolves per `throwOnError` (see `Returned`). */
export type SchedmonClient<Throws extends boolean = false> = {
  /** Registers a scheduler, or updates its names and contacts (an omitted contact is cleared). */
  register(
    registration: Registration,
    options?: CallOptions,
  ): Promise<Returned<SchedulerRecord, Throws>>;
  /**
   * Reports a status; 202 means the queue holds the event, the worker applies it soon after.
   * Safe to retry with the same `idempotencyKey` and the same `timestamp`.
   */
  status(update: StatusUpdate, options?: WriteOptions): Promise<Returned<StatusAccepted, Throws>>;
  /** Sends a heartbeat for a registered scheduler. */
  heartbeat(
    schedulerId: string,
    options?: HeartbeatOptions,
  ): Promise<Returned<HeartbeatAccepted, Throws>>;
  /**
   * Sends 1–100 status and heartbeat events in one request (`POST /api/v1/events`). A 202
   * may still refuse some: `results[i]` is event i's `event_id` or its `error`. With key
   * K, event i is the api's event `K#i`. More than 100, or none, is `INVALID_EVENT`
   * before anything is sent.
   */
  sendEvents(
    events: readonly BatchEventInput[],
    options?: WriteOptions,
  ): Promise<Returned<BatchAccepted, Throws>>;
  /** Every scheduler the key may read, sorted by service, job, id, read 1000 a page. */
  listSchedulers(filter?: ListFilter): Promise<Returned<SchedulerRecord[], Throws>>;
  /** One page of schedulers in id order, and the cursor of the next (docs/api.md → Pages). */
  listSchedulersPage(options?: ListPageOptions): Promise<Returned<Page<SchedulerRecord>, Throws>>;
  /** One scheduler's current record (`HTTP_ERROR` with status 404 when unknown). */
  getScheduler(
    schedulerId: string,
    options?: CallOptions,
  ): Promise<Returned<SchedulerRecord, Throws>>;
  /** Status history, newest first, heartbeats included (`type: "heartbeat"`); one page. */
  history(schedulerId: string, options?: HistoryOptions): Promise<Returned<HistoryEntry[], Throws>>;
  /** One page of `history`, and the cursor of the next. */
  historyPage(
    schedulerId: string,
    options?: HistoryPageOptions,
  ): Promise<Returned<Page<HistoryEntry>, Throws>>;
  /**
   * Archives a scheduler: out of tables, lists and alerts, history kept. Registering it
   * again restores it. Resolves the archived record.
   */
  archive(schedulerId: string, options?: CallOptions): Promise<Returned<SchedulerRecord, Throws>>;
  /** Pauses a scheduler (no incidents while paused; events still recorded). */
  pause(schedulerId: string, options?: PauseOptions): Promise<Returned<SchedulerRecord, Throws>>;
  /** Ends a pause; resuming one that is not paused changes nothing. */
  resume(schedulerId: string, options?: CallOptions): Promise<Returned<SchedulerRecord, Throws>>;
  /** Every incident the key may read, newest first, read 100 a page. */
  listIncidents(filter?: IncidentFilter): Promise<Returned<IncidentRecord[], Throws>>;
  /**
   * One page of incidents, newest first, and the cursor of the next (docs/api.md →
   * Incidents). A filter may answer a short or empty page that still has a next one.
   */
  listIncidentsPage(
    options?: IncidentListPageOptions,
  ): Promise<Returned<Page<IncidentRecord>, Throws>>;
  /** One incident, resolved ones too (`HTTP_ERROR` with status 404 when unknown). */
  incident(incidentId: string, options?: CallOptions): Promise<Returned<IncidentRecord, Throws>>;
  /**
   * Acknowledges an open incident: its reminder stops. Acknowledging again changes
   * nothing, so a retry needs no `Idempotency-Key`. A resolved one is `HTTP_ERROR` 409.
   */
  acknowledgeIncident(
    incidentId: string,
    options?: AcknowledgeOptions,
  ): Promise<Returned<IncidentRecord, Throws>>;
  /** Every attempt to deliver the incident's transitions to its destinations. */
  incidentDeliveries(
    incidentId: string,
    options?: CallOptions,
  ): Promise<Returned<DeliveryAttempt[], Throws>>;
  /**
   * A scheduler's own destinations, by fingerprint (`HTTP_ERROR` 404 when it has none:
   * its boards' apply); `admin` scope.
   */
  getSchedulerDestinations(
    schedulerId: string,
    options?: CallOptions,
  ): Promise<Returned<SchedulerDestinations, Throws>>;
  /**
   * Gives a scheduler its own destinations, replacing its boards' for the incidents it
   * opens from then on (`[]`: none); `admin` scope. Safe to retry.
   */
  putSchedulerDestinations(
    schedulerId: string,
    destinations: Destination[],
    options?: CallOptions,
  ): Promise<Returned<SchedulerDestinations, Throws>>;
  /** Drops a scheduler's own destinations: its boards' apply again; `admin` scope. */
  deleteSchedulerDestinations(
    schedulerId: string,
    options?: CallOptions,
  ): Promise<Returned<SchedulerDestinations, Throws>>;
  /** The stored boards, by id (docs/boards.md); needs the `admin` scope. */
  listBoards(options?: CallOptions): Promise<Returned<BoardView[], Throws>>;
  /** One stored board (`HTTP_ERROR` with status 404 when there is none); `admin` scope. */
  getBoard(boardId: string, options?: CallOptions): Promise<Returned<BoardView, Throws>>;
  /**
   * Stores a board, creating it or replacing the one of that id (its `created_at` kept);
   * resolves the stored board. Safe to retry: the same input stores the same board.
   * A board the api refuses is `HTTP_ERROR` 400 with every problem in `problems`.
   */
  putBoard(
    boardId: string,
    input: BoardInput,
    options?: CallOptions,
  ): Promise<Returned<BoardView, Throws>>;
  /** Deletes a board; resolves the deleted board (`HTTP_ERROR` 404 when there is none). */
  deleteBoard(boardId: string, options?: CallOptions): Promise<Returned<BoardView, Throws>>;
};

const RETRY_BASE_MS = 250;
// The statuses fetch would follow.
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** The page size `listSchedulers` walks with: the api's largest. */
const WALK_PAGE_SIZE = 1000;
/** The page size `listIncidents` walks with: the api's largest for incidents. */
const INCIDENT_WALK_PAGE_SIZE = 100;
const CURSOR = new RegExp(CursorSchema.pattern ?? '^$');

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

// A quoted-string of RFC 9110 (escapes included), or a token.
const LINK_PARAM =
  /;\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;,"]*)))?/g;

/**
 * The `cursor` of the `rel="next"` link in a `Link` header (RFC 8288): null when there is
 * no such link, undefined when there is one without a usable cursor (none, several, or
 * not of the api's shape). Only the cursor is taken: the next page is asked of `baseUrl`
 * like every call, whatever origin the link names, so a link never sends the key elsewhere.
 */
export function nextCursorOf(header: string | null): string | null | undefined {
  if (header === null) return null;
  let at = 0;
  while (at < header.length) {
    const open = header.indexOf('<', at);
    if (open === -1) return null;
    const close = header.indexOf('>', open + 1);
    if (close === -1) return null;
    // The link's parameters run to the next comma outside a quoted string.
    let end = close + 1;
    for (let quoted = false; end < header.length; end += 1) {
      const char = header[end];
      if (quoted && char === '\\') end += 1;
      else if (char === '"') quoted = !quoted;
      else if (!quoted && char === ',') break;
    }
    const parameters = header.slice(close + 1, end);
    at = end + 1;
    // Only the first `rel` counts (RFC 8288 §3.3); it may name several relations.
    const rel = [...parameters.matchAll(LINK_PARAM)].find(
      (match) => match[1]?.toLowerCase() === 'rel',
    );
    const relations = (rel?.[2] ?? rel?.[3] ?? '').toLowerCase().split(/\s+/);
    if (!relations.includes('next')) continue;
    let url: URL;
    try {
      url = new URL(header.slice(open + 1, close).trim(), 'http://link.invalid/');
    } catch {
      return undefined;
    }
    const cursors = url.searchParams.getAll('cursor');
    const [cursor] = cursors;
    const usable =
      cursors.length === 1 &&
      cursor !== undefined &&
      cursor.length <= MAX_CURSOR_LENGTH &&
      CURSOR.test(cursor);
    return usable ? cursor : undefined;
  }
  return null;
}

/** Why `key` is not an `Idempotency-Key`, without echoing it; undefined when it is one. */
function idempotencyKeyProblem(key: unknown): string | undefined {
  if (typeof key === 'string' && IDEMPOTENCY_KEY_PATTERN.test(key)) return undefined;
  const got =
    typeof key !== 'string'
      ? `a ${typeof key}`
      : key.length === 0
        ? 'an empty string'
        : key.length > 255
          ? `${key.length} characters`
          : `a character outside that range at position ${key.search(/[^\x20-\x7E]/) + 1}`;
  return `idempotencyKey must be 1–255 printable ASCII characters (space to ~); got ${got}`;
}

/** A failure and whether trying again may help; `waitMs` is what the api asked for. */
type AttemptFailure = { error: SchedmonClientError; retryable: boolean; waitMs?: number };
type AttemptOutcome<T> = { ok: true; value: T } | ({ ok: false } & AttemptFailure);

/** Reads a 2xx answer into the call's value, or says what is wrong with it. */
type Reader<T> = (
  body: unknown,
  headers: Headers,
) => { ok: true; value: T } | { ok: false; problem: string };

const asIs = <T>(body: unknown) => ({ ok: true as const, value: body as T });

/** A list answer and its Link header as a page. */
function pageOf<T>(body: unknown, headers: Headers): ReturnType<Reader<Page<T>>> {
  if (!Array.isArray(body)) return { ok: false, problem: 'with a body that is not a list' };
  const next = nextCursorOf(headers.get('link'));
  if (next === undefined) {
    return { ok: false, problem: 'with a Link rel="next" that carries no usable cursor' };
  }
  return { ok: true, value: { items: body as T[], next_cursor: next } };
}

/** The boards list's `{ boards }` answer as the list. */
function boardListOf(body: unknown): ReturnType<Reader<BoardView[]>> {
  const boards = (body as { boards?: unknown } | null | undefined)?.boards;
  if (!Array.isArray(boards))
    return { ok: false, problem: 'with a body that holds no boards list' };
  return { ok: true, value: boards as BoardView[] };
}

function deliveryListOf(body: unknown): ReturnType<Reader<DeliveryAttempt[]>> {
  const deliveries = (body as { deliveries?: unknown } | null | undefined)?.deliveries;
  if (!Array.isArray(deliveries))
    return { ok: false, problem: 'with a body that holds no deliveries list' };
  return { ok: true, value: deliveries as DeliveryAttempt[] };
}

/** The incidents list's `{ incidents }` answer and its Link header as a page. */
function incidentPageOf(body: unknown, headers: Headers): ReturnType<Reader<Page<IncidentRecord>>> {
  const incidents = (body as { incidents?: unknown } | null | undefined)?.incidents;
  if (!Array.isArray(incidents)) {
    return { ok: false, problem: 'with a body that holds no incidents list' };
  }
  return pageOf<IncidentRecord>(incidents, headers);
}

type Request = {
  route: RouteName;
  id?: string;
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as `Idempotency-Key` on every attempt. */
  idempotencyKey?: string;
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
 * `ABORTED`, and `INVALID_EVENT` for a write refused before sending: a bad
 * `idempotencyKey`, a batch of none or over 100). A redirect is an `HTTP_ERROR` with the
 * 3xx status, not followed and not retried. Retried: 429, 5xx, timeouts and network
 * errors, `retries` times. Writes (status, heartbeat, sendEvents) send one
 * `Idempotency-Key` per call, the same on every attempt, so a retry of an attempt the api
 * did receive is the same event with the same answer, not a second one; a 422 (the key
 * was used for a different request) is not retried (docs/producers.md).
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
    read: Reader<T>,
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
          ...(request.idempotencyKey === undefined
            ? {}
            : { [IDEMPOTENCY_KEY_HEADER]: request.idempotencyKey }),
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
    if (response.ok) {
      const value = read(body, response.headers);
      if (value.ok) return value;
      return fail('HTTP_ERROR', `${what} answered ${response.status} ${value.problem}`, false, {
        status: response.status,
      });
    }
    const problems = problemsOf(body) ?? [response.statusText || `HTTP ${response.status}`];
    const wait = retryAfterMs(response.headers.get('retry-after'));
    return fail(
      'HTTP_ERROR',
      `${what} answered ${response.status}: ${problems.join('; ')}`,
      response.status === 429 || response.status >= 500,
      { status: response.status, problems, ...(wait === undefined ? {} : { waitMs: wait }) },
    );
  };

  /** One call, its retries included, as a result (not yet settled). */
  const execute = async <T>(request: Request, read: Reader<T>): Promise<SchedmonResult<T>> => {
    // One id for every attempt: the api's log shows a retried call as one story.
    const requestId = randomUUID();
    let outcome: AttemptOutcome<T>;
    for (let attempts = 1; ; attempts += 1) {
      outcome = await attempt<T>(request, requestId, attempts, read);
      if (outcome.ok || !outcome.retryable || attempts > retries) break;
      const waitMs = outcome.waitMs ?? backoffDelayMs(attempts);
      if (waitMs > maxRetryDelayMs) break;
      if (!(await pause(waitMs, request.signal))) break;
    }
    return outcome.ok ? outcome : { ok: false, error: outcome.error };
  };

  const call = async <T>(request: Request, read: Reader<T> = asIs): Promise<Returned<T, Throws>> =>
    settle(await execute(request, read), throwOnError, onError);

  /** Refused before anything is sent. */
  const refuse = async <T>(message: string): Promise<Returned<T, Throws>> =>
    settle<T, Throws>(
      { ok: false, error: new SchedmonClientError('INVALID_EVENT', message) },
      throwOnError,
      onError,
    );

  /**
   * A write: one `Idempotency-Key` for the call (the caller's, checked, or a new UUID),
   * which `execute` sends on every attempt.
   */
  const write = async <T>(
    request: Request,
    idempotencyKey: string | undefined,
  ): Promise<Returned<T, Throws>> => {
    if (idempotencyKey === undefined) return call({ ...request, idempotencyKey: randomUUID() });
    const problem = idempotencyKeyProblem(idempotencyKey);
    if (problem !== undefined) return refuse(problem);
    return call({ ...request, idempotencyKey });
  };

  /** Every item of a paged route, page after page to the last (not yet settled). */
  const walk = async <T>(
    request: Request & { query: NonNullable<Request['query']> },
    read: Reader<Page<T>>,
  ): Promise<SchedmonResult<T[]>> => {
    const route = ROUTES[request.route];
    const items: T[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (;;) {
      const page = await execute({ ...request, query: { ...request.query, cursor } }, read);
      if (!page.ok) return page;
      items.push(...page.value.items);
      const next = page.value.next_cursor;
      if (next === null) return { ok: true, value: items };
      // A cursor handed out twice would walk in a circle: an api bug, not a longer list.
      if (seen.has(next)) {
        const error = new SchedmonClientError(
          'HTTP_ERROR',
          `${route.method} ${route.path} gave a cursor it had given before: the list was not read to its end`,
          { status: route.success },
        );
        return { ok: false, error };
      }
      seen.add(next);
      cursor = next;
    }
  };

  const listSchedulers = async ({
    signal,
    ...filter
  }: ListFilter = {}): Promise<Returned<SchedulerRecord[], Throws>> => {
    const all = await walk(
      { route: 'listSchedulers', query: { ...filter, limit: WALK_PAGE_SIZE }, signal },
      pageOf<SchedulerRecord>,
    );
    // Pages come in id order (the one order a rename cannot move a scheduler in); the
    // whole list is sorted as the api sorts an unpaged one.
    const sorted = all.ok ? { ok: true as const, value: all.value.sort(compareSchedulers) } : all;
    return settle(sorted, throwOnError, onError);
  };

  return {
    register: (registration, callOptions = {}) =>
      call({ route: 'register', body: registration, signal: callOptions.signal }),
    status: (update, { signal, idempotencyKey } = {}) =>
      write(
        {
          route: 'status',
          id: update.scheduler_id,
          // Fixed once per call: every attempt is the same request.
          body: { ...update, timestamp: update.timestamp ?? new Date().toISOString() },
          signal,
        },
        idempotencyKey,
      ),
    heartbeat: (schedulerId, { signal, timestamp, idempotencyKey } = {}) =>
      write(
        {
          route: 'heartbeat',
          id: schedulerId,
          body:
            timestamp === undefined
              ? { scheduler_id: schedulerId }
              : { scheduler_id: schedulerId, timestamp },
          signal,
        },
        idempotencyKey,
      ),
    sendEvents: (events, { signal, idempotencyKey } = {}) => {
      if (!Array.isArray(events) || events.length === 0 || events.length > MAX_BATCH_EVENTS) {
        const got = Array.isArray(events) ? `${events.length}` : 'no list';
        return refuse(`sendEvents takes 1–${MAX_BATCH_EVENTS} events; got ${got}`);
      }
      const now = new Date().toISOString();
      const body = {
        events: events.map((event) =>
          event.type === 'status' ? { ...event, timestamp: event.timestamp ?? now } : event,
        ),
      };
      return write({ route: 'sendEvents', body, signal }, idempotencyKey);
    },
    listSchedulers,
    listSchedulersPage: ({ signal, ...query } = {}) =>
      call({ route: 'listSchedulers', query, signal }, pageOf<SchedulerRecord>),
    getScheduler: (schedulerId, callOptions = {}) =>
      call({ route: 'getScheduler', id: schedulerId, signal: callOptions.signal }),
    history: (schedulerId, { signal, ...query } = {}) =>
      call({ route: 'history', id: schedulerId, query, signal }),
    historyPage: (schedulerId, { signal, ...query } = {}) =>
      call({ route: 'history', id: schedulerId, query, signal }, pageOf<HistoryEntry>),
    archive: (schedulerId, callOptions = {}) =>
      call({ route: 'archive', id: schedulerId, signal: callOptions.signal }),
    pause: (schedulerId, { signal, ...body } = {}) =>
      call({ route: 'pause', id: schedulerId, body, signal }),
    resume: (schedulerId, callOptions = {}) =>
      call({ route: 'resume', id: schedulerId, signal: callOptions.signal }),
    // Pages come newest first, and so does the whole list.
    listIncidents: async ({ signal, ...filter } = {}) =>
      settle(
        await walk(
          {
            route: 'listIncidents',
            query: { ...filter, limit: INCIDENT_WALK_PAGE_SIZE },
            signal,
          },
          incidentPageOf,
        ),
        throwOnError,
        onError,
      ),
    listIncidentsPage: ({ signal, ...query } = {}) =>
      call({ route: 'listIncidents', query, signal }, incidentPageOf),
    incident: (incidentId, callOptions = {}) =>
      call({ route: 'incident', id: incidentId, signal: callOptions.signal }),
    acknowledgeIncident: (incidentId, { signal, ...body } = {}) =>
      call({ route: 'acknowledgeIncident', id: incidentId, body, signal }),
    incidentDeliveries: (incidentId, callOptions = {}) =>
      call(
        { route: 'listIncidentDeliveries', id: incidentId, signal: callOptions.signal },
        deliveryListOf,
      ),
    getSchedulerDestinations: (schedulerId, callOptions = {}) =>
      call({ route: 'getSchedulerDestinations', id: schedulerId, signal: callOptions.signal }),
    putSchedulerDestinations: (schedulerId, destinations, callOptions = {}) =>
      call({
        route: 'putSchedulerDestinations',
        id: schedulerId,
        body: { destinations },
        signal: callOptions.signal,
      }),
    deleteSchedulerDestinations: (schedulerId, callOptions = {}) =>
      call({ route: 'deleteSchedulerDestinations', id: schedulerId, signal: callOptions.signal }),
    listBoards: (callOptions = {}) =>
      call({ route: 'listBoards', signal: callOptions.signal }, boardListOf),
    getBoard: (boardId, callOptions = {}) =>
      call({ route: 'getBoard', id: boardId, signal: callOptions.signal }),
    putBoard: (boardId, input, callOptions = {}) =>
      call({ route: 'putBoard', id: boardId, body: input, signal: callOptions.signal }),
    deleteBoard: (boardId, callOptions = {}) =>
      call({ route: 'deleteBoard', id: boardId, signal: callOptions.signal }),
  };
}
