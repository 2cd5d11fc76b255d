import { describe, expect, it } from 'vitest';
import { loadApiKeys, sha256 } from '../auth.ts';
import { cookieValue, createSessions } from './session.ts';

const SECRET = 'x'.repeat(40);
const file = (digest: string) =>
  JSON.stringify([{ name: 'ops', sha256: digest, scopes: ['read'] }]);
const keys = loadApiKeys([], file(sha256('first-key').toString('hex')));
const NOW = Date.parse('2026-01-15T01:00:00.000Z');

describe('dashboard sessions', () => {
  it('reads back the key it was issued for, until it expires', () => {
    const sessions = createSessions({ secret: SECRET, keys, ttlMs: 60_000 });
    const value = sessions.issue(keys[0] as (typeof keys)[number], NOW);
    expect(sessions.read(value, NOW)?.name).toBe('ops');
    expect(sessions.read(value, NOW + 59_000)?.name).toBe('ops');
    expect(sessions.read(value, NOW + 60_000)).toBeUndefined();
    expect(value).not.toContain('first-key');
  });

  it('ends when the key is rotated (same name, new digest), removed, or the secret changes', () => {
    const value = createSessions({ secret: SECRET, keys, ttlMs: 60_000 }).issue(
      keys[0] as (typeof keys)[number],
      NOW,
    );
    const rotated = loadApiKeys([], file(sha256('second-key').toString('hex')));
    expect(
      createSessions({ secret: SECRET, keys: rotated, ttlMs: 60_000 }).read(value, NOW),
    ).toBeUndefined();
    expect(
      createSessions({ secret: SECRET, keys: [], ttlMs: 60_000 }).read(value, NOW),
    ).toBeUndefined();
    expect(
      createSessions({ secret: 'y'.repeat(40), keys, ttlMs: 60_000 }).read(value, NOW),
    ).toBeUndefined();
  });

  it.each([
    [''],
    ['v1'],
    ['v1.1.b3Bz.'],
    ['v2.9999999999.b3Bz.AAAA'],
    ['v1.-1.b3Bz.AAAA'],
    ['v1.1e12.b3Bz.AAAA'],
    [`v1.9999999999.b3Bz.${'A'.repeat(600)}`],
    ['v1.9999999999.b3Bz.AAAA.extra'],
    ['\u0000\u0001'],
  ])('refuses the malformed value %j', (value) => {
    const sessions = createSessions({ secret: SECRET, keys, ttlMs: 60_000 });
    expect(sessions.read(value, NOW)).toBeUndefined();
  });

  it('finds a cookie among others, and only by its exact name', () => {
    expect(cookieValue('a=1; schedmon_session=v1.x; b=2', 'schedmon_session')).toBe('v1.x');
    expect(cookieValue('xschedmon_session=1', 'schedmon_session')).toBeUndefined();
    expect(cookieValue(undefined, 'schedmon_session')).toBeUndefined();
  });
});
