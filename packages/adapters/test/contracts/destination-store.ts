// The DestinationStore contract: run against the in-memory fake and the DynamoDB adapter.
import { randomUUID } from 'node:crypto';
import type { DestinationOverride, DestinationStore } from '@schedmon/domain';
import { ValidationError } from '@schedmon/domain';
import { describe, expect, it } from 'vitest';

const NOW = '2026-01-15T00:00:00.000Z';
const LATER = '2026-01-16T00:00:00.000Z';

/** A scheduler's override naming one destination of each type, secrets included. */
const overrideOf = (schedulerId: string, updatedAt = NOW): DestinationOverride => ({
  scheduler_id: schedulerId,
  destinations: [
    { type: 'pagerduty', routing_key: 'R0ut1ngKeyOfTheEventsIntegration' },
    { type: 'opsgenie', api_key: 'genie-api-key-5f0c9d2e', region: 'eu' },
    {
      type: 'webhook',
      url: 'https://hooks.example.com/T0KEN-4a9e1c77b3d2',
      secret: 'whsec_7d1e0a93c4b2f58e',
    },
  ],
  updated_at: updatedAt,
});

type Unreadable = (schedulerId: string, error: unknown) => void;

/**
 * `plantUnreadable` stores an item that breaks the override schema for `schedulerId`;
 * the fake takes only typed overrides, so it has none and skips those cases.
 */
export function destinationStoreContract(
  name: string,
  setup: (options?: { onUnreadable?: Unreadable }) => DestinationStore,
  plantUnreadable?: (schedulerId: string) => Promise<void>,
) {
  describe(`DestinationStore contract: ${name}`, () => {
    // Ids of its own per test, so tests on a shared table never meet.
    const newPrefix = () => `job-${randomUUID()}`;
    const mine = (overrides: DestinationOverride[], prefix: string) =>
      overrides.filter((override) => override.scheduler_id.startsWith(prefix));

    it('stores an override whole, says whether it was new, and reads it back', async () => {
      const store = setup();
      const id = newPrefix();
      expect(await store.get(id, NOW)).toBeUndefined();
      const override = overrideOf(id);
      expect(await store.put(override, NOW)).toBe('created');
      expect(await store.get(id, NOW)).toEqual(override);
      // Replaced whole: the destinations not named again are gone.
      const replaced: DestinationOverride = {
        scheduler_id: id,
        destinations: [{ type: 'pagerduty', routing_key: 'AnotherIntegrationKey00000000000' }],
        updated_at: LATER,
      };
      expect(await store.put(replaced, LATER)).toBe('updated');
      expect(await store.get(id, LATER)).toEqual(replaced);
      // An empty list is an override too: the scheduler's boards' destinations are replaced by none.
      const none = { ...replaced, destinations: [] };
      expect(await store.put(none, LATER)).toBe('updated');
      expect(await store.get(id, LATER)).toEqual(none);
    });

    it('hands out copies: changing one changes nothing stored', async () => {
      const store = setup();
      const id = newPrefix();
      const override = overrideOf(id);
      await store.put(override, NOW);
      override.destinations.pop();
      const read = await store.get(id, NOW);
      expect(read).toEqual(overrideOf(id));
      read?.destinations.pop();
      expect(await store.get(id, NOW)).toEqual(overrideOf(id));
    });

    it('lists every override by scheduler id and deletes one, saying whether it existed', async () => {
      const store = setup();
      const prefix = newPrefix();
      const ids = [`${prefix}-c`, `${prefix}-a`, `${prefix}-b`, `${prefix}-a.1`];
      for (const id of ids) await store.put(overrideOf(id), NOW);
      const listed = mine(await store.list(NOW), prefix);
      expect(listed.map((override) => override.scheduler_id)).toEqual([...ids].sort());
      expect(listed[0]).toEqual(overrideOf(`${prefix}-a`));
      expect(await store.delete(`${prefix}-a`, NOW)).toBe(true);
      expect(await store.delete(`${prefix}-a`, NOW)).toBe(false);
      expect(await store.delete(`${prefix}-never`, NOW)).toBe(false);
      expect(await store.get(`${prefix}-a`, NOW)).toBeUndefined();
      // The id that `-a` is a prefix of is another scheduler: it stays.
      expect(await store.get(`${prefix}-a.1`, NOW)).toEqual(overrideOf(`${prefix}-a.1`));
      const left = mine(await store.list(NOW), prefix);
      expect(left.map((override) => override.scheduler_id)).toEqual([
        `${prefix}-a.1`,
        `${prefix}-b`,
        `${prefix}-c`,
      ]);
      // Deleted, it can be created again.
      expect(await store.put(overrideOf(`${prefix}-a`), LATER)).toBe('created');
    });

    if (plantUnreadable) {
      it('leaves an unreadable override out of the list, saying which, and refuses to get it', async () => {
        const unreadable: [string, unknown][] = [];
        const store = setup({ onUnreadable: (id, error) => unreadable.push([id, error]) });
        const prefix = newPrefix();
        await store.put(overrideOf(`${prefix}-a`), NOW);
        await plantUnreadable(`${prefix}-b`);
        await store.put(overrideOf(`${prefix}-c`), NOW);
        const listed = mine(await store.list(NOW), prefix);
        expect(listed.map((override) => override.scheduler_id)).toEqual([
          `${prefix}-a`,
          `${prefix}-c`,
        ]);
        const said = unreadable.filter(([id]) => id.startsWith(prefix));
        expect(said.map(([id]) => id)).toEqual([`${prefix}-b`]);
        expect(said[0]?.[1]).toBeInstanceOf(ValidationError);
        const refused = await store.get(`${prefix}-b`, NOW).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(ValidationError);
        expect((refused as ValidationError).message).toContain(`${prefix}-b`);
        // Written again, it is readable; deleting it works either way.
        expect(await store.put(overrideOf(`${prefix}-b`), LATER)).toBe('updated');
        expect(await store.get(`${prefix}-b`, LATER)).toEqual(overrideOf(`${prefix}-b`));
      });
    }
  });
}
