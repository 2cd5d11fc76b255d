import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Answer, FakeServer, FakeServerOptions, RecordedRequest } from './fake-server.ts';
import { asObject, isJsonContent, refused, startFakeServer } from './fake-server.ts';

/** Options of {@link startFakePagerDuty}. */
export type FakePagerDutyOptions = FakeServerOptions & {
  /** Only these integration keys exist; default: every well-formed 32-character key. */
  routingKeys?: readonly string[];
};

/** An Events API v2 `event_action`. */
export type PagerDutyAction = 'trigger' | 'acknowledge' | 'resolve';

/** An alert as PagerDuty keeps it: one per routing key and dedup key while open. */
export type PagerDutyAlert = {
  routing_key: string;
  dedup_key: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  /** The events that changed its status, in order; always starts with `trigger`. */
  transitions: PagerDutyAction[];
  /**
   * Accepted events that changed nothing: a trigger while it is open, an acknowledge of an
   * acknowledged alert, and an acknowledge or resolve after it was resolved (which
   * PagerDuty drops; the fake counts them here so a retried resolve is visible).
   */
  duplicates: number;
  /** Every accepted event that addressed it, in order. */
  events: RecordedRequest[];
};

/** A running fake PagerDuty; see {@link startFakePagerDuty}. */
export type FakePagerDuty = FakeServer & {
  /** The alerts in the order they were opened, resolved ones included; copies. */
  alerts(): PagerDutyAlert[];
};

