import type { ReadinessReport } from '@schedmon/domain';
import { DEFAULT_EOD_CONFIG, defaultBoardOf } from '@schedmon/domain';
import {
  createFakeClock,
  createMemoryBoardStore,
  createMemoryDeliveryLogStore,
  createMemoryDestinationStore,
  createMemoryHistoryStore,
  createMemoryIdempotencyStore,
  createMemoryIncidentStore,
  createMemoryQueue,
  createMemorySchedulerStore,
} from '@schedmon/domain/fakes';
import { createLogger } from '@schedmon/runtime';
import { afterEach } from 'vitest';
import type { AppDeps } from '../src/app.ts';
import { buildApp } from '../src/app.ts';
import { loadApiKeys, sha256 } from '../src/auth.ts';

export const FULL_KEY = 'full-access-key';
export const READ_KEY = 'read-only-key';
export const SERVICE_A_KEY = 'service-a-writer';
/** A key with the admin scope only (boards), and none on schedulers. */
export const ADMIN_KEY = 'board-admin-key';
/** A key with read and write on every scheduler, and no admin scope. */
export const WRITE_KEY = 'read-write-key';
const NOW = '2026-01-15T01:00:00.000Z';

const keysFile = JSON.stringify([
  { name: 'reader', sha256: sha256(READ_KEY).toString('hex'), scopes: ['read'] },
  {
    name: 'service-a',
    sha256: sha256(SERVICE_A_KEY).toString('hex'),
    scopes: ['read:service-a-*', 'write:service-a-*'],
  },
  { name: 'admin', sha256: sha256(ADMIN_KEY).toString('hex'), scopes: ['admin'] },
  { name: 'writer', sha256: sha256(WRITE_KEY).toString('hex'), scopes: ['read', 'write'] },
]);

/** The api on in-memory fakes of every port, with a fixed clock. */
export function makeApp(overrides: Partial<AppDeps> = {}) {
  const clock = createFakeClock(NOW);
  const schedulers = createMemorySchedulerStore();
  const history = createMemoryHistoryStore();
  const incidents = createMemoryIncidentStore();
  const queue = createMemoryQueue({ clock });
  const boards = createMemoryBoardStore();
  const destinations = createMemoryDestinationStore();
  const deliveries = createMemoryDeliveryLogStore();
  const deps: AppDeps = {
    logger: createLogger({ name: 'api', level: 'silent', pretty: false }),
    version: '1.2.3',
    clock,
    keys: loadApiKeys([FULL_KEY], keysFile),
    schedulers,
    history,
    incidents,
    boards,
    defaultBoard: defaultBoardOf(DEFAULT_EOD_CONFIG, 'C0DEFAULT'),
    destinations,
    deliveries,
    allowPrivateUrls: false,
    queue: queue.producer,
    idempotency: createMemoryIdempotencyStore(),
    readiness: async (): Promise<ReadinessReport> => ({ status: 'healthy', components: {} }),
    limits: {
      rateLimitPerMinute: 100,
      authFailuresPerMinute: 30,
      bodyLimitBytes: 65_536,
      batchBodyLimitBytes: 1_048_576,
      maxClockSkewMs: 300_000,
      knownSchedulerTtlMs: 30_000,
    },
    ...overrides,
  };
  return {
    app: buildApp(deps),
    clock,
    schedulers,
    history,
    incidents,
    queue,
    boards,
    destinations,
    deliveries,
  };
}

/**
 * `makeApp` for one test at a time: the app a test made is closed after it. Call once at
 * a test file's top level.
 */
export function useApp() {
  let current: ReturnType<typeof makeApp> | undefined;
  afterEach(async () => {
    await current?.app.close();
    current = undefined;
  });
  return (...args: Parameters<typeof makeApp>) => {
    current = makeApp(...args);
    return current;
  };
}

export const headers = (key = FULL_KEY) => ({ 'x-api-key': key });

export const registration = (id = 'service-a-eod') => ({
  scheduler_id: id,
  service_name: 'Service A',
  job_name: 'EOD Processing',
});

export const statusBody = (id = 'service-a-eod', extra: Record<string, unknown> = {}) => ({
  scheduler_id: id,
  service_name: 'Service A',
  job_name: 'EOD Processing',
  status: 'running',
  timestamp: '2026-01-15T00:42:10.120Z',
  ...extra,
});

/** The body of an error response, after checking it has exactly the error shape. */
export function errorBodyOf(response: { statusCode: number; json(): unknown }) {
  const body = response.json() as Record<string, unknown>;
  const keys = Object.keys(body).sort();
  if (keys.join() !== 'error,message,method,path,statusCode,timestamp') {
    throw new Error(`not the error shape: ${JSON.stringify(body)}`);
  }
  if (body.statusCode !== response.statusCode)
    throw new Error('statusCode differs from HTTP status');
  if (Number.isNaN(Date.parse(String(body.timestamp)))) throw new Error('timestamp is not ISO');
  return body as {
    statusCode: number;
    path: string;
    method: string;
    error: string;
    message: string | string[];
  };
}
