import { createHash, randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type {
  BoardSettings,
  BoardStore,
  Clock,
  DeliveryLogStore,
  DestinationStore,
  EodConfig,
  EventProducer,
  HistoryStore,
  IdempotencyStore,
  IncidentStore,
  ReadinessReport,
  SchedulerStore,
} from '@schedmon/domain';
import type { Logger } from '@schedmon/runtime';
import { Type } from '@sinclair/typebox';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import Fastify from 'fastify';
import { AccessLog } from './access-log.ts';
import type { ApiKey } from './auth.ts';
import { authenticate, DEV_API_KEY, isLoopbackAddress, sha256 } from './auth.ts';
import { clientKey, createAuthFailureLimiter } from './auth-failures.ts';
import { errorBody, HttpError, installErrorHandling } from './errors.ts';
import { createEventIntake } from './event-intake.ts';
import { createKnownSchedulers } from './known-schedulers.ts';
import { installEtags } from './plugins/etag.ts';
import type { ApiMetrics } from './plugins/metrics.ts';
import { createApiMetrics, installRequestMetrics } from './plugins/metrics.ts';
import { installOpenApi } from './plugins/openapi.ts';
import { installValidation } from './plugins/validation.ts';
import { boardRoutes } from './routes/boards.ts';
import { destinationRoutes } from './routes/destinations.ts';
import { eventRoutes } from './routes/events.ts';
import { incidentRoutes } from './routes/incidents.ts';
import { schedulerRoutes } from './routes/schedulers.ts';
import { ErrorResponseSchema, HealthSchema, ReadinessSchema } from './schemas.ts';
import { sharedSerializers } from './serializers.ts';
import type { SlackAppDeps } from './slack/slack-app.ts';
import { slackRoutes } from './slack/slack-app.ts';
import { LiveState } from './ui/live-state.ts';
import { createReportPages } from './ui/pages/reports.ts';
import { uiRoutes } from './ui/routes.ts';
import { createSessions } from './ui/session.ts';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKey;
  }
}

/** SHA-256 in hex: the fingerprints of destinations. */
const hexDigest = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export type AppDeps = {
  logger: Logger;
  version: string;
  clock: Clock;
  keys: readonly ApiKey[];
  schedulers: SchedulerStore;
  history: HistoryStore;
  /** Incidents as the worker leaves them: listed, read and acknowledged here. */
  incidents: IncidentStore;
  /** The stored boards (docs/boards.md), managed by the `admin` routes. */
  boards: BoardStore;
  /**
   * The `default` board of the environment (`EOD_*`, `SLACK_CHANNEL_ID`): the board of
   * every scheduler no stored board names, unless a stored board `default` replaces it.
   */
  defaultBoard: BoardSettings;
  /** Schedulers' own destinations (docs/destinations.md), managed by the `admin` routes. */
  destinations: DestinationStore;
  /** The delivery log of incidents' destinations. */
  deliveries: DeliveryLogStore;
  /** Webhook destinations may name private addresses (DESTINATION_ALLOW_PRIVATE_URLS). */
  allowPrivateUrls: boolean;
  /** Where accepted status events and heartbeats go. */
  queue: EventProducer;
  /** The first attempt of each keyed write, so its retries are the same event. */
  idempotency: IdempotencyStore;
  /** Component checks behind `/health/ready`. */
  readiness: () => Promise<ReadinessReport>;
  limits: {
    rateLimitPerMinute: number;
    /** Requests with a missing or unknown key per client address per minute. */
    authFailuresPerMinute: number;
    bodyLimitBytes: number;
    /** Largest body of `POST /api/v1/events`. */
    batchBodyLimitBytes: number;
    maxClockSkewMs: number;
    knownSchedulerTtlMs: number;
  };
  /**
   * Proxies whose `X-Forwarded-For` names the client (addresses or CIDRs): the address
   * that auth failures are counted by. Unset: the connection's peer.
   */
  trustProxy?: readonly string[] | undefined;
  /** When set, `/metrics` needs it in `x-api-key`. */
  metricsApiKey?: string | undefined;
  metrics?: ApiMetrics;
  /** The Slack app at `POST /slack/events`; absent (no signing secret) means not served. */
  slack?: SlackAppDeps | undefined;
  /** The web dashboard under `/ui` (docs/web.md); absent means not served. */
  ui?: UiOptions | undefined;
};

