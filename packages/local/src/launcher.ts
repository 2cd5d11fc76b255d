/**
 * `pnpm start`: the whole system on one machine. Starts the embedded engines (unless
 * endpoints are given), provisions the tables and queues, runs the api and
 * `WORKER_REPLICAS` workers and `CRON_REPLICAS` cron apps as child processes (replicas
 * compete for the queue and elect one cron leader, as in production), and stops
 * everything on Ctrl-C / SIGTERM.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAwsClients, provisionResources } from '@schedmon/resources';
import type { Logger } from '@schedmon/runtime';
import type { AppName } from './apps.ts';
import type { LocalEngines } from './engines.ts';
import { startLocalEngines } from './engines.ts';
import type { LauncherConfig } from './launcher-config.ts';
import { canListen } from './ports.ts';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Replica n of an app listens on its base port + REPLICA_PORT_STEP·(n−1). */
const REPLICA_PORT_STEP = 10;

/** One child process of the system: `api`, or `worker-n` / `cron-n` (n from 1). */
type Replica = {
  readonly name: string;
  readonly app: AppName;
  /** Port of its /health (the api's PORT, or its METRICS_PORT); 0: a free one it picks. */
  readonly port: number;
  /** The variable that moves `port`, and how far above that variable's value it is. */
  readonly variable: string;
  readonly offset: number;
  /** `http://localhost:<port>/health`, or where to find it when `port` is 0 (a free one). */
  readonly health: string;
};

export type RunningSystem = {
  /** Every child it started, api first, in the order they started. */
  replicas: readonly Replica[];
  /** Resolves with the exit code when everything has stopped. */
  stopped: Promise<number>;
  stop(reason: string): Promise<number>;
};

type Endpoints = { dynamodb: string; sqs: string; engines: LocalEngines | undefined };

/** A port the system needs: who wants it, and the variable (plus offset) that moves it. */
type PortClaim = { port: number; host: string; owner: string; variable: string; offset: number };

const describeClaim = ({ owner, variable, offset }: PortClaim) =>
  `${owner}, ${variable}${offset > 0 ? ` + ${offset}` : ''}`;

const howToMove = ({ variable, offset }: PortClaim) =>
  offset > 0
    ? `move ${variable} (replica n listens on ${variable} + ${REPLICA_PORT_STEP}·(n−1))`
    : `set ${variable} to a free port`;

/**
 * Thrown by `launch` when a port it needs is taken, or wanted by two of its own processes
 * (`other`); the message is the one line to show.
 */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';

  constructor(claim: PortClaim, other?: PortClaim) {
    super(
      other
        ? `port ${claim.port} is wanted twice (${describeClaim(other)}; ${describeClaim(claim)}); ${howToMove(claim)}`
        : `port ${claim.port} is in use (${describeClaim(claim)}); stop the other process or ${howToMove(claim)}`,
    );
  }
}

/** Thrown by `launch` when a replica's port would be above 65535; the message is the one line to show. */
export class PortRangeError extends Error {
  override readonly name = 'PortRangeError';

  constructor(claim: PortClaim) {
    super(
      `port ${claim.port} (${describeClaim(claim)}) is above 65535; ${howToMove(claim)} or run fewer replicas`,
    );
  }
}

function replicasOf(config: LauncherConfig): Replica[] {
  const replica = (app: AppName, name: string, base: number, variable: string, index: number) => {
    const offset = base === 0 ? 0 : REPLICA_PORT_STEP * index;
    const port = base + offset;
    const health = port === 0 ? 'a free port, in its own log' : `http://localhost:${port}/health`;
    return { name, app, port, variable, offset, health };
  };
  const scaled = (app: 'worker' | 'cron', count: number, base: number, variable: string) =>
    Array.from({ length: count }, (_, index) =>
      replica(app, `${app}-${index + 1}`, base, variable, index),
    );
  return [
    replica('api', 'api', config.PORT, 'PORT', 0),
    ...scaled('worker', config.WORKER_REPLICAS, config.WORKER_METRICS_PORT, 'WORKER_METRICS_PORT'),
    ...scaled('cron', config.CRON_REPLICAS, config.CRON_METRICS_PORT, 'CRON_METRICS_PORT'),
  ];
}

