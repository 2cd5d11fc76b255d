/**
 * /api/v1/incidents (docs/api.md → Incidents): the incidents list, one incident, and
 * acknowledging one. An incident is read through its scheduler's scopes: a key limited
 * to some schedulers sees and acknowledges only their incidents.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  Clock,
  DeliveryLogStore,
  IncidentRecord,
  IncidentStore,
  SchedulerStore,
} from '@schedmon/domain';
import {
  CursorSchema,
  DeliveryListSchema,
  EventIdSchema,
  formatTimestamp,
  IncidentRecordSchema,
  IncidentSchema,
  NameSchema,
  SchedulerIdSchema,
  ValidationError,
} from '@schedmon/domain';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { acknowledgeIncident } from '../acknowledge-incident.ts';
import { hasAnyAccess, isAllowed, requireAccess } from '../auth.ts';
import type { BoardLookup } from '../board-members.ts';
import { boardMembers } from '../board-members.ts';
import { decodeCursor, encodeCursor, nextLink } from '../cursor.ts';
import { HttpError } from '../errors.ts';
import { findIncidents } from '../incident-pages.ts';
import { errors, security } from '../plugins/openapi.ts';
import { ListQuerySchema } from '../schemas.ts';

export type IncidentRoutesDeps = BoardLookup & {
  clock: Clock;
  incidents: IncidentStore;
  schedulers: SchedulerStore;
  /** Every attempt to deliver an incident's transitions to its destinations. */
  deliveries: DeliveryLogStore;
};

// An incident id is `<scheduler id>#<event id>` (`incidentIdOf`), each part by its own rule.
const inner = (pattern: string | undefined) =>
  (pattern ?? '').replace(/^\^/, '').replace(/\$$/, '');

export const IncidentIdSchema = Type.String({
  minLength: 3,
  maxLength: IncidentSchema.properties.incident_id.maxLength ?? 300,
  pattern: `^${inner(SchedulerIdSchema.pattern)}#${inner(EventIdSchema.pattern)}$`,
  description: 'The incident id, `<scheduler_id>#<event id>`; in a URL `#` is sent as `%23`',
  'x-problem': 'an incident id is <scheduler_id>#<event id>, with # sent as %23',
});

const IncidentParamsSchema = Type.Object({ id: IncidentIdSchema });

const IncidentListQuerySchema = Type.Object(
  {
    state: Type.Optional(IncidentSchema.properties.state),
    kind: Type.Optional(IncidentSchema.properties.kind),
    scheduler_id: Type.Optional(SchedulerIdSchema),
    board: ListQuerySchema.properties.board,
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
    cursor: Type.Optional(CursorSchema),
  },
  { additionalProperties: false },
);

/** Who acknowledged, when a caller says so: like a name, up to 100 characters. */
const AcknowledgerSchema = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: NameSchema.pattern,
  'x-problem': NameSchema['x-problem'],
  description:
    'Who acknowledged; recorded as `<by> via api:<name of the API key>`, or `api:<name of the API key>` without it',
});

/** The body may be left out: then the key acknowledges under its own name. */
const AcknowledgeBodySchema = Type.Union([
  Type.Object({ by: Type.Optional(AcknowledgerSchema) }, { additionalProperties: false }),
  Type.Null(),
]);

const IncidentListSchema = Type.Object({ incidents: Type.Array(IncidentRecordSchema) });

// A list position is `<opened_at>#<incident id>`, all ASCII: anything else was not handed out.
const LIST_POSITION = new RegExp(
  `^\\d{4}-\\d{2}-\\d{2}T[0-9:.]{5,20}Z#${inner(IncidentIdSchema.pattern)}$`,
);

function notFound(id: string) {
  return new HttpError(404, `Incident ${id} not found`);
}

/** The scheduler of an incident id (scheduler ids never hold `#`). */
const schedulerOf = (incidentId: string) => incidentId.slice(0, incidentId.indexOf('#'));

