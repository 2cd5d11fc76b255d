import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { alertKey, EngineUnavailableError } from '@schedmon/domain';
import {
  createMemoryAcknowledgementStore,
  createMemoryAlertStore,
  createMemoryBoardStore,
  createMemoryDeliveryLogStore,
  createMemoryDestinationStore,
  createMemoryEodRunStore,
  createMemoryHistoryStore,
  createMemoryIdempotencyStore,
  createMemoryIncidentStore,
  createMemoryLeaseStore,
  createMemorySchedulerStore,
} from '@schedmon/domain/fakes';
import { useTestEnvironment } from '@schedmon/testing';
import { describe, expect, it } from 'vitest';
import {
  createDocumentClient,
  createDynamoAcknowledgementStore,
  createDynamoAlertStore,
  createDynamoBoardStore,
  createDynamoDeliveryLogStore,
  createDynamoDestinationStore,
  createDynamoEodRunStore,
  createDynamoHistoryStore,
  createDynamoIdempotencyStore,
  createDynamoIncidentStore,
  createDynamoLeaseStore,
  createDynamoSchedulerStore,
} from '../src/dynamodb/index.ts';
import { acknowledgementStoreContract } from './contracts/acknowledgement-store.ts';
import { alertStoreContract } from './contracts/alert-store.ts';
import { boardStoreContract } from './contracts/board-store.ts';
import { deliveryLogStoreContract } from './contracts/delivery-log-store.ts';
import { destinationStoreContract } from './contracts/destination-store.ts';
import { eodRunStoreContract } from './contracts/eod-run-store.ts';
import { historyRow, historyStoreContract } from './contracts/history-store.ts';
import { idempotencyStoreContract } from './contracts/idempotency-store.ts';
import { incidentStoreContract } from './contracts/incident-store.ts';
import { leaseStoreContract } from './contracts/lease-store.ts';
import {
  schedulerDeadlineContract,
  schedulerStoreContract,
  statusEvent,
} from './contracts/scheduler-store.ts';

const environment = useTestEnvironment();
const documentClient = () => createDocumentClient(environment().clients.dynamodb);

schedulerStoreContract('in memory', () => createMemorySchedulerStore());
schedulerDeadlineContract('in memory', (deadlines) => createMemorySchedulerStore({ deadlines }));
schedulerDeadlineContract('DynamoDB', (deadlines) =>
  createDynamoSchedulerStore(documentClient(), environment().names.schedulersTable, { deadlines }),
);
schedulerStoreContract('DynamoDB', () =>
  createDynamoSchedulerStore(documentClient(), environment().names.schedulersTable),
);
historyStoreContract('in memory', createMemoryHistoryStore);
historyStoreContract('DynamoDB', () =>
  createDynamoHistoryStore(documentClient(), environment().names.historyTable),
);
// The state-table roles: one table, each role's keys built in its own adapter file.
const stateTable = () => environment().names.stateTable;
alertStoreContract('in memory', createMemoryAlertStore);
alertStoreContract('DynamoDB', () => createDynamoAlertStore(documentClient(), stateTable()));
acknowledgementStoreContract('in memory', createMemoryAcknowledgementStore);
acknowledgementStoreContract('DynamoDB', () =>
  createDynamoAcknowledgementStore(documentClient(), stateTable()),
);
leaseStoreContract('in memory', createMemoryLeaseStore);
leaseStoreContract('DynamoDB', () => createDynamoLeaseStore(documentClient(), stateTable()));
eodRunStoreContract('in memory', createMemoryEodRunStore);
incidentStoreContract('in memory', createMemoryIncidentStore);
incidentStoreContract(
  'DynamoDB',
  () => createDynamoIncidentStore(documentClient(), stateTable()),
  async (schedulerId) => {
    await documentClient().send(
      new PutCommand({
        TableName: stateTable(),
        Item: {
          pk: 'incident-box',
          sk: schedulerId,
          data: { tracker: 'not a tracker' },
          expires_at: Date.parse('2030-01-01T00:00:00.000Z') / 1000,
          version: 1,
        },
      }),
    );
  },
);
boardStoreContract('in memory', createMemoryBoardStore);
boardStoreContract('DynamoDB', () => createDynamoBoardStore(documentClient(), stateTable()));
destinationStoreContract('in memory', createMemoryDestinationStore);
destinationStoreContract(
  'DynamoDB',
  (options) => createDynamoDestinationStore(documentClient(), stateTable(), options),
  async (schedulerId) => {
    await documentClient().send(
      new PutCommand({
        TableName: stateTable(),
        Item: {
          pk: 'destinations',
          sk: schedulerId,
          data: { scheduler_id: schedulerId, destinations: 'pagerduty' },
          expires_at: 32_503_680_000,
        },
      }),
    );
  },
);
deliveryLogStoreContract('in memory', createMemoryDeliveryLogStore);
deliveryLogStoreContract('DynamoDB', () =>
  createDynamoDeliveryLogStore(documentClient(), stateTable()),
);
eodRunStoreContract('DynamoDB', () => createDynamoEodRunStore(documentClient(), stateTable()));
idempotencyStoreContract('in memory', createMemoryIdempotencyStore);
idempotencyStoreContract(
  'DynamoDB',
  () => createDynamoIdempotencyStore(documentClient(), stateTable()),
  async (schedulerId, keyDigest, expiresAt) => {
    await documentClient().send(
      new PutCommand({
        TableName: stateTable(),
        Item: {
          pk: `idem#${schedulerId}`,
          sk: keyDigest,
          data: { scheduler_id: schedulerId, message: 42 },
          expires_at: expiresAt,
        },
      }),
    );
  },
);

