import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { QUEUE_SCHEMA_PATH, renderQueueSchema } from '../src/queue-schema.ts';

describe('published queue message schema', () => {
  it('matches the TypeBox schema in packages/domain (run `pnpm generate`)', async () => {
    const committed = await readFile(
      new URL(`../../${QUEUE_SCHEMA_PATH}`, import.meta.url),
      'utf8',
    );
    expect(committed).toBe(renderQueueSchema());
  });

  it('describes the three event kinds, version 1, and refuses unknown fields', () => {
    const schema = JSON.parse(renderQueueSchema());
    expect(schema.anyOf).toHaveLength(3);
    for (const variant of schema.anyOf) {
      expect(variant.properties.v.const).toBe(1);
      expect(variant.additionalProperties).toBe(false);
    }
    expect(
      schema.anyOf.map(
        (variant: { properties: { type: { const: string } } }) => variant.properties.type.const,
      ),
    ).toEqual(['status', 'heartbeat', 'deadline']);
  });
});
