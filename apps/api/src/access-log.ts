import type { FastifyReply, FastifyRequest } from 'fastify';
import { LogController } from 'fastify';

/**
 * One log line per request, when it ends, with the request (method, url, host, remote
 * address), the time it took and its `request_id`:
 *
 * - "request completed", with its status, once the whole response was handed to the
 *   connection;
 * - "request aborted" when the connection closed first (a client that gave up, a hung
 *   handler, a live page left): no status was sent;
 * - "request errored" (at error level) when writing the response failed.
 *
 * Fastify's own controller also logs an "incoming request" line first, which at the
 * default `LOG_LEVEL=info` cost the api about a tenth of its CPU per write
 * (docs/performance.md); the line at the end says what it said, for every request that
 * got one, the ones Fastify answers itself (a malformed URL) and the hijacked live pages
 * included. Probes and scrapes (`/health`, `/metrics`) are not logged.
 */
export class AccessLog extends LogController {
  /** Requests whose line is written (an error's), so the close does not write another. */
  private readonly logged = new WeakSet<FastifyRequest>();

  constructor() {
    super({
      requestIdLogLabel: 'request_id',
      // Probes and scrapes every few seconds would drown the log of real requests.
      disableRequestLogging: (request) =>
        request.url.startsWith('/health') || request.url.startsWith('/metrics'),
    });
  }

  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    // A response closes once sent or once its connection is gone, whoever answered it.
    reply.raw.once('close', () => {
      if (this.logged.has(request)) return;
      const responseTime = reply.elapsedTime;
      if (reply.raw.writableEnded) {
        reply.log.info({ req: request, res: reply, responseTime }, 'request completed');
      } else {
        reply.log.info({ req: request, responseTime }, 'request aborted');
      }
    });
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (!error || this.isLogDisabled(request)) return; // the close writes the line
    this.logged.add(request);
    reply.log.error(
      { req: request, res: reply, err: error, responseTime: reply.elapsedTime },
      'request errored',
    );
  }
}
