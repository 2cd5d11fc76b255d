/**
 * The parts of the HTTP contract both sides build on: the api validates and documents
 * them, the typed client sends and reads them. Defined once here, from the queue message.
 */
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { HeartbeatMessageSchema, StatusMessageSchema } from './events.ts';
import { PauseReasonSchema, StatusSchema, TimestampSchema } from './scheduler.ts';

/** The body of `PUT /schedulers/{id}/status`: the queue message minus what the api adds. */
export const StatusBodySchema = Type.Omit(
  StatusMessageSchema,
  ['v', 'type', 'event_id', 'accepted_at'],
  { additionalProperties: false },
);
export type StatusBody = Static<typeof StatusBodySchema>;

/**
 * The body of `POST /schedulers/{id}/heartbeat`, when there is one: `timestamp` defaults
 * to now on the api.
 */
export const HeartbeatBodySchema = Type.Object(
  {
    scheduler_id: HeartbeatMessageSchema.properties.scheduler_id,
    timestamp: Type.Optional(HeartbeatMessageSchema.properties.timestamp),
  },
  { additionalProperties: false },
);

/** The api's 202 answer to a status. */
export const StatusAcceptedSchema = Type.Object({
  event_id: Type.String(),
  scheduler_id: Type.String(),
  status: StatusSchema,
  timestamp: Type.String(),
  accepted_at: Type.String(),
});
export type StatusAccepted = Static<typeof StatusAcceptedSchema>;

/** The api's 202 answer to a heartbeat. */
export const HeartbeatAcceptedSchema = Type.Object({
  message: Type.Literal('Heartbeat recorded'),
  scheduler_id: Type.String(),
  timestamp: Type.String(),
  event_id: Type.String(),
});
export type HeartbeatAccepted = Static<typeof HeartbeatAcceptedSchema>;

/** The shape of every non-2xx answer (docs/api.md). */
export const ErrorResponseSchema = Type.Object(
  {
    statusCode: Type.Integer(),
    timestamp: Type.String(),
    path: Type.String(),
    method: Type.String(),
    error: Type.String(),
    message: Type.Union([Type.String(), Type.Array(Type.String())]),
  },
  { $id: 'Error', description: 'The shape of every non-2xx response' },
);
export type ErrorResponse = Static<typeof ErrorResponseSchema>;

/** The header that makes a write safe to retry (docs/api.md). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** 1–255 printable ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x20-\x7E]{1,255}$/;

/** Most events in one `POST /api/v1/events`. */
export const MAX_BATCH_EVENTS = 100;

/** One status event of a batch: the status body with its type. */
export const BatchStatusEventSchema = Type.Composite(
  [Type.Object({ type: Type.Literal('status') }), StatusBodySchema],
  { additionalProperties: false, title: 'Batched status' },
);

/** One heartbeat of a batch; `timestamp` defaults to now. */
export const BatchHeartbeatEventSchema = Type.Composite(
  [Type.Object({ type: Type.Literal('heartbeat') }), HeartbeatBodySchema],
  { additionalProperties: false, title: 'Batched heartbeat' },
);

export const BatchEventSchema = Type.Union([BatchStatusEventSchema, BatchHeartbeatEventSchema]);
export type BatchEvent = Static<typeof BatchEventSchema>;

/** The body of `POST /api/v1/events`. */
export const BatchBodySchema = Type.Object(
  {
    events: Type.Array(BatchEventSchema, { minItems: 1, maxItems: MAX_BATCH_EVENTS }),
  },
  { additionalProperties: false },
);
export type BatchBody = Static<typeof BatchBodySchema>;

/** What became of one event of a batch, at its index: enqueued, or refused. */
export const BatchResultSchema = Type.Union([
  Type.Object({
    index: Type.Integer(),
    event_id: Type.String(),
    scheduler_id: Type.String(),
    type: Type.Union([Type.Literal('status'), Type.Literal('heartbeat')]),
  }),
  Type.Object({ index: Type.Integer(), error: ErrorResponseSchema }),
]);
export type BatchResult = Static<typeof BatchResultSchema>;

/** The api's 202 answer to a batch: counts, then one result per event in request order. */
export const BatchAcceptedSchema = Type.Object({
  accepted: Type.Integer(),
  rejected: Type.Integer(),
  results: Type.Array(BatchResultSchema),
});
export type BatchAccepted = Static<typeof BatchAcceptedSchema>;

/** The body of `POST /schedulers/{id}/pause`, when there is one. */
export const PauseBodySchema = Type.Object(
  {
    until: Type.Optional(TimestampSchema),
    reason: Type.Optional(PauseReasonSchema),
  },
  { additionalProperties: false },
);
export type PauseBody = Static<typeof PauseBodySchema>;

/** Longest opaque cursor the api hands out or accepts. */
export const MAX_CURSOR_LENGTH = 1024;
export const CursorSchema = Type.String({
  minLength: 1,
  maxLength: MAX_CURSOR_LENGTH,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'Opaque: copy it from the Link rel="next" of the previous page',
});
export const PageLimitSchema = Type.Integer({ minimum: 1, maximum: 1000 });
