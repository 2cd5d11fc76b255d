import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Answer, FakeServer, FakeServerOptions, RecordedRequest } from './fake-server.ts';
import { asObject, isJsonContent, refused, startFakeServer } from './fake-server.ts';

/** Options of {@link startFakeOpsgenie}. */
export type FakeOpsgenieOptions = FakeServerOptions & {
  /** Only these API keys authenticate; default: any non-empty key. */
  apiKeys?: readonly string[];
};

/** A request of the Alert API that changes an alert. */
export type OpsgenieAction = 'create' | 'acknowledge' | 'close';

/** An alert as Opsgenie keeps it: one per alias while it is not closed. */
export type OpsgenieAlert = {
  alias: string;
  status: 'open' | 'acknowledged' | 'closed';
  /** The requests that changed its status, in order; always starts with `create`. */
  transitions: OpsgenieAction[];
  /** Opsgenie's `count`: the creates it absorbed, the first one included. */
  count: number;
  /**
   * Accepted requests that changed nothing: a create de-duplicated into it, an acknowledge
   * of an acknowledged or closed alert, a close of a closed one.
   */
  duplicates: number;
  /** Every accepted request that addressed it, in order. */
  requests: RecordedRequest[];
};

/** A running fake Opsgenie; see {@link startFakeOpsgenie}. */
export type FakeOpsgenie = FakeServer & {
  /** The alerts in the order they were created, closed ones included; copies. */
  alerts(): OpsgenieAlert[];
};

// The Alert API's documented limits of a create request, in characters.
const CREATE_STRING_LIMITS = {
  message: 130,
  alias: 512,
  description: 15_000,
  entity: 512,
  source: 100,
  user: 100,
  note: 25_000,
} as const;
// The optional body of an acknowledge or close request.
const ACTION_STRING_LIMITS = { user: 100, source: 100, note: 25_000 } as const;
const MAX_TAGS = 20;
const MAX_ACTIONS = 10;
const MAX_TAG_OR_ACTION = 50;
const MAX_DETAILS_CHARS = 8_000;
const MAX_RESPONDERS = 50;
const PRIORITIES: readonly string[] = ['P1', 'P2', 'P3', 'P4', 'P5'];
const RESPONDER_TYPES: readonly string[] = ['team', 'user', 'escalation', 'schedule'];
const IDENTIFIER_TYPES: readonly string[] = ['id', 'alias', 'tiny'];

type Route =
  | { kind: 'create' }
  | { kind: 'acknowledge' | 'close'; identifier: string; identifierType: string };

/**
 * Starts a fake of Opsgenie's Alert API on 127.0.0.1: `POST {url}/v2/alerts` (create) and
 * `POST {url}/v2/alerts/{identifier}/acknowledge|close?identifierType=…`. It serves the US
 * and EU hosts alike; `RecordedRequest.headers.host` tells which one a client meant.
 *
 * The documented contract, checked in this order: `Authorization: GenieKey <key>` (else 401
 * `Could not authenticate`), a JSON body (415 for another content type, 400 for invalid
 * JSON), the fields' limits (422 with `errors: { field: reason }`). Every answer carries
 * `took` and `requestId` (also as `X-Request-ID`). Accepted requests answer 202
 * `Request will be processed`, whether or not they find an alert, as Opsgenie processes them
 * later; the alerts change as its alias de-duplication says: see {@link OpsgenieAlert}.
 * Only aliases address alerts: the fake issues no ids, so `identifierType=id|tiny` is
 * accepted and changes nothing. String lengths are UTF-16 code units, never fewer than
 * the characters Opsgenie counts.
 */
