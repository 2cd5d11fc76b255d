import type { ReadinessReport } from '@schedmon/domain';
import type { Logger } from '@schedmon/runtime';
import Fastify from 'fastify';

export type AppDeps = {
  logger: Logger;
  version: string;
  /** Component checks behind `/health/ready`. */
  readiness: () => Promise<ReadinessReport>;
};

/**
 * Builds the api without listening: `main.ts` listens, tests use `inject()`.
 * This is the foundation's skeleton; the API routes of http-api.md are added on it.
 */
export function buildApp(deps: AppDeps) {
  const app = Fastify({
    loggerInstance: deps.logger,
    requestIdHeader: 'x-request-id',
  });
  const startedAt = performance.now();
  const uptime = () => Math.round((performance.now() - startedAt) / 1000);

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  app.get('/health', async () => ({ status: 'ok', version: deps.version, uptime: uptime() }));

  app.get('/health/ready', async (_request, reply) => {
    const report = await deps.readiness();
    reply.code(report.status === 'unhealthy' ? 503 : 200);
    return {
      ...report,
      timestamp: new Date().toISOString(),
      version: deps.version,
      uptime: uptime(),
    };
  });

  return app;
}