describe('state-table items stored before the role ports', () => {
  const NOW = '2026-01-15T00:00:00.000Z';
  const put = (item: Record<string, unknown>) =>
    documentClient().send(new PutCommand({ TableName: stateTable(), Item: item }));

  it('reads an acknowledgement keyed by the event id alone, without an event_id', async () => {
    const night = `2026-01-15-legacy-${Date.now()}`;
    await put({
      pk: `ack#${night}`,
      sk: 'old-fail',
      data: { scheduler_id: 'job-a', user_id: 'U0ACKER', at: NOW },
      expires_at: 1_900_000_000,
    });
    const acknowledgements = createDynamoAcknowledgementStore(documentClient(), stateTable());
    expect(await acknowledgements.list(night, NOW)).toEqual([
      { scheduler_id: 'job-a', event_id: 'old-fail', user_id: 'U0ACKER', at: NOW },
    ]);
  });

  it('reads the EOD table refs, the markers and the alert items at their old keys', async () => {
    const night = `2026-01-15-legacy-${Date.now()}`;
    const ref = { channel: 'C1', ts: '1.0' };
    await put({
      pk: `eod#${night}`,
      sk: 'table',
      data: { refs: [ref], saved_at: NOW },
      expires_at: 1_900_000_000,
    });
    await put({
      pk: `eod#${night}`,
      sk: 'update#3',
      data: { done_at: NOW },
      expires_at: 1_900_000_000,
    });
    const runs = createDynamoEodRunStore(documentClient(), stateTable());
    // The default board's night is where every night was before boards.
    const defaultNight = { board: 'default', businessDate: night };
    expect(await runs.tableRefs(defaultNight, NOW)).toEqual([ref]);
    expect(await runs.isDone(defaultNight, { kind: 'update', slot: '3' }, NOW)).toBe(true);

    const key = alertKey(`job-${night}`, 'e1');
    const alert = {
      state: 'sent',
      scheduler_id: `job-${night}`,
      event_id: 'e1',
      message: { text: 'failed', blocks: [] },
      created_at: NOW,
      failed_at: NOW,
      attempts: 0,
      next_attempt_at: NOW,
      ref,
    };
    await put({ pk: 'alert', sk: key, data: alert, expires_at: 1_900_000_000, version: 2 });
    const alerts = createDynamoAlertStore(documentClient(), stateTable());
    expect(await alerts.get(key, NOW)).toEqual({ alert, version: 2 });
  });

  it('rejects an alert item that breaks its schema, naming it', async () => {
    const key = alertKey(`job-corrupt-${Date.now()}`, 'e1');
    await put({ pk: 'alert', sk: key, data: { state: 'sent' }, expires_at: 1_900_000_000 });
    const alerts = createDynamoAlertStore(documentClient(), stateTable());
    await expect(alerts.get(key, NOW)).rejects.toThrow(`stored alert ${key}`);
  });
});

describe('DynamoDB stores while the engine is down', () => {
  it('reject with EngineUnavailableError, keeping the SDK error as cause, and work after', async () => {
    const { names, interrupt } = environment();
    const schedulers = createDynamoSchedulerStore(documentClient(), names.schedulersTable);
    const history = createDynamoHistoryStore(documentClient(), names.historyTable);
    await schedulers.register(
      { scheduler_id: 'outage', service_name: 'S', job_name: 'J' },
      '2026-01-15T00:00:00.000Z',
    );
    const restore = await interrupt('dynamodb');
    try {
      const event = statusEvent('outage', 'e1', '2026-01-15T00:01:00.000Z', 'running');
      const refused = await schedulers
        .applyStatus(event, '2026-01-15T00:01:00.000Z')
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(EngineUnavailableError);
      expect((refused as EngineUnavailableError).cause).toBeDefined();
      await expect(history.putAll([historyRow('outage', 1)])).rejects.toBeInstanceOf(
        EngineUnavailableError,
      );
      await expect(schedulers.get('outage')).rejects.toBeInstanceOf(EngineUnavailableError);
    } finally {
      await restore();
    }
    const event = statusEvent('outage', 'e1', '2026-01-15T00:01:00.000Z', 'running');
    expect(await schedulers.applyStatus(event, '2026-01-15T00:01:00.000Z')).toBe('applied');
  });
});
