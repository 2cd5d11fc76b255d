/**
 * Sends one transition to one destination over HTTP (docs/destinations.md): PagerDuty's
 * Events API v2, Opsgenie's Alert API (US or EU host), or a signed webhook. It answers
 * the HTTP status of a 2xx, and throws a `DestinationError` saying whether a retry can
 * help otherwise. Its errors and logs never carry a URL, a key or a secret.
 */
import { lookup } from 'node:dns/promises';
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
/** A Retry-After longer than this is taken as this. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/** Statuses worth trying again: timeouts, too early, rate limits and server trouble. */
const isRetryableStatus = (status: number) =>
  status === 408 || status === 425 || status === 429 || status >= 500;

export function createDestinationSender(options: DestinationSenderOptions = {}): DestinationSender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const userAgent = options.userAgent ?? 'schedmon';
  const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const pagerDutyUrl = (options.pagerDutyUrl ?? 'https://events.pagerduty.com').replace(/\/+$/, '');

  /** Refuses a webhook whose host resolves to a private address (unless allowed). */
  async function checkAddress(url: URL) {
    if (options.allowPrivateUrls) return;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host)
      ? [host]
      : await lookup(host, { all: true }).then(
          (found) => found.map((entry) => entry.address),
          (error: unknown) => {
            throw new DestinationError('dns: the host does not resolve', true, {
              status: null,
              cause: error,
            });
          },
        );
    if (addresses.some(isPrivateHost)) {
      throw new DestinationError(
        'the host resolves to a loopback, private or link-local address',
        false,
        { status: null },
      );
    }
  }

  async function post(url: string, body: string, headers: Record<string, string>) {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'user-agent': userAgent, ...headers },
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      throw new DestinationError(
        timedOut ? 'timeout' : `network${typeof code === 'string' ? `: ${code}` : ''}`,
        true,
        { status: null, cause: error },
      );
    }
    const status = response.status;
    const text = await readExcerpt(response);
    if (status >= 200 && status < 300) return { status };
    if (status >= 300 && status < 400) {
      throw new DestinationError(`http ${status}: redirects are not followed`, false, { status });
    }
    const retryAfterMs = retryAfterOf(response.headers.get('retry-after'));
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
            `${pagerDutyUrl}/v2/enqueue`,
            JSON.stringify(pagerDutyEventOf({ ...message, destination })),
            {},
          );
        case 'opsgenie': {
          const base = (options.opsgenieUrl ?? OPSGENIE_HOSTS[destination.region]).replace(
            /\/+$/,
            '',
          );
          const call = opsgenieCallOf({ ...message, destination });
          return post(`${base}/v2/alerts${call.path}`, JSON.stringify(call.body), {
            authorization: `GenieKey ${destination.api_key}`,
          });
        }
        case 'webhook': {
          const url = new URL(destination.url);
          await checkAddress(url);
          const body = webhookBodyOf(message);
          const type = JSON.parse(body).type as string;
          return post(url.href, body, {
            'schedmon-signature': webhookSignature(destination.secret, body, nowSeconds()),
            'schedmon-delivery': message.deliveryId,
            'schedmon-event': type,
          });
        }
      }
    },
  };
}

/** The start of an answer's body as one line of text, control characters removed. */
async function readExcerpt(response: Response): Promise<string> {
  try {
    const reader = response.body?.getReader();
    if (!reader) return '';
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (size < MAX_ANSWER_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
    await reader.cancel().catch(() => undefined);
    const text = Buffer.concat(chunks).toString('utf8');
    return summarize(text);
  } catch {
    return '';
  }
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
