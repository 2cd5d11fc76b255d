import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export { dynamo, isConditionFailed } from './errors.ts';
export { createDynamoHistoryStore } from './history-store.ts';
export { createDynamoSchedulerStore } from './scheduler-store.ts';
export { createDynamoStateStore } from './state-store.ts';

/** The document client every store uses: plain JS values, `undefined` attributes dropped. */
export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
