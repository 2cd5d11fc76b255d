/** The api's Prometheus metrics (docs/runbook.md → metrics). */
import { createMetricsRegistry } from '@schedmon/runtime';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { Counter, Gauge, Histogram } from 'prom-client';

export type ApiMetrics = {
  registry: Registry;
  eventsEnqueued: Counter<'type'>;
  /** Reads of the dashboard's shared snapshot (docs/web.md → Live): one per interval at most. */
  uiRefreshes: Counter;
  /** Open live-update streams of the dashboard. */
  uiStreams: Gauge;
};

export function createApiMetrics(registry: Registry = createMetricsRegistry()): ApiMetrics {
  return {
    registry,
    eventsEnqueued: new Counter({
      name: 'schedmon_events_enqueued_total',
      help: 'Events accepted by the api and sent to the queue',
      labelNames: ['type'],
      registers: [registry],
    }),
    uiRefreshes: new Counter({
      name: 'schedmon_ui_refreshes_total',
      help: "Reads of the stores behind the dashboard's live pages",
      registers: [registry],
    }),
    uiStreams: new Gauge({
      name: 'schedmon_ui_streams',
      help: 'Open live-update streams (Server-Sent Events) of the dashboard',
      registers: [registry],
    }),
  };
}

/** Times every request by route template and status code. */
export function installRequestMetrics(app: FastifyInstance, metrics: ApiMetrics) {
  const duration = new Histogram({
    name: 'schedmon_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [metrics.registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    duration.observe(
      {
        method: request.method,
        // The route template, never the raw URL: ids would make unbounded label values.
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
}
