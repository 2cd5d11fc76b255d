// The api's composition root: config → logger → SDK clients → adapters → app → listen.
// SIGTERM stops them in reverse: the server drains in-flight requests, then the queue
// producer flushes what it holds, then the SDK clients close.
import { randomBytes } from 'node:crypto';
import {
  createDocumentClient,
  createDynamoAcknowledgementStore,
  createDynamoAlertStore,
  createDynamoBoardStore,
  createDynamoDeliveryLogStore,
  createDynamoDestinationStore,
  createDynamoHistoryStore,
  createDynamoIdempotencyStore,
  createDynamoIncidentStore,
  createDynamoSchedulerStore,
} from '@schedmon/adapters/dynamodb';
import { createEngineReadiness } from '@schedmon/adapters/health';
import { createSqsEventProducer } from '@schedmon/adapters/sqs';
import { defaultBoardOf, uiLinksOf } from '@schedmon/domain';
import { createAwsClients } from '@schedmon/resources';
import {
  createAppLogger,
  deadlineSettingsOf,
  eodConfigOf,
  handleShutdown,
} from '@schedmon/runtime';
import { buildApp } from './app.ts';
import { loadApiConfig } from './config.ts';

const { config, keys } = loadApiConfig();
const logger = createAppLogger('api', config);
const lifecycle = handleShutdown(logger, config.SHUTDOWN_TIMEOUT_MS);
const clients = createAwsClients({
  region: config.AWS_REGION,
  dynamodbEndpoint: config.DYNAMODB_ENDPOINT,
  sqsEndpoint: config.SQS_ENDPOINT,
});
const documents = createDocumentClient(clients.dynamodb);
const queue = createSqsEventProducer(clients.sqs, { queueUrl: config.SQS_QUEUE_URL });
const schedulers = createDynamoSchedulerStore(documents, config.DYNAMODB_TABLE_SCHEDULERS, {
  deadlines: deadlineSettingsOf(config),
});
const history = createDynamoHistoryStore(documents, config.DYNAMODB_TABLE_STATUS_HISTORY);
const incidents = createDynamoIncidentStore(documents, config.DYNAMODB_TABLE_STATE);
const boards = createDynamoBoardStore(documents, config.DYNAMODB_TABLE_STATE, {
  onUnreadable: (boardId, error) =>
    logger.error({ err: error, boardId }, 'a stored board cannot be read: left out'),
});
const destinations = createDynamoDestinationStore(documents, config.DYNAMODB_TABLE_STATE);
const deliveries = createDynamoDeliveryLogStore(documents, config.DYNAMODB_TABLE_STATE);
const eod = eodConfigOf(config);
const defaultBoard = defaultBoardOf(eod, config.SLACK_CHANNEL_ID);
const clock = { now: () => new Date() };
const slackApp =
  config.SLACK_SIGNING_SECRET && config.SLACK_BOT_TOKEN
    ? {
        schedulers,
        history,
        incidents,
        alerts: createDynamoAlertStore(documents, config.DYNAMODB_TABLE_STATE),
        acknowledgements: createDynamoAcknowledgementStore(documents, config.DYNAMODB_TABLE_STATE),
        eod,
        clock,
        logger,
        signingSecret: config.SLACK_SIGNING_SECRET,
        botToken: config.SLACK_BOT_TOKEN,
        apiUrl: config.SLACK_API_URL,
        links: uiLinksOf(config.UI_PUBLIC_URL),
      }
    : undefined;
if (!slackApp)
  logger.info(
    'Slack app off (SLACK_SIGNING_SECRET or SLACK_BOT_TOKEN unset): /slack/events not served',
  );
const app = buildApp({
  logger,
  version: config.APP_VERSION,
  clock,
  keys,
  schedulers,
  history,
  incidents,
  boards,
  defaultBoard,
  destinations,
  deliveries,
  allowPrivateUrls: config.DESTINATION_ALLOW_PRIVATE_URLS,
  slack: slackApp,
  queue,
  idempotency: createDynamoIdempotencyStore(documents, config.DYNAMODB_TABLE_STATE),
  readiness: createEngineReadiness({
    logger,
    dynamodb: { client: clients.dynamodb, tableName: config.DYNAMODB_TABLE_SCHEDULERS },
    sqs: { client: clients.sqs, queueUrl: config.SQS_QUEUE_URL },
  }),
  limits: {
    rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: config.AUTH_FAILURES_PER_MINUTE,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    batchBodyLimitBytes: config.BATCH_BODY_LIMIT_BYTES,
    maxClockSkewMs: config.MAX_CLOCK_SKEW_SECONDS * 1000,
    knownSchedulerTtlMs: config.KNOWN_SCHEDULER_CACHE_SECONDS * 1000,
  },
  metricsApiKey: config.METRICS_API_KEY,
  trustProxy: config.TRUST_PROXY,
  ui: {
    eod,
    refreshMs: config.UI_REFRESH_SECONDS * 1000,
    sessionSecret: config.UI_SESSION_SECRET ?? randomBytes(32).toString('hex'),
    sessionTtlMs: config.UI_SESSION_HOURS * 3_600_000,
    publicUrl: config.UI_PUBLIC_URL,
    retentionDays: config.HISTORY_RETENTION_DAYS,
    rateLimitPerMinute: config.UI_RATE_LIMIT_PER_MINUTE,
  },
});
if (!config.UI_SESSION_SECRET) {
  logger.warn(
    'UI_SESSION_SECRET unset: dashboard sessions are signed with a random secret of this process, so they end at a restart and do not carry to other replicas',
  );
}

lifecycle.add({ name: 'aws-clients', stop: () => clients.destroy() });
lifecycle.add({ name: 'queue-producer', stop: () => queue.close() });
// A SIGTERM during listen() waits for it to settle: closing first would let listen()
// open the port again after the close.
let listening: Promise<unknown> = Promise.resolve();
lifecycle.add({
  name: 'http',
  stop: async () => {
    await listening.catch(() => undefined);
    await app.close();
  },
});
listening = app.listen({ port: config.PORT, host: config.HOST });
await listening;
logger.info({ keys: keys.map((key) => key.name) }, 'api keys loaded');
