/**
 * A small, plausible installation for the dashboard's screenshots, written through the
 * public HTTP API (docs/api.md) as a producer would: two boards, ten schedulers in every
 * status, one of them with fifteen nights of runs, and incidents (one acknowledged).
 * Statuses go through the queue, so `seedDemoData` waits until the worker applied them.
 */
import { waitFor } from '@schedmon/local';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** What the seed wrote that the pages are opened on. */
export type DemoData = {
  boardIds: string[];
  /** The scheduler with fifteen runs of history (its page has a chart). */
  schedulerWithHistory: string;
  schedulerIds: string[];
};

type Status = 'pending' | 'running' | 'completed' | 'failed';

type DemoScheduler = {
  id: string;
  service: string;
  job: string;
  schedule?: string;
  timezone?: string;
  /** The state the seed leaves it in. */
  status: Status;
  error?: string;
};

const BOARDS = [
  {
    id: 'payments',
    title: 'Payments EOD',
    slack_channel_id: 'C0PAYMENTS',
    timezone: 'Asia/Jakarta',
    window_start: '00:00',
    window_end: '06:00',
    members: { scheduler_ids: ['payments-*'] },
  },
  {
    id: 'ledger',
    title: 'Ledger EOD',
    slack_channel_id: 'C0LEDGER',
    timezone: 'Europe/London',
    window_start: '22:00',
    window_end: '04:00',
    members: { scheduler_ids: ['ledger-*'] },
  },
] as const;

const HISTORY_SCHEDULER = 'payments-settlement';

const SCHEDULERS: DemoScheduler[] = [
  {
    id: HISTORY_SCHEDULER,
    service: 'Payments',
    job: 'Settlement',
    schedule: '0 1 * * *',
    timezone: 'Asia/Jakarta',
    status: 'completed',
  },
  { id: 'payments-refunds', service: 'Payments', job: 'Refund batch', status: 'running' },
  {
    id: 'payments-payouts',
    service: 'Payments',
    job: 'Merchant payouts',
    schedule: '30 2 * * *',
    timezone: 'Asia/Jakarta',
    status: 'failed',
    error: 'Connection to the bank SFTP timed out after 30 s (3 attempts)',
  },
  { id: 'payments-fx-rates', service: 'Payments', job: 'FX rates import', status: 'completed' },
  { id: 'payments-chargebacks', service: 'Payments', job: 'Chargebacks', status: 'pending' },
  {
    id: 'ledger-close',
    service: 'Ledger',
    job: 'Day close',
    schedule: '0 23 * * 1-5',
    timezone: 'Europe/London',
    status: 'completed',
  },
  {
    id: 'ledger-reconcile',
    service: 'Ledger',
    job: 'Reconciliation',
    status: 'failed',
    error: '3 entries unbalanced in account 4010 (difference 12.40 EUR)',
  },
  { id: 'ledger-accruals', service: 'Ledger', job: 'Interest accruals', status: 'running' },
  { id: 'ledger-archive', service: 'Ledger', job: 'Journal archive', status: 'pending' },
  { id: 'ledger-fees', service: 'Ledger', job: 'Fee postings', status: 'completed' },
];