export async function startFakeOpsgenie(options: FakeOpsgenieOptions = {}): Promise<FakeOpsgenie> {
  const { apiKeys } = options;
  let alerts: OpsgenieAlert[] = [];
  // The open or last alert of each alias.
  const latest = new Map<string, OpsgenieAlert>();

  const create = (request: RecordedRequest, body: Record<string, unknown>): void => {
    // Without an alias Opsgenie uses the new alert's id, so every such create opens one.
    const alias = typeof body.alias === 'string' && body.alias !== '' ? body.alias : randomUUID();
    const alert = latest.get(alias);
    if (alert !== undefined && alert.status !== 'closed') {
      alert.count += 1;
      alert.duplicates += 1;
      alert.requests.push(request);
      return;
    }
    const opened: OpsgenieAlert = {
      alias,
      status: 'open',
      transitions: ['create'],
      count: 1,
      duplicates: 0,
      requests: [request],
    };
    alerts.push(opened);
    latest.set(alias, opened);
  };

  const act = (request: RecordedRequest, route: Route & { kind: 'acknowledge' | 'close' }) => {
    const alert = route.identifierType === 'alias' ? latest.get(route.identifier) : undefined;
    if (alert === undefined) return;
    alert.requests.push(request);
    const next = nextStatus(alert.status, route.kind);
    if (next === alert.status) {
      alert.duplicates += 1;
    } else {
      alert.status = next;
      alert.transitions.push(route.kind);
    }
  };

  const server = await startFakeServer(
    {
      handle(request) {
        const route = routeOf(request);
        if (route === undefined) {
          return refused(opsgenie(404, { message: 'Could not find resource' }));
        }
        if (request.method !== 'POST') {
          return refused(opsgenie(405, { message: 'Method not allowed' }));
        }
        const key = /^GenieKey (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
        if (key === undefined || (apiKeys !== undefined && !apiKeys.includes(key))) {
          return refused(opsgenie(401, { message: 'Could not authenticate' }));
        }
        // Acknowledge and close take an optional body; create needs one.
        const empty = route.kind !== 'create' && request.rawBody.trim() === '';
        if (!empty && !isJsonContent(request.headers)) {
          return refused(opsgenie(415, { message: 'Request body format is not supported' }));
        }
        const body = empty ? {} : asObject(request.body);
        if (body === undefined) return refused(opsgenie(400, { message: 'Invalid JSON body' }));
        const errors =
          route.kind === 'create' ? createErrors(body) : actionErrors(body, route.identifierType);
        if (Object.keys(errors).length > 0) {
          const message = 'Request body is not processable. Please check the errors.';
          return refused(opsgenie(422, { message, errors }));
        }
        if (route.kind === 'create') create(request, body);
        else act(request, route);
        return { answer: opsgenie(202, { result: 'Request will be processed' }), applied: true };
      },
      failure(status) {
        const message =
          status === 429
            ? 'You are making too many requests! To avoid errors, we recommend you limit requests.'
            : (STATUS_CODES[status] ?? 'Error');
        return opsgenie(status, { message });
      },
      reset() {
        alerts = [];
        latest.clear();
      },
    },
    options,
  );

  return Object.assign(server, {
    alerts: (): OpsgenieAlert[] =>
      alerts.map((alert) => ({
        ...alert,
        transitions: [...alert.transitions],
        requests: [...alert.requests],
      })),
  });
}

function nextStatus(status: OpsgenieAlert['status'], action: 'acknowledge' | 'close') {
  if (status === 'closed') return status;
  return action === 'close' ? 'closed' : 'acknowledged';
}

function routeOf(request: RecordedRequest): Route | undefined {
  const url = new URL(request.path, 'http://fake');
  if (url.pathname === '/v2/alerts') return { kind: 'create' };
  const match = /^\/v2\/alerts\/([^/]+)\/(acknowledge|close)$/.exec(url.pathname);
  const identifier = decodeSegment(match?.[1]);
  if (match === null || identifier === undefined) return undefined;
  // Opsgenie reads the identifier as an id unless told otherwise.
  const identifierType = url.searchParams.get('identifierType') ?? 'id';
  return { kind: match[2] === 'close' ? 'close' : 'acknowledge', identifier, identifierType };
}

/** Why Opsgenie would refuse a create request, by field; empty when it is valid. */
function createErrors(body: Record<string, unknown>): Record<string, string> {
  const errors = stringErrors(body, CREATE_STRING_LIMITS);
  if (errors.message === undefined && (typeof body.message !== 'string' || !body.message.trim())) {
    errors.message = 'Message can not be empty.';
  }
  const tags = listError(body.tags, MAX_TAGS);
  if (tags !== undefined) errors.tags = tags;
  const actions = listError(body.actions, MAX_ACTIONS);
  if (actions !== undefined) errors.actions = actions;
  const details = detailsError(body.details);
  if (details !== undefined) errors.details = details;
  if (body.priority !== undefined && !PRIORITIES.includes(String(body.priority))) {
    errors.priority = 'must be one of P1, P2, P3, P4, P5';
  }
  for (const field of ['responders', 'visibleTo'] as const) {
    const error = respondersError(body[field]);
    if (error !== undefined) errors[field] = error;
  }
  return errors;
}

/** Why Opsgenie would refuse an acknowledge or close request, by field. */
function actionErrors(
  body: Record<string, unknown>,
  identifierType: string,
): Record<string, string> {
  const errors = stringErrors(body, ACTION_STRING_LIMITS);
  if (!IDENTIFIER_TYPES.includes(identifierType)) {
    errors.identifierType = 'must be one of id, alias, tiny';
  }
  return errors;
}

function stringErrors(
  body: Record<string, unknown>,
  limits: Readonly<Record<string, number>>,
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [field, max] of Object.entries(limits)) {
    const value = body[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') errors[field] = 'must be a string';
    else if (value.length > max) errors[field] = `must be at most ${max} characters`;
  }
  return errors;
}

/** `tags` and `actions`: at most `maxItems` strings of at most 50 characters. */
function listError(value: unknown, maxItems: number): string | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    return 'must be a list of strings';
  }
  if (value.length > maxItems) return `must have at most ${maxItems} items`;
  if (value.some((item: string) => item.length > MAX_TAG_OR_ACTION)) {
    return `items must be at most ${MAX_TAG_OR_ACTION} characters`;
  }
  return undefined;
}

