import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Options every fake takes. */
export type FakeServerOptions = {
  /** Port on 127.0.0.1; default 0 (a free port). */
  port?: number;
  /** The clock of `RecordedRequest.time` and of `Fault.untilMs`, in ms; default `Date.now`. */
  now?: () => number;
};

/** What a fake answered to a request. */
export type RecordedResponse = { status: number; body: unknown };

/** One request a fake received, refused and failed ones included. */
export type RecordedRequest = {
  /** `now()` when it arrived, in ms. */
  time: number;
  method: string;
  /** The path with its query string. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as it arrived, decoded as UTF-8. */
  rawBody: string;
  /** The body parsed as JSON; `undefined` when it is not JSON. */
  body: unknown;
  /** `undefined` while held or pending, and for good when the client left before the answer. */
  response: RecordedResponse | undefined;
};

/**
 * A failure to answer instead of the service, with the service's own error body. It takes
 * the next `times` matching requests (default 1), or, with `untilMs` alone, every matching
 * request while `now() < untilMs`; with both, at most `times` of them before `untilMs`.
 * A failed request is recorded and changes nothing else.
 */
export type Fault = {
  /** HTTP status, 400–599; a 429 carries `Retry-After`. */
  status: number;
  times?: number;
  untilMs?: number;
  /** Seconds of the `Retry-After` header of a 429; default 1. */
  retryAfterSeconds?: number;
  /** Only requests it returns true for fail; every request when omitted. */
  match?: (request: RecordedRequest) => boolean;
};

/** A request taken by `hold()`: already applied and recorded, its answer withheld. */
export type HeldRequest = {
  request: RecordedRequest;
  /** Sends the withheld answer; does nothing once the client has left. */
  release(): void;
  /** Resolves once the client has left without the answer (a timeout, a killed process). */
  disconnected: Promise<void>;
};

/** What every fake's handle offers. */
export type FakeServer = {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  readonly url: string;
  /** Every request since start or the last `reset()`, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** Injects a failure; see {@link Fault}. Throws a RangeError for a status outside 400–599. */
  fail(fault: Fault): void;
  /**
   * Resolves with the next request the service accepts: it is applied and recorded as
   * usual, and its answer waits for `release()` or the client's disconnect. For tests that
   * kill the client after the service took a request but before the client saw the answer.
   */
  hold(): Promise<HeldRequest>;
  /** Forgets requests, faults and the service's state. */
  reset(): void;
  /** Stops listening and closes every connection, held ones included. Safe to call twice. */
  stop(): Promise<void>;
};

/** An answer of a service: JSON `body` with `status` and extra `headers`. */
export type Answer = { status: number; body: unknown; headers?: Record<string, string> };

/** The part of a fake that knows its service's contract. */
export type FakeService = {
  /**
   * Validates `request` (`bytes` is its body's size) and, when the service accepts it,
   * applies it to the fake's state; `applied` says whether it did, for `hold()`.
   */
  handle(request: RecordedRequest, bytes: number): { answer: Answer; applied: boolean };
  /** The service's own answer with `status`, for an injected failure. */
  failure(status: number): Answer;
  /** Forgets the service's state. */
  reset(): void;
};

/**
 * Starts the loopback HTTP server every fake runs on: records each request, lets injected
 * faults answer first, then `service`. Rejects when the port cannot be bound.
 */
export async function startFakeServer(
  service: FakeService,
  options: FakeServerOptions = {},
): Promise<FakeServer> {
  const now = options.now ?? Date.now;
  const faults = createFaultList(now);
  const holds: ((held: HeldRequest) => void)[] = [];
  let records: RecordedRequest[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const time = now();
    const raw = await readBody(req);
    const rawBody = raw.toString('utf8');
    const request: RecordedRequest = {
      time,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      rawBody,
      body: parseJson(rawBody),
      response: undefined,
    };
    records.push(request);

    const fault = faults.take(request);
    if (fault !== undefined) {
      const answer = service.failure(fault.status);
      if (fault.status === 429) {
        answer.headers = { ...answer.headers, 'retry-after': String(fault.retryAfterSeconds ?? 1) };
      }
      send(res, request, answer);
      return;
    }
    const { answer, applied } = service.handle(request, raw.length);
    const waiter = applied ? holds.shift() : undefined;
    if (waiter === undefined) {
      send(res, request, answer);
      return;
    }
    const disconnected = new Promise<void>((resolve) => {
      if (res.destroyed) resolve();
      else res.once('close', () => request.response === undefined && resolve());
    });
    waiter({ request, release: () => send(res, request, answer), disconnected });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in the fake must show up in the test, not hang the client.
      if (res.headersSent) res.destroy();
      else res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return [...records];
    },
    fail(fault) {
      if (!Number.isInteger(fault.status) || fault.status < 400 || fault.status > 599) {
        throw new RangeError(`a fault's status must be 400–599, not ${fault.status}`);
      }
      faults.add(fault);
    },
    hold() {
      return new Promise<HeldRequest>((resolve) => holds.push(resolve));
    },
    reset() {
      records = [];
      faults.clear();
      service.reset();
    },
    stop() {
      stopped ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

/** The injected faults; the oldest one that applies to a request answers it. */
function createFaultList(now: () => number) {
  let pending: { fault: Fault; remaining: number }[] = [];
  return {
    add(fault: Fault): void {
      const remaining = fault.times ?? (fault.untilMs === undefined ? 1 : Number.POSITIVE_INFINITY);
      if (remaining > 0) pending.push({ fault, remaining });
    },
    /** Uses up one turn of the first live fault matching `request`, if any. */
    take(request: RecordedRequest): Fault | undefined {
      const at = now();
      pending = pending.filter(({ fault }) => fault.untilMs === undefined || at < fault.untilMs);
      const entry = pending.find(({ fault }) => fault.match?.(request) ?? true);
      if (entry === undefined) return undefined;
      entry.remaining -= 1;
      if (entry.remaining <= 0) pending = pending.filter((other) => other !== entry);
      return entry.fault;
    },
    clear(): void {
      pending = [];
    },
  };
}

function send(res: ServerResponse, request: RecordedRequest, answer: Answer): void {
  // The client left (a timeout, or a killed process): the answer is never seen.
  if (res.destroyed || res.writableEnded) return;
  request.response = { status: answer.status, body: answer.body };
  res
    .writeHead(answer.status, { ...answer.headers, 'content-type': 'application/json' })
    .end(JSON.stringify(answer.body));
}

/** The outcome of a request the service refuses: answered, and no effect on its state. */
export function refused(answer: Answer): { answer: Answer; applied: false } {
  return { answer, applied: false };
}

/** Whether the request says its body is JSON (`application/json`, parameters allowed). */
export function isJsonContent(headers: IncomingHttpHeaders): boolean {
  return /^application\/json\s*(;|$)/i.test(headers['content-type'] ?? '');
}

/** `value` when it is a JSON object (not an array), else `undefined`. */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
