import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Answer, FakeServer, FakeServerOptions } from './fake-server.ts';
import { asObject, isJsonContent, refused, startFakeServer } from './fake-server.ts';

/** Options of {@link startWebhookReceiver}. */
export type WebhookReceiverOptions = FakeServerOptions & {
  /** The HMAC key deliveries must be signed with; without one nothing is refused for it. */
  secret?: string;
  /** How far `t` of the signature may be from `now()`, in seconds; default 300. */
  toleranceSeconds?: number;
};

/** One distinct delivery (by body `id`), as a receiver that de-duplicates keeps it. */
export type WebhookDelivery = {
  id: string;
  type: WebhookEventType;
  incidentId: string;
  /**
   * Whether a copy of it carried a valid signature; `undefined` when the receiver has no
   * secret to check with.
   */
  verified: boolean | undefined;
  /** The body and headers of its first copy. */
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** Copies received, refused unsigned ones included. */
  count: number;
};

/** A running webhook receiver; see {@link startWebhookReceiver}. */
export type WebhookReceiver = FakeServer & {
  /** The distinct deliveries in first-arrival order; copies. */
  deliveries(): WebhookDelivery[];
};

type WebhookEventType = 'incident.opened' | 'incident.acknowledged' | 'incident.resolved';

const EVENT_TYPES: readonly string[] = [
  'incident.opened',
  'incident.acknowledged',
  'incident.resolved',
];
const INCIDENT_FIELDS = [
  'incident_id',
  'scheduler_id',
  'kind',
  'state',
  'opened_at',
  'resolved_at',
  'acknowledged_by',
] as const;
const MAX_BODY_BYTES = 256 * 1024;
const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * Starts a receiver of schedmon's signed webhooks on 127.0.0.1, acting as a careful
 * customer endpoint: it takes `POST` on any path with a JSON body of at most 256 KB (else
 * 413), checks `Schedmon-Signature` with {@link verifySchedmonSignature} when it has a
 * `secret`, needs `id`, `type`, `created_at` and `incident` in the body, and
 * de-duplicates deliveries by `id`. A well-formed delivery is 200 `{ received: true }`, or
 * 400 `{ error: 'invalid signature' }` when a secret is set and it does not verify (it is
 * still listed, `verified: false`); anything else is 400 with the problems in `errors`.
 */
export async function startWebhookReceiver(
  options: WebhookReceiverOptions = {},
): Promise<WebhookReceiver> {
  const { secret, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS } = options;
  const now = options.now ?? Date.now;
  // Keyed by the body's id; a Map keeps first-arrival order.
  const deliveries = new Map<string, WebhookDelivery>();

  const server = await startFakeServer(
    {
      handle(request, bytes) {
        if (request.method !== 'POST') return refused(receiverError(405, 'use POST'));
        if (bytes > MAX_BODY_BYTES) {
          return refused(receiverError(413, `the body is over ${MAX_BODY_BYTES} bytes`));
        }
        if (!isJsonContent(request.headers)) {
          return refused(receiverError(400, 'the content type must be application/json'));
        }
        const body = asObject(request.body);
        if (body === undefined) return refused(receiverError(400, 'the body is not a JSON object'));
        const errors = deliveryErrors(body);
        if (errors.length > 0) return refused(receiverError(400, 'invalid delivery', errors));

        const signature = request.headers['schedmon-signature'];
        const header = Array.isArray(signature) ? signature.join(',') : signature;
        const verified =
          secret === undefined
            ? undefined
            : verifySchedmonSignature(header, request.rawBody, secret, now(), toleranceSeconds);
        const id = body.id as string;
        const seen = deliveries.get(id);
        if (seen === undefined) {
          const incident = body.incident as Record<string, unknown>;
          deliveries.set(id, {
            id,
            type: body.type as WebhookEventType,
            incidentId: String(incident.incident_id),
            verified,
            body,
            headers: request.headers,
            count: 1,
          });
        } else {
          seen.count += 1;
          if (verified === true) seen.verified = true;
        }
        if (verified === false) return refused(receiverError(400, 'invalid signature'));
        return { answer: { status: 200, body: { received: true } }, applied: true };
      },
      failure: (status) => receiverError(status, STATUS_CODES[status] ?? 'error'),
      reset() {
        deliveries.clear();
      },
    },
    options,
  );

  return Object.assign(server, {
    deliveries: (): WebhookDelivery[] =>
      [...deliveries.values()].map((delivery) => ({ ...delivery })),
  });
}

/**
 * Whether `header`, a `Schedmon-Signature` value `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`,
 * signs `rawBody` with `secret`: some `v1` equals the hex HMAC-SHA256 of `${t}.${rawBody}`
 * (several appear while a secret rotates), compared in constant time, and `t` is within
 * `toleranceSeconds` of `nowMs`. False for a missing or malformed header; never throws.
 */
export function verifySchedmonSignature(
  header: string | undefined,
  rawBody: string,
  secret: string,
  nowMs: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): boolean {
  if (header === undefined) return false;
  const times: string[] = [];
  const signatures: string[] = [];
  for (const element of header.split(',')) {
    const [key, value, ...rest] = element.trim().split('=');
    if (value === undefined || rest.length > 0) return false;
    if (key === 't') times.push(value);
    else if (key === 'v1') signatures.push(value);
    // Other schemes (a future v2) are skipped, so adding one breaks no receiver.
  }
  const [t] = times;
  if (times.length !== 1 || t === undefined || !/^\d{1,12}$/.test(t)) return false;
  if (Math.abs(nowMs / 1000 - Number(t)) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  let matched = false;
  for (const signature of signatures) {
    if (!/^[0-9a-f]{64}$/i.test(signature)) continue;
    // No early exit: every candidate costs the same.
    matched = timingSafeEqual(expected, Buffer.from(signature, 'hex')) || matched;
  }
  return matched;
}

function deliveryErrors(body: Record<string, unknown>): string[] {
  const errors: string[] = [];
  if (typeof body.id !== 'string' || body.id === '') errors.push('id is missing');
  if (typeof body.type !== 'string' || !EVENT_TYPES.includes(body.type)) {
    errors.push(`type must be one of ${EVENT_TYPES.join(', ')}`);
  }
  if (typeof body.created_at !== 'string' || body.created_at === '') {
    errors.push('created_at is missing');
  }
  const incident = asObject(body.incident);
  if (incident === undefined) errors.push('incident is missing');
  else {
    for (const field of INCIDENT_FIELDS) {
      if (!(field in incident)) errors.push(`incident.${field} is missing`);
    }
  }
  return errors;
}

function receiverError(status: number, error: string, errors?: string[]): Answer {
  return { status, body: errors === undefined ? { error } : { error, errors } };
}
