import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, paginateQuery, paginateScan } from '@aws-sdk/lib-dynamodb';
import type {
  ApplyResult,
  ChangeResult,
  DeadlineResult,
  DeadlineSettings,
  DueDeadline,
  HeartbeatEvent,
  Registration,
  SchedulerFilter,
  SchedulerRecord,
  SchedulerStore,
  StatusApplied,
  StatusEvent,
  StoredDeadline,
} from '@schedmon/domain';
import {
  compareSchedulers,
  deadlineResultOf,
  deadlineStep,
  deadlineToStore,
  isPaused,
  matchesFilter,
  nextDeadline,
  orderKeyOf,
  PLACEHOLDER_ORDER_KEY,
  REGISTRATION_SETTINGS,
  registrationSettings,
  SchedulerRecordSchema,
} from '@schedmon/domain';
import { DUE_INDEX } from '@schedmon/resources';
import { dynamo, isConditionFailed } from './errors.ts';
import { documentUpdates } from './update.ts';

/** Attributes kept next to the record to decide event order inside DynamoDB. */
type StoredScheduler = Partial<SchedulerRecord> & {
  scheduler_id: string;
  /** `orderKeyOf` the last applied event (the placeholder key until the first event). */
  order_key: string;
  last_event_id?: string;
};

/** A record as read: absent attributes are null, or the defaults of unset settings. */
function toRecord(item: StoredScheduler): SchedulerRecord {
  const defaults = registrationSettings({
    scheduler_id: item.scheduler_id,
    service_name: '',
    job_name: '',
  });
  return {
    ...defaults,
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
    schedule: item.schedule ?? null,
    timezone: item.timezone ?? null,
    grace_seconds: item.grace_seconds ?? defaults.grace_seconds,
    max_runtime_seconds: item.max_runtime_seconds ?? null,
    min_runtime_seconds: item.min_runtime_seconds ?? null,
    alert_after_failures: item.alert_after_failures ?? defaults.alert_after_failures,
    recover_after_successes: item.recover_after_successes ?? defaults.recover_after_successes,
    tags: item.tags ?? [],
    paused_at: item.paused_at ?? null,
    paused_until: item.paused_until ?? null,
    pause_reason: item.pause_reason ?? null,
    archived_at: item.archived_at ?? null,
    next_expected_at: item.next_expected_at ?? null,
    due_at: item.due_at ?? null,
    due_kind: item.due_kind ?? null,
    run_started_at: item.run_started_at ?? null,
    last_run_started_at: item.last_run_started_at ?? null,
    deadline_fired_at: item.deadline_fired_at ?? null,
    deadline_fired_kind: item.deadline_fired_kind ?? null,
    deadline_unknown_at: item.deadline_unknown_at ?? null,
  };
}

/** A projection of `fields` (names through placeholders: `status` and `timestamp` are reserved). */
function projection(fields: readonly string[]) {
  return {
    ProjectionExpression: fields.map((_, index) => `#p${index}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(
      fields.map((field, index) => [`#p${index}`, field]),
    ),
  };
}

// Reads return the record's fields only, not the attributes that order events.
const RECORD_PROJECTION = projection(Object.keys(SchedulerRecordSchema.properties));
// A deadline is judged on the record and written on the very version it was judged on.
const VERSIONED_PROJECTION = projection([
  ...Object.keys(SchedulerRecordSchema.properties),
  'order_key',
]);
// Why a conditional write was refused.
const REFUSAL_PROJECTION = projection([
  'scheduler_id',
  'last_event_id',
  'last_heartbeat',
  'archived_at',
]);

const ACTIVE = 'attribute_exists(scheduler_id) AND attribute_not_exists(archived_at)';
// An event applies unless the scheduler was archived before it happened: one from before
// the archive (still queued, or redelivered) is part of the record's story. A comparison
// with an absent attribute is false, so NOT … holds for an active scheduler; on the local
// engine this costs what `attribute_not_exists` does, where the spelled-out OR cost a
// quarter more per write (docs/performance.md).
const BEFORE_ANY_ARCHIVE = 'NOT archived_at < :ts';

/**
 * An update expression: `SET` of `set` and of each present `optional` value (its value
 * added to `values`), `REMOVE` of `remove` and of each absent one (undefined, null or an
 * empty list), so an absent value is an absent attribute. Optional fields are named
 * through `names` (`#o_<field>`): some, like `timezone`, are DynamoDB reserved words.
 */