/** PagerDuty's documented limit of one event (developer docs, Events API v2 overview). */
const MAX_EVENT_BYTES = 512 * 1024;
const MAX_SUMMARY = 1024;
const MAX_DEDUP_KEY = 255;
const ACTIONS: readonly string[] = ['trigger', 'acknowledge', 'resolve'];
const SEVERITIES: readonly string[] = ['critical', 'error', 'warning', 'info'];
const EVENT_FIELDS: readonly string[] = [
  'routing_key',
  'event_action',
  'dedup_key',
  'payload',
  'client',
  'client_url',
  'links',
  'images',
];
const PAYLOAD_STRINGS = ['component', 'group', 'class'] as const;
// ISO 8601 date and time, offset optional, as in PagerDuty's example `2015-07-17T08:42:58.315+0000`.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Starts a fake of PagerDuty's Events API v2 (`POST {url}/v2/enqueue`) on 127.0.0.1.
 *
 * It enforces the documented contract: JSON body of at most 512 KB, a 32-character
 * alphanumeric `routing_key` in the body as the only credential, the fields and limits of
 * an alert event, and no fields besides them. Every refusal is 400
 * `{ status: 'invalid event', message: 'Event object is invalid', errors }` with one entry per
 * problem (an unreadable body: PagerDuty's `Unrecognized object` answer). An accepted event
 * is 202 `{ status: 'success', message: 'Event processed', dedup_key }` and updates the
 * alerts as PagerDuty's alert de-duplication says: see {@link PagerDutyAlert}. String
 * lengths are UTF-16 code units, never fewer than the characters PagerDuty counts.
 */
export async function startFakePagerDuty(
  options: FakePagerDutyOptions = {},
): Promise<FakePagerDuty> {
  const { routingKeys } = options;
  let alerts: PagerDutyAlert[] = [];
  // The open or last alert of each routing key and dedup key.
  const latest = new Map<string, PagerDutyAlert>();

  const apply = (request: RecordedRequest, event: ValidEvent): string => {
    // A trigger without a dedup key opens a new alert: PagerDuty generates a unique one.
    const dedupKey = event.dedup_key || randomUUID();
    const key = `${event.routing_key}\n${dedupKey}`;
    const alert = latest.get(key);
    if (event.event_action === 'trigger' && (alert === undefined || alert.status === 'resolved')) {
      const opened: PagerDutyAlert = {
        routing_key: event.routing_key,
        dedup_key: dedupKey,
        status: 'triggered',
        transitions: ['trigger'],
        duplicates: 0,
        events: [request],
      };
      alerts.push(opened);
      latest.set(key, opened);
      return dedupKey;
    }
    // An acknowledge or resolve of a key never triggered through this routing key is dropped.
    if (alert === undefined) return dedupKey;
    alert.events.push(request);
    const next = nextStatus(alert.status, event.event_action);
    if (next === alert.status) {
      alert.duplicates += 1;
    } else {
      alert.status = next;
      alert.transitions.push(event.event_action);
    }
    return dedupKey;
  };

  const server = await startFakeServer(
    {
      handle(request, bytes) {
        if (request.method !== 'POST' || pathOf(request) !== '/v2/enqueue') {
          const status = pathOf(request) === '/v2/enqueue' ? 405 : 404;
          return refused({ status, body: failureBody(status) });
        }
        if (bytes > MAX_EVENT_BYTES) {
          return refused(
            invalidEvent([`Event is too large (maximum is ${MAX_EVENT_BYTES} bytes)`]),
          );
        }
        const body = asObject(request.body);
        if (!isJsonContent(request.headers) || body === undefined) return refused(unrecognized());
        const errors = eventErrors(body, routingKeys);
        if (errors.length > 0) return refused(invalidEvent(errors));
        const dedupKey = apply(request, body as ValidEvent);
        const answer = {
          status: 202,
          body: { status: 'success', message: 'Event processed', dedup_key: dedupKey },
        };
        return { answer, applied: true };
      },
      failure: (status) => ({ status, body: failureBody(status) }),
      reset() {
        alerts = [];
        latest.clear();
      },
    },
    options,
  );

  return Object.assign(server, {
    alerts: (): PagerDutyAlert[] =>
      alerts.map((alert) => ({
        ...alert,
        transitions: [...alert.transitions],
        events: [...alert.events],
      })),
  });
}

/** An event that passed {@link eventErrors}. */
type ValidEvent = {
  routing_key: string;
  event_action: PagerDutyAction;
  dedup_key?: string;
};

function nextStatus(status: PagerDutyAlert['status'], action: PagerDutyAction) {
  if (status === 'resolved') return status;
  if (action === 'resolve') return 'resolved';
  return action === 'acknowledge' ? 'acknowledged' : status;
}

/**
 * Every reason PagerDuty would refuse `event`, worded as PagerDuty words them where its
 * answers are known (the routing key and summary ones), empty when it is valid.
 */
function eventErrors(event: Record<string, unknown>, routingKeys?: readonly string[]): string[] {
  const errors: string[] = [];
  for (const field of Object.keys(event)) {
    if (!EVENT_FIELDS.includes(field)) errors.push(`'${field}' is not a valid event field`);
  }
  errors.push(...routingKeyErrors(event.routing_key, routingKeys));

  const action = event.event_action;
  if (action === undefined || action === '') errors.push("'event_action' is missing or blank");
  else if (typeof action !== 'string' || !ACTIONS.includes(action)) {
    errors.push("'event_action' must be one of trigger, acknowledge, resolve");
  }
  const dedupKey = event.dedup_key;
  if (dedupKey !== undefined && typeof dedupKey !== 'string') {
    errors.push("'dedup_key' must be a string");
  } else if (dedupKey !== undefined && dedupKey.length > MAX_DEDUP_KEY) {
    errors.push(`'dedup_key' is too long (maximum is ${MAX_DEDUP_KEY} characters)`);
  } else if ((action === 'acknowledge' || action === 'resolve') && !dedupKey) {
    errors.push("'dedup_key' is missing or blank");
  }
  if (action === 'trigger') errors.push(...payloadErrors(event.payload));

  for (const field of ['client', 'client_url'] as const) {
    if (event[field] !== undefined && typeof event[field] !== 'string') {
      errors.push(`'${field}' must be a string`);
    }
  }
  errors.push(...contextErrors(event.links, 'links', 'href', ['text']));
  errors.push(...contextErrors(event.images, 'images', 'src', ['href', 'alt']));
  return errors;
}

function routingKeyErrors(key: unknown, routingKeys?: readonly string[]): string[] {
  if (typeof key !== 'string' || key === '') return ["'routing_key' is missing or blank"];
  const errors: string[] = [];
  if (key.length !== 32) {
    errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
  }
  if (!/^[A-Za-z0-9]*$/.test(key)) {
    errors.push("'routing_key' cannot contain non-alphanumeric characters.");
  }
  if (errors.length === 0 && routingKeys !== undefined && !routingKeys.includes(key)) {
    errors.push('Invalid routing key');
  }
  return errors;
}

function payloadErrors(value: unknown): string[] {
  const payload = asObject(value);
  if (payload === undefined) return ["'payload' is missing or blank"];
  const errors: string[] = [];
  const { summary, source, severity, timestamp } = payload;
  if (typeof summary !== 'string' || summary === '') errors.push("'summary' is missing or blank");
  // PagerDuty's own wording, its typo included.
  else if (summary.length > MAX_SUMMARY) {
    errors.push(`'summary' is too long (maiximum is ${MAX_SUMMARY} characters)`);
  }
  if (typeof source !== 'string' || source === '') errors.push("'source' is missing or blank");
  if (severity === undefined || severity === '') errors.push("'severity' is missing or blank");
  else if (typeof severity !== 'string' || !SEVERITIES.includes(severity)) {
    errors.push("'severity' must be one of critical, error, warning, info");
  }
  if (timestamp !== undefined && !isTimestamp(timestamp)) {
    errors.push("'timestamp' is not a valid ISO 8601 timestamp");
  }
  for (const field of PAYLOAD_STRINGS) {
    if (payload[field] !== undefined && typeof payload[field] !== 'string') {
      errors.push(`'${field}' must be a string`);
    }
  }
  if (payload.custom_details !== undefined && asObject(payload.custom_details) === undefined) {
    errors.push("'custom_details' must be an object");
  }
  return errors;
}

/** `links` and `images`: arrays of objects with a required URL field and optional strings. */
function contextErrors(
  value: unknown,
  field: string,
  required: string,
  optional: readonly string[],
): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return [`'${field}' must be an array`];
  return value.flatMap((item: unknown, index) => {
    const entry = asObject(item);
    if (entry === undefined) return [`'${field}[${index}]' must be an object`];
    const errors: string[] = [];
    if (typeof entry[required] !== 'string' || entry[required] === '') {
      errors.push(`'${field}[${index}].${required}' is missing or blank`);
    }
    for (const name of optional) {
      if (entry[name] !== undefined && typeof entry[name] !== 'string') {
        errors.push(`'${field}[${index}].${name}' must be a string`);
      }
    }
    return errors;
  });
}

function isTimestamp(value: unknown): boolean {
  return typeof value === 'string' && ISO_8601.test(value) && !Number.isNaN(Date.parse(value));
}

function invalidEvent(errors: string[]): Answer {
  return {
    status: 400,
    body: { status: 'invalid event', message: 'Event object is invalid', errors },
  };
}

// PagerDuty's documented answer to a body that is not a JSON object.
function unrecognized(): Answer {
  return {
    status: 400,
    body: {
      status: 'Unrecognized object',
      message: 'Event object format is unrecognized',
      errors: ['JSON parse error'],
    },
  };
}

function failureBody(status: number): Record<string, unknown> {
  if (status === 429) {
    return {
      status: 'throttle event',
      message: 'Requests for this service are arriving too quickly. Please retry later.',
    };
  }
  const reason = STATUS_CODES[status] ?? 'Error';
  return { status: reason.toLowerCase(), message: reason };
}

function pathOf(request: RecordedRequest): string {
  return new URL(request.path, 'http://fake').pathname;
}
