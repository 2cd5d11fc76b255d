// The cron app's composition root: config → logger → SDK clients → adapters → runner and
// ops server. `node main.ts once <action> [--at <ISO instant>] [--board <id>]` runs one
// action (on one board, default the default board) and exits
// (no leader election: ops use it to re-post a table, tests to drive a night).
import { createHash, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  createDocumentClient,
  createDynamoAcknowledgementStore,
  createDynamoBoardStore,
  createDynamoEodRunStore,
  createDynamoHistoryStore,
  createDynamoIncidentStore,
  createDynamoLeaseStore,
  createDynamoSchedulerStore,
} from '@schedmon/adapters/dynamodb';
import { createEngineReadiness } from '@schedmon/adapters/health';
import { createNotifier } from '@schedmon/adapters/slack';
import { createSqsEventProducer } from '@schedmon/adapters/sqs';
import type { GapChannel } from '@schedmon/domain';
import {
  allBoards,
  createWatchdog,
  defaultBoardOf,
  eodConfigProblems,
  INCIDENT_KINDS,
  parseTimestamp,
  summarizeReadiness,
  uiLinksOf,
} from '@schedmon/domain';
import { createAwsClients } from '@schedmon/resources';
import {
  createAppLogger,
  createMetricsRegistry,
  deadlineSettingsOf,
  eodConfigOf,
  handleShutdown,
  startOpsServer,
} from '@schedmon/runtime';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Action, ActionDeps } from './actions.ts';
import { ACTIONS, runAction } from './actions.ts';
import { loadCronConfig } from './config.ts';
import { createCronRunner } from './schedule.ts';

const config = loadCronConfig();
/** How many of the newest incidents the open-incidents gauge reads. */
const OPEN_INCIDENTS_READ = 1_000;
const eod = eodConfigOf(config);
const eodProblems = eodConfigProblems(eod);
if (eodProblems.length > 0) {
  process.stderr.write(
    `cron: Invalid configuration:\n${eodProblems.map((problem) => `  - ${problem}`).join('\n')}\n`,
  );
  process.exit(1);
}
const logger = createAppLogger('cron', config);
const clients = createAwsClients({
  region: config.AWS_REGION,
  dynamodbEndpoint: config.DYNAMODB_ENDPOINT,
  sqsEndpoint: config.SQS_ENDPOINT,
});
const documents = createDocumentClient(clients.dynamodb);
const notifier = createNotifier(config, logger);
const boards = createDynamoBoardStore(documents, config.DYNAMODB_TABLE_STATE, {
  onUnreadable: (boardId, error) =>
    logger.error({ err: error, boardId }, 'a stored board cannot be read: left out'),
});
const deps: ActionDeps = {
  schedulers: createDynamoSchedulerStore(documents, config.DYNAMODB_TABLE_SCHEDULERS, {
    deadlines: deadlineSettingsOf(config),
  }),
  history: createDynamoHistoryStore(documents, config.DYNAMODB_TABLE_STATUS_HISTORY),
  eodRuns: createDynamoEodRunStore(documents, config.DYNAMODB_TABLE_STATE),
  acknowledgements: createDynamoAcknowledgementStore(documents, config.DYNAMODB_TABLE_STATE),
  notifier,
  clock: { now: () => new Date() },
  eod,
  logger,
  incidents: createDynamoIncidentStore(documents, config.DYNAMODB_TABLE_STATE),
  boards,
  links: uiLinksOf(config.UI_PUBLIC_URL),
  retentionDays: config.HISTORY_RETENTION_DAYS,
};

if (process.argv[2] === 'once') {
  const { positionals, values } = parseArgs({
    args: process.argv.slice(3),
    allowPositionals: true,
    options: { at: { type: 'string' }, board: { type: 'string' } },
  });
  const action = positionals[0] as Action | undefined;
  const atMs = values.at ? parseTimestamp(values.at) : Date.now();
  if (!action || !ACTIONS.includes(action) || atMs === undefined) {
    process.stderr.write(
      `usage: cron once <${ACTIONS.join('|')}> [--at <ISO 8601 instant with offset>] [--board <id>]\n`,
    );
    clients.destroy();
    process.exit(2);
  }
  try {
    const result = await runAction(deps, action, atMs, {
      force: action === 'post',
      ...(values.board !== undefined && { board: values.board }),
    });
    logger.info(result, `cron once ${action}: ${result.done}`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    clients.destroy();
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, `cron once ${action} failed`);
    clients.destroy();
    process.exit(1);
  }
}

const lifecycle = handleShutdown(logger, config.SHUTDOWN_TIMEOUT_MS);
lifecycle.add({ name: 'aws-clients', stop: () => clients.destroy() });
const registry = createMetricsRegistry();
const actions = new Counter({
  name: 'schedmon_cron_actions_total',
  help: 'Cron actions by action and outcome',
  labelNames: ['action', 'outcome'],
  registers: [registry],
});
const leaderGauge = new Gauge({
  name: 'schedmon_cron_leader',
  help: '1 while this replica holds the leader lease',
  registers: [registry],
});
const runner = createCronRunner({
  deps,
  leases: createDynamoLeaseStore(documents, config.DYNAMODB_TABLE_STATE),
  owner: `cron-${randomUUID()}`,
  leaseTtlSeconds: config.LEASE_TTL_SECONDS,
  logger,
  onTick: (results) => {
    for (const result of results) actions.inc({ action: result.action, outcome: 'ok' });
  },
  onTickError: () => actions.inc({ action: 'tick', outcome: 'error' }),
  onLeadership: (leader) => leaderGauge.set(leader ? 1 : 0),
});

