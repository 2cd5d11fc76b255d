/**
 * The SDK clients' HTTP transport (their `requestHandler`): undici's connection pool in
 * place of the SDK's node:http handler. The SDK still builds, signs, retries and parses
 * every call; this only carries the bytes. It costs about a third of the CPU of node:http
 * per call, the largest part of what a DynamoDB or SQS call costs this process
 * (docs/performance.md → What a call costs).
 *
 * What the SDK expects of a transport, kept here: the response's body read whole (the
 * JSON protocols of DynamoDB and SQS read it whole anyway); an abort rejects with an
 * `AbortError` whose cause is the signal's reason; a timeout rejects as a `TimeoutError`;
 * a connection lost mid-call carries `ECONNRESET` and a refused one its own code, so the
 * SDK's retry strategy, and the apps' engine checks, see what they saw before.
 */
import type {
  HttpHandlerOptions,
  HttpRequest,
  HttpResponse,
  QueryParameterBag,
} from '@smithy/types';
import { Agent } from 'undici';

export type HttpHandlerConfig = {
  /** Connections per origin (the SDK's handler: 50 sockets). */
  connections?: number;
  /** How long an idle connection is kept, unless the server's keep-alive header says otherwise. */
  keepAliveTimeoutMs?: number;
  /** No response headers, or no body bytes, for this long: a `TimeoutError` (0: none). */
  requestTimeoutMs?: number;
};

/**
 * No headers, or no body bytes, for 5 minutes: the call has failed. (The SDK's own handler
 * has no such limit by default.) undici checks it on a coarse timer, so a limit under a
 * few seconds fires up to about a second late.
 */
const DEFAULT_TIMEOUT_MS = 300_000;

/** RFC 3986 escaping, as the SDK's handler writes query strings. */
const escapeUri = (text: string) =>
  encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

function queryString(query: QueryParameterBag | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const key of Object.keys(query).sort()) {
    const value = query[key];
    if (Array.isArray(value)) {
      for (const item of value) parts.push(`${escapeUri(key)}=${escapeUri(item)}`);
    } else if (typeof value === 'string') {
      parts.push(`${escapeUri(key)}=${escapeUri(value)}`);
    } else {
      parts.push(escapeUri(key));
    }
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** As the SDK's handler builds it: named `AbortError`, the signal's reason as its cause. */
function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason !== undefined && !(reason instanceof Error)) {
    return Object.assign(new Error(String(reason)), { name: 'AbortError' });
  }
  return Object.assign(new Error('Request aborted', { cause: reason }), { name: 'AbortError' });
}

// undici's codes for what node:http reports as a socket error or a timeout. A closed or
// destroyed pool is not among them: this handler replaces its pool before closing it.
const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const RESET_CODES = new Set(['UND_ERR_SOCKET']);

/** An undici error in the shape the SDK's retry strategy knows from node:http. */
function transportError(error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return abortError(signal);
  // A lost connection, which the SDK retries on new ones, as with its own handler; a new
  // error for each call, as the SDK writes its metadata onto the one it gets.
  if (error instanceof PoolDestroyed) {
    return Object.assign(new Error(error.message), { code: 'ECONNRESET' });
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error;
  const message = error instanceof Error ? error.message : String(error);
  if (TIMEOUT_CODES.has(code)) {
    return Object.assign(new Error(message, { cause: error }), { name: 'TimeoutError', code });
  }
  if (RESET_CODES.has(code)) {
    return Object.assign(new Error(message, { cause: error }), { code: 'ECONNRESET' });
  }
  // Errors of the socket itself (ECONNREFUSED, ENOTFOUND, …) come through as they are.
  return error;
}

/** The headers node:http keeps the first of when a message repeats them (its docs' list). */
const SINGLE_HEADERS = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/**
 * Repeated headers as the SDK's handler gave them: node:http keeps the first of a single
 * one and joins the others with `, `; the SDK joins `set-cookie`'s with `,`.
 */
function headersOf(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    if (!Array.isArray(value)) headers[name] = value;
    else if (name === 'set-cookie') headers[name] = value.join(',');
    else headers[name] = SINGLE_HEADERS.has(name) ? (value[0] as string) : value.join(', ');
  }
  return headers;
}