function portClaims(config: LauncherConfig, replicas: readonly Replica[]): PortClaim[] {
  const apps = replicas.map(({ name, port, variable, offset }) => ({
    port,
    owner: name,
    variable,
    offset,
    host: config.HOST,
  }));
  // The engines listen on loopback whatever HOST says (engines.ts), unless both are given.
  const engines = [
    { port: config.DYNAMODB_LOCAL_PORT, owner: 'DynamoDB engine', variable: 'DYNAMODB_LOCAL_PORT' },
    { port: config.SQS_LOCAL_PORT, owner: 'SQS engine', variable: 'SQS_LOCAL_PORT' },
  ].map((claim) => ({ ...claim, offset: 0, host: '127.0.0.1' }));
  const startsEngines = !(config.DYNAMODB_ENDPOINT && config.SQS_ENDPOINT);
  return [...apps, ...(startsEngines ? engines : [])].filter(({ port }) => port !== 0);
}

/**
 * Checked up front: an app that finds its port taken would only print a stack trace.
 * Failure: rejects with `PortRangeError` or `PortInUseError`.
 */
async function checkPorts(claims: readonly PortClaim[]): Promise<void> {
  const byPort = new Map<number, PortClaim>();
  for (const claim of claims) {
    if (claim.port > 65535) throw new PortRangeError(claim);
    const other = byPort.get(claim.port);
    if (other) throw new PortInUseError(claim, other);
    byPort.set(claim.port, claim);
  }
  for (const claim of claims) {
    if (!(await canListen(claim.port, claim.host))) throw new PortInUseError(claim);
  }
}

async function startEnginesUnlessGiven(config: LauncherConfig, logger: Logger): Promise<Endpoints> {
  if (config.DYNAMODB_ENDPOINT && config.SQS_ENDPOINT) {
    logger.info('using the engines at DYNAMODB_ENDPOINT and SQS_ENDPOINT');
    return { dynamodb: config.DYNAMODB_ENDPOINT, sqs: config.SQS_ENDPOINT, engines: undefined };
  }
  const dataDir = resolve(repositoryRoot, config.DATA_DIR);
  const engines = await startLocalEngines({
    dynamodbPort: config.DYNAMODB_LOCAL_PORT,
    sqsPort: config.SQS_LOCAL_PORT,
    dataDir,
  });
  // An endpoint that is set wins; the embedded engine then simply goes unused.
  const dynamodb = config.DYNAMODB_ENDPOINT ?? engines.dynamodb.endpoint;
  const sqs = config.SQS_ENDPOINT ?? engines.sqs.endpoint;
  logger.info({ dynamodb, sqs, dataDir }, 'embedded engines started');
  return { dynamodb, sqs, engines };
}

function appEnvironment(
  replica: Replica,
  config: LauncherConfig,
  base: NodeJS.ProcessEnv,
  resources: Record<string, string>,
): NodeJS.ProcessEnv {
  const port =
    replica.app === 'api' ? { PORT: String(replica.port) } : { METRICS_PORT: String(replica.port) };
  return {
    // A local setup's webhooks may go to a receiver on this machine (docs/destinations.md).
    DESTINATION_ALLOW_PRIVATE_URLS: 'true',
    ...base,
    NODE_ENV: config.NODE_ENV,
    API_KEYS: config.API_KEYS,
    ...resources,
    ...port,
  };
}

const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

function waitForExit(child: ChildProcess): Promise<number> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.exitCode ?? 1);
  }
  return new Promise((done) => child.once('exit', (code) => done(code ?? 1)));
}

/**
 * Starts the system. Failure: rejects with `PortInUseError` or `PortRangeError`, before
 * starting anything, when a port it needs is taken or cannot be had; rejects if an engine
 * cannot start or provisioning fails. Once running, a worker or cron replica that exits on
 * its own is logged and left stopped while another replica of its app runs (that is the
 * failover to watch); the api, or the last replica of an app, exiting on its own stops
 * everything else and `stopped` resolves with 1.
 */
