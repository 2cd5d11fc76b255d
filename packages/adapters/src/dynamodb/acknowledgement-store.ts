/**
 * The `AcknowledgementStore` on the state table. This file alone builds its keys:
 *   ack#<business date> / alertKey(scheduler id, event id)   (data: Acknowledgement)
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Acknowledgement, AcknowledgementStore } from '@schedmon/domain';
import { AcknowledgementSchema, alertKey } from '@schedmon/domain';
import type { StateTableItem } from './state-table.ts';
import { dataReader, stateTable } from './state-table.ts';

const partitionOf = (businessDate: string) => `ack#${businessDate}`;

const check = dataReader('acknowledgement', AcknowledgementSchema);

/**
 * An acknowledgement as stored. Before keys were `alertKey(scheduler, event)`, the key was
 * the event id alone and the item carried no `event_id`: such items still read.
 */
function readAcknowledgement(item: StateTableItem): Acknowledgement {
  const { data } = item;
  return check({
    ...item,
    data: {
      scheduler_id: String(data.scheduler_id ?? ''),
      event_id: String(data.event_id ?? item.sk),
      user_id: String(data.user_id ?? ''),
      at: String(data.at ?? ''),
    },
  });
}

/** Acknowledgements on DynamoDB; the first one of an alert wins by a conditional put. */
export function createDynamoAcknowledgementStore(
  client: DynamoDBDocumentClient,
  tableName: string,
): AcknowledgementStore {
  const table = stateTable(client, tableName);
  return {
    record(businessDate, acknowledgement, expiresAt, now) {
      return table.putIfAbsent(
        {
          pk: partitionOf(businessDate),
          sk: alertKey(acknowledgement.scheduler_id, acknowledgement.event_id),
          data: acknowledgement,
          expires_at: expiresAt,
        },
        now,
      );
    },
    async get(businessDate, key, now) {
      const item = await table.get(partitionOf(businessDate), key, now);
      return item && readAcknowledgement(item);
    },
    async list(businessDate, now) {
      return (await table.list(partitionOf(businessDate), now)).map(readAcknowledgement);
    },
  };
}
