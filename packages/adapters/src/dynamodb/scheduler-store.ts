import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, paginateScan, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  ApplyResult,
  HeartbeatEvent,
  Registration,
  SchedulerFilter,
  SchedulerRecord,
  SchedulerStore,
  StatusEvent,
} from '@schedmon/domain';
import { compareSchedulers, orderKeyOf, PLACEHOLDER_ORDER_KEY } from '@schedmon/domain';
import { dynamo, isConditionFailed } from './errors.ts';

/** Attributes kept next to the record to decide event order inside DynamoDB. */
type StoredScheduler = Partial<SchedulerRecord> & {
  scheduler_id: string;
  /** `orderKeyOf` the last applied event (the placeholder key until the first event). */
  order_key: string;
  last_event_id?: string;
};

function toRecord(item: StoredScheduler): SchedulerRecord {
  return {
    scheduler_id: item.scheduler_id,
    service_name: item.service_name ?? '',
    job_name: item.job_name ?? '',
    status: item.status ?? 'pending',
    timestamp: item.timestamp ?? '',
    execution_time_ms: item.execution_time_ms ?? null,
    error_message: item.error_message ?? null,
    metadata: item.metadata ?? null,
    last_heartbeat: item.last_heartbeat ?? null,
    created_at: item.created_at ?? '',
    updated_at: item.updated_at ?? '',
    owner_email: item.owner_email ?? null,
    alert_user_id: item.alert_user_id ?? null,
  };
}

// The event-order rule of `compareOrder`, as one comparison DynamoDB evaluates atomically.
// It is false for an item that does not exist, so it also refuses unregistered schedulers.
// (One comparison, not the tuple spelled out: the local engine parses a condition on every
// write, and the spelled-out form cost it 1.2 ms a write, against 0.02 ms for this one.)
const NEWER_EVENT_CONDITION = 'order_key < :order_key';

/**
 * The current records on DynamoDB. Every write is one conditional `UpdateItem`, so the
 * ordering rule holds with any number of concurrent writers and no read-then-write race.
 * Absent optional values are stored as absent attributes and read back as `null`.
 */
export function createDynamoSchedulerStore(
  client: DynamoDBDocumentClient,
  tableName: string,
): SchedulerStore {
  const read = async (schedulerId: string) => {
    const result = await dynamo('GetItem', () =>
      client.send(
        new GetCommand({
          TableName: tableName,
          Key: { scheduler_id: schedulerId },
          ConsistentRead: true,
        }),
      ),
    );
    return result.Item as StoredScheduler | undefined;
  };

  async function register(registration: Registration, now: string): Promise<SchedulerRecord> {
    const optional = {
      owner_email: registration.owner_email,
      alert_user_id: registration.alert_user_id,
    };
    const set = [
      'service_name = :service_name',
      'job_name = :job_name',
      'updated_at = :now',
      '#status = if_not_exists(#status, :pending)',
      '#ts = if_not_exists(#ts, :now)',
      'created_at = if_not_exists(created_at, :now)',
      'order_key = if_not_exists(order_key, :placeholder)',
    ];
    const remove: string[] = [];
    const values: Record<string, unknown> = {
      ':service_name': registration.service_name.trim(),
      ':job_name': registration.job_name.trim(),
      ':now': now,
      ':pending': 'pending',
      ':placeholder': PLACEHOLDER_ORDER_KEY,
    };
    for (const [field, value] of Object.entries(optional)) {
      if (value === undefined) remove.push(field);
      else {
        set.push(`${field} = :${field}`);
        values[`:${field}`] = value;
      }
    }
    const result = await dynamo('UpdateItem', () =>
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { scheduler_id: registration.scheduler_id },
          UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ExpressionAttributeNames: { '#status': 'status', '#ts': 'timestamp' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return toRecord(result.Attributes as StoredScheduler);
  }

  async function applyStatus(event: StatusEvent, now: string): Promise<ApplyResult> {
    const set = [
      '#status = :status',
      '#ts = :ts',
      'order_key = :order_key',
      'last_event_id = :event_id',
      'service_name = :service_name',
      'job_name = :job_name',
      'updated_at = :now',
    ];
    const remove: string[] = [];
    const values: Record<string, unknown> = {
      ':status': event.status,
      ':ts': event.timestamp,
      ':order_key': orderKeyOf(event),
      ':event_id': event.event_id,
      ':service_name': event.service_name,
      ':job_name': event.job_name,
      ':now': now,
    };
    // Fields the event omits are cleared, not carried over from an older run.
    for (const field of ['execution_time_ms', 'error_message', 'metadata'] as const) {
      const value = event[field];
      if (value === null) remove.push(field);
      else {
        set.push(`${field} = :${field}`);
        values[`:${field}`] = value;
      }
    }
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { scheduler_id: event.scheduler_id },
          UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: NEWER_EVENT_CONDITION,
          ExpressionAttributeNames: { '#status': 'status', '#ts': 'timestamp' },
          ExpressionAttributeValues: values,
        }),
      );
      return 'applied';
    } catch (error) {
      if (!isConditionFailed(error)) return dynamo('UpdateItem', () => Promise.reject(error));
    }
    // The write was refused; reading afterwards only names why, it decides nothing.
    const current = await read(event.scheduler_id);
    if (!current) return 'not_registered';
    return current.last_event_id === event.event_id ? 'duplicate' : 'late';
  }

  return {
    register,

    async get(schedulerId) {
      const item = await read(schedulerId);
      return item ? toRecord(item) : undefined;
    },

    async list(filter: SchedulerFilter = {}) {
      const records: SchedulerRecord[] = [];
      const pages = paginateScan(
        { client, pageSize: 1000 },
        { TableName: tableName, ConsistentRead: true },
      );
      await dynamo('Scan', async () => {
        for await (const page of pages) {
          for (const item of page.Items ?? []) records.push(toRecord(item as StoredScheduler));
        }
      });
      return records
        .filter((record) => !filter.status || record.status === filter.status)
        .filter((record) => !filter.service_name || record.service_name === filter.service_name)
        .sort(compareSchedulers);
    },

    applyStatus,

    async applyHeartbeat(event: HeartbeatEvent): Promise<ApplyResult> {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { scheduler_id: event.scheduler_id },
            UpdateExpression: 'SET last_heartbeat = :hb',
            ConditionExpression:
              'attribute_exists(scheduler_id) AND (attribute_not_exists(last_heartbeat) OR last_heartbeat < :hb)',
            ExpressionAttributeValues: { ':hb': event.timestamp },
          }),
        );
        return 'applied';
      } catch (error) {
        if (!isConditionFailed(error)) return dynamo('UpdateItem', () => Promise.reject(error));
      }
      const current = await read(event.scheduler_id);
      if (!current) return 'not_registered';
      return current.last_heartbeat === event.timestamp ? 'duplicate' : 'late';
    },
  };
}
