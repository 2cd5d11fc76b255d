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
      expect(await store.create({ ...alert, attempts: 3 }, NOW_SECONDS + 60, after(11))).toBe(true);
      expect((await store.get(key, after(11)))?.alert.attempts).toBe(3);
    });
  });
}
