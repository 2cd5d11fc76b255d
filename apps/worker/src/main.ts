// The worker's composition root: config → logger → SDK clients → adapters → use-cases →
// consumer and ops server. SIGTERM stops them in reverse: the receive loops stop and
// their batches finish, then the queue adapter, the ops server, the alert retry loop and
// the clients.
import { createHash, randomUUID } from 'node:crypto';
import { createDestinationSender } from '@schedmon/adapters/destinations';
import {
  createDocumentClient,
  createDynamoBoardStore,
  createDynamoDeliveryLogStore,
  createDynamoDestinationStore,
  createDynamoHistoryStore,
  createDynamoIncidentStore,
  createDynamoSchedulerStore,
} from '@schedmon/adapters/dynamodb';
import { checkDynamoTable, createEngineReadiness } from '@schedmon/adapters/health';
import { createNotifier } from '@schedmon/adapters/slack';
import { createSqsEventConsumer } from '@schedmon/adapters/sqs';
import type { ComponentCheck } from '@schedmon/domain';
import {
  applyIncidentSignal,
  DEFAULT_EOD_CONFIG,
  summarizeReadiness,
  uiLinksOf,
} from '@schedmon/domain';
import { createAwsClients, deadLetterQueueUrlOf } from '@schedmon/resources';
import {
  createAppLogger,
  createMetricsRegistry,
  deadlineSettingsOf,
  handleShutdown,
  startOpsServer,
} from '@schedmon/runtime';
import { createBoardRoutes } from './board-routes.ts';
import { loadWorkerConfig } from './config.ts';
import type { ConsumerState } from './consumer.ts';
import { createConsumer } from './consumer.ts';
import { createDestinationOutbox } from './destination-outbox.ts';
import { createIncidentOutbox } from './incident-outbox.ts';
import { createWorkerMetrics } from './metrics.ts';
import { processBatch } from './process-batch.ts';

