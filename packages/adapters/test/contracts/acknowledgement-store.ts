// The AcknowledgementStore contract: run against the in-memory fake and the DynamoDB adapter.
import { randomUUID } from 'node:crypto';
import type { AcknowledgementStore } from '@schedmon/domain';
import { alertKey } from '@schedmon/domain';
import { describe, expect, it } from 'vitest';

const NOW = '2026-01-15T00:00:00.000Z';
const NOW_SECONDS = Date.parse(NOW) / 1000;
const after = (seconds: number) => new Date((NOW_SECONDS + seconds) * 1000).toISOString();

export function acknowledgementStoreContract(name: string, setup: () => AcknowledgementStore) {
  describe(`AcknowledgementStore contract: ${name}`, () => {
    // A business date of its own per test, so tests on a shared table never meet.
    const newNight = () => `2026-01-15-${randomUUID()}`;
    const ack = (schedulerId: string, eventId: string, userId: string) => ({
      scheduler_id: schedulerId,
      event_id: eventId,
      user_id: userId,
      at: NOW,
    });

    it('records the first acknowledgement of an alert only; later ones change nothing', async () => {
      const store = setup();
      const night = newNight();
      const results = await Promise.all(
        ['U1', 'U2', 'U3'].map((user) =>
          store.record(night, ack('job-a', 'e1', user), NOW_SECONDS + 60, NOW),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const first = ['U1', 'U2', 'U3'][results.indexOf(true)] ?? '';
      expect(await store.get(night, alertKey('job-a', 'e1'), NOW)).toEqual(
        ack('job-a', 'e1', first),
      );
      expect(await store.get(newNight(), alertKey('job-a', 'e1'), NOW)).toBeUndefined();
    });

    it('keeps apart two schedulers that reuse an event id, and lists a night by key', async () => {
      const store = setup();
      const night = newNight();
      expect(await store.record(night, ack('job-b', 'run-1', 'U1'), NOW_SECONDS + 60, NOW)).toBe(
        true,
      );
      expect(await store.record(night, ack('job-a', 'run-1', 'U2'), NOW_SECONDS + 10, NOW)).toBe(
        true,
      );
      expect(await store.list(night, NOW)).toEqual([
        ack('job-a', 'run-1', 'U2'),
        ack('job-b', 'run-1', 'U1'),
      ]);
      expect(await store.list(newNight(), NOW)).toEqual([]);
      // Expired counts as absent, and can be recorded again.
      expect(await store.list(night, after(11))).toEqual([ack('job-b', 'run-1', 'U1')]);
      expect(await store.get(night, alertKey('job-a', 'run-1'), after(11))).toBeUndefined();
      expect(
        await store.record(night, ack('job-a', 'run-1', 'U3'), NOW_SECONDS + 60, after(11)),
      ).toBe(true);
    });
  });
}