function updateExpression(
  set: string[],
  values: Record<string, unknown>,
  names: Record<string, string>,
  optional: Record<string, unknown>,
  remove: string[] = [],
): string {
  for (const [field, value] of Object.entries(optional)) {
    names[`#o_${field}`] = field;
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
      remove.push(`#o_${field}`);
    } else {
      set.push(`#o_${field} = :${field}`);
      values[`:${field}`] = value;
    }
  }
  return `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`;
}

// The event-order rule of `compareOrder`, as one comparison DynamoDB evaluates atomically.
// It is false for an item that does not exist, so it also refuses unregistered schedulers.
// (One comparison, not the tuple spelled out: the local engine parses a condition on every
// write, and the spelled-out form cost it 1.2 ms a write, against 0.02 ms for this one.)
const NEWER_EVENT_CONDITION = 'order_key < :order_key';

/** Lost races in a row before a deadline is left for the queue to retry. */
const MAX_DEADLINE_ROUNDS = 5;

/** Shards of the deadlines index: each watchdog round queries every one. */
const DUE_SHARDS = 16;

/** The deadlines-index shard of a scheduler: FNV-1a of its id, so it never moves. */
function dueShardOf(schedulerId: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < schedulerId.length; index += 1) {
    hash ^= schedulerId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % DUE_SHARDS;
}

/**
 * The current records on DynamoDB. Every write is one conditional `UpdateItem`, so the
 * ordering rule holds with any number of concurrent writers and no read-then-write race.
 * Absent optional values are stored as absent attributes and read back as `null`.
 *
 * Deadlines (docs/schedules.md): with `deadlines`, a registration stores the record's
 * next deadline and a status event one that moved earlier (`deadlineToStore`), each with
 * a second conditional write on the version the first one left. The deadline attributes
 * `due_shard` and `due_at` put a record into the sparse `due-index`; this file alone
 * builds them.
 */
