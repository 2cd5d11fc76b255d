/**
 * Opaque page cursors (docs/api.md → Pages): base64url of JSON the api alone reads. A
 * cursor names where the previous page ended, so a walk sees every item that existed
 * when it started exactly once, whatever is written meanwhile. A cursor that cannot be
 * read is a 400; a forged one can only move the walk within what the key may read.
 */
import { ValidationError } from '@schedmon/domain';
import type { FastifyRequest } from 'fastify';

export function encodeCursor(position: readonly string[]): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** The position in `cursor`, which must be a list of `size` strings. */
export function decodeCursor(cursor: string, size: number): string[] {
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    position = undefined;
  }
  if (
    !Array.isArray(position) ||
    position.length !== size ||
    !position.every((part) => typeof part === 'string')
  ) {
    throw new ValidationError([
      'cursor is not one this api handed out; copy it from the Link header of the previous page',
    ]);
  }
  return position;
}

/**
 * The `Link` header of the next page: this request's path and query with `cursor`
 * replaced. Relative, so it is right behind any proxy that keeps the path.
 */
export function nextLink(request: FastifyRequest, cursor: string): string {
  const url = new URL(request.url, 'http://api.invalid');
  url.searchParams.set('cursor', cursor);
  return `<${url.pathname}${url.search}>; rel="next"`;
}