/** What undici fails the calls of a pool this handler destroyed with (one for them all). */
class PoolDestroyed extends Error {}

/** The settings `updateHttpClientConfig` takes, by this handler's names and the SDK's. */
const SETTINGS: ReadonlyMap<string, keyof HttpHandlerConfig> = new Map([
  ['connections', 'connections'],
  ['keepAliveTimeoutMs', 'keepAliveTimeoutMs'],
  ['requestTimeoutMs', 'requestTimeoutMs'],
  ['requestTimeout', 'requestTimeoutMs'],
]);

/** A value undici takes for the setting: connections a whole number ≥ 1, times finite. */
function validSetting(setting: keyof HttpHandlerConfig, value: unknown): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (setting === 'connections') return Number.isInteger(value) && value >= 1;
  if (setting === 'keepAliveTimeoutMs') return value > 0;
  return value >= 0; // requestTimeoutMs: 0 is none
}

export class UndiciHttpHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  private config: Required<HttpHandlerConfig>;
  private agent: Agent;

  constructor(config: HttpHandlerConfig = {}) {
    this.config = {
      connections: config.connections ?? 50,
      keepAliveTimeoutMs: config.keepAliveTimeoutMs ?? 4_000,
      requestTimeoutMs: config.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    };
    this.agent = this.createAgent();
  }

  async handle(
    request: HttpRequest,
    { abortSignal, requestTimeout }: HttpHandlerOptions = {},
  ): Promise<{ response: HttpResponse }> {
    // The SDK's own type also allows its deprecated signal, which it never passes here.
    const signal = abortSignal as AbortSignal | undefined;
    if (signal?.aborted) throw abortError(signal);
    const timeout = requestTimeout ?? this.config.requestTimeoutMs;
    const port = request.port ? `:${request.port}` : '';
    try {
      const response = await this.agent.request({
        origin: `${request.protocol}//${request.hostname}${port}`,
        path: `${request.path}${queryString(request.query)}`,
        method: request.method as 'GET',
        headers: request.headers,
        body: request.body,
        signal,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      const body = Buffer.from(await response.body.arrayBuffer());
      return {
        response: { statusCode: response.statusCode, headers: headersOf(response.headers), body },
      };
    } catch (error) {
      throw transportError(error, signal);
    }
  }

  /**
   * The SDK's hook for a client's `requestHandler` settings changed after creation. A
   * setting this handler does not have (the SDK also passes its logger), or a value undici
   * would refuse, is ignored; a new pool size or keep-alive takes a new pool, and the old
   * one closes once its calls end.
   */
  updateHttpClientConfig(key: string | symbol, value: unknown): void {
    const setting = typeof key === 'string' ? SETTINGS.get(key) : undefined;
    if (setting === undefined || !validSetting(setting, value)) return;
    if (this.config[setting] === value) return;
    this.config = { ...this.config, [setting]: value };
    if (setting === 'requestTimeoutMs') return; // read per call
    const previous = this.agent;
    this.agent = this.createAgent();
    previous.close().catch(() => undefined);
  }

  httpHandlerConfigs(): HttpHandlerConfig {
    return { ...this.config };
  }

  /**
   * Closes every connection, as the SDK's handler does: calls in flight fail as a lost
   * connection (which the SDK retries), and later calls open new connections.
   */
  destroy(): void {
    const previous = this.agent;
    this.agent = this.createAgent();
    previous
      .destroy(new PoolDestroyed('The connection was closed: the HTTP handler was destroyed'))
      .catch(() => undefined);
  }

  private createAgent() {
    return new Agent({
      connections: this.config.connections,
      keepAliveTimeout: this.config.keepAliveTimeoutMs,
    });
  }
}