export async function launch(
  config: LauncherConfig,
  logger: Logger,
  baseEnv: NodeJS.ProcessEnv = process.env,
): Promise<RunningSystem> {
  const replicas = replicasOf(config);
  await checkPorts(portClaims(config, replicas));
  const endpoints = await startEnginesUnlessGiven(config, logger);
  const clients = createAwsClients({
    region: config.AWS_REGION,
    dynamodbEndpoint: endpoints.dynamodb,
    sqsEndpoint: endpoints.sqs,
  });
  let provisioned: Awaited<ReturnType<typeof provisionResources>>;
  try {
    provisioned = await provisionResources(clients, {
      schedulersTable: config.DYNAMODB_TABLE_SCHEDULERS,
      historyTable: config.DYNAMODB_TABLE_STATUS_HISTORY,
      stateTable: config.DYNAMODB_TABLE_STATE,
      queueName: config.SQS_QUEUE_NAME,
    });
  } catch (error) {
    await endpoints.engines?.stop();
    throw error;
  } finally {
    clients.destroy();
  }
  logger.info(
    { queueUrl: provisioned.queueUrl, ttlUnsupported: provisioned.ttlUnsupported },
    'tables and queues ready',
  );
  const resources = {
    DYNAMODB_ENDPOINT: endpoints.dynamodb,
    SQS_ENDPOINT: endpoints.sqs,
    SQS_QUEUE_URL: provisioned.queueUrl,
    SQS_DLQ_URL: provisioned.deadLetterQueueUrl,
  };

  const children = new Map<string, { replica: Replica; child: ChildProcess }>();
  let stopping: Promise<number> | undefined;
  let exitCode = 0;
  let resolveStopped: (code: number) => void = () => undefined;
  const stopped = new Promise<number>((done) => {
    resolveStopped = done;
  });

  const stop = (reason: string): Promise<number> => {
    stopping ??= (async () => {
      logger.info({ reason }, 'stopping schedmon');
      await Promise.all(
        [...children.values()].map(async ({ replica, child }) => {
          const exited = waitForExit(child);
          child.kill('SIGTERM');
          const kill = setTimeout(() => {
            logger.warn({ replica: replica.name }, 'did not stop in time: killing it');
            child.kill('SIGKILL');
          }, config.SHUTDOWN_TIMEOUT_MS + 2_000);
          await exited;
          clearTimeout(kill);
        }),
      );
      await endpoints.engines?.stop();
      logger.info('schedmon stopped');
      resolveStopped(exitCode);
      return exitCode;
    })();
    return stopping;
  };

  const onExit = (replica: Replica, code: number | null, signal: NodeJS.Signals | null) => {
    if (stopping !== undefined) return;
    const siblings = [...children.values()]
      .filter((other) => other.replica.app === replica.app && isRunning(other.child))
      .map((other) => other.replica.name);
    // The others carry on, as they would in production: the queue goes to the other
    // workers, the lease to another cron once it expires. Nothing restarts the one lost.
    if (replica.app !== 'api' && siblings.length > 0) {
      // The rest go on, but the run no longer ends as a success.
      exitCode = 1;
      logger.error(
        { replica: replica.name, code, signal, running: siblings },
        `${replica.name} exited on its own; the other ${replica.app} replicas go on`,
      );
      return;
    }
    exitCode = 1;
    logger.error(
      { replica: replica.name, code, signal },
      'app exited on its own: stopping the rest',
    );
    void stop(`${replica.name} exited`);
  };

  for (const replica of replicas) {
    const main = resolve(repositoryRoot, `apps/${replica.app}/src/main.ts`);
    const child = spawn(process.execPath, [main], {
      env: appEnvironment(replica, config, baseEnv, resources),
      // Own process group: Ctrl-C reaches only the launcher, which stops the apps in
      // order. The IPC channel closes if the launcher dies, and the apps then stop too.
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.set(replica.name, { replica, child });
    logger.info(
      { replica: replica.name, childPid: child.pid, health: replica.health },
      `${replica.name} started`,
    );
    child.once('exit', (code, signal) => onExit(replica, code, signal));
  }
  return { replicas, stopped, stop };
}
