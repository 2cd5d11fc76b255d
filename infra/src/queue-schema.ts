/**
 * The published JSON Schema of the queue message (docs/queue.md), generated
 * from the TypeBox schema in packages/domain; a test fails when the committed file drifts.
 */
import { QueueMessageSchema } from '@schedmon/domain';

export const QUEUE_SCHEMA_PATH = 'docs/schemas/queue-message-v1.json';

/** The JSON text of the schema (TypeBox schemas are JSON Schema; symbols are dropped). */
export function renderQueueSchema(): string {
  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...JSON.parse(JSON.stringify(QueueMessageSchema)),
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}
