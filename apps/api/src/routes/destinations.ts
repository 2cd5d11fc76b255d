/**
 * A scheduler's own destinations (docs/destinations.md, docs/api.md → Destinations):
 * `GET/PUT/DELETE /api/v1/schedulers/{id}/destinations`. Its own list replaces its
 * boards' destinations for the incidents it opens from then on (an empty list: none).
 * Destinations carry secrets: every route needs the `admin` scope, and the api answers
 * with fingerprints, never a secret.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  Clock,
  DestinationOverride,
  DestinationStore,
  SchedulerStore,
} from '@schedmon/domain';
import {
  destinationProblems,
  destinationView,
  formatTimestamp,
  isArchived,
  SchedulerDestinationsInputSchema,
  SchedulerDestinationsSchema,
  SchedulerIdSchema,
  ValidationError,
} from '@schedmon/domain';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireAdmin } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { errors, security } from '../plugins/openapi.ts';

export type DestinationRoutesDeps = {
  clock: Clock;
  schedulers: SchedulerStore;
  destinations: DestinationStore;
  /** SHA-256 in hex: destinations are shown by fingerprint. */
  digest: (text: string) => string;
  /** Webhook destinations may name private addresses (DESTINATION_ALLOW_PRIVATE_URLS). */
  allowPrivateUrls: boolean;
};

const ParamsSchema = Type.Object({ id: SchedulerIdSchema });

// The scope is checked before the body is: a key without `admin` learns nothing from a 400.
const needsAdmin = (what: string) => ({
  preValidation: async (request: FastifyRequest) => requireAdmin(request.apiKey, what),
});

export async function destinationRoutes(app: FastifyInstance, deps: DestinationRoutesDeps) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const now = () => formatTimestamp(deps.clock.now().getTime());
  const viewOf = (override: DestinationOverride) => ({
    scheduler_id: override.scheduler_id,
    destinations: override.destinations.map((destination) =>
      destinationView(destination, deps.digest),
    ),
    updated_at: override.updated_at,
  });
  const notFound = (id: string) =>
    new HttpError(404, `Scheduler ${id} has no destinations of its own (its boards' apply)`);

  api.get(
    '/schedulers/:id/destinations',
    {
      ...needsAdmin('read destinations'),
      schema: {
        operationId: 'getSchedulerDestinations',
        summary: "A scheduler's own destinations, by fingerprint (404: its boards' apply)",
        tags: ['destinations'],
        security,
        params: ParamsSchema,
        response: { 200: SchedulerDestinationsSchema, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const override = await deps.destinations.get(id, now());
      if (!override) throw notFound(id);
      return viewOf(override);
    },
  );

  api.put(
    '/schedulers/:id/destinations',
    {
      ...needsAdmin('change destinations'),
      schema: {
        operationId: 'putSchedulerDestinations',
        summary:
          "Give a scheduler its own destinations, replacing its boards' for incidents it opens from now on ([]: none)",
        tags: ['destinations'],
        security,
        params: ParamsSchema,
        body: SchedulerDestinationsInputSchema,
        response: {
          200: SchedulerDestinationsSchema,
          201: SchedulerDestinationsSchema,
          ...errors(400, 401, 403, 404, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const problems = destinationProblems(request.body.destinations, {
        allowPrivate: deps.allowPrivateUrls,
        field: 'destinations',
      });
      if (problems.length > 0) throw new ValidationError(problems);
      const at = now();
      const record = await deps.schedulers.get(id);
      // An archived scheduler opens no incidents: it is as good as unregistered here.
      if (!record || isArchived(record)) {
        throw new HttpError(404, `Scheduler ${id} not found. Please register first.`);
      }
      const override = {
        scheduler_id: id,
        destinations: request.body.destinations,
        updated_at: at,
      };
      const outcome = await deps.destinations.put(override, at);
      return reply.code(outcome === 'created' ? 201 : 200).send(viewOf(override));
    },
  );

  api.delete(
    '/schedulers/:id/destinations',
    {
      ...needsAdmin('change destinations'),
      schema: {
        operationId: 'deleteSchedulerDestinations',
        summary: "Drop a scheduler's own destinations: its boards' apply again",
        tags: ['destinations'],
        security,
        params: ParamsSchema,
        response: { 200: SchedulerDestinationsSchema, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const at = now();
      const override = await deps.destinations.get(id, at);
      if (!override || !(await deps.destinations.delete(id, at))) throw notFound(id);
      return viewOf(override);
    },
  );
}