export function createDynamoSchedulerStore(
  client: DynamoDBDocumentClient,
  tableName: string,
  options: { deadlines?: DeadlineSettings } = {},
): SchedulerStore {
  const updateItem = documentUpdates(client);
  const read = async (schedulerId: string, fields = RECORD_PROJECTION) => {
    const result = await dynamo('GetItem', () =>
      client.send(
        new GetCommand({
          TableName: tableName,
          Key: { scheduler_id: schedulerId },
          ConsistentRead: true,
          ...fields,
        }),
      ),
    );
    return result.Item as StoredScheduler | undefined;
  };

  /** Why a write conditioned on `ACTIVE` was refused, or the record it was refused on. */
  /**
   * Why a conditional write was refused, or the record it was refused on: for an event
   * at `at`, archived only if archived before it.
   */
  const refusal = async (schedulerId: string, at?: string) => {
    const current = await read(schedulerId, REFUSAL_PROJECTION);
    if (!current) return 'not_registered' as const;
    const archivedAt = current.archived_at;
    if (archivedAt != null && (at === undefined || archivedAt < at)) return 'archived' as const;
    return current;
  };

  /** `change`, with the changed record's deadline stored exactly (a pause moves it). */
  const changeKeepingDeadline = async (
    ...args: Parameters<typeof change>
  ): Promise<ChangeResult> => {
    const changed = await change(...args);
    return typeof changed === 'string' ? changed : keepDeadline(changed, 'exact');
  };

  /** One conditional update of an active scheduler, returning the new record or why not. */
  const change = async (
    schedulerId: string,
    update: string,
    values: Record<string, unknown>,
    names?: Record<string, string>,
  ): Promise<ChangeResult> => {
    try {
      const result = await updateItem({
        TableName: tableName,
        Key: { scheduler_id: schedulerId },
        UpdateExpression: update,
        ConditionExpression: ACTIVE,
        ExpressionAttributeValues: values,
        ...(names && Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
        ReturnValues: 'ALL_NEW',
      });
      return toRecord(result.Attributes as StoredScheduler);
    } catch (error) {
      if (!isConditionFailed(error)) return dynamo('UpdateItem', () => Promise.reject(error));
    }
    const why = await refusal(schedulerId);
    // Active again by the time of the read (restored meanwhile): the caller may retry.
    return typeof why === 'string' ? why : 'not_registered';
  };

  async function register(registration: Registration, now: string): Promise<SchedulerRecord> {
    const optional = Object.fromEntries(
      REGISTRATION_SETTINGS.map((field) => [field, registration[field]]),
    );
    const names: Record<string, string> = { '#status': 'status', '#ts': 'timestamp' };
    const set = [
      'service_name = :service_name',
      'job_name = :job_name',
      'updated_at = :now',
      '#status = if_not_exists(#status, :pending)',
      '#ts = if_not_exists(#ts, :now)',
      'created_at = if_not_exists(created_at, :now)',
      'order_key = if_not_exists(order_key, :placeholder)',
    ];
    const values: Record<string, unknown> = {
      ':service_name': registration.service_name.trim(),
      ':job_name': registration.job_name.trim(),
      ':now': now,
      ':pending': 'pending',
      ':placeholder': PLACEHOLDER_ORDER_KEY,
    };
    const result = await dynamo('UpdateItem', () =>
      updateItem({
        TableName: tableName,
        Key: { scheduler_id: registration.scheduler_id },
        // Registering again restores an archived scheduler.
        UpdateExpression: updateExpression(set, values, names, optional, ['archived_at']),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return keepDeadline(toRecord(result.Attributes as StoredScheduler), 'exact');
  }

  /**
   * One conditional write of the stored deadline (all fields null: none, out of the
   * index) and of `fields` beside it: false when `condition` did not hold.
   */
  async function writeDeadline(
    schedulerId: string,
    deadline: StoredDeadline,
    fields: Record<string, string | null>,
    condition: string,
    conditionValues: Record<string, unknown>,
  ): Promise<boolean> {
    const set: string[] = [];
    const remove: string[] = [];
    const values: Record<string, unknown> = { ...conditionValues };
    for (const [field, value] of Object.entries(fields)) {
      set.push(`${field} = :${field}`);
      values[`:${field}`] = value;
    }
    if (deadline.due_at !== null && deadline.due_kind !== null) {
      set.push('due_at = :due_at', 'due_kind = :due_kind', 'due_shard = :due_shard');
      Object.assign(values, {
        ':due_at': deadline.due_at,
        ':due_kind': deadline.due_kind,
        ':due_shard': dueShardOf(schedulerId),
      });
      if (deadline.next_expected_at === null) remove.push('next_expected_at');
      else {
        set.push('next_expected_at = :next_expected_at');
        values[':next_expected_at'] = deadline.next_expected_at;
      }
    } else remove.push('due_at', 'due_kind', 'due_shard', 'next_expected_at');
    try {
      await updateItem({
        TableName: tableName,
        Key: { scheduler_id: schedulerId },
        UpdateExpression: `${set.length ? `SET ${set.join(', ')}` : ''}${
          remove.length ? ` REMOVE ${remove.join(', ')}` : ''
        }`,
        ConditionExpression: condition,
        ExpressionAttributeValues: values,
      });
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      return dynamo('UpdateItem', () => Promise.reject(error));
    }
  }

  const setDeadline = (schedulerId: string, deadline: StoredDeadline, version: string) =>
    writeDeadline(schedulerId, deadline, {}, 'updated_at = :version', { ':version': version });

  /**
   * The record with its deadline kept (`mode` as in `deadlineToStore`), written on the
   * version it was read at; a change that came in between keeps its own.
   */
  async function keepDeadline(
    record: SchedulerRecord,
    mode: 'exact' | 'earlier',
  ): Promise<SchedulerRecord> {
    if (!options.deadlines) return record;
    const stored = deadlineToStore(record, nextDeadline(record, options.deadlines), mode);
    if (!stored) return record;
    return (await setDeadline(record.scheduler_id, stored, record.updated_at))
      ? { ...record, ...stored }
      : record;
  }

  async function archive(schedulerId: string, now: string) {
    try {
      const result = await updateItem({
        TableName: tableName,
        Key: { scheduler_id: schedulerId },
        // Out of the deadlines index too: an archived scheduler has none.
        UpdateExpression:
          'SET archived_at = if_not_exists(archived_at, :now), updated_at = :now REMOVE due_at, due_kind, due_shard, next_expected_at',
        ConditionExpression: 'attribute_exists(scheduler_id)',
        ExpressionAttributeValues: { ':now': now },
        ReturnValues: 'ALL_NEW',
      });
      return toRecord(result.Attributes as StoredScheduler);
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      return dynamo('UpdateItem', () => Promise.reject(error));
    }
  }

  async function applyStatusRecord(
    event: StatusEvent,
    now: string,
    wantRecord = true,
  ): Promise<StatusApplied> {
    const set = [
      '#status = :status',
      '#ts = :ts',
      'order_key = :order_key',
      'last_event_id = :event_id',
      'service_name = :service_name',
      'job_name = :job_name',
      'updated_at = :now',
    ];
    const values: Record<string, unknown> = {
      ':status': event.status,
      ':ts': event.timestamp,
      ':order_key': orderKeyOf(event),
      ':event_id': event.event_id,
      ':service_name': event.service_name,
      ':job_name': event.job_name,
      ':now': now,
    };
    // A run starts at its first `running` event; a later one keeps that start, any other
    // status ends the run and keeps its start as the last run's (`runStartsOf`).
    const remove: string[] = [];
    if (event.status === 'running') {
      set.push('run_started_at = if_not_exists(run_started_at, :ts)');
    } else {
      set.push('last_run_started_at = if_not_exists(run_started_at, :no_start)');
      values[':no_start'] = null;
      remove.push('run_started_at');
    }
    // Fields the event omits are cleared, not carried over from an older run.
    const names: Record<string, string> = { '#status': 'status', '#ts': 'timestamp' };
    const optional = {
      execution_time_ms: event.execution_time_ms,
      error_message: event.error_message,
      metadata: event.metadata,
    };
    const returnRecord = wantRecord || options.deadlines !== undefined;
    try {
      const result = await updateItem({
        TableName: tableName,
        Key: { scheduler_id: event.scheduler_id },
        UpdateExpression: updateExpression(set, values, names, optional, remove),
        ConditionExpression: `${NEWER_EVENT_CONDITION} AND ${BEFORE_ANY_ARCHIVE}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        // The new record, to judge its deadline by (and for the caller).
        ...(returnRecord ? { ReturnValues: 'ALL_NEW' as const } : {}),
      });
      if (!result.Attributes) return { outcome: 'applied' };
      const record = await keepDeadline(toRecord(result.Attributes as StoredScheduler), 'earlier');
      return { outcome: 'applied', record };
    } catch (error) {
      if (!isConditionFailed(error)) return dynamo('UpdateItem', () => Promise.reject(error));
    }
    // The write was refused; reading afterwards only names why, it decides nothing.
    const current = await refusal(event.scheduler_id, event.timestamp);
    if (typeof current === 'string') return { outcome: current };
    return { outcome: current.last_event_id === event.event_id ? 'duplicate' : 'late' };
  }

  /**
   * The deadline write of `applyDeadline`, on the record as read: the fired marker when
   * it fired, and the stored deadline. False when the record moved on meanwhile (a
   * status, a heartbeat, a change): judge again.
   */
  function writeDeadlineStep(
    item: StoredScheduler,
    record: SchedulerRecord,
    after: SchedulerRecord,
    stored: StoredDeadline,
  ): Promise<boolean> {
    const fields: Record<string, string | null> = {};
    for (const field of [
      'deadline_fired_at',
      'deadline_fired_kind',
      'deadline_unknown_at',
    ] as const) {
      if (after[field] !== record[field]) fields[field] = after[field];
    }
    const values: Record<string, unknown> = {
      ':version': record.updated_at,
      ':order_key': item.order_key,
    };
    // Unchanged since read: what a concurrent event moves (the heartbeat), and what a
    // concurrent application of a deadline moves (the fired marker), so one fires once.
    const unchanged = (['last_heartbeat', 'deadline_fired_at'] as const).map((field) => {
      const value = record[field];
      if (value === null) return `attribute_not_exists(${field})`;
      values[`:read_${field}`] = value;
      return `${field} = :read_${field}`;
    });
    return writeDeadline(
      record.scheduler_id,
      stored,
      fields,
      ['updated_at = :version', 'order_key = :order_key', ...unchanged].join(' AND '),
      values,
    );
  }

  async function applyDeadline(
    deadline: DueDeadline,
    now: string,
    gapMs: number,
  ): Promise<DeadlineResult> {
    const settings = options.deadlines;
    if (!settings) throw new TypeError('applyDeadline needs a store made with deadline settings');
    for (let round = 0; round < MAX_DEADLINE_ROUNDS; round += 1) {
      const item = await read(deadline.scheduler_id, VERSIONED_PROJECTION);
      if (!item) return { outcome: 'not_registered' };
      const record = toRecord(item);
      const step = deadlineStep(record, deadline, settings, now, gapMs);
      if (step.write === undefined) return deadlineResultOf(step, record);
      if (await writeDeadlineStep(item, record, step.after, step.write)) {
        return deadlineResultOf(step, { ...step.after, ...step.write });
      }
    }
    // Retried with the message: busy records settle down.
    throw new Error(
      `the record of ${deadline.scheduler_id} kept changing while its deadline was applied`,
    );
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
        { TableName: tableName, ConsistentRead: true, ...RECORD_PROJECTION },
      );
      await dynamo('Scan', async () => {
        for await (const page of pages) {
          for (const item of page.Items ?? []) records.push(toRecord(item as StoredScheduler));
        }
      });
      return records.filter((record) => matchesFilter(record, filter)).sort(compareSchedulers);
    },

    archive,

    pause: (schedulerId, pause, now) => {
      const values: Record<string, unknown> = { ':now': now };
      const names: Record<string, string> = {};
      const optional = { paused_until: pause.until, pause_reason: pause.reason };
      const set = ['paused_at = :now', 'updated_at = :now'];
      return changeKeepingDeadline(
        schedulerId,
        updateExpression(set, values, names, optional),
        values,
        names,
      );
    },

    resume: async (schedulerId, now) => {
      const current = await read(schedulerId);
      if (!current) return 'not_registered';
      const record = toRecord(current);
      if (record.archived_at !== null) return 'archived';
      if (!isPaused(record, now)) return record;
      // The pause ends now: it stays on the record, so deadlines count from its end.
      return changeKeepingDeadline(schedulerId, 'SET paused_until = :now, updated_at = :now', {
        ':now': now,
      });
    },

    applyStatus: async (event, now) => (await applyStatusRecord(event, now, false)).outcome,

    applyStatusRecord,

    applyDeadline,

    setDeadline,

    async due(now, limit) {
      // Each shard's earliest `limit`, page after page (a page stops at 1 MB).
      const shards = await Promise.all(
        Array.from({ length: DUE_SHARDS }, (_, shard) =>
          dynamo('Query', async () => {
            const items: Record<string, unknown>[] = [];
            const pages = paginateQuery(
              { client, pageSize: limit },
              {
                TableName: tableName,
                IndexName: DUE_INDEX.name,
                KeyConditionExpression: 'due_shard = :shard AND due_at <= :now',
                ExpressionAttributeValues: { ':shard': shard, ':now': now },
              },
            );
            for await (const page of pages) {
              items.push(...(page.Items ?? []));
              if (items.length >= limit) break;
            }
            return items;
          }),
        ),
      );
      return shards
        .flat()
        .map((item) => ({
          scheduler_id: String(item.scheduler_id),
          kind: item.due_kind as DueDeadline['kind'],
          due_at: String(item.due_at),
          expected_at: typeof item.next_expected_at === 'string' ? item.next_expected_at : null,
        }))
        .sort((a, b) => (a.due_at < b.due_at ? -1 : a.due_at > b.due_at ? 1 : 0))
        .slice(0, limit);
    },

    async applyHeartbeat(event: HeartbeatEvent): Promise<ApplyResult> {
      try {
        await updateItem({
          TableName: tableName,
          Key: { scheduler_id: event.scheduler_id },
          UpdateExpression: 'SET last_heartbeat = :ts',
          ConditionExpression: `attribute_exists(scheduler_id) AND ${BEFORE_ANY_ARCHIVE} AND NOT last_heartbeat >= :ts`,
          ExpressionAttributeValues: { ':ts': event.timestamp },
        });
        return 'applied';
      } catch (error) {
        if (!isConditionFailed(error)) return dynamo('UpdateItem', () => Promise.reject(error));
      }
      const current = await refusal(event.scheduler_id, event.timestamp);
      if (typeof current === 'string') return current;
      return current.last_heartbeat === event.timestamp ? 'duplicate' : 'late';
    },
  };
}
