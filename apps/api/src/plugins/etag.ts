/**
 * `ETag` on every successful GET of a scope, and `If-None-Match` answered with 304: a
 * dashboard or script that polls gets an empty answer while nothing changed. The tag is
 * a digest of the body the route would send (weak: equal JSON, not equal bytes on the
 * wire), so it is right whatever the route, without any store keeping versions.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/** Whether an `If-None-Match` header names `etag` (or `*`); weak comparison (RFC 9110). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const wanted = opaque(etag);
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === wanted);
}

export function installEtags(app: FastifyInstance) {
  app.addHook('onSend', async (request, reply, payload) => {
    const read = request.method === 'GET' || request.method === 'HEAD';
    if (!read || reply.statusCode !== 200 || typeof payload !== 'string') return payload;
    const etag = `W/"${createHash('sha256').update(payload).digest('base64url').slice(0, 32)}"`;
    reply.header('etag', etag);
    // The answer depends on the key's scopes: no shared cache may keep it for another key,
    // and a private one asks again (with If-None-Match) before using it.
    reply.header('cache-control', 'private, no-cache');
    reply.header('vary', 'x-api-key');
    if (!matchesEtag(request.headers['if-none-match'], etag)) return payload;
    reply.code(304);
    reply.removeHeader('content-type');
    reply.removeHeader('content-length');
    return '';
  });
}
