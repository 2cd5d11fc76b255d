import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EventIdSchema } from './events.ts';
import type { IdempotencyRecord } from './idempotency.ts';
import { IdempotencyRecordSchema, idempotentEventId, requestFingerprint } from './idempotency.ts';
import { compileValidator } from './validation.ts';

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

describe('idempotentEventId', () => {
  const AT = '2026-01-15T01:00:00.000Z';
  it('is stable for one claim, and apart per scheduler, per key and per claim instant', () => {
    const id = idempotentEventId('job-a', 'retry-1', AT, digest);
    expect(idempotentEventId('job-a', 'retry-1', AT, digest)).toBe(id);
    expect(idempotentEventId('job-b', 'retry-1', AT, digest)).not.toBe(id);
    expect(idempotentEventId('job-a', 'retry-2', AT, digest)).not.toBe(id);
    // A key reused after its claim expired is a new event.
    expect(idempotentEventId('job-a', 'retry-1', '2026-01-16T01:00:00.001Z', digest)).not.toBe(id);
    // The separator (never in a scheduler id) keeps a pair apart from a shifted split.
    expect(idempotentEventId('job-a', 'b-key', AT, digest)).not.toBe(
      idempotentEventId('job-a-b', 'key', AT, digest),
    );
  });

  it('is a valid event id whatever the key holds', () => {
    const eventId = compileValidator(EventIdSchema);
    for (const key of ['k', ' spaces and / slashes ', '🔑'.repeat(500), '']) {
      const id = idempotentEventId('job-a', key, AT, digest);
      expect(id).toMatch(/^k-[0-9a-f]{40}$/);
      expect(eventId.check(id)).toBe(true);
    }
  });
});

describe('requestFingerprint', () => {
  it('ignores the order of keys, not their values', () => {
    const fingerprint = requestFingerprint({ status: 'success', run: { id: 1, at: 'x' } }, digest);
    expect(requestFingerprint({ run: { at: 'x', id: 1 }, status: 'success' }, digest)).toBe(
      fingerprint,
    );
    expect(requestFingerprint({ status: 'failed', run: { id: 1, at: 'x' } }, digest)).not.toBe(
      fingerprint,
    );
    expect(requestFingerprint({ status: 'success', run: { id: 2, at: 'x' } }, digest)).not.toBe(
      fingerprint,
    );
    expect(requestFingerprint({ status: 'success', run: { id: '1', at: 'x' } }, digest)).not.toBe(
      fingerprint,
    );
  });
});

describe('IdempotencyRecordSchema', () => {
  const record: IdempotencyRecord = {
    scheduler_id: 'job-a',
    key_digest: digest('retry-1'),
    fingerprint: 'f',
    message: '{}',
    created_at: '2026-01-15T00:00:00.000Z',
  };
  const validator = compileValidator(IdempotencyRecordSchema);

  it('takes a record with a digest of the key, never the key or anything else', () => {
    expect(validator.check(record)).toBe(true);
    expect(validator.check({ ...record, key_digest: 'retry-1' })).toBe(false);
    expect(validator.check({ ...record, key: 'retry-1' })).toBe(false);
    expect(validator.check({ ...record, message: 'x'.repeat(300_001) })).toBe(false);
  });
});
