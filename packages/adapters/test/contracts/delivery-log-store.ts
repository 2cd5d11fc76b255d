// The DeliveryLogStore contract: run against the in-memory fake and the DynamoDB adapter.
import { randomUUID } from 'node:crypto';
import type { DeliveryAttempt, DeliveryLogStore, Transition } from '@schedmon/domain';
import { describe, expect, it } from 'vitest';

const NOW = '2026-01-15T00:00:00.000Z';
const NOW_SECONDS = Date.parse(NOW) / 1000;
const after = (seconds: number) => new Date((NOW_SECONDS + seconds) * 1000).toISOString();
const KEEP = NOW_SECONDS + 86_400;

const TRANSITIONS: readonly Transition[] = ['opened', 'acknowledged', 'resolved'];

/** Attempt `attempt` of the transition at `seq` of `incidentId` to a PagerDuty destination. */
function attemptOf(
  incidentId: string,
  seq: number,
  attempt: number,
  extra: Partial<DeliveryAttempt> = {},
): DeliveryAttempt {
  return {
    incident_id: incidentId,
    destination: 'pagerduty:0123456789ab',
    destination_type: 'pagerduty',
    transition: TRANSITIONS[(seq - 1) % 3] ?? 'opened',
    delivery_id: `dlv_${seq}`,
    attempt,
    at: after(seq * 60 + attempt),
    outcome: attempt < 3 ? 'retry' : 'delivered',
    status: attempt < 3 ? 503 : 202,
    error: attempt < 3 ? 'http 503: Service Unavailable' : null,
    resent: false,
    ...extra,
  };
}

const keyOf = (line: DeliveryAttempt) => `${line.delivery_id}/${line.attempt}`;

export function deliveryLogStoreContract(name: string, setup: () => DeliveryLogStore) {
  describe(`DeliveryLogStore contract: ${name}`, () => {
    // An incident of its own per test, so tests on a shared table never meet.
    const newIncident = () => `job-${randomUUID()}#evt-1`;

    it('lists an incident’s attempts by transition (seq), then attempt, whatever the order of appends', async () => {
      const store = setup();
      const incident = newIncident();
      // seq 10 after seq 2 and attempt 10 after attempt 2: numeric, not text, order.
      const appends: [number, number][] = [
        [10, 1],
        [2, 10],
        [1, 3],
        [2, 2],
        [1, 1],
        [2, 1],
        [1, 2],
      ];
      for (const [seq, attempt] of appends) {
        await store.append(attemptOf(incident, seq, attempt), seq, KEEP);
      }
      const listed = await store.list(incident, NOW);
      expect(listed.map((line) => [line.delivery_id, line.attempt])).toEqual([
        ['dlv_1', 1],
        ['dlv_1', 2],
        ['dlv_1', 3],
        ['dlv_2', 1],
        ['dlv_2', 2],
        ['dlv_2', 10],
        ['dlv_10', 1],
      ]);
      // Each line whole, as appended.
      expect(listed[2]).toEqual(attemptOf(incident, 1, 3));
      expect(listed[0]).toEqual(attemptOf(incident, 1, 1));
    });

    it('keeps an attempt logged twice as one line', async () => {
      const store = setup();
      const incident = newIncident();
      const line = attemptOf(incident, 1, 1);
      await store.append(line, 1, KEEP);
      await store.append(line, 1, KEEP);
      expect(await store.list(incident, NOW)).toEqual([line]);
      // Logged again with what it came to (a sender that died and was resent): still one.
      const resent = attemptOf(incident, 1, 1, { outcome: 'delivered', status: 202, resent: true });
      await store.append(resent, 1, KEEP);
      const listed = await store.list(incident, NOW);
      expect(listed).toHaveLength(1);
      expect([line, resent]).toContainEqual(listed[0]);
      // The same attempt number of another transition is another line.
      await store.append(attemptOf(incident, 2, 1), 2, KEEP);
      expect((await store.list(incident, NOW)).map(keyOf)).toEqual(['dlv_1/1', 'dlv_2/1']);
    });

    it('lists a line through its expiry second, and not after it', async () => {
      const store = setup();
      const incident = newIncident();
      await store.append(attemptOf(incident, 1, 1), 1, NOW_SECONDS + 10);
      await store.append(attemptOf(incident, 1, 2), 1, NOW_SECONDS + 20);
      await store.append(attemptOf(incident, 2, 1), 2, NOW_SECONDS + 5);
      expect((await store.list(incident, NOW)).map(keyOf)).toEqual([
        'dlv_1/1',
        'dlv_1/2',
        'dlv_2/1',
      ]);
      expect((await store.list(incident, after(10))).map(keyOf)).toEqual(['dlv_1/1', 'dlv_1/2']);
      expect((await store.list(incident, after(11))).map(keyOf)).toEqual(['dlv_1/2']);
      expect(await store.list(incident, after(21))).toEqual([]);
    });

    it('lists at most `limit` lines, the first ones, counting only live ones', async () => {
      const store = setup();
      const incident = newIncident();
      // The first line has expired: it neither shows nor takes a place.
      await store.append(attemptOf(incident, 1, 1), 1, NOW_SECONDS - 1);
      for (const [seq, attempt] of [
        [1, 2],
        [1, 3],
        [2, 1],
        [3, 1],
      ] as const) {
        await store.append(attemptOf(incident, seq, attempt), seq, KEEP);
      }
      expect((await store.list(incident, NOW, 2)).map(keyOf)).toEqual(['dlv_1/2', 'dlv_1/3']);
      expect((await store.list(incident, NOW, 1)).map(keyOf)).toEqual(['dlv_1/2']);
      expect(await store.list(incident, NOW, 10)).toHaveLength(4);
      expect(await store.list(incident, NOW)).toHaveLength(4);
    });

    it('keeps incidents apart, even when one id is a prefix of another', async () => {
      const store = setup();
      const scheduler = `job-${randomUUID()}`;
      const [short, long, longer] = [`${scheduler}#1`, `${scheduler}#10`, `${scheduler}#1#0`];
      await store.append(attemptOf(short, 1, 1), 1, KEEP);
      await store.append(attemptOf(long, 1, 1, { delivery_id: 'dlv_long' }), 1, KEEP);
      await store.append(attemptOf(longer, 1, 1, { delivery_id: 'dlv_longer' }), 1, KEEP);
      await store.append(attemptOf(long, 2, 1, { delivery_id: 'dlv_long' }), 2, KEEP);
      expect(await store.list(short, NOW)).toEqual([attemptOf(short, 1, 1)]);
      expect((await store.list(long, NOW)).map((line) => line.incident_id)).toEqual([long, long]);
      expect((await store.list(longer, NOW)).map(keyOf)).toEqual(['dlv_longer/1']);
      expect(await store.list(`${scheduler}#`, NOW)).toEqual([]);
      expect(await store.list(scheduler, NOW)).toEqual([]);
    });
  });
}
