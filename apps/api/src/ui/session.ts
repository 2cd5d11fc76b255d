/**
 * Dashboard sessions (docs/web.md → Sign-in): after an API key is presented once, the
 * browser keeps a cookie naming the key and an expiry, signed with HMAC-SHA256 under
 * `UI_SESSION_SECRET`. The key itself is never stored in the cookie or the page: the
 * signature also covers the key's digest, so rotating or removing a key ends its sessions.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ApiKey } from '../auth.ts';

export const SESSION_COOKIE = 'schedmon_session';
const VERSION = 'v1';

export type Sessions = {
  /** The cookie value of a new session of `key`, valid until `nowMs + ttlMs`. */
  issue(key: ApiKey, nowMs: number): string;
  /** The key of a valid, unexpired session cookie value, or undefined. */
  read(value: string | undefined, nowMs: number): ApiKey | undefined;
  /** Seconds a session lasts: the cookie's Max-Age. */
  readonly maxAgeSeconds: number;
};

export function createSessions(options: {
  secret: string;
  keys: readonly ApiKey[];
  ttlMs: number;
}): Sessions {
  const byName = new Map(options.keys.map((key) => [key.name, key]));
  const sign = (expires: string, name: string, key: ApiKey) =>
    createHmac('sha256', options.secret)
      .update(`${VERSION}.${expires}.${name}.${key.digest.toString('hex')}`)
      .digest();
  return {
    maxAgeSeconds: Math.floor(options.ttlMs / 1000),
    issue(key, nowMs) {
      const expires = String(Math.floor((nowMs + options.ttlMs) / 1000));
      const name = Buffer.from(key.name, 'utf8').toString('base64url');
      return `${VERSION}.${expires}.${name}.${sign(expires, key.name, key).toString('base64url')}`;
    },
    read(value, nowMs) {
      if (value === undefined || value.length > 512) return undefined;
      const [version, expires, encodedName, signature, extra] = value.split('.');
      if (version !== VERSION || extra !== undefined || !expires || !encodedName || !signature) {
        return undefined;
      }
      if (!/^\d{1,12}$/.test(expires) || Number(expires) * 1000 <= nowMs) return undefined;
      const key = byName.get(Buffer.from(encodedName, 'base64url').toString('utf8'));
      if (key === undefined) return undefined;
      const given = Buffer.from(signature, 'base64url');
      const expected = sign(expires, key.name, key);
      return given.length === expected.length && timingSafeEqual(given, expected) ? key : undefined;
    },
  };
}

/** The value of cookie `name` in a `Cookie` header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at === -1) continue;
    if (part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