/** The dashboard's settings (`UI_*`). */
export type UiOptions = {
  /** The shared EOD settings: the default board's window and zone, staleness. */
  eod: EodConfig;
  /** The live pages read the stores at most once per this many ms (`UI_REFRESH_SECONDS`). */
  refreshMs: number;
  /** Signs the session cookies (`UI_SESSION_SECRET`). */
  sessionSecret: string;
  sessionTtlMs: number;
  /** `UI_PUBLIC_URL`: its origin may send forms, and https makes the cookie Secure. */
  publicUrl?: string | undefined;
  /** `HISTORY_RETENTION_DAYS`: reports say partial, and skip the trend, past it. */
  retentionDays?: number | undefined;
  /** Requests per minute per signed-in key (or address, before sign-in) under `/ui`. */
  rateLimitPerMinute?: number | undefined;
};

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's request id when it is a sane one, else a new one (no log injection). */
function requestIdOf(request: { headers: Record<string, string | string[] | undefined> }) {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Builds the api without listening: `main.ts` listens, tests use `inject()`.
 * Routes and error answers follow docs/api.md.
 */
export function buildApp(deps: AppDeps) {
  // Typed as Fastify's logger interface, which pino's implements, so plugins accept the app.
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: deps.limits.bodyLimitBytes,
    ...(deps.trustProxy?.length ? { trustProxy: [...deps.trustProxy] } : {}),
    genReqId: requestIdOf,
    logController: new AccessLog(),
    // Scheduler ids are up to 255 characters; the router's default limit is 100.
    routerOptions: { maxParamLength: 512 },
    // Errors the router raises before any hook runs (a bad URL) get the error shape too.
    frameworkErrors: (error, request, reply: FastifyReply) => {
      const statusCode = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
      void reply
        .code(statusCode)
        .send(
          errorBody(
            request,
            statusCode,
            error.code === 'FST_ERR_BAD_URL' ? 'Malformed URL' : error.message,
          ),
        );
    },
    // Status writes come in bursts from many jobs; keep idle sockets long enough for reuse.
    keepAliveTimeout: 65_000,
    schemaController: { compilersFactory: { buildSerializer: sharedSerializers } },
  });
  const startedAt = performance.now();
  const uptime = () => Math.round((performance.now() - startedAt) / 1000);
  const metrics = deps.metrics ?? createApiMetrics();
  const known = createKnownSchedulers(deps.schedulers, { ttlMs: deps.limits.knownSchedulerTtlMs });
  // One count of wrong keys per address, whether they come to the api or the sign-in page.
  const failures = createAuthFailureLimiter({ max: deps.limits.authFailuresPerMinute });

  // JSON only: a text/plain body is refused with 415 rather than parsed as a string.
  app.removeContentTypeParser('text/plain');
  installValidation(app);
  installErrorHandling(app);
  installRequestMetrics(app, metrics);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  installOpenApi(app, deps.version);

  // Registered after swagger has loaded, so these routes are in the OpenAPI document.
  void app.register(async (ops) => {
    ops.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

    ops.get(
      '/health',
      {
        schema: {
          operationId: 'getHealth',
          tags: ['operations'],
          summary: 'Liveness',
          security: [],
          response: { 200: HealthSchema },
        },
      },
      async () => ({ status: 'ok' as const, version: deps.version, uptime: uptime() }),
    );

    ops.get(
      '/health/ready',
      {
        schema: {
          operationId: 'getReadiness',
          tags: ['operations'],
          summary: 'Readiness with component checks',
          security: [],
          response: { 200: ReadinessSchema, 503: ReadinessSchema },
        },
      },
      async (_request, reply) => {
        const report = await deps.readiness();
        reply.code(report.status === 'unhealthy' ? 503 : 200);
        return {
          ...report,
          timestamp: new Date().toISOString(),
          version: deps.version,
          uptime: uptime(),
        };
      },
    );

    const metricsDigest = deps.metricsApiKey ? sha256(deps.metricsApiKey) : undefined;
    ops.get(
      '/metrics',
      {
        schema: {
          operationId: 'getMetrics',
          tags: ['operations'],
          summary: 'Prometheus metrics (needs METRICS_API_KEY in x-api-key when it is set)',
          // No key unless METRICS_API_KEY is set.
          security: [{}, { apiKey: [] }],
          response: {
            200: {
              description: 'Prometheus text exposition format',
              content: { 'text/plain': { schema: Type.String() } },
            },
            401: ErrorResponseSchema,
          },
        },
      },
      async (request, reply) => {
        if (metricsDigest) {
          const given = request.headers['x-api-key'];
          const match =
            typeof given === 'string' &&
            authenticate(
              [{ name: 'metrics', digest: metricsDigest, scopes: [], loopbackOnly: false }],
              given,
            );
          if (!match) throw new HttpError(401, 'Invalid API key');
        }
        reply.header('content-type', metrics.registry.contentType);
        return metrics.registry.metrics();
      },
    );
  });

  const slack = deps.slack;
  if (slack) {
    void app.register(async (scope) =>
      slackRoutes(scope, { boards: deps.boards, defaultBoard: deps.defaultBoard, ...slack }),
    );
  }

  const ui = deps.ui;
  if (ui) {
    const live = new LiveState({
      schedulers: deps.schedulers,
      boards: deps.boards,
      defaultBoard: deps.defaultBoard,
      incidents: deps.incidents,
      clock: deps.clock,
      logger: deps.logger,
      refreshMs: ui.refreshMs,
      onRead: () => metrics.uiRefreshes.inc(),
    });
    void app.register(
      async (scope) =>
        uiRoutes(scope, {
          clock: deps.clock,
          keys: deps.keys,
          schedulers: deps.schedulers,
          history: deps.history,
          incidents: deps.incidents,
          eod: ui.eod,
          live,
          sessions: createSessions({
            secret: ui.sessionSecret,
            keys: deps.keys,
            ttlMs: ui.sessionTtlMs,
          }),
          failures,
          publicUrl: ui.publicUrl,
          streams: metrics.uiStreams,
          rateLimitPerMinute: ui.rateLimitPerMinute,
          reports: createReportPages({
            history: deps.history,
            eod: ui.eod,
            clock: deps.clock,
            retentionDays: ui.retentionDays,
          }),
        }),
      // Its own scope: its error and not-found pages are HTML, the api's stay JSON.
      { prefix: '/ui' },
    );
  }

  void app.register(
    async (v1) => {
      v1.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        const nowMs = deps.clock.now().getTime();
        const client = clientKey(request.ip);
        const blockedFor = failures.blockedFor(client, nowMs);
        if (blockedFor > 0) {
          reply.header('retry-after', String(blockedFor));
          throw new HttpError(
            429,
            `Too many requests without a valid API key from this address, retry in ${blockedFor} s`,
          );
        }
        const given = request.headers['x-api-key'];
        if (typeof given !== 'string' || given === '') {
          failures.record(client, nowMs);
          throw new HttpError(401, 'Missing API key in x-api-key header');
        }
        const key = authenticate(deps.keys, given);
        if (!key) {
          failures.record(client, nowMs);
          throw new HttpError(401, 'Invalid API key');
        }
        if (key.loopbackOnly && !isLoopbackAddress(request.ip)) {
          failures.record(client, nowMs);
          throw new HttpError(
            403,
            `The development key ${DEV_API_KEY} is accepted only from this machine; set API_KEYS to reach the api from elsewhere`,
          );
        }
        request.apiKey = key;
      });
      await v1.register(rateLimit, {
        max: deps.limits.rateLimitPerMinute,
        timeWindow: 60_000,
        keyGenerator: (request) => request.apiKey?.name ?? request.ip,
        errorResponseBuilder: (_request, context) =>
          new HttpError(
            429,
            `Rate limit of ${context.max} requests per minute exceeded, retry in ${Math.ceil(context.ttl / 1000)} s`,
          ),
      });
      installEtags(v1);
      await schedulerRoutes(v1, {
        clock: deps.clock,
        schedulers: deps.schedulers,
        history: deps.history,
        known,
        boards: deps.boards,
        defaultBoard: deps.defaultBoard,
      });
      await incidentRoutes(v1, {
        clock: deps.clock,
        incidents: deps.incidents,
        schedulers: deps.schedulers,
        boards: deps.boards,
        defaultBoard: deps.defaultBoard,
        deliveries: deps.deliveries,
      });
      await boardRoutes(v1, {
        clock: deps.clock,
        boards: deps.boards,
        digest: hexDigest,
        allowPrivateUrls: deps.allowPrivateUrls,
      });
      await destinationRoutes(v1, {
        clock: deps.clock,
        schedulers: deps.schedulers,
        destinations: deps.destinations,
        digest: hexDigest,
        allowPrivateUrls: deps.allowPrivateUrls,
      });
      await eventRoutes(v1, {
        intake: createEventIntake({
          clock: deps.clock,
          queue: deps.queue,
          known,
          idempotency: deps.idempotency,
          maxClockSkewMs: deps.limits.maxClockSkewMs,
          onEnqueued: (type) => metrics.eventsEnqueued.inc({ type }),
        }),
        batchBodyLimitBytes: deps.limits.batchBodyLimitBytes,
      });
    },
    { prefix: '/api/v1' },
  );

  return app;
}
