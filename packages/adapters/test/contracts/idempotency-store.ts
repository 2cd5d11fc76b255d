// The IdempotencyStore contract: run against the in-memory fake and the DynamoDB adapter.
import { createHash, randomUUID } from 'node:crypto';
import type { IdempotencyRecord, IdempotencyStore } from '@schedmon/domain';
import { ValidationError } from '@schedmon/domain';
import { describe, expect, it } from 'vitest';

const NOW = '2026-01-15T00:00:00.000Z';
const NOW_SECONDS = Date.parse(NOW) / 1000;
const after = (seconds: number) => new Date((NOW_SECONDS + seconds) * 1000).toISOString();
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A record of `schedulerId` for `key`, told apart from others by `fingerprint`. */
function aRecord(schedulerId: string, key: string, fingerprint = 'f-1'): IdempotencyRecord {
  return {
    scheduler_id: schedulerId,
    key_digest: sha256(key),
    fingerprint,
    message: JSON.stringify({ v: 1, type: 'status', scheduler_id: schedulerId, fingerprint }),
    created_at: NOW,
  };
}

/**
 * `plantUnreadable` stores an item that breaks the record schema at the key of
 * `(schedulerId, keyDigest)`, live until `expiresAt`; the fake takes only typed records,
 * so it has none and skips that case.
 */
export function idempotencyStoreContract(
  name: string,
  setup: () => IdempotencyStore,
  plantUnreadable?: (schedulerId: string, keyDigest: string, expiresAt: number) => Promise<void>,
) {
  describe(`IdempotencyStore contract: ${name}`, () => {
    // A scheduler of its own per test, so tests on a shared table never meet.
    const newScheduler = () => `job-${randomUUID()}`;

    it('claims a new key, then answers later claims with the first record', async () => {
      const store = setup();
      const scheduler = newScheduler();
      const first = aRecord(scheduler, 'retry-1', 'f-1');
      expect(await store.claim(first, NOW, NOW_SECONDS + 60)).toEqual({ claimed: true });
      const retry = { ...aRecord(scheduler, 'retry-1', 'f-2'), created_at: after(5) };
      expect(await store.claim(retry, after(5), NOW_SECONDS + 65)).toEqual({
        claimed: false,
        existing: first,
      });
      // A lost claim changes nothing: the first record is still the one kept.
      expect(await store.claim(first, after(6), NOW_SECONDS + 66)).toEqual({
        claimed: false,
        existing: first,
      });
      expect(await store.claim(aRecord(scheduler, 'retry-2'), NOW, NOW_SECONDS + 60)).toEqual({
        claimed: true,
      });
    });

    it('keeps the keys of different schedulers apart', async () => {
      const store = setup();
      const [a, b] = [newScheduler(), newScheduler()];
      expect(await store.claim(aRecord(a, 'same-key', 'f-a'), NOW, NOW_SECONDS + 60)).toEqual({
        claimed: true,
      });
      expect(await store.claim(aRecord(b, 'same-key', 'f-b'), NOW, NOW_SECONDS + 60)).toEqual({
        claimed: true,
      });
      expect(await store.claim(aRecord(b, 'same-key', 'f-x'), NOW, NOW_SECONDS + 60)).toEqual({
        claimed: false,
        existing: aRecord(b, 'same-key', 'f-b'),
      });
    });

    it('treats an expired record as absent, and claims over it', async () => {
      const store = setup();
      const scheduler = newScheduler();
      const old = aRecord(scheduler, 'retry-1', 'f-old');
      await store.claim(old, NOW, NOW_SECONDS + 10);
      // Live through its expiry second, absent after it.
      expect(
        await store.claim(aRecord(scheduler, 'retry-1', 'f-new'), after(10), NOW_SECONDS + 70),
      ).toEqual({
        claimed: false,
        existing: old,
      });
      const fresh = { ...aRecord(scheduler, 'retry-1', 'f-new'), created_at: after(11) };
      expect(await store.claim(fresh, after(11), NOW_SECONDS + 71)).toEqual({ claimed: true });
      expect(await store.claim(old, after(12), NOW_SECONDS + 72)).toEqual({
        claimed: false,
        existing: fresh,
      });
    });

    it('lets exactly one of concurrent claims of a key win; the others see its record', async () => {
      const store = setup();
      const scheduler = newScheduler();
      const records = Array.from({ length: 20 }, (_, i) => aRecord(scheduler, 'burst', `f-${i}`));
      const results = await Promise.all(
        records.map((record) => store.claim(record, NOW, NOW_SECONDS + 60)),
      );
      const winners = results.flatMap((result, i) => (result.claimed ? [i] : []));
      expect(winners).toHaveLength(1);
      const winner = records[winners[0] ?? -1];
      for (const result of results) {
        if (!result.claimed) expect(result.existing).toEqual(winner);
      }
    });

    if (plantUnreadable) {
      it('reports a live record that breaks its schema as a server fault, not a bad request', async () => {
        const store = setup();
        const record = aRecord(newScheduler(), 'corrupt');
        await plantUnreadable(record.scheduler_id, record.key_digest, NOW_SECONDS + 60);
        const refused = await store
          .claim(record, NOW, NOW_SECONDS + 60)
          .catch((error: unknown) => error);
        // Not a ValidationError, which the api would answer as the caller's 400.
        expect(refused).toBeInstanceOf(Error);
        expect(refused).not.toBeInstanceOf(ValidationError);
        const cause = (refused as Error).cause as ValidationError;
        expect(cause).toBeInstanceOf(ValidationError);
        expect(cause.message).toContain(`stored idempotency record ${record.key_digest}`);
        // Once it has expired it is absent like any other, and the key can be claimed.
        expect(await store.claim(record, after(61), NOW_SECONDS + 120)).toEqual({ claimed: true });
      });
    }
  });
}
