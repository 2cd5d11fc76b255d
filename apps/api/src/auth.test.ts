import { describe, expect, it } from 'vitest';
import type { Access, ApiKey } from './auth.ts';
import {
  authenticate,
  DEV_API_KEY,
  hasAnyAccess,
  isAllowed,
  isLoopbackAddress,
  loadApiKeys,
  parseScope,
  sha256,
} from './auth.ts';
import { clientKey, createAuthFailureLimiter } from './auth-failures.ts';

function keyWith(...scopes: string[]): ApiKey {
  const file = JSON.stringify([{ name: 'k', sha256: sha256('secret').toString('hex'), scopes }]);
  const [key] = loadApiKeys([], file);
  if (!key) throw new Error('no key loaded');
  return key;
}

describe('parseScope', () => {
  it.each([
    ['read', { access: 'read', ids: null }],
    ['write', { access: 'write', ids: null }],
    ['write:service-a-eod', { access: 'write', ids: { exact: 'service-a-eod' } }],
    ['write:service-a-*', { access: 'write', ids: { prefix: 'service-a-' } }],
    ['read:ns:job.1', { access: 'read', ids: { exact: 'ns:job.1' } }],
    ['read:ns:*', { access: 'read', ids: { prefix: 'ns:' } }],
  ])('reads %s', (scope, expected) => {
    expect(parseScope(scope)).toEqual(expected);
  });
});

describe('isAllowed', () => {
  it.each<[string[], Access, string | undefined, boolean]>([
    // A one-id scope is exactly that id, never ids it is a prefix of.
    [['write:service-a-eod'], 'write', 'service-a-eod', true],
    [['write:service-a-eod'], 'write', 'service-a-eod-2', false],
    [['write:service-a-eod'], 'write', 'service-a-eo', false],
    [['write:service-a-eod'], 'read', 'service-a-eod', false],
    [['write:service-a-eod'], 'write', undefined, false],
    // A prefix scope is every id starting with it.
    [['write:service-a-*'], 'write', 'service-a-eod', true],
    [['write:service-a-*'], 'write', 'service-a-', true],
    [['write:service-a-*'], 'write', 'service-b-eod', false],
    [['write:service-a-*'], 'write', 'service-a', false],
    [['write:service-a-*'], 'write', undefined, false],
    // An unlimited scope is every id, and routes without one.
    [['read'], 'read', 'anything', true],
    [['read'], 'read', undefined, true],
    [['read'], 'write', 'anything', false],
    // Several scopes: any one allowing is enough.
    [['read:a-*', 'write:b'], 'write', 'b', true],
    [['read:a-*', 'write:b'], 'read', 'b', false],
    [['read:a-*', 'write:b'], 'read', 'a-1', true],
  ])('%j may %s %s: %s', (scopes, access, id, allowed) => {
    expect(isAllowed(keyWith(...scopes), access, id)).toBe(allowed);
  });

  it('says whether a key may reach any scheduler at all', () => {
    expect(hasAnyAccess(keyWith('read:a-*'), 'read')).toBe(true);
    expect(hasAnyAccess(keyWith('read:a-*'), 'write')).toBe(false);
  });

  it.each(['write:', 'write:*x', 'write:-bad', 'read:a b', 'READ', 'delete'])(
    'refuses the scope %j in a keys file',
    (scope) => {
      expect(() => keyWith(scope)).toThrow(/API_KEYS_FILE is invalid/);
    },
  );
});

describe('authenticate', () => {
  it('finds a key by its digest and marks only the development key loopback-only', () => {
    const keys = loadApiKeys(['plain', DEV_API_KEY]);
    expect(authenticate(keys, 'plain')?.loopbackOnly).toBe(false);
    expect(authenticate(keys, DEV_API_KEY)?.loopbackOnly).toBe(true);
    expect(authenticate(keys, 'plain ')).toBeUndefined();
    expect(authenticate(keys, '')).toBeUndefined();
  });

  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.1', false],
    ['192.168.1.20', false],
    ['::ffff:192.168.1.20', false],
    ['fe80::1', false],
    ['1270::1', false],
  ])('%s is loopback: %s', (address, loopback) => {
    expect(isLoopbackAddress(address)).toBe(loopback);
  });
});

describe('createAuthFailureLimiter', () => {
  it('blocks an address after its failures until its window ends, and no other', () => {
    const limiter = createAuthFailureLimiter({ max: 3, windowMs: 60_000 });
    for (let i = 0; i < 3; i += 1) {
      expect(limiter.blockedFor('1.1.1.1', 1_000)).toBe(0);
      limiter.record('1.1.1.1', 1_000);
    }
    expect(limiter.blockedFor('1.1.1.1', 1_000)).toBe(60);
    expect(limiter.blockedFor('1.1.1.1', 60_500)).toBe(1);
    expect(limiter.blockedFor('2.2.2.2', 1_000)).toBe(0);
    expect(limiter.blockedFor('1.1.1.1', 61_000)).toBe(0);
  });

  it('remembers a bounded number of addresses, forgetting the oldest first', () => {
    const limiter = createAuthFailureLimiter({ max: 1, maxAddresses: 2 });
    limiter.record('a', 0);
    limiter.record('b', 0);
    limiter.record('c', 0);
    expect(limiter.blockedFor('a', 0)).toBe(0);
    expect(limiter.blockedFor('b', 0)).toBeGreaterThan(0);
    expect(limiter.blockedFor('c', 0)).toBeGreaterThan(0);
  });
});

describe('clientKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '::ffff:203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('counts %s as %s', (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});