const config = loadWorkerConfig();
const logger = createAppLogger('worker', config);
const lifecycle = handleShutdown(logger, config.SHUTDOWN_TIMEOUT_MS);
const clock = { now: () => new Date() };
const clients = createAwsClients({
  region: config.AWS_REGION,
  dynamodbEndpoint: config.DYNAMODB_ENDPOINT,
  sqsEndpoint: config.SQS_ENDPOINT,
});
const documents = createDocumentClient(clients.dynamodb);
const queue = createSqsEventConsumer(clients.sqs, {
  queueUrl: config.SQS_QUEUE_URL,
  deadLetterQueueUrl: config.SQS_DLQ_URL ?? deadLetterQueueUrlOf(config.SQS_QUEUE_URL),
});
const schedulers = createDynamoSchedulerStore(documents, config.DYNAMODB_TABLE_SCHEDULERS, {
  deadlines: deadlineSettingsOf(config),
});
const history = createDynamoHistoryStore(documents, config.DYNAMODB_TABLE_STATUS_HISTORY);
const incidentStore = createDynamoIncidentStore(documents, config.DYNAMODB_TABLE_STATE);
// Members' incidents go to their boards' channels (docs/boards.md); the default board's
// zone is the worker's EOD_TIMEZONE, its window does not matter here.
const routes = createBoardRoutes({
  boards: createDynamoBoardStore(documents, config.DYNAMODB_TABLE_STATE, {
    onUnreadable: (boardId, error) =>
      logger.error({ err: error, boardId }, 'a stored board cannot be read: left out'),
  }),
  destinations: createDynamoDestinationStore(documents, config.DYNAMODB_TABLE_STATE, {
    onUnreadable: (schedulerId, error) =>
      logger.error(
        { err: error, schedulerId },
        'a scheduler’s stored destinations cannot be read: its boards’ are used',
      ),
  }),
  clock,
  eod: { ...DEFAULT_EOD_CONFIG, timeZone: config.EOD_TIMEZONE },
});
// A delivery never waits long for Slack's rate budget: past 5 s it is retried later by
// the outbox, so no claim or batch is held for minutes.
const notifier = createNotifier(config, logger, { maxQueueWaitMs: 5_000 });
const registry = createMetricsRegistry();
const metrics = createWorkerMetrics(registry, () => queue.queueDepth());
const alertMaxAgeMs = config.ALERT_MAX_AGE_MINUTES * 60_000;
const outbox = createIncidentOutbox({
  store: incidentStore,
  notifier,
  clock,
  logger,
  timeZone: config.EOD_TIMEZONE,
  links: uiLinksOf(config.UI_PUBLIC_URL),
  maxAgeMs: alertMaxAgeMs,
  owner: `worker-${randomUUID()}`,
  onOutcome: (outcome) => metrics.incidentMessage(outcome),
});
const digest = (text: string) => createHash('sha256').update(text).digest('hex');
const destinations = createDestinationOutbox({
  store: incidentStore,
  sender: createDestinationSender({
    ...(config.PAGERDUTY_API_URL ? { pagerDutyUrl: config.PAGERDUTY_API_URL } : {}),
    ...(config.OPSGENIE_API_URL ? { opsgenieUrl: config.OPSGENIE_API_URL } : {}),
    timeoutMs: config.DESTINATION_TIMEOUT_SECONDS * 1000,
    allowPrivateUrls: config.DESTINATION_ALLOW_PRIVATE_URLS,
    userAgent: `schedmon/${config.APP_VERSION}`,
  }),
  log: createDynamoDeliveryLogStore(documents, config.DYNAMODB_TABLE_STATE),
  clock,
  logger,
  digest,
  maxAgeMs: config.DESTINATION_MAX_AGE_MINUTES * 60_000,
  logRetentionDays: config.HISTORY_RETENTION_DAYS,
  // A claim outlives the requests it covers, so no live worker's send is sent again.
  leaseMs:
    Math.max(config.DESTINATION_LEASE_SECONDS, 2 * config.DESTINATION_TIMEOUT_SECONDS) * 1000,
  owner: `worker-${randomUUID()}`,
  onOutcome: (type, outcome) => metrics.destinationDelivery(type, outcome),
  onOldest: (ageMs) => metrics.oldestUndelivered(ageMs),
});
// Destination deliveries run beside the batches, not inside them: a slow pager never
// holds a batch up. Shutdown waits for those in flight.
const sending = new Set<Promise<void>>();
const sendToDestinations = (schedulerId: string) => {
  const sent = destinations
    .deliver(schedulerId)
    .catch((error: unknown) =>
      logger.warn({ err: error, schedulerId }, 'destination delivery deferred to the retry loop'),
    )
    .finally(() => sending.delete(sent));
  sending.add(sent);
};
const remindAfterMs =
  config.INCIDENT_REMIND_MINUTES === 0 ? null : config.INCIDENT_REMIND_MINUTES * 60_000;
const incidents = {
  boxes: (schedulerIds: readonly string[]) =>
    incidentStore.boxes(schedulerIds, clock.now().toISOString()),
  apply: async (
    input: Parameters<typeof applyIncidentSignal>[1],
    read?: Parameters<typeof applyIncidentSignal>[2],
  ) => {
    const result = await applyIncidentSignal(
      { store: incidentStore, clock, remindAfterMs },
      input,
      read,
    );
    for (const effect of result.effects)
      metrics.incidentTransition(effect.type, effect.incident.kind);
    if (result.dropped > 0) {
      metrics.incidentMessage('dropped', result.dropped);
      logger.warn(
        { scheduler_id: input.schedulerId, dropped: result.dropped },
        'incident messages dropped: Slack has not taken this scheduler’s messages for a while and its box is full',
      );
    }
    for (const shed of result.shed) {
      metrics.destinationDelivery(shed.destination_type, 'shed');
      logger.error(
        { scheduler_id: input.schedulerId, ...shed },
        'gave up on a destination delivery: the incident box holds too many undelivered ones (a destination has been down while this job kept failing)',
      );
    }
    return result;
  },
  deliver: (schedulerId: string) => {
    sendToDestinations(schedulerId);
    return outbox.deliver(schedulerId);
  },
};

