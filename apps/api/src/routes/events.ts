/**
 * The queued writes: a status, a heartbeat, and batches of both (202: the queue holds
 * them, the worker applies them). Every event goes through the one `EventIntake`.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { BatchResult } from '@schedmon/domain';
import {
  BatchBodySchema,
  BatchHeartbeatEventSchema,
  BatchStatusEventSchema,
  compileValidator,
  IDEMPOTENCY_KEY_HEADER,
  MAX_BATCH_EVENTS,
  ValidationError,
} from '@schedmon/domain';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hasAnyAccess } from '../auth.ts';
import { errorBodyOf, HttpError } from '../errors.ts';
import type { EventInput, EventIntake } from '../event-intake.ts';
import { batchEventKey, idempotencyKeyOf } from '../event-intake.ts';
import { errors, security } from '../plugins/openapi.ts';
import {
  BatchAcceptedSchema,
  HeartbeatAcceptedSchema,
  HeartbeatRequestBodySchema,
  IdempotencyHeadersSchema,
  SchedulerParamsSchema,
  StatusAcceptedSchema,
  StatusBodySchema,
} from '../schemas.ts';

export type EventRoutesDeps = {
  intake: EventIntake;
  /** Largest body of a batch (`BATCH_BODY_LIMIT_BYTES`). */
  batchBodyLimitBytes: number;
};

const statusValidator = compileValidator(BatchStatusEventSchema);
const heartbeatValidator = compileValidator(BatchHeartbeatEventSchema);
// The batch's own shape; each event is checked alone, so one bad event refuses only itself.
const envelopeValidator = compileValidator(
  Type.Object(
    {
      events: Type.Array(Type.Unknown(), { minItems: 1, maxItems: MAX_BATCH_EVENTS }),
    },
    { additionalProperties: false },
  ),
);

/** One event of a batch as the intake takes it, or its schema problems. */
function inputOf(event: unknown): EventInput {
  const type = (event as { type?: unknown } | null)?.type;
  if (type === 'status') {
    if (!statusValidator.check(event)) throw new ValidationError(statusValidator.problems(event));
    const { type: _type, ...body } = event;
    return { type: 'status', schedulerId: body.scheduler_id, body };
  }
  if (type === 'heartbeat') {
    if (!heartbeatValidator.check(event)) {
      throw new ValidationError(heartbeatValidator.problems(event));
    }
    const { type: _type, ...body } = event;
    return { type: 'heartbeat', schedulerId: body.scheduler_id, body };
  }
  throw new ValidationError(['type must be one of status, heartbeat']);
}

/** Events of one batch checked and sent at once: enough to fill SQS batches, bounded. */
const BATCH_CONCURRENCY = 16;

/** `work` on every item, at most `limit` at a time; results in the items' order. */
async function mapWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

const contextOf = (request: FastifyRequest, idempotencyKey: string | undefined) => ({
  key: request.apiKey,
  idempotencyKey,
  requestId: request.id,
});

export async function eventRoutes(app: FastifyInstance, deps: EventRoutesDeps) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const keyOf = (request: FastifyRequest) =>
    idempotencyKeyOf(request.headers[IDEMPOTENCY_KEY_HEADER]);

  api.put(
    '/schedulers/:id/status',
    {
      schema: {
        operationId: 'reportStatus',
        summary: 'Report a status; queued for the worker (202). Safe to retry with Idempotency-Key',
        tags: ['events'],
        security,
        params: SchedulerParamsSchema,
        headers: IdempotencyHeadersSchema,
        body: StatusBodySchema,
        response: { 202: StatusAcceptedSchema, ...errors(400, 401, 403, 404, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const message = await deps.intake.accept(
        { type: 'status', schedulerId: id, body: request.body },
        contextOf(request, keyOf(request)),
      );
      if (message.type !== 'status') throw new TypeError('a status became a heartbeat');
      return reply.code(202).send({
        event_id: message.event_id,
        scheduler_id: id,
        status: message.status,
        timestamp: message.timestamp,
        accepted_at: message.accepted_at,
      });
    },
  );

  api.post(
    '/schedulers/:id/heartbeat',
    {
      schema: {
        operationId: 'sendHeartbeat',
        summary:
          'Send a heartbeat; queued for the worker (202). Safe to retry with Idempotency-Key',
        tags: ['events'],
        security,
        params: SchedulerParamsSchema,
        headers: IdempotencyHeadersSchema,
        body: HeartbeatRequestBodySchema,
        response: { 202: HeartbeatAcceptedSchema, ...errors(400, 401, 403, 404, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const message = await deps.intake.accept(
        { type: 'heartbeat', schedulerId: id, body: request.body ?? undefined },
        contextOf(request, keyOf(request)),
      );
      return reply.code(202).send({
        message: 'Heartbeat recorded' as const,
        scheduler_id: id,
        timestamp: message.timestamp,
        event_id: message.event_id,
      });
    },
  );

  api.post(
    '/events',
    {
      bodyLimit: deps.batchBodyLimitBytes,
      schema: {
        operationId: 'sendEvents',
        summary:
          'Send up to 100 status events and heartbeats; each is enqueued or refused on its own (202, results by index)',
        tags: ['events'],
        security,
        headers: IdempotencyHeadersSchema,
        body: BatchBodySchema,
        response: { 202: BatchAcceptedSchema, ...errors(400, 401, 403, 413, 429, 503) },
      },
      // The document shows each event's schema; validation checks only the envelope here,
      // and each event below, so one bad event is refused alone.
      validatorCompiler:
        ({ httpPart }) =>
        (data: unknown) => {
          if (httpPart !== 'body' || envelopeValidator.check(data)) return { value: data };
          return { error: new ValidationError(envelopeValidator.problems(data)) };
        },
    },
    async (request, reply) => {
      const apiKey = request.apiKey;
      if (!apiKey || !hasAnyAccess(apiKey, 'write')) {
        throw new HttpError(403, `API key ${apiKey?.name ?? ''} may not write events`);
      }
      const key = keyOf(request);
      let unavailable: unknown;
      const results: BatchResult[] = await mapWithLimit(
        request.body.events,
        BATCH_CONCURRENCY,
        async (event, index) => {
          try {
            const input = inputOf(event);
            const message = await deps.intake.accept(
              input,
              contextOf(request, key === undefined ? undefined : batchEventKey(key, event)),
            );
            return {
              index,
              event_id: message.event_id,
              scheduler_id: input.schedulerId,
              type: input.type,
            };
          } catch (error) {
            const body = errorBodyOf(request, error);
            if (body.statusCode === 503) unavailable ??= error;
            return { index, error: body };
          }
        },
      );
      const accepted = results.filter((result) => 'event_id' in result).length;
      // Nothing enqueued because the queue is down: the whole request is a 503 to retry.
      if (accepted === 0 && unavailable !== undefined) throw unavailable;
      return reply.code(202).send({ accepted, rejected: results.length - accepted, results });
    },
  );
}
