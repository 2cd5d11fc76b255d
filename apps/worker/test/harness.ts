// Runs the real worker (and cron) processes against a test environment and the fake Slack
// server, and gives the tests ways to feed the queue and to wait for it to drain.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import {
  createDocumentClient,
  createDynamoHistoryStore,
  createDynamoSchedulerStore,
} from '@schedmon/adapters/dynamodb';
import type { QueueMessage } from '@schedmon/domain';
import { findFreePort, waitFor } from '@schedmon/local';
import type { TestEnvironment } from '@schedmon/testing';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const cronMain = fileURLToPath(new URL('../../cron/src/main.ts', import.meta.url));

export type WorkerProcess = {
  child: ChildProcess;
  port: number;
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
};

export const startWorker = (environment: TestEnvironment, extra: Record<string, string> = {}) =>
  startApp(main, 'worker', environment, { RECEIVE_WAIT_SECONDS: '1', ...extra });

export type CronProcess = WorkerProcess & {
  /** Whether this replica holds the leader lease now (its `schedmon_cron_leader` gauge). */
  isLeader(): Promise<boolean>;
};

/**
 * Runs the real cron process (leader lease, EOD ticks, the watchdog) on the environment,
 * with the same variables as `startWorker`; several make replicas of one another.
 */
export async function startCron(
  environment: TestEnvironment,
  extra: Record<string, string> = {},
): Promise<CronProcess> {
  const cron = await startApp(cronMain, 'cron', environment, extra);
  return {
    ...cron,
    async isLeader() {
      const metrics = await fetch(`http://127.0.0.1:${cron.port}/metrics`).then((r) => r.text());
      return /^schedmon_cron_leader 1$/m.test(metrics);
    },
  };
}

/** Spawns the app at `entry` on a free METRICS_PORT and waits for its /health. */
async function startApp(
  entry: string,
  name: string,
  environment: TestEnvironment,
  extra: Record<string, string>,
): Promise<WorkerProcess> {
  const port = await findFreePort();
  const child = spawn(process.execPath, [entry], {
    env: {
      PATH: process.env.PATH,
      ...environment.env,
      METRICS_PORT: String(port),
      NODE_ENV: 'test',
      LOG_PRETTY: 'false',
      LOG_LEVEL: 'info',
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const logs: Record<string, unknown>[] = [];
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    });
  }
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  try {
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok,
      `${name} /health`,
      15_000,
    );
  } catch (error) {
    // Never left behind: a process that did not come up is stopped before the test fails.
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  return {
    child,
    port,
    logs,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Sends raw bodies (valid or not) in batches of 10, as a direct producer would. */
export async function sendRaw(environment: TestEnvironment, bodies: readonly string[]) {
  const { clients, queueUrl } = environment;
  for (let start = 0; start < bodies.length; start += 10) {
    const chunk = bodies.slice(start, start + 10);
    const result = await clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
    if (result.Failed?.length) throw new Error(`send failed: ${JSON.stringify(result.Failed)}`);
  }
}

export const sendEvents = (environment: TestEnvironment, events: readonly QueueMessage[]) =>
  sendRaw(
    environment,
    events.map((event) => JSON.stringify(event)),
  );

async function depth(environment: TestEnvironment, queueUrl: string) {
  const result = await environment.clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const attributes = result.Attributes ?? {};
  return (
    Number(attributes.ApproximateNumberOfMessages ?? 0) +
    Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

/** Waits until no message is left in the event queue, visible or in flight. */
export const waitDrained = (environment: TestEnvironment, timeoutMs: number) =>
  waitFor(
    async () => (await depth(environment, environment.queueUrl)) === 0,
    'the queue to drain',
    timeoutMs,
  );

export const deadLetterDepth = (environment: TestEnvironment) =>
  depth(environment, environment.deadLetterQueueUrl);

/**
 * Every message in the DLQ with the attributes the worker parked it with, and its event
 * id when the body has one. Receiving hides them from further reads for a while.
 */
export async function readDeadLetters(environment: TestEnvironment) {
  const parked: { body: string; eventId: string; reason: string; detail: string }[] = [];
  for (;;) {
    const batch = await environment.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: environment.deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    if (!batch.Messages?.length) return parked;
    for (const message of batch.Messages) {
      const body = message.Body ?? '';
      let eventId = '';
      try {
        eventId = String((JSON.parse(body) as { event_id?: unknown }).event_id ?? '');
      } catch {
        // Not JSON: parked as such, with no event id to name.
      }
      parked.push({
        body,
        eventId,
        reason: message.MessageAttributes?.reason?.StringValue ?? '',
        detail: message.MessageAttributes?.detail?.StringValue ?? '',
      });
    }
  }
}

/** The environment's scheduler and history stores, to seed and to check what the worker did. */
export function storesOf(environment: TestEnvironment) {
  const documents = createDocumentClient(environment.clients.dynamodb);
  return {
    schedulers: createDynamoSchedulerStore(documents, environment.names.schedulersTable),
    history: createDynamoHistoryStore(documents, environment.names.historyTable),
  };
}