const consumer = createConsumer({
  queue,
  logger,
  concurrency: config.WORKER_CONCURRENCY,
  batchMessages: config.WORKER_BATCH_MESSAGES,
  waitSeconds: config.RECEIVE_WAIT_SECONDS,
  visibilityTimeoutSeconds: config.VISIBILITY_TIMEOUT_SECONDS,
  retryDelaySeconds: config.RETRY_DELAY_SECONDS,
  probeMaxIntervalMs: config.ENGINE_PROBE_MAX_INTERVAL_SECONDS * 1000,
  // Receiving resumes once DynamoDB answers: the table readiness describes too, the one
  // the worker's IAM policy lets it describe (an outage is the engine's, not a table's).
  probe: async () => {
    const check = await checkDynamoTable(clients.dynamodb, config.DYNAMODB_TABLE_SCHEDULERS);
    return { ok: check.status === 'up', message: check.message };
  },
  onParked: (reason) => metrics.poison(reason),
  onRetried: (count) => metrics.retried(count),
  process: (messages) =>
    processBatch(
      {
        clock,
        schedulers,
        history,
        incidents,
        logger,
        maxSkewMs: config.MAX_CLOCK_SKEW_SECONDS * 1000,
        retentionDays: config.HISTORY_RETENTION_DAYS,
        alertMaxAgeMs,
        routes,
        deadlineGapMs: config.WATCHDOG_GAP_SECONDS * 1000,
        digest,
        onProcessed: (event, outcome) => metrics.processed(event, outcome, clock.now().getTime()),
      },
      messages,
    ),
});
lifecycle.add({ name: 'aws-clients', stop: () => clients.destroy() });

// Incident messages Slack did not take, reminders, and what destinations did not take
// are delivered here. Slack and the destinations each have their own pass: a pager
// that is down never holds Slack up, nor the reverse.
let delivering: Promise<unknown> | undefined;
let sendingDue: Promise<unknown> | undefined;
const alertRetry = setInterval(() => {
  // One pass at a time: a slow Slack must not stack passes up.
  delivering ??= outbox
    .deliverDue()
    .catch((error: unknown) => logger.warn({ err: error }, 'incident delivery round failed'))
    .finally(() => {
      delivering = undefined;
    });
  sendingDue ??= destinations
    .deliverDue()
    .catch((error: unknown) => logger.warn({ err: error }, 'destination delivery round failed'))
    .finally(() => {
      sendingDue = undefined;
    });
}, config.ALERT_RETRY_INTERVAL_SECONDS * 1000);
lifecycle.add({
  name: 'incident-delivery',
  stop: async () => {
    clearInterval(alertRetry);
    outbox.stop();
    destinations.stop();
    await Promise.all([delivering, sendingDue, ...sending]);
  },
});

const engines = createEngineReadiness({
  logger,
  dynamodb: { client: clients.dynamodb, tableName: config.DYNAMODB_TABLE_SCHEDULERS },
  sqs: { client: clients.sqs, queueUrl: config.SQS_QUEUE_URL },
});
const CONSUMER_CHECKS: Record<ConsumerState, Omit<ComponentCheck, 'lastChecked'>> = {
  receiving: { status: 'up', message: 'receiving' },
  paused: {
    status: 'down',
    message: 'receiving paused until DynamoDB answers; in-flight messages kept hidden',
  },
  failing: { status: 'down', message: 'receives failing; the loops back off' },
};
let slackCheck: { at: number; ok: boolean; message: string } | undefined;
const ops = await startOpsServer({
  port: config.METRICS_PORT,
  host: config.HOST,
  version: config.APP_VERSION,
  registry,
  readiness: async () => {
    const report = await engines();
    if (!slackCheck || Date.now() - slackCheck.at > 30_000) {
      slackCheck = { at: Date.now(), ...(await notifier.check()) };
    }
    return summarizeReadiness({
      ...report.components,
      consumer: { ...CONSUMER_CHECKS[consumer.state], lastChecked: new Date().toISOString() },
      slack: {
        status: slackCheck.ok ? 'up' : 'down',
        message: slackCheck.message,
        lastChecked: new Date(slackCheck.at).toISOString(),
      },
    });
  },
});

lifecycle.add({ name: 'ops-server', stop: () => ops.close() });
lifecycle.add({ name: 'queue', stop: () => queue.close() });
consumer.start();
lifecycle.add({ name: 'consumer', stop: () => consumer.stop() });
logger.info(
  { port: ops.port, concurrency: config.WORKER_CONCURRENCY, queueUrl: config.SQS_QUEUE_URL },
  'worker started',
);