export async function incidentRoutes(app: FastifyInstance, deps: IncidentRoutesDeps) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const now = () => formatTimestamp(deps.clock.now().getTime());

  api.get(
    '/incidents',
    {
      schema: {
        operationId: 'listIncidents',
        summary:
          'List incidents, newest first, one page of at most limit; a Link rel="next" while there may be more',
        tags: ['incidents'],
        security,
        querystring: IncidentListQuerySchema,
        response: { 200: IncidentListSchema, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      const key = request.apiKey;
      if (!key || !hasAnyAccess(key, 'read')) {
        throw new HttpError(403, `API key ${key?.name ?? ''} may not read incidents`);
      }
      const { state, kind, scheduler_id, board, limit, cursor } = request.query;
      // A board's incidents are its members' (docs/boards.md), by scheduler id.
      let members: Set<string> | undefined;
      if (board !== undefined) {
        const records = await boardMembers(deps, board, await deps.schedulers.list(), now());
        members = new Set(records.map((record) => record.scheduler_id));
      }
      if (scheduler_id !== undefined) requireAccess(key, 'read', scheduler_id);
      const [before] = cursor === undefined ? [] : decodeCursor(cursor, 1);
      if (before !== undefined && !LIST_POSITION.test(before)) {
        throw new ValidationError([
          'cursor is not one this api handed out; copy it from the Link header of the previous page',
        ]);
      }
      const everything = isAllowed(key, 'read');
      const matches = (incident: IncidentRecord) =>
        (state === undefined || incident.state === state) &&
        (kind === undefined || incident.kind === kind) &&
        (scheduler_id === undefined || incident.scheduler_id === scheduler_id) &&
        (members === undefined || members.has(incident.scheduler_id)) &&
        // A key limited to some ids sees only theirs.
        (everything || isAllowed(key, 'read', incident.scheduler_id));
      const page = await findIncidents(
        deps.incidents,
        {
          limit,
          before,
          matches,
          selective:
            state !== undefined ||
            kind !== undefined ||
            scheduler_id !== undefined ||
            members !== undefined ||
            !everything,
        },
        now(),
      );
      if (page.next !== undefined) {
        reply.header('link', nextLink(request, encodeCursor([page.next])));
      }
      return { incidents: page.incidents };
    },
  );

  api.get(
    '/incidents/:id',
    {
      schema: {
        operationId: 'getIncident',
        summary: 'One incident, resolved ones too (see resolved_at)',
        tags: ['incidents'],
        security,
        params: IncidentParamsSchema,
        response: { 200: IncidentRecordSchema, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const { id } = request.params;
      requireAccess(request.apiKey, 'read', schedulerOf(id));
      const incident = await deps.incidents.incident(id, now());
      if (!incident) throw notFound(id);
      return incident;
    },
  );

  api.get(
    '/incidents/:id/deliveries',
    {
      schema: {
        operationId: 'listIncidentDeliveries',
        summary:
          "Every attempt to deliver the incident's transitions to PagerDuty, Opsgenie and webhooks, by transition and attempt",
        tags: ['incidents'],
        security,
        params: IncidentParamsSchema,
        response: { 200: DeliveryListSchema, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const { id } = request.params;
      requireAccess(request.apiKey, 'read', schedulerOf(id));
      const at = now();
      const [incident, deliveries] = await Promise.all([
        deps.incidents.incident(id, at),
        deps.deliveries.list(id, at),
      ]);
      if (!incident) throw notFound(id);
      return { deliveries };
    },
  );

  api.post(
    '/incidents/:id/acknowledge',
    {
      schema: {
        operationId: 'acknowledgeIncident',
        summary:
          'Acknowledge an open incident: the reminder is off and its Slack thread says who; again changes nothing',
        tags: ['incidents'],
        security,
        params: IncidentParamsSchema,
        body: AcknowledgeBodySchema,
        response: { 200: IncidentRecordSchema, ...errors(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const key = request.apiKey;
      requireAccess(key, 'write', schedulerOf(id));
      // Always says it came through the api: a name that looks like a Slack user id must
      // not read (or ping) as that user in the thread.
      const via = `api:${key?.name ?? 'unknown'}`;
      const named = request.body?.by?.trim();
      const by = named ? `${named} via ${via}` : via;
      const result = await acknowledgeIncident(deps, { incidentId: id, by });
      switch (result.outcome) {
        case 'acknowledged':
          return result.incident;
        case 'not_found':
          throw notFound(id);
        case 'no_scheduler':
          throw new HttpError(404, `Scheduler ${result.schedulerId} not found`);
        case 'resolved':
          throw new HttpError(
            409,
            `Incident ${id} is resolved: only an open one can be acknowledged`,
          );
        case 'not_open':
          throw new HttpError(
            409,
            `Incident ${id} is no longer the open incident of scheduler ${result.incident.scheduler_id}`,
          );
      }
    },
  );
}
