/**
 * Sends one transition to one destination over HTTP (docs/destinations.md): PagerDuty's
 * Events API v2, Opsgenie's Alert API (US or EU host), or a signed webhook. It answers
 * the HTTP status of a 2xx, and throws a `DestinationError` saying whether a retry can
 * help otherwise. Its errors and logs never carry a URL, a key or a secret.
 */
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns';
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { DestinationError, isPrivateHost } from '@schedmon/domain';
import type { DestinationMessage } from './payloads.ts';
import { opsgenieCallOf, pagerDutyEventOf, webhookBodyOf, webhookSignature } from './payloads.ts';

export type DestinationSenderOptions = {
  /** Events API v2 base; default https://events.pagerduty.com (PAGERDUTY_API_URL). */
  pagerDutyUrl?: string;
  /** Replaces both Opsgenie hosts (OPSGENIE_API_URL); default by region. */
  opsgenieUrl?: string;
  /** One request's limit; default 10 s. */
  timeoutMs?: number;
  /** Webhooks to loopback, private and link-local addresses (DESTINATION_ALLOW_PRIVATE_URLS). */
  allowPrivateUrls?: boolean;
  /** `User-Agent` of every request. */
  userAgent?: string;
  /** Seconds since the epoch, for webhook signatures; default the wall clock. */
  nowSeconds?: () => number;
};

export type DestinationSender = {
  /** Sends the message; the HTTP status of a 2xx answer. Failure: `DestinationError`. */
  send(message: DestinationMessage): Promise<{ status: number }>;
};

const OPSGENIE_HOSTS = { us: 'https://api.opsgenie.com', eu: 'https://api.eu.opsgenie.com' };
/** The most of an answer's body kept for its error (PagerDuty's `errors`, Opsgenie's `message`). */
const ERROR_EXCERPT = 300;
/** The most of an answer read at all. */
const MAX_ANSWER_BYTES = 16_384;
/** How long the body of a refusal is waited for, to quote it. */
const EXCERPT_WAIT_MS = 1_000;
/** A Retry-After longer than this is taken as this. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/** Statuses worth trying again: timeouts, too early, rate limits and server trouble. */
const isRetryableStatus = (status: number) =>
  status === 408 || status === 425 || status === 429 || status >= 500;

const PRIVATE_ADDRESS = 'the host resolves to a loopback, private or link-local address';

/**
 * A DNS lookup that refuses private addresses: the connection is made to the address
 * checked, so a name that resolves differently a moment later cannot slip past.
 */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const allowed = addresses.filter((address) => !isPrivateHost(address.address));
    if (allowed.length < addresses.length || allowed.length === 0) {
      const refused = Object.assign(new Error(PRIVATE_ADDRESS), { code: 'EPRIVATEADDRESS' });
      return callback(refused, '', 0);
    }
    if (options.all) return callback(null, allowed as unknown as string, 0);
    const first = allowed[0] as LookupAddress;
    return callback(null, first.address, first.family);
  });
};

