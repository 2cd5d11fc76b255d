import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export { createDynamoAcknowledgementStore } from './acknowledgement-store.ts';
export { createDynamoAlertStore } from './alert-store.ts';
export { createDynamoBoardStore } from './board-store.ts';
export { createDynamoDeliveryLogStore } from './delivery-log-store.ts';
export { createDynamoDestinationStore } from './destination-store.ts';
export { createDynamoEodRunStore } from './eod-run-store.ts';
export { dynamo, isConditionFailed } from './errors.ts';
export { createDynamoHistoryStore } from './history-store.ts';
export { createDynamoIdempotencyStore } from './idempotency-store.ts';
export { createDynamoIncidentStore } from './incident-store.ts';
export { createDynamoLeaseStore } from './lease-store.ts';
export { createDynamoSchedulerStore } from './scheduler-store.ts';

/** The document client every store uses: plain JS values, `undefined` attributes dropped. */
export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
