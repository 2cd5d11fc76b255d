/**
 * The parts of the HTTP contract both sides build on: the api validates and documents
 * them, the typed client sends and reads them. Defined once here, from the queue message.
 */
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { HeartbeatMessageSchema, StatusMessageSchema } from './events.ts';
import { StatusSchema } from './scheduler.ts';

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