// The watchdog: the leader sends every deadline that came due to the queue.
const producer = createSqsEventProducer(clients.sqs, { queueUrl: config.SQS_QUEUE_URL });
lifecycle.add({ name: 'deadline-producer', stop: () => producer.close() });
const watchdog = createWatchdog({
  schedulers: deps.schedulers,
  producer,
  // Its own notifier: the not-watched message must not queue behind the tables' edits
  // (a blocked round would turn real deadlines into unwatched ones); past 5 s it is
  // told again next round.
  notifier: createNotifier(config, logger, { maxQueueWaitMs: 5_000 }),
  digest: (text) => createHash('sha256').update(text).digest('hex'),
  timeZone: eod.timeZone,
  // One not-watched message per board channel, in the board's zone.
  channels: async () => {
    const stored = await boards.list(new Date().toISOString());
    const channels = new Map<string, GapChannel>();
    for (const board of allBoards(stored, defaultBoardOf(eod, undefined))) {
      const channel = board.slack_channel_id === '' ? undefined : board.slack_channel_id;
      // With boards, the default board's channel only when it has members: not known
      // here, so it is told too (it is where incidents went before boards).
      if (!channels.has(channel ?? ''))
        channels.set(channel ?? '', { channel, timeZone: board.timezone });
    }
    return [...channels.values()];
  },
  gapMs: config.WATCHDOG_GAP_SECONDS * 1000,
  logger,
});
const watchdogRounds = new Histogram({
  name: 'schedmon_watchdog_round_seconds',
  help: 'Duration of one watchdog round (query the due deadlines, send them)',
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});
const deadlinesSent = new Counter({
  name: 'schedmon_deadlines_sent_total',
  help: 'Deadlines the watchdog sent to the queue, by whether schedmon was watching (watched, unwatched)',
  labelNames: ['watched'],
  registers: [registry],
});
// Open incidents by kind, as the leader counted them at its last watchdog round (the
// standbys report none, so a sum over replicas is the count).
const incidentStore = deps.incidents;
let openIncidents: Map<string, number> | undefined;
async function countOpenIncidents() {
  if (!incidentStore) return;
  const { incidents } = await incidentStore.incidents(
    { limit: OPEN_INCIDENTS_READ },
    new Date().toISOString(),
  );
  const counts = new Map<string, number>(INCIDENT_KINDS.map((kind) => [kind, 0]));
  for (const incident of incidents) {
    if (incident.state !== 'resolved')
      counts.set(incident.kind, (counts.get(incident.kind) ?? 0) + 1);
  }
  openIncidents = counts;
}
new Gauge({
  name: 'schedmon_incidents_open',
  help: 'Open (and acknowledged) incidents by kind, reported by the cron leader',
  labelNames: ['kind'],
  registers: [registry],
  collect() {
    this.reset();
    if (!runner.leader || !openIncidents) return;
    for (const [kind, count] of openIncidents) this.set({ kind }, count);
  },
});
let watching: Promise<void> | undefined;
const watchdogTimer = setInterval(() => {
  if (!runner.leader || watching) return;
  watching = watchdog
    .round(Date.now())
    .then((round) => {
      watchdogRounds.observe(round.ms / 1000);
      deadlinesSent.inc({ watched: 'watched' }, round.sent - round.sentUnwatched);
      deadlinesSent.inc({ watched: 'unwatched' }, round.sentUnwatched);
      if (round.due > 0) logger.info(round, 'watchdog round');
      return countOpenIncidents();
    })
    .catch((error: unknown) =>
      logger.warn({ err: error }, 'watchdog round failed; the next one retries'),
    )
    .finally(() => {
      watching = undefined;
    });
}, config.WATCHDOG_INTERVAL_SECONDS * 1000);
lifecycle.add({
  name: 'watchdog',
  stop: async () => {
    clearInterval(watchdogTimer);
    await watching;
  },
});

const engines = createEngineReadiness({
  logger,
  dynamodb: { client: clients.dynamodb, tableName: config.DYNAMODB_TABLE_STATE },
});
const ops = await startOpsServer({
  port: config.METRICS_PORT,
  host: config.HOST,
  version: config.APP_VERSION,
  registry,
  readiness: async () => {
    const report = await engines();
    const slack = await notifier.check();
    return summarizeReadiness({
      ...report.components,
      slack: {
        status: slack.ok ? 'up' : 'down',
        message: slack.message,
        lastChecked: new Date().toISOString(),
      },
    });
  },
});
lifecycle.add({ name: 'ops-server', stop: () => ops.close() });
// Registered before it starts: a SIGTERM during the first lease round waits for that
// round, then releases the lease it may have taken.
lifecycle.add({ name: 'runner', stop: () => runner.stop() });
await runner.start();
logger.info(
  { port: ops.port, timeZone: eod.timeZone, window: `${eod.windowStart}–${eod.windowEnd}` },
  'cron started',
);
