/**
 * API keys (docs/api.md → Authentication): plain keys from `API_KEYS` (all scopes) and
 * hashed, scoped keys from `API_KEYS_FILE`. Keys are compared as SHA-256 digests in
 * constant time and never kept, logged or echoed in plain text.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { compileValidator } from '@schedmon/domain';
import { Type } from '@sinclair/typebox';
import { HttpError } from './errors.ts';

export type Access = 'read' | 'write' | 'admin';

/**
 * `read`/`write` on every scheduler (`ids` null), on exactly one id (`write:job-a`), or on
 * the ids starting with a prefix (`write:service-a-*`). `admin` (boards) is about the
 * installation, not about schedulers: always `ids` null.
 */
export type Scope = { access: Access; ids: null | { exact: string } | { prefix: string } };

export type ApiKey = {
  /** Safe to log and to key rate limits on. */
  name: string;
  digest: Buffer;
  scopes: Scope[];
  /** The well-known development key: accepted only from this machine. */
  loopbackOnly: boolean;
};

/** The key `pnpm start` uses when `API_KEYS` is unset; everybody knows it. */
export const DEV_API_KEY = 'local-dev-key';

const SCOPE_PATTERN = '^(?:(?:read|write)(?::[A-Za-z0-9][A-Za-z0-9._:-]*\\*?)?|admin)$';

export const ApiKeysFileSchema = Type.Array(
  Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' }),
      sha256: Type.String({ pattern: '^[0-9a-fA-F]{64}$' }),
      scopes: Type.Array(
        Type.String({
          maxLength: 300,
          pattern: SCOPE_PATTERN,
          'x-problem':
            'use read, write, read:<scheduler id>, write:<id prefix>* or admin (admin is for the whole installation: it takes no scheduler ids)',
        }),
        { minItems: 1 },
      ),
    },
    { additionalProperties: false },
  ),
);

const fileValidator = compileValidator(ApiKeysFileSchema);
const ALL_SCOPES: Scope[] = [
  { access: 'read', ids: null },
  { access: 'write', ids: null },
  { access: 'admin', ids: null },
];

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * A scope string the keys file schema accepted, read: `write`, `write:id`, `write:pre*`,
 * `admin`.
 */
export function parseScope(scope: string): Scope {
  const colon = scope.indexOf(':');
  const access = (colon === -1 ? scope : scope.slice(0, colon)) as Access;
  const limit = colon === -1 ? '' : scope.slice(colon + 1);
  if (limit === '') return { access, ids: null };
  return { access, ids: limit.endsWith('*') ? { prefix: limit.slice(0, -1) } : { exact: limit } };
}

/**
 * The keys from both sources. Plain keys are named `key-<first 8 hex of their digest>`.
 * Failure: throws an Error listing the problems of an invalid keys file, or on two keys
 * with the same name.
 */
export function loadApiKeys(plainKeys: readonly string[], fileContent?: string): ApiKey[] {
  const keys: ApiKey[] = plainKeys.map((key) => {
    const digest = sha256(key);
    return {
      name: `key-${digest.toString('hex').slice(0, 8)}`,
      digest,
      scopes: ALL_SCOPES,
      loopbackOnly: key === DEV_API_KEY,
    };
  });
  if (fileContent !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fileContent);
    } catch (error) {
      throw new Error(`API_KEYS_FILE is not JSON: ${(error as Error).message}`);
    }
    const limitedAdmin = adminWithIds(parsed);
    if (limitedAdmin !== undefined) {
      throw new Error(
        `API_KEYS_FILE is invalid: scope "${limitedAdmin}": admin is for the whole installation (boards) and takes no scheduler ids; use "admin"`,
      );
    }
    if (!fileValidator.check(parsed)) {
      throw new Error(`API_KEYS_FILE is invalid: ${fileValidator.problems(parsed).join('; ')}`);
    }
    for (const entry of parsed) {
      keys.push({
        name: entry.name,
        digest: Buffer.from(entry.sha256, 'hex'),
        scopes: entry.scopes.map(parseScope),
        loopbackOnly: false,
      });
    }
  }
  const names = new Set<string>();
  for (const key of keys) {
    if (names.has(key.name)) throw new Error(`Two API keys are named ${key.name}`);
    names.add(key.name);
  }
  return keys;
}

/** The first `admin:…` scope of a keys file, which reads as limited but could not be. */
function adminWithIds(parsed: unknown): string | undefined {
  if (!Array.isArray(parsed)) return undefined;
  for (const entry of parsed) {
    const scopes = (entry as { scopes?: unknown } | null)?.scopes;
    if (!Array.isArray(scopes)) continue;
    const found = scopes.find(
      (scope): scope is string => typeof scope === 'string' && scope.startsWith('admin:'),
    );
    if (found !== undefined) return found.slice(0, 100);
  }
  return undefined;
}

/**
 * The key whose digest matches the presented one. Every key is compared, in constant time,
 * so the answer's timing says nothing about which keys exist.
 */
export function authenticate(keys: readonly ApiKey[], presented: string): ApiKey | undefined {
  const digest = sha256(presented);
  let found: ApiKey | undefined;
  for (const key of keys) {
    if (timingSafeEqual(key.digest, digest) && !found) found = key;
  }
  return found;
}

/**
 * Whether `key` may `access` the scheduler `schedulerId`; without an id, only a scope on
 * every scheduler allows it. A one-id scope allows that id only, never ids it starts.
 */
export function isAllowed(key: ApiKey, access: Access, schedulerId?: string): boolean {
  return key.scopes.some((scope) => {
    if (scope.access !== access) return false;
    if (scope.ids === null) return true;
    if (schedulerId === undefined) return false;
    return 'exact' in scope.ids
      ? schedulerId === scope.ids.exact
      : schedulerId.startsWith(scope.ids.prefix);
  });
}

/** Whether a client address is this machine (IPv4 127/8, IPv6 ::1, or 127/8 mapped). */
export function isLoopbackAddress(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

/** Whether `key` has `access` to any scheduler at all (list routes filter by scope). */
export function hasAnyAccess(key: ApiKey, access: Access): boolean {
  return key.scopes.some((scope) => scope.access === access);
}

/** Throws the 403 of a key without the `admin` scope (or no key at all). */
export function requireAdmin(key: ApiKey | undefined, what: string) {
  if (!key || !isAllowed(key, 'admin')) {
    throw new HttpError(
      403,
      `API key ${key?.name ?? ''} may not ${what}: it needs the admin scope`,
    );
  }
}

/** Throws the 403 of a key that may not `access` the scheduler (or has no key at all). */
export function requireAccess(key: ApiKey | undefined, access: Access, schedulerId: string) {
  if (!key || !isAllowed(key, access, schedulerId)) {
    throw new HttpError(
      403,
      `API key ${key?.name ?? ''} may not ${access} scheduler ${schedulerId}`,
    );
  }
}
