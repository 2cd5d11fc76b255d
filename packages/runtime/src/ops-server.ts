/**
 * The small HTTP server of the worker and the cron app: `/health`, `/health/ready` and
 * `/metrics` on `METRICS_PORT`. The api serves the same routes through Fastify.
 */
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReadinessReport } from '@schedmon/domain';
import { collectDefaultMetrics, Registry } from 'prom-client';

export type OpsServerOptions = {
  port: number;
  /** Address to listen on; loopback (127.0.0.1) when absent. */
  host?: string;
  version: string;
  /** Checks behind `/health/ready`; without it the process is ready while it runs. */
  readiness?: () => Promise<ReadinessReport>;
  registry?: Registry;
};

export type OpsServer = {
  url: string;
  /** The address it listens on. */
  host: string;
  port: number;
  close(): Promise<void>;
};

/** A metrics registry with Node's default process metrics. */
export function createMetricsRegistry(prefix = 'schedmon_'): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  return registry;
}

/**
 * Starts the ops server. `/health` answers 200 while the process runs; `/health/ready`
 * answers 200 when healthy or degraded and 503 when unhealthy or when the check throws.
 * Failure: rejects when the port is taken.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const startedAt = performance.now();
  const uptime = () => Math.round((performance.now() - startedAt) / 1000);
  const registry = options.registry ?? createMetricsRegistry();
  const server: Server = createServer((request, response) => {
    const send = (status: number, body: string, type = 'application/json') => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') {
      send(405, JSON.stringify({ statusCode: 405, error: 'Method Not Allowed' }));
      return;
    }
    if (path === '/health') {
      send(200, JSON.stringify({ status: 'ok', version: options.version, uptime: uptime() }));
      return;
    }
    if (path === '/health/ready') {
      const check = options.readiness ?? (async () => ({ status: 'healthy', components: {} }));
      check().then(
        (report) =>
          send(
            report.status === 'unhealthy' ? 503 : 200,
            JSON.stringify({
              ...report,
              timestamp: new Date().toISOString(),
              version: options.version,
              uptime: uptime(),
            }),
          ),
        (error: unknown) =>
          send(
            503,
            JSON.stringify({
              status: 'unhealthy',
              timestamp: new Date().toISOString(),
              components: {},
              message: error instanceof Error ? error.message : String(error),
              version: options.version,
              uptime: uptime(),
            }),
          ),
      );
      return;
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => send(200, text, registry.contentType),
        () => send(500, JSON.stringify({ statusCode: 500, error: 'Internal Server Error' })),
      );
      return;
    }
    send(404, JSON.stringify({ statusCode: 404, error: 'Not Found', path }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address: host, port } = server.address() as AddressInfo;
  return {
    host,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