/** `details`: string values, keys and values at most 8000 characters together. */
function detailsError(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const details = asObject(value);
  if (details === undefined) return 'must be an object';
  const entries = Object.entries(details);
  if (!entries.every(([, item]) => typeof item === 'string')) return 'values must be strings';
  const chars = entries.reduce((sum, [key, item]) => sum + key.length + String(item).length, 0);
  return chars > MAX_DETAILS_CHARS ? `must be at most ${MAX_DETAILS_CHARS} characters` : undefined;
}

/** `responders` and `visibleTo`: at most 50 `{ type, id | name | username }` objects. */
function respondersError(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return 'must be a list';
  if (value.length > MAX_RESPONDERS) return `must have at most ${MAX_RESPONDERS} items`;
  const valid = value.every((item: unknown) => {
    const responder = asObject(item);
    if (responder === undefined || !RESPONDER_TYPES.includes(String(responder.type))) return false;
    const named = ['id', 'name', ...(responder.type === 'user' ? ['username'] : [])];
    return named.some((field) => typeof responder[field] === 'string' && responder[field] !== '');
  });
  return valid
    ? undefined
    : 'each must have a type (team, user, escalation, schedule) and an id or name';
}

/** An answer in Opsgenie's envelope: `took` (seconds) and a `requestId`, also as a header. */
function opsgenie(status: number, fields: Record<string, unknown>): Answer {
  const requestId = randomUUID();
  return {
    status,
    body: { ...fields, took: 0.001, requestId },
    headers: { 'x-request-id': requestId },
  };
}

function decodeSegment(segment: string | undefined): string | undefined {
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
