/**
 * The api routes the client calls and their TypeBox schemas, built from the domain's
 * schemas exactly as the api builds its own. `test/openapi-contract.test.ts` checks every
 * route, method and required field here against the api's `/openapi.json`, so the two
 * cannot drift apart unnoticed.
 */
import {
  HeartbeatAcceptedSchema,
  HeartbeatBodySchema,
  HistoryEntrySchema,
  RegistrationSchema,
  SchedulerRecordSchema,
  StatusAcceptedSchema,
  StatusBodySchema,
} from '@schedmon/domain';
import type { TSchema } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';

export type { HeartbeatAccepted, StatusAccepted, StatusBody } from '@schedmon/domain';

/** A route: method, OpenAPI path template, and the schemas of its body and success answer. */
export type Route = {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  success: number;
  body?: TSchema;
  /** Query parameters the client may send. */
  query?: readonly string[];
  response: TSchema;
};

/** Every route the client calls, by client method name. */
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
  listSchedulers: {
    method: 'GET',
    path: '/api/v1/schedulers',
    success: 200,
    query: ['status', 'service_name'],
    response: Type.Array(SchedulerRecordSchema),
  },
  getScheduler: {
    method: 'GET',
    path: '/api/v1/schedulers/{id}',
    success: 200,
    response: SchedulerRecordSchema,
  },
  history: {
    method: 'GET',
    path: '/api/v1/schedulers/{id}/history',
    success: 200,
    query: ['limit', 'from', 'to'],
    response: Type.Array(HistoryEntrySchema),
  },
} as const satisfies Record<string, Route>;

export type RouteName = keyof typeof ROUTES;
