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
