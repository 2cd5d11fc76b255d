/**
 * /api/v1/schedulers: registration (a synchronous write), status and heartbeat (queued,
 * 202), and the reads.
 */
import { randomBytes } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Clock, EventProducer, HistoryStore, SchedulerStore } from '@schedmon/domain';
import {
  buildHeartbeatMessage,
  buildStatusMessage,
  formatTimestamp,
  futureSkewProblem,
  parseTimestamp,
  SchedulerRecordSchema,
  statusRuleProblems,
  toHistoryEntry,
  ValidationError,
} from '@schedmon/domain';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Access } from '../auth.ts';
import { hasAnyAccess, isAllowed } from '../auth.ts';
import { HttpError } from '../errors.ts';
import type { KnownSchedulers } from '../known-schedulers.ts';
import {
  ErrorResponseSchema,
  HeartbeatAcceptedSchema,
  HeartbeatRequestBodySchema,
  HistoryQuerySchema,
  HistoryResponseSchema,
  ListQuerySchema,
  RegisterBodySchema,
  SchedulerListSchema,
  SchedulerParamsSchema,
  StatusAcceptedSchema,
  StatusBodySchema,
} from '../schemas.ts';

export type SchedulerRoutesDeps = {
  clock: Clock;
  schedulers: SchedulerStore;
  history: HistoryStore;
  queue: EventProducer;
  known: KnownSchedulers;
  maxClockSkewMs: number;
  onEnqueued?: (type: 'status' | 'heartbeat') => void;
};

const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((code) => [code, ErrorResponseSchema]));
const security = [{ apiKey: [] }];

function authorize(request: FastifyRequest, access: Access, schedulerId: string) {
  const key = request.apiKey;
  if (!key || !isAllowed(key, access, schedulerId)) {
    throw new HttpError(
      403,
      `API key ${key?.name ?? ''} may not ${access} scheduler ${schedulerId}`,
    );
  }
}

function notRegistered(id: string) {
  return new HttpError(404, `Scheduler ${id} not found. Please register first.`);
}

export async function schedulerRoutes(app: FastifyInstance, deps: SchedulerRoutesDeps) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const now = () => deps.clock.now();
  const attributes = (request: FastifyRequest) => ({ request_id: request.id, source: 'http' });

  api.post(
    '/schedulers/register',
    {
      schema: {
        summary: 'Register a scheduler, or update its names and contacts',
        tags: ['schedulers'],
        security,
        body: RegisterBodySchema,
        response: { 201: SchedulerRecordSchema, ...errors(400, 401, 403, 429, 503) },
      },
    },
    async (request, reply) => {
      authorize(request, 'write', request.body.scheduler_id);
      const record = await deps.schedulers.register(request.body, formatTimestamp(now().getTime()));
      deps.known.remember(record.scheduler_id);
      return reply.code(201).send(record);
    },
  );

  api.put(
    '/schedulers/:id/status',
    {
      schema: {
        summary: 'Report a status; queued for the worker (202)',
        tags: ['schedulers'],
        security,
        params: SchedulerParamsSchema,
        body: StatusBodySchema,
        response: { 202: StatusAcceptedSchema, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const body = request.body;
      authorize(request, 'write', id);
      const nowMs = now().getTime();
      const problems = statusRuleProblems(body);
      if (body.scheduler_id !== id)
        problems.unshift(`scheduler_id must equal the id in the path (${id})`);
      const skew = futureSkewProblem(body.timestamp, nowMs, deps.maxClockSkewMs);
      if (skew) problems.push(skew);
      if (problems.length > 0) throw new ValidationError(problems);
      if (!(await deps.known.exists(id))) throw notRegistered(id);
      const message = buildStatusMessage(body, { now: nowMs, random: randomBytes, accepted: true });
      await deps.queue.send(message, attributes(request));
      deps.onEnqueued?.('status');
      return reply.code(202).send({
        event_id: message.event_id,
        scheduler_id: id,
        status: message.status,
        timestamp: message.timestamp,
        accepted_at: message.accepted_at ?? '',
      });
    },
  );

  api.post(
    '/schedulers/:id/heartbeat',
    {
      schema: {
        summary: 'Send a heartbeat; queued for the worker (202)',
        tags: ['schedulers'],
        security,
        params: SchedulerParamsSchema,
        body: HeartbeatRequestBodySchema,
        response: { 202: HeartbeatAcceptedSchema, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      authorize(request, 'write', id);
      const body = request.body ?? undefined;
      const nowMs = now().getTime();
      const problems: string[] = [];
      if (body && body.scheduler_id !== id) {
        problems.push(`scheduler_id must equal the id in the path (${id})`);
      }
      const skew = body?.timestamp
        ? futureSkewProblem(body.timestamp, nowMs, deps.maxClockSkewMs)
        : undefined;
      if (skew) problems.push(skew);
      if (problems.length > 0) throw new ValidationError(problems);
      if (!(await deps.known.exists(id))) throw notRegistered(id);
      const message = buildHeartbeatMessage(
        { scheduler_id: id, timestamp: body?.timestamp },
        { now: nowMs, random: randomBytes, accepted: true },
      );
      await deps.queue.send(message, attributes(request));
      deps.onEnqueued?.('heartbeat');
      return reply.code(202).send({
        message: 'Heartbeat recorded' as const,
        scheduler_id: id,
        timestamp: message.timestamp,
        event_id: message.event_id,
      });
    },
  );

  api.get(
    '/schedulers',
    {
      schema: {
        summary: 'List schedulers, sorted by service name then job name',
        tags: ['schedulers'],
        security,
        querystring: ListQuerySchema,
        response: { 200: SchedulerListSchema, ...errors(400, 401, 403, 429, 503) },
      },
    },
    async (request) => {
      const key = request.apiKey;
      if (!key || !hasAnyAccess(key, 'read')) {
        throw new HttpError(403, `API key ${key?.name ?? ''} may not read schedulers`);
      }
      const records = await deps.schedulers.list(request.query);
      // A key limited to some ids sees only those.
      return records.filter((record) => isAllowed(key, 'read', record.scheduler_id));
    },
  );

  api.get(
    '/schedulers/:id',
    {
      schema: {
        summary: 'One scheduler’s current record',
        tags: ['schedulers'],
        security,
        params: SchedulerParamsSchema,
        response: { 200: SchedulerRecordSchema, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const { id } = request.params;
      authorize(request, 'read', id);
      const record = await deps.schedulers.get(id);
      if (!record) throw new HttpError(404, `Scheduler ${id} not found`);
      return record;
    },
  );

  api.get(
    '/schedulers/:id/history',
    {
      schema: {
        summary: 'Status history, newest first; heartbeats included with type "heartbeat"',
        tags: ['schedulers'],
        security,
        params: SchedulerParamsSchema,
        querystring: HistoryQuerySchema,
        response: { 200: HistoryResponseSchema, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const { id } = request.params;
      authorize(request, 'read', id);
      const { limit, from, to } = request.query;
      const fromIso = from ? formatTimestamp(parseTimestamp(from) ?? 0) : undefined;
      const toIso = to ? formatTimestamp(parseTimestamp(to) ?? 0) : undefined;
      if (fromIso && toIso && fromIso > toIso)
        throw new ValidationError(['from must not be after to']);
      if (!(await deps.known.exists(id))) throw new HttpError(404, `Scheduler ${id} not found`);
      const rows = await deps.history.query(id, {
        limit,
        now: formatTimestamp(now().getTime()),
        ...(fromIso ? { from: fromIso } : {}),
        ...(toIso ? { to: toIso } : {}),
      });
      return rows.map(toHistoryEntry);
    },
  );
}
