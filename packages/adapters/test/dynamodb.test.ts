import { EngineUnavailableError } from '@schedmon/domain';
import {
  createMemoryHistoryStore,
  createMemorySchedulerStore,
  createMemoryStateStore,
} from '@schedmon/domain/fakes';
import { useTestEnvironment } from '@schedmon/testing';
import { describe, expect, it } from 'vitest';
import {
  createDocumentClient,
  createDynamoHistoryStore,
  createDynamoSchedulerStore,
  createDynamoStateStore,
} from '../src/dynamodb/index.ts';
import { historyRow, historyStoreContract } from './contracts/history-store.ts';
import { schedulerStoreContract, statusEvent } from './contracts/scheduler-store.ts';
import { stateStoreContract } from './contracts/state-store.ts';

const environment = useTestEnvironment();
const documentClient = () => createDocumentClient(environment().clients.dynamodb);

schedulerStoreContract('in memory', createMemorySchedulerStore);
schedulerStoreContract('DynamoDB', () =>
  createDynamoSchedulerStore(documentClient(), environment().names.schedulersTable),
);
historyStoreContract('in memory', createMemoryHistoryStore);
historyStoreContract('DynamoDB', () =>
  createDynamoHistoryStore(documentClient(), environment().names.historyTable),
);
stateStoreContract('in memory', createMemoryStateStore);
stateStoreContract('DynamoDB', () =>
  createDynamoStateStore(documentClient(), environment().names.stateTable),
);

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

describe('DynamoDB records written before order_key existed', () => {
  // What the earlier layout stored: the event order as separate attributes, no order_key.
  const putLegacy = async (schedulerId: string, item: Record<string, unknown>) => {
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    await documentClient().send(
      new PutCommand({
        TableName: environment().names.schedulersTable,
        Item: {
          scheduler_id: schedulerId,
          service_name: 'Service A',
          job_name: 'EOD',
          created_at: '2026-01-15T00:00:00.000Z',
          updated_at: '2026-01-15T00:00:00.000Z',
          ...item,
        },
      }),
    );
  };
  const store = () =>
    createDynamoSchedulerStore(documentClient(), environment().names.schedulersTable);

  it('keep their event order: older events are late, the same event a duplicate, newer applied', async () => {
    await putLegacy('legacy-1', {
      status: 'running',
      timestamp: '2026-01-15T00:05:00.000Z',
      status_rank: 1,
      last_event_id: 'e5',
    });
    const schedulers = store();
    const at = (minute: number) => `2026-01-15T00:0${minute}:00.000Z`;
    expect(
      await schedulers.applyStatus(statusEvent('legacy-1', 'e4', at(4), 'completed'), at(9)),
    ).toBe('late');
    expect(
      await schedulers.applyStatus(statusEvent('legacy-1', 'e5', at(5), 'running'), at(9)),
    ).toBe('duplicate');
    expect(
      await schedulers.applyStatus(statusEvent('legacy-1', 'e6', at(5), 'failed'), at(9)),
    ).toBe('applied');
    expect((await schedulers.get('legacy-1'))?.status).toBe('failed');
  });

  it('keep their event order when registered again before their next event', async () => {
    await putLegacy('legacy-3', {
      status: 'completed',
      timestamp: '2026-01-15T00:05:00.000Z',
      status_rank: 2,
      last_event_id: 'e5',
    });
    const schedulers = store();
    const again = await schedulers.register(
      { scheduler_id: 'legacy-3', service_name: 'Service B', job_name: 'EOD' },
      '2026-01-15T00:09:00.000Z',
    );
    expect(again).toMatchObject({ status: 'completed', service_name: 'Service B' });
    const older = statusEvent('legacy-3', 'e4', '2026-01-15T00:04:00.000Z', 'running');
    expect(await schedulers.applyStatus(older, '2026-01-15T00:09:00.000Z')).toBe('late');
    expect((await schedulers.get('legacy-3'))?.status).toBe('completed');
  });

  it('take the first event when they were only registered', async () => {
    await putLegacy('legacy-2', { status: 'pending', timestamp: '2026-01-15T00:05:00.000Z' });
    const schedulers = store();
    const event = statusEvent('legacy-2', 'e1', '2026-01-14T23:00:00.000Z', 'running');
    expect(await schedulers.applyStatus(event, '2026-01-15T00:09:00.000Z')).toBe('applied');
    expect((await schedulers.get('legacy-2'))?.status).toBe('running');
  });
});
