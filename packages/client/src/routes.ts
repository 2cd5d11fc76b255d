/**
 * The api routes the client calls and their TypeBox schemas, built from the domain's
 * schemas exactly as the api builds its own. `test/openapi-contract.test.ts` checks every
 * route, method and required field here against the api's `/openapi.json`, so the two
 * cannot drift apart unnoticed.
 */
import {
  BatchAcceptedSchema,
  BatchBodySchema,
  BoardInputSchema,
  BoardViewSchema,
  DeliveryListSchema,
  HeartbeatAcceptedSchema,
  HeartbeatBodySchema,
  HistoryEntrySchema,
  IncidentRecordSchema,
  NameSchema,
  PauseBodySchema,
  RegistrationSchema,
  SchedulerDestinationsInputSchema,
  SchedulerDestinationsSchema,
  SchedulerRecordSchema,
  StatusAcceptedSchema,
  StatusBodySchema,
} from '@schedmon/domain';
import type { Static, TSchema } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';

export type {
  BatchAccepted,
  BatchEvent,
  BatchResult,
  HeartbeatAccepted,
  PauseBody,
  StatusAccepted,
  StatusBody,
} from '@schedmon/domain';

/** Who acknowledged, when a caller says so: like a name, up to 100 characters. */
const AcknowledgerSchema = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: NameSchema.pattern,
  'x-problem': NameSchema['x-problem'],
  description: 'Who acknowledged; default `api:<name of the API key>`',
});

/** The body of an acknowledge (the api also takes none): who acknowledged. */
const AcknowledgeBodySchema = Type.Object(
  { by: Type.Optional(AcknowledgerSchema) },
  { additionalProperties: false },
);
export type AcknowledgeBody = Static<typeof AcknowledgeBodySchema>;

/** A route: method, OpenAPI path template, and the schemas of its body and success answer. */
export type Route = {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  success: number;
  body?: TSchema;
  /** Query parameters the client may send. */
  query?: readonly string[];
  response: TSchema;
};

/**
 * Every route the client calls, by client method name. A page and its walk share one
 * route (`listSchedulers` for `listSchedulersPage` too, `history` for `historyPage`,
 * `listIncidents` for `listIncidentsPage`).
 */
export const ROUTES = {
  register: {
    method: 'POST',
    path: '/api/v1/schedulers/register',
    success: 201,
    body: RegistrationSchema,
    response: SchedulerRecordSchema,
  },
  status: {
    method: 'PUT',
    path: '/api/v1/schedulers/{id}/status',
    success: 202,
    body: StatusBodySchema,
    response: StatusAcceptedSchema,
  },
  heartbeat: {
    method: 'POST',
    path: '/api/v1/schedulers/{id}/heartbeat',
    success: 202,
    body: HeartbeatBodySchema,
    response: HeartbeatAcceptedSchema,
  },
  sendEvents: {
    method: 'POST',
    path: '/api/v1/events',
    success: 202,
    body: BatchBodySchema,
    response: BatchAcceptedSchema,
  },
  listSchedulers: {
    method: 'GET',
    path: '/api/v1/schedulers',
    success: 200,
    query: ['status', 'service_name', 'tag', 'board', 'archived', 'limit', 'cursor'],
    response: Type.Array(SchedulerRecordSchema),
  },
  getScheduler: {
    method: 'GET',
    path: '/api/v1/schedulers/{id}',
    success: 200,
    response: SchedulerRecordSchema,
  },
  archive: {
    method: 'DELETE',
    path: '/api/v1/schedulers/{id}',
    success: 200,
    response: SchedulerRecordSchema,
  },
  pause: {
    method: 'POST',
    path: '/api/v1/schedulers/{id}/pause',
    success: 200,
    body: PauseBodySchema,
    response: SchedulerRecordSchema,
  },
  resume: {
    method: 'POST',
    path: '/api/v1/schedulers/{id}/resume',
    success: 200,
    response: SchedulerRecordSchema,
  },
  history: {
    method: 'GET',
    path: '/api/v1/schedulers/{id}/history',
    success: 200,
    query: ['limit', 'from', 'to', 'cursor'],
    response: Type.Array(HistoryEntrySchema),
  },
  listIncidents: {
    method: 'GET',
    path: '/api/v1/incidents',
    success: 200,
    query: ['state', 'kind', 'scheduler_id', 'board', 'limit', 'cursor'],
    response: Type.Object({ incidents: Type.Array(IncidentRecordSchema) }),
  },
  incident: {
    method: 'GET',
    path: '/api/v1/incidents/{id}',
    success: 200,
    response: IncidentRecordSchema,
  },
  listIncidentDeliveries: {
    method: 'GET',
    path: '/api/v1/incidents/{id}/deliveries',
    success: 200,
    response: DeliveryListSchema,
  },
  getSchedulerDestinations: {
    method: 'GET',
    path: '/api/v1/schedulers/{id}/destinations',
    success: 200,
    response: SchedulerDestinationsSchema,
  },
  // 201 when the scheduler had none of its own, 200 when they are replaced.
  putSchedulerDestinations: {
    method: 'PUT',
    path: '/api/v1/schedulers/{id}/destinations',
    success: 200,
    body: SchedulerDestinationsInputSchema,
    response: SchedulerDestinationsSchema,
  },
  deleteSchedulerDestinations: {
    method: 'DELETE',
    path: '/api/v1/schedulers/{id}/destinations',
    success: 200,
    response: SchedulerDestinationsSchema,
  },
  acknowledgeIncident: {
    method: 'POST',
    path: '/api/v1/incidents/{id}/acknowledge',
    success: 200,
    body: AcknowledgeBodySchema,
    response: IncidentRecordSchema,
  },
  listBoards: {
    method: 'GET',
    path: '/api/v1/boards',
    success: 200,
    response: Type.Object({ boards: Type.Array(BoardViewSchema) }),
  },
  getBoard: {
    method: 'GET',
    path: '/api/v1/boards/{id}',
    success: 200,
    response: BoardViewSchema,
  },
  // 201 when the board is new, 200 when it replaces one: the same board either way.
  putBoard: {
    method: 'PUT',
    path: '/api/v1/boards/{id}',
    success: 200,
    body: BoardInputSchema,
    response: BoardViewSchema,
  },
  deleteBoard: {
    method: 'DELETE',
    path: '/api/v1/boards/{id}',
    success: 200,
    response: BoardViewSchema,
  },
} as const satisfies Record<string, Route>;

export type RouteName = keyof typeof ROUTES;
