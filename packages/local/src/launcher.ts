/**
 * `pnpm start`: the whole system on one machine. Starts the embedded engines (unless
 * endpoints are given), provisions the tables and queues, runs the api, the worker and the
 * cron app as child processes, and stops everything on Ctrl-C / SIGTERM.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAwsClients, provisionResources } from '@schedmon/resources';
import type { Logger } from '@schedmon/runtime';
import type { AppName } from './apps.ts';
import { APPS } from './apps.ts';
import type { LocalEngines } from './engines.ts';
import { startLocalEngines } from './engines.ts';
import type { LauncherConfig } from './launcher-config.ts';
import { canListen } from './ports.ts';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

export type RunningSystem = {
  /** Resolves with the exit code when everything has stopped. */
  stopped: Promise<number>;
  stop(reason: string): Promise<number>;
};

type Endpoints = { dynamodb: string; sqs: string; engines: LocalEngines | undefined };

/** A port the system needs: who wants it, and the variable that moves it. */
type PortClaim = { port: number; host: string; owner: string; variable: string };

/** Thrown by `launch` when a port it needs is taken; the message is the one line to show. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';

  constructor({ port, owner, variable }: PortClaim) {
    super(
      `port ${port} is in use (${owner}, ${variable}); stop the other process or set ${variable} to a free port`,
    );
  }
}

function portClaims(config: LauncherConfig): PortClaim[] {
  const apps = [
    { port: config.PORT, owner: 'api', variable: 'PORT' },
    { port: config.WORKER_METRICS_PORT, owner: 'worker', variable: 'WORKER_METRICS_PORT' },
    { port: config.CRON_METRICS_PORT, owner: 'cron', variable: 'CRON_METRICS_PORT' },
  ].map((claim) => ({ ...claim, host: config.HOST }));
  // The engines listen on loopback whatever HOST says (engines.ts), unless both are given.
  const engines = [
    { port: config.DYNAMODB_LOCAL_PORT, owner: 'DynamoDB engine', variable: 'DYNAMODB_LOCAL_PORT' },
    { port: config.SQS_LOCAL_PORT, owner: 'SQS engine', variable: 'SQS_LOCAL_PORT' },
  ].map((claim) => ({ ...claim, host: '127.0.0.1' }));
  const startsEngines = !(config.DYNAMODB_ENDPOINT && config.SQS_ENDPOINT);
  return [...apps, ...(startsEngines ? engines : [])].filter(({ port }) => port !== 0);
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
  app: AppName,
  config: LauncherConfig,
  base: NodeJS.ProcessEnv,
  resources: Record<string, string>,
): NodeJS.ProcessEnv {
  const ports: Record<AppName, Record<string, string>> = {
    api: { PORT: String(config.PORT) },
    worker: { METRICS_PORT: String(config.WORKER_METRICS_PORT) },
    cron: { METRICS_PORT: String(config.CRON_METRICS_PORT) },
  };
  return {
    // A local setup's webhooks may go to a receiver on this machine (docs/destinations.md).
    DESTINATION_ALLOW_PRIVATE_URLS: 'true',
    ...base,
    NODE_ENV: config.NODE_ENV,
    API_KEYS: config.API_KEYS,
    ...resources,
    ...ports[app],
  };
}

function waitForExit(child: ChildProcess): Promise<number> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.exitCode ?? 1);
  }
  return new Promise((done) => child.once('exit', (code) => done(code ?? 1)));
}

/**
 * Starts the system. Failure: rejects with `PortInUseError`, before starting anything, when
 * a port it needs is taken; rejects if an engine cannot start or provisioning fails; once
 * running, an app that exits on its own stops everything else and `stopped` resolves with 1.
 */
export async function launch(
  config: LauncherConfig,
  logger: Logger,
  baseEnv: NodeJS.ProcessEnv = process.env,
): Promise<RunningSystem> {
  // Checked up front: an app that finds its port taken would only print a stack trace.
  for (const claim of portClaims(config)) {
    if (!(await canListen(claim.port, claim.host))) throw new PortInUseError(claim);
  }
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

  const children = new Map<AppName, ChildProcess>();
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
        [...children.entries()].map(async ([app, child]) => {
          const exited = waitForExit(child);
          child.kill('SIGTERM');
          const kill = setTimeout(() => {
            logger.warn({ app }, 'did not stop in time: killing it');
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

  for (const app of APPS) {
    const child = spawn(process.execPath, [resolve(repositoryRoot, `apps/${app}/src/main.ts`)], {
      env: appEnvironment(app, config, baseEnv, resources),
      // Own process group: Ctrl-C reaches only the launcher, which stops the apps in
      // order. The IPC channel closes if the launcher dies, and the apps then stop too.
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.set(app, child);
    logger.info({ app, childPid: child.pid }, `${app} started`);
    child.once('exit', (code, signal) => {
      if (stopping !== undefined) return;
      exitCode = 1;
      logger.error({ app, code, signal }, 'app exited on its own: stopping the rest');
      void stop(`${app} exited`);
    });
  }
  return { stopped, stop };
}
