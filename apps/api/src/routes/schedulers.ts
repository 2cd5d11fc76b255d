/**
 * /api/v1/schedulers: registration, archive, pause and resume (synchronous writes), and
 * the reads. The queued writes (status, heartbeat, batches) are in `events.ts`.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Clock, HistoryStore, SchedulerRecord, SchedulerStore } from '@schedmon/domain';
import {
  formatTimestamp,
  parseTimestamp,
  registrationProblems,
  SchedulerRecordSchema,
  toHistoryEntry,
  ValidationError,
  withBoardZone,
} from '@schedmon/domain';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hasAnyAccess, isAllowed, requireAccess } from '../auth.ts';
import type { BoardLookup } from '../board-members.ts';
import { boardMembers } from '../board-members.ts';
import { decodeCursor, encodeCursor, nextLink } from '../cursor.ts';
import { HttpError } from '../errors.ts';
import { archivedError } from '../event-intake.ts';
import type { KnownSchedulers } from '../known-schedulers.ts';
import { errors, security } from '../plugins/openapi.ts';
import {
  HistoryQuerySchema,
  HistoryResponseSchema,
  ListQuerySchema,
  PauseRequestBodySchema,
  RegisterBodySchema,
  SchedulerListSchema,
  SchedulerParamsSchema,
} from '../schemas.ts';

export type SchedulerRoutesDeps = BoardLookup & {
  clock: Clock;
  schedulers: SchedulerStore;
  history: HistoryStore;
  known: KnownSchedulers;
};

function notFound(id: string) {
  return new HttpError(404, `Scheduler ${id} not found`);
}

const HISTORY_KEY =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const byId = (a: SchedulerRecord, b: SchedulerRecord) =>
  a.scheduler_id < b.scheduler_id ? -1 : a.scheduler_id > b.scheduler_id ? 1 : 0;

/**
 * The records after `cursor`'s id, in id order (all of them without one). Pages go by
 * id, the one thing about a scheduler no write changes: by name, a scheduler renamed
 * during a walk could be seen twice or not at all.
 */
function after(records: readonly SchedulerRecord[], cursor: string | undefined) {
  const sorted = [...records].sort(byId);
  if (cursor === undefined) return sorted;
  const [id = ''] = decodeCursor(cursor, 1);
  return sorted.filter((record) => record.scheduler_id > id);
}

