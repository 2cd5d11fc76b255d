import type { FastifyReply, FastifyRequest } from 'fastify';
import { LogController } from 'fastify';

/**
 * One log line per request, when it ends: "request completed" (or "request errored")
 * with the request (method, url, host, remote address), its status, the time it took and
 * its `request_id`. Fastify's own controller also logs an "incoming request" line first,
 * which said nothing the last line does not, and at the default `LOG_LEVEL=info` cost the
 * api about a tenth of its CPU per write (docs/performance.md). Probes and scrapes
 * (`/health`, `/metrics`) are not logged.
 */
export class AccessLog extends LogController {
  constructor() {
    super({
      requestIdLogLabel: 'request_id',
      // Probes and scrapes every few seconds would drown the log of real requests.
      disableRequestLogging: (request) =>
        request.url.startsWith('/health') || request.url.startsWith('/metrics'),
    });
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    const line = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}