export function createDestinationSender(options: DestinationSenderOptions = {}): DestinationSender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const userAgent = options.userAgent ?? 'schedmon';
  const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const pagerDutyUrl = (options.pagerDutyUrl ?? 'https://events.pagerduty.com').replace(/\/+$/, '');

  /**
   * POSTs `body` to `url`: the status of a 2xx; else a `DestinationError` whose text
   * never holds `secrets` (the URL, its path and query, keys) even when the answer
   * echoes them. `guard`: refuse private addresses (webhooks).
   */
  async function post(
    url: URL,
    body: string,
    headers: Record<string, string>,
    secrets: readonly string[],
    guard: boolean,
  ): Promise<{ status: number }> {
    if (url.username !== '' || url.password !== '') {
      throw new DestinationError('the URL carries a user or password', false, { status: null });
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (guard && isIP(host) !== 0 && isPrivateHost(host)) {
      throw new DestinationError(PRIVATE_ADDRESS, false, { status: null });
    }
    const answer = await new Promise<{ response: IncomingMessage; text: string }>(
      (resolve, reject) => {
        const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
        let answered = false;
        let timer: NodeJS.Timeout | undefined;
        const request = send(
          url,
          {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              'user-agent': userAgent,
              ...headers,
            },
            timeout: timeoutMs,
            // A guarded request gets a socket of its own, looked up and checked: never one
            // kept alive from another request to the same host.
            ...(guard ? { lookup: publicOnlyLookup, agent: false } : {}),
          },
          (response) => {
            // The answer is here: from now on its status stands, whatever the body does.
            answered = true;
            clearTimeout(timer);
            const status = response.statusCode ?? 0;
            // A 2xx is delivered whatever its body does: it is not read at all.
            if (status >= 200 && status < 300) {
              resolve({ response, text: '' });
              response.destroy();
              return;
            }
            // Otherwise the status decides; the body is only quoted, so it gets a short
            // while of its own, and whatever came of it (up to 16 KiB) is enough.
            const chunks: Buffer[] = [];
            let size = 0;
            let finished = false;
            const done = () => {
              if (finished) return;
              finished = true;
              clearTimeout(excerptTimer);
              resolve({ response, text: Buffer.concat(chunks).toString('utf8') });
              response.destroy();
            };
            const excerptTimer = setTimeout(done, Math.min(EXCERPT_WAIT_MS, timeoutMs));
            response.on('data', (chunk: Buffer) => {
              chunks.push(chunk);
              size += chunk.length;
              if (size >= MAX_ANSWER_BYTES) done();
            });
            response.on('end', done);
            response.on('error', done);
            response.on('close', done);
          },
        );
        // The whole exchange, not only the connection, is bounded by the timeout.
        timer = setTimeout(() => request.destroy(timeoutError()), timeoutMs);
        request.on('close', () => clearTimeout(timer));
        request.on('timeout', () => {
          if (!answered) request.destroy(timeoutError());
        });
        request.on('error', (error) => {
          if (!answered) reject(error);
        });
        request.end(body);
      },
    ).catch((error: unknown) => {
      const code = (error as { code?: unknown }).code;
      if (code === 'EPRIVATEADDRESS') {
        throw new DestinationError(PRIVATE_ADDRESS, false, { status: null });
      }
      throw new DestinationError(
        code === 'ETIMEOUT' ? 'timeout' : `network${typeof code === 'string' ? `: ${code}` : ''}`,
        true,
        { status: null },
      );
    });
    const status = answer.response.statusCode ?? 0;
    if (status >= 200 && status < 300) return { status };
    if (status >= 300 && status < 400) {
      throw new DestinationError(`http ${status}: redirects are not followed`, false, { status });
    }
    const text = redacted(summarize(redacted(answer.text, secrets)), secrets);
    const retryAfter = answer.response.headers['retry-after'];
    const retryAfterMs = retryAfterOf(typeof retryAfter === 'string' ? retryAfter : null);
    throw new DestinationError(
      `http ${status}${text ? `: ${text}` : ''}`,
      isRetryableStatus(status),
      { status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
    );
  }

  return {
    async send(message) {
      const { destination } = message;
      switch (destination.type) {
        case 'pagerduty':
          return post(
            new URL(`${pagerDutyUrl}/v2/enqueue`),
            JSON.stringify(pagerDutyEventOf({ ...message, destination })),
            {},
            [destination.routing_key],
            false,
          );
        case 'opsgenie': {
          const base = (options.opsgenieUrl ?? OPSGENIE_HOSTS[destination.region]).replace(
            /\/+$/,
            '',
          );
          const call = opsgenieCallOf({ ...message, destination });
          return post(
            new URL(`${base}/v2/alerts${call.path}`),
            JSON.stringify(call.body),
            { authorization: `GenieKey ${destination.api_key}` },
            [destination.api_key],
            false,
          );
        }
        case 'webhook': {
          const url = new URL(destination.url);
          const body = webhookBodyOf(message);
          const type = JSON.parse(body).type as string;
          const path = `${url.pathname}${url.search}`;
          return post(
            url,
            body,
            {
              'schedmon-signature': webhookSignature(destination.secret, body, nowSeconds()),
              'schedmon-delivery': message.deliveryId,
              'schedmon-event': type,
            },
            [destination.secret, url.href, ...(path.length > 1 ? [path, url.pathname] : [])],
            !options.allowPrivateUrls,
          );
        }
      }
    },
  };
}

function timeoutError() {
  return Object.assign(new Error('timeout'), { code: 'ETIMEOUT' });
}

/** `text` with every secret in it (longest first) replaced by `…`. */
function redacted(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of [...secrets]
    .filter((item) => item.length >= 4)
    .sort((a, b) => b.length - a.length)) {
    clean = clean.split(secret).join('…');
    // An echo may be URL-encoded, or decoded.
    clean = clean.split(encodeURIComponent(secret)).join('…');
  }
  return clean;
}

/** PagerDuty's `errors`, Opsgenie's `message`, else the text itself, cut short. */
function summarize(text: string): string {
  let said = text;
  try {
    const body = JSON.parse(text) as { errors?: unknown; message?: unknown };
    if (Array.isArray(body.errors)) said = body.errors.map(String).join('; ');
    else if (typeof body.message === 'string') said = body.message;
  } catch {
    // Not JSON: the text as it is.
  }
  const clean = Array.from(said, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x20 || (code >= 0x7f && code <= 0x9f) ? ' ' : char;
  })
    .join('')
    .replace(/ {2,}/g, ' ')
    .trim();
  return clean.length > ERROR_EXCERPT ? `${clean.slice(0, ERROR_EXCERPT)}…` : clean;
}

/** A Retry-After header (seconds or an HTTP date) in ms, capped; undefined without one. */
function retryAfterOf(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}