export async function schedulerRoutes(app: FastifyInstance, deps: SchedulerRoutesDeps) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const now = () => formatTimestamp(deps.clock.now().getTime());

  /** The answer to a change of one scheduler: the record, or the 404 of why not. */
  const changed = (id: string, result: SchedulerRecord | 'not_registered' | 'archived') => {
    if (result === 'not_registered') throw notFound(id);
    if (result === 'archived') throw archivedError(id);
    return result;
  };

  api.post(
    '/schedulers/register',
    {
      schema: {
        operationId: 'registerScheduler',
        summary: 'Register a scheduler, or update its names and settings; restores an archived one',
        tags: ['schedulers'],
        security,
        body: RegisterBodySchema,
        response: { 201: SchedulerRecordSchema, ...errors(400, 401, 403, 429, 503) },
      },
    },
    async (request, reply) => {
      requireAccess(request.apiKey, 'write', request.body.scheduler_id);
      const problems = registrationProblems(request.body);
      if (problems.length > 0) throw new ValidationError(problems);
      // Without a zone of its own, a schedule is read in its board's (docs/boards.md).
      const at = now();
      const registration = withBoardZone(request.body, await deps.boards.list(at));
      const record = await deps.schedulers.register(registration, at);
      deps.known.remember(record.scheduler_id);
      return reply.code(201).send(record);
    },
  );

  api.delete(
    '/schedulers/:id',
    {
      schema: {
        operationId: 'archiveScheduler',
        summary: 'Archive a scheduler: out of lists, tables and alerts; history kept',
        tags: ['schedulers'],
        security,
        params: SchedulerParamsSchema,
        response: { 200: SchedulerRecordSchema, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const { id } = request.params;
      requireAccess(request.apiKey, 'write', id);
      const record = await deps.schedulers.archive(id, now());
      deps.known.forget(id);
      if (!record) throw notFound(id);
      return record;
    },
  );

  api.post(
    '/schedulers/:id/pause',
    {
      schema: {
        operationId: 'pauseScheduler',
        summary: 'Pause a scheduler: its events are recorded, no alert is opened',
        tags: ['schedulers'],
        security,
        params: SchedulerParamsSchema,
        body: PauseRequestBodySchema,
        response: { 200: SchedulerRecordSchema, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const { id } = request.params;
      requireAccess(request.apiKey, 'write', id);
      const body = request.body ?? {};
      const at = now();
      const untilMs = body.until === undefined ? undefined : parseTimestamp(body.until);
      if (untilMs !== undefined && formatTimestamp(untilMs) <= at) {
        throw new ValidationError(['until must be in the future']);
      }
      const pause = {
        until: untilMs === undefined ? null : formatTimestamp(untilMs),
        reason: body.reason?.trim() ?? null,
      };
      return changed(id, await deps.schedulers.pause(id, pause, at));
    },
  );

  api.post(
    '/schedulers/:id/resume',
    {
      schema: {
        operationId: 'resumeScheduler',
        summary: 'End a pause; alerts open again from the next event',
        tags: ['schedulers'],
        security,
        params: SchedulerParamsSchema,
        response: { 200: SchedulerRecordSchema, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const { id } = request.params;
      requireAccess(request.apiKey, 'write', id);
      return changed(id, await deps.schedulers.resume(id, now()));
    },
  );

  api.get(
    '/schedulers',
    {
      schema: {
        operationId: 'listSchedulers',
        summary:
          'List schedulers, sorted by service name, job name and id; with limit, one page in id order and a Link rel="next"',
        tags: ['schedulers'],
        security,
        querystring: ListQuerySchema,
        response: { 200: SchedulerListSchema, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request: FastifyRequest<{ Querystring: typeof ListQuerySchema.static }>, reply) => {
      const key = request.apiKey;
      if (!key || !hasAnyAccess(key, 'read')) {
        throw new HttpError(403, `API key ${key?.name ?? ''} may not read schedulers`);
      }
      const { limit, cursor, board, ...filter } = request.query;
      const listed = await deps.schedulers.list(filter);
      const records = (
        board === undefined ? listed : await boardMembers(deps, board, listed, now())
      ).filter((record) =>
        // A key limited to some ids sees only those.
        isAllowed(key, 'read', record.scheduler_id),
      );
      if (limit === undefined) {
        if (cursor !== undefined) throw new ValidationError(['cursor needs limit']);
        return records;
      }
      const rest = after(records, cursor);
      const page = rest.slice(0, limit);
      const last = page.at(-1);
      if (rest.length > limit && last) {
        reply.header('link', nextLink(request, encodeCursor([last.scheduler_id])));
      }
      return page;
    },
  );

  api.get(
    '/schedulers/:id',
    {
      schema: {
        operationId: 'getScheduler',
        summary: 'One scheduler’s current record (archived ones too: see archived_at)',
        tags: ['schedulers'],
        security,
        params: SchedulerParamsSchema,
        response: { 200: SchedulerRecordSchema, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const { id } = request.params;
      requireAccess(request.apiKey, 'read', id);
      const record = await deps.schedulers.get(id);
      if (!record) throw notFound(id);
      return record;
    },
  );

  api.get(
    '/schedulers/:id/history',
    {
      schema: {
        operationId: 'getHistory',
        summary:
          'Status history, newest first, heartbeats included with type "heartbeat"; a Link rel="next" when there is more',
        tags: ['schedulers'],
        security,
        params: SchedulerParamsSchema,
        querystring: HistoryQuerySchema,
        response: { 200: HistoryResponseSchema, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      requireAccess(request.apiKey, 'read', id);
      const { limit, from, to, cursor } = request.query;
      const fromIso = from ? formatTimestamp(parseTimestamp(from) ?? 0) : undefined;
      const toIso = to ? formatTimestamp(parseTimestamp(to) ?? 0) : undefined;
      if (fromIso && toIso && fromIso > toIso)
        throw new ValidationError(['from must not be after to']);
      const [position] = cursor === undefined ? [] : decodeCursor(cursor, 1);
      // A history row's key is ASCII (`<UTC timestamp>#<event id>`), so the store's
      // bounds compare as DynamoDB compares bytes; anything else was not handed out.
      if (position !== undefined && !HISTORY_KEY.test(position)) {
        throw new ValidationError([
          'cursor is not one this api handed out; copy it from the Link header of the previous page',
        ]);
      }
      if ((await deps.known.lookup(id)) === 'absent') throw notFound(id);
      // One row more than the page says whether there is a next one.
      const rows = await deps.history.query(id, {
        limit: limit + 1,
        now: now(),
        ...(fromIso ? { from: fromIso } : {}),
        ...(toIso ? { to: toIso } : {}),
        ...(position ? { after: position } : {}),
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      if (rows.length > limit && last)
        reply.header('link', nextLink(request, encodeCursor([last.sk])));
      return page.map(toHistoryEntry);
    },
  );
}
