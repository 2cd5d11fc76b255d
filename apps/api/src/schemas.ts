/**
 * The HTTP schemas of the api, built from the domain's field rules so one rule has one
 * definition; the same schemas validate, serialize and make the OpenAPI document.
 */
import {
  HeartbeatBodySchema,
  HistoryEntrySchema,
  RegistrationSchema,
  SchedulerIdSchema,
  SchedulerRecordSchema,
  StatusSchema,
  TimestampSchema,
} from '@schedmon/domain';
import { Type } from '@sinclair/typebox';

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

export const SchedulerParamsSchema = Type.Object({ id: SchedulerIdSchema });

export const RegisterBodySchema = RegistrationSchema;

export {
  HeartbeatAcceptedSchema,
  StatusAcceptedSchema,
  StatusBodySchema,
} from '@schedmon/domain';

/** A heartbeat may come without a body (or with `null`): then it is for the path's id, now. */
export const HeartbeatRequestBodySchema = Type.Union([HeartbeatBodySchema, Type.Null()]);

export const ListQuerySchema = Type.Object(
  {
    status: Type.Optional(StatusSchema),
    service_name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  },
  { additionalProperties: false },
);

export const HistoryQuerySchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
    from: Type.Optional(TimestampSchema),
    to: Type.Optional(TimestampSchema),
  },
  { additionalProperties: false },
);

export const SchedulerListSchema = Type.Array(SchedulerRecordSchema);
export const HistoryResponseSchema = Type.Array(HistoryEntrySchema);
