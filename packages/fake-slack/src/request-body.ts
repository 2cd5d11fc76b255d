import type { IncomingHttpHeaders } from 'node:http';

/** A Web API request body as the fake understands it. */
export type ParsedRequest = {
  /** The arguments, with `blocks` / `attachments` decoded from JSON when they came as strings. */
  body: Record<string, unknown>;
  /** The token from `Authorization: Bearer …`, or from the `token` field of a form body. */
  token: string | undefined;
  /** Slack's error code when the body itself is unreadable (`invalid_json`). */
  error: string | undefined;
};

// Form bodies (what @slack/web-api sends) carry these structured arguments as JSON strings.
const JSON_ARGUMENTS = ['blocks', 'attachments'] as const;

/**
 * Parses a request body sent as `application/json` or `application/x-www-form-urlencoded`
 * (the default when the content type is anything else, as Slack does).
 */
export function parseRequest(raw: string, headers: IncomingHttpHeaders): ParsedRequest {
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
  const isJson = (headers['content-type'] ?? '').toLowerCase().startsWith('application/json');
  if (isJson) {
    const body = parseJsonObject(raw);
    if (body === undefined) return { body: {}, token: bearer, error: 'invalid_json' };
    decodeJsonArguments(body);
    // Slack reads the token of a JSON request only from the Authorization header.
    return { body, token: bearer, error: undefined };
  }
  const body: Record<string, unknown> = Object.fromEntries(new URLSearchParams(raw));
  decodeJsonArguments(body);
  const formToken = typeof body.token === 'string' && body.token !== '' ? body.token : undefined;
  return { body, token: bearer ?? formToken, error: undefined };
}

function parseJsonObject(raw: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

// A string that is not valid JSON stays a string, so validation answers invalid_blocks_format.
function decodeJsonArguments(body: Record<string, unknown>): void {
  for (const key of JSON_ARGUMENTS) {
    const value = body[key];
    if (typeof value !== 'string') continue;
    try {
      body[key] = JSON.parse(value);
    } catch {
      // kept as the raw string on purpose
    }
  }
}
