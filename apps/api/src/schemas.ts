/**
 * The HTTP schemas of the api, built from the domain's field rules so one rule has one
 * definition; the same schemas validate, serialize and make the OpenAPI document.
 */
import {
  BoardIdSchema,
  CursorSchema,
  HeartbeatBodySchema,
  HistoryEntrySchema,
  IDEMPOTENCY_KEY_PATTERN,
  PageLimitSchema,
  PauseBodySchema,
  RegistrationSchema,
  SchedulerIdSchema,
  SchedulerRecordSchema,
  StatusSchema,
  TagSchema,
  TimestampSchema,
} from '@schedmon/domain';
import { Type } from '@sinclair/typebox';

export {
  BatchAcceptedSchema,
  ErrorResponseSchema,
  HeartbeatAcceptedSchema,
  StatusAcceptedSchema,
  StatusBodySchema,
} from '@schedmon/domain';

export const SchedulerParamsSchema = Type.Object({ id: SchedulerIdSchema });

export const RegisterBodySchema = RegistrationSchema;

/** A heartbeat may come without a body (or with `null`): then it is for the path's id, now. */
export const HeartbeatRequestBodySchema = Type.Union([HeartbeatBodySchema, Type.Null()]);

/** A pause may come without a body: then it lasts until resumed. */
export const PauseRequestBodySchema = Type.Union([PauseBodySchema, Type.Null()]);

/** The header that makes a queued write safe to retry (docs/api.md → Retries). */
export const IdempotencyHeadersSchema = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: IDEMPOTENCY_KEY_PATTERN.source,
      description:
        'One key per logical event, the same on every retry of it: the retry is the same event and gets the same answer',
    }),
  ),
});

export const ListQuerySchema = Type.Object(
  {
    status: Type.Optional(StatusSchema),
    service_name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    tag: Type.Optional(TagSchema),
    // A board id (docs/boards.md): only that board's members.
    board: Type.Optional(BoardIdSchema),
    archived: Type.Optional(Type.Boolean({ description: 'true: only archived schedulers' })),
    limit: Type.Optional(PageLimitSchema),
    cursor: Type.Optional(CursorSchema),
  },
  { additionalProperties: false },
);

export const HistoryQuerySchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
    from: Type.Optional(TimestampSchema),
    to: Type.Optional(TimestampSchema),
    cursor: Type.Optional(CursorSchema),
  },
  { additionalProperties: false },
);

export const SchedulerListSchema = Type.Array(SchedulerRecordSchema);
export const HistoryResponseSchema = Type.Array(HistoryEntrySchema);

/** `GET /health`: the process runs. */
export const HealthSchema = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  uptime: Type.Integer({ description: 'Seconds since the process started' }),
});

const ComponentCheckSchema = Type.Object({
  status: Type.Union([Type.Literal('up'), Type.Literal('degraded'), Type.Literal('down')]),
  message: Type.String(),
  lastChecked: Type.String(),
});

/** `GET /health/ready`: each component's check; 503 when `unhealthy`. */
export const ReadinessSchema = Type.Object({
  status: Type.Union([
    Type.Literal('healthy'),
    Type.Literal('degraded'),
    Type.Literal('unhealthy'),
  ]),
  timestamp: Type.String(),
  components: Type.Record(Type.String(), ComponentCheckSchema),
  version: Type.String(),
  uptime: Type.Integer(),
});
