// The AlertStore contract: run against the in-memory fake and the DynamoDB adapter.
import { randomUUID } from 'node:crypto';
import type { AlertRecord, AlertStore } from '@schedmon/domain';
import { alertKey, newAlert } from '@schedmon/domain';
import { describe, expect, it } from 'vitest';

const NOW = '2026-01-15T00:00:00.000Z';
const NOW_SECONDS = Date.parse(NOW) / 1000;
const after = (seconds: number) => new Date((NOW_SECONDS + seconds) * 1000).toISOString();

/** A pending alert of a fresh scheduler, and its key. */
function anAlert(eventId = 'e1'): { alert: AlertRecord; key: string } {
  const schedulerId = `job-${randomUUID()}`;
  const alert = newAlert(
    {
      schedulerId,
      eventId,
      message: {
        text: 'failed',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x' } }],
      },
      input: {
        scheduler: {
          scheduler_id: schedulerId,
          service_name: 'S',
          job_name: 'J',
          timestamp: NOW,
          execution_time_ms: null,
          error_message: 'disk full',
          alert_user_id: null,
        },
        eventId,
        timeZone: 'Asia/Jakarta',
        zoneLabel: 'WIB',
      },
      failedAt: NOW,
    },
    NOW,
  );
  return { alert, key: alertKey(schedulerId, eventId) };
}

export function alertStoreContract(name: string, setup: () => AlertStore) {
  describe(`AlertStore contract: ${name}`, () => {
    it('creates an alert once, at version 1, by scheduler and event', async () => {
      const store = setup();
      const { alert, key } = anAlert();
      const results = await Promise.all([
        store.create(alert, NOW_SECONDS + 60, NOW),
        store.create({ ...alert, attempts: 1 }, NOW_SECONDS + 60, NOW),
        store.create({ ...alert, attempts: 2 }, NOW_SECONDS + 60, NOW),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const stored = await store.get(key, NOW);
      expect(stored?.version).toBe(1);
      expect(stored?.alert.scheduler_id).toBe(alert.scheduler_id);
      expect(await store.get(alertKey(alert.scheduler_id, 'other'), NOW)).toBeUndefined();
      const winner = results.indexOf(true);
      expect(stored?.alert).toEqual({ ...alert, attempts: winner });
    });

    it('treats an expired alert as absent, and creates it again', async () => {
      const store = setup();
      const { alert, key } = anAlert();
      expect(await store.create(alert, NOW_SECONDS + 10, NOW)).toBe(true);
      expect(await store.get(key, after(10))).toBeDefined();
      expect(await store.get(key, after(11))).toBeUndefined();
      expect(await store.replace(alert, 1, after(11))).toBe(false);
      expect(await store.create({ ...alert, attempts: 3 }, NOW_SECONDS + 60, after(11))).toBe(true);
      expect((await store.get(key, after(11)))?.alert.attempts).toBe(3);
    });

    it('replaces with a version check: one of concurrent writers wins, stale ones lose', async () => {
      const store = setup();
      const { alert, key } = anAlert();
      await store.create(alert, NOW_SECONDS + 60, NOW);
      const owners = ['w1', 'w2', 'w3'];
      const results = await Promise.all(
        owners.map((owner) => store.replace({ ...alert, state: 'posting', owner }, 1, NOW)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = owners[results.indexOf(true)];
      expect(await store.get(key, NOW)).toEqual({
        alert: { ...alert, state: 'posting', owner: winner },
        version: 2,
      });
      expect(await store.replace({ ...alert, state: 'sent' }, 1, NOW)).toBe(false);
      expect(await store.replace({ ...alert, state: 'sent' }, 3, NOW)).toBe(false);
      expect(await store.replace({ ...alert, state: 'sent' }, 2, NOW)).toBe(true);
      // The expiry is the one given at creation: replacing keeps it.
      expect((await store.get(key, after(60)))?.version).toBe(3);
      expect(await store.get(key, after(61))).toBeUndefined();
    });

    it('keeps outbox pointers apart from the alerts, by key, until they expire', async () => {
      const store = setup();
      const first = anAlert();
      const second = anAlert();
      await store.schedule(first.key, NOW, NOW_SECONDS + 60);
      await store.schedule(second.key, after(30), NOW_SECONDS + 10);
      const mine = async (at: string) =>
        (await store.scheduled(at)).filter((pointer) =>
          [first.key, second.key].includes(pointer.key),
        );
      expect(await mine(NOW)).toEqual(
        [
          { key: first.key, nextAttemptAt: NOW },
          { key: second.key, nextAttemptAt: after(30) },
        ].sort((a, b) => (a.key < b.key ? -1 : 1)),
      );
      expect(await store.get(first.key, NOW)).toBeUndefined();
      await store.schedule(first.key, after(5), NOW_SECONDS + 60);
      expect(await mine(after(11))).toEqual([{ key: first.key, nextAttemptAt: after(5) }]);
      await store.unschedule(first.key);
      await store.unschedule(first.key);
      expect(await mine(NOW)).toEqual([{ key: second.key, nextAttemptAt: after(30) }]);
    });
  });
}