type Api = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/** A client of `/api/v1` with `apiKey`. Failure: rejects on any answer that is not 2xx. */
function apiClient(baseUrl: string, apiKey: string): Api {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}/api/v1${path}`, {
      method,
      headers: {
        'x-api-key': apiKey,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };
}

type StatusEvent = {
  type: 'status';
  scheduler_id: string;
  service_name: string;
  job_name: string;
  status: Status;
  timestamp: string;
  error_message?: string;
};

function statusEvent(
  scheduler: DemoScheduler,
  status: Status,
  atMs: number,
  error?: string,
): StatusEvent {
  return {
    type: 'status',
    scheduler_id: scheduler.id,
    service_name: scheduler.service,
    job_name: scheduler.job,
    status,
    timestamp: new Date(atMs).toISOString(),
    ...(error === undefined ? {} : { error_message: error }),
  };
}

/** Sends a batch through `POST /events`. Failure: rejects when any event is refused. */
async function sendEvents(api: Api, events: unknown[]): Promise<void> {
  const answer = await api<{ rejected: number; results: unknown[] }>('POST', '/events', {
    events,
  });
  if (answer.rejected > 0) {
    throw new Error(`POST /events refused ${answer.rejected}: ${JSON.stringify(answer.results)}`);
  }
}

const HISTORY_ERRORS: Record<number, string> = {
  11: 'Settlement file from the clearing house was empty',
  4: 'Deadlock detected while booking batch 7 of 12',
};

/**
 * Fifteen nightly runs of the history scheduler, one a day at 01:00 Jakarta (18:00 UTC),
 * the newest in the last 24 hours; two of them failed. Past timestamps are accepted: only
 * a timestamp too far in the future is refused (MAX_CLOCK_SKEW_SECONDS, docs/api.md).
 */
function historyRuns(scheduler: DemoScheduler, nowMs: number): StatusEvent[][] {
  const today = new Date(nowMs);
  let newest = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), 18);
  if (newest > nowMs - 30 * MINUTE) newest -= DAY;
  const runs: StatusEvent[][] = [];
  for (let nightsAgo = 15; nightsAgo >= 1; nightsAgo -= 1) {
    const start = newest - (nightsAgo - 1) * DAY + ((nightsAgo * 3) % 5) * 1_000;
    const minutes = 9 + ((nightsAgo * 7) % 13);
    const error = HISTORY_ERRORS[nightsAgo];
    runs.push([
      statusEvent(scheduler, 'running', start),
      error === undefined
        ? statusEvent(scheduler, 'completed', start + minutes * MINUTE)
        : statusEvent(scheduler, 'failed', start + 4 * MINUTE, error),
    ]);
  }
  return runs;
}

/** The events that leave a scheduler in its demo status now (pending: none). */
function currentRun(scheduler: DemoScheduler, index: number, nowMs: number): unknown[] {
  const started = nowMs - (20 + index * 3) * MINUTE;
  switch (scheduler.status) {
    case 'pending':
      return [];
    case 'running':
      return [
        statusEvent(scheduler, 'running', started),
        {
          type: 'heartbeat',
          scheduler_id: scheduler.id,
          timestamp: new Date(nowMs - MINUTE).toISOString(),
        },
      ];
    case 'completed':
      return [
        statusEvent(scheduler, 'running', started),
        statusEvent(scheduler, 'completed', started + (6 + index) * MINUTE),
      ];
    case 'failed':
      return [
        statusEvent(scheduler, 'running', started),
        statusEvent(scheduler, 'failed', started + 5 * MINUTE, scheduler.error),
      ];
  }
}

/**
 * Writes the demo data into the api at `baseUrl` with `apiKey` (one with `admin`, such as
 * `pnpm start`'s development key from loopback) and waits until the worker applied it.
 * Failure: rejects on any refused request, or when the worker has not applied an event
 * within 30 s.
 */
export async function seedDemoData(baseUrl: string, apiKey: string): Promise<DemoData> {
  const api = apiClient(baseUrl, apiKey);
  for (const { id, ...board } of BOARDS) await api('PUT', `/boards/${id}`, board);
  for (const scheduler of SCHEDULERS) {
    await api('POST', '/schedulers/register', {
      scheduler_id: scheduler.id,
      service_name: scheduler.service,
      job_name: scheduler.job,
      ...(scheduler.schedule === undefined ? {} : { schedule: scheduler.schedule }),
      ...(scheduler.timezone === undefined ? {} : { timezone: scheduler.timezone }),
    });
  }

  // One run at a time, each applied before the next: a standard queue may deliver a batch
  // in any order, and the incidents of the two failed nights should open and resolve.
  const [history] = SCHEDULERS;
  if (history === undefined) throw new Error('no demo schedulers');
  const nowMs = Date.now();
  let stored = 0;
  for (const run of historyRuns(history, nowMs)) {
    await sendEvents(api, run);
    stored += run.length;
    const expected = stored;
    await waitFor(
      async () => {
        const rows = await api<unknown[]>('GET', `/schedulers/${history.id}/history?limit=1000`);
        return rows.length >= expected;
      },
      `the worker to store run ${expected / 2} of ${history.id}`,
      30_000,
    );
  }

  const rest = SCHEDULERS.slice(1);
  await sendEvents(
    api,
    rest.flatMap((scheduler, index) => currentRun(scheduler, index, nowMs)),
  );
  for (const scheduler of rest) {
    await waitFor(
      async () => {
        const record = await api<{ status: Status }>('GET', `/schedulers/${scheduler.id}`);
        return record.status === scheduler.status;
      },
      `the worker to set ${scheduler.id} to ${scheduler.status}`,
      30_000,
    );
  }

  // Both failures open an incident; the ledger one has been picked up by someone.
  const failed = rest.filter((scheduler) => scheduler.status === 'failed').map(({ id }) => id);
  const open = await waitFor(
    async () => {
      const { incidents } = await api<{
        incidents: { incident_id: string; scheduler_id: string }[];
      }>('GET', '/incidents?state=open');
      const mine = incidents.filter((incident) => failed.includes(incident.scheduler_id));
      return mine.length >= failed.length ? mine : undefined;
    },
    'the incidents of the failed schedulers',
    30_000,
  );
  const ledger = open.find((incident) => incident.scheduler_id === 'ledger-reconcile');
  if (ledger !== undefined) {
    await api('POST', `/incidents/${encodeURIComponent(ledger.incident_id)}/acknowledge`, {
      by: 'Dana (on call)',
    });
  }

  return {
    boardIds: BOARDS.map((board) => board.id),
    schedulerWithHistory: history.id,
    schedulerIds: SCHEDULERS.map((scheduler) => scheduler.id),
  };
}
