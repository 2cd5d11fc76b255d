/**
 * The embedded local engines: dynalite for DynamoDB and fauxqs for SQS, in this process.
 * Tests start them in memory on free ports; `pnpm start` starts them on fixed ports with
 * their data under `.data/`, so a restart keeps schedulers, history and queued events.
 * They have no authentication, so they listen on loopback only, whatever HOST says.
 */
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';

const LOOPBACK = '127.0.0.1';

/** One engine that can be stopped and started again on the same port (and data). */
export type Engine = {
  readonly name: string;
  /** `http://127.0.0.1:<port>`; fixed after the first start. */
  readonly endpoint: string;
  readonly running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
};

export type EngineOptions = {
  /** 0 (the default) picks a free port at the first start; restarts reuse it. */
  port?: number;
  /** Directory for persistent data; in memory when absent. */
  dataDir?: string;
};

type Running = { port: number; stop(): Promise<void> };

/** The lifecycle both engines share: one port, kept across restarts once chosen. */
function restartableEngine(
  name: string,
  options: EngineOptions,
  startOn: (port: number, dataDir: string | undefined) => Promise<Running>,
): Engine {
  let port = options.port ?? 0;
  let running: Running | undefined;
  return {
    name,
    get endpoint() {
      return `http://${LOOPBACK}:${port}`;
    },
    get running() {
      return running !== undefined;
    },
    async start() {
      if (running) return;
      if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
      running = await startOn(port, options.dataDir);
      port = running.port;
    },
    async stop() {
      const current = running;
      running = undefined;
      await current?.stop();
    },
  };
}

/**
 * A DynamoDB engine (dynalite). Tables are ACTIVE as soon as they are created.
 * Failure: `start()` rejects when the port is taken or the data directory is locked by
 * another process (LevelDB allows one owner).
 */
export function createDynamoEngine(options: EngineOptions = {}): Engine {
  return restartableEngine('dynamodb', options, async (port, dataDir) => {
    const server = dynalite({
      ...(dataDir ? { path: dataDir } : {}),
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, LOOPBACK, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return {
      port: (server.address() as AddressInfo).port,
      stop: async () => {
        // Clients keep pooled connections open; drop them so close() does not wait.
        const closed = new Promise<void>((resolve, reject) =>
          server.close((error) => (error ? reject(error) : resolve())),
        );
        server.closeAllConnections();
        await closed;
      },
    };
  });
}

/**
 * An SQS engine (fauxqs, Node ≥ 22.5). Its queue URLs name a host that does not resolve,
 * so SQS clients must be given `endpoint` explicitly.
 * Failure: `start()` rejects when the port is taken.
 */
export function createSqsEngine(options: EngineOptions = {}): Engine {
  return restartableEngine('sqs', options, async (port, dataDir) => {
    const server = await startFauxqs({
      port,
      // `listenHost` is the project's patch (patches/fauxqs@2.4.1.patch): fauxqs itself
      // always listens on every interface.
      listenHost: LOOPBACK,
      logger: false,
      ...(dataDir ? { dataDir } : {}),
    });
    return { port: server.port, stop: () => server.stop() };
  });
}

export type LocalEnginesOptions = {
  dynamodbPort?: number;
  sqsPort?: number;
  /** Root for persistent data (`<dataDir>/dynamodb`, `<dataDir>/sqs`); memory when absent. */
  dataDir?: string;
};

export type LocalEngines = {
  dynamodb: Engine;
  sqs: Engine;
  /** Stops both engines; safe to call twice. */
  stop(): Promise<void>;
};

/**
 * Starts both engines (in parallel) and returns handles to stop or restart each.
 * Failure: rejects if either fails to start, after stopping the one that did start.
 */
export async function startLocalEngines(options: LocalEnginesOptions = {}): Promise<LocalEngines> {
  const dataDir = options.dataDir;
  const dynamodb = createDynamoEngine({
    ...(options.dynamodbPort !== undefined ? { port: options.dynamodbPort } : {}),
    ...(dataDir ? { dataDir: join(dataDir, 'dynamodb') } : {}),
  });
  const sqs = createSqsEngine({
    ...(options.sqsPort !== undefined ? { port: options.sqsPort } : {}),
    ...(dataDir ? { dataDir: join(dataDir, 'sqs') } : {}),
  });
  const stop = async () => {
    await Promise.all([dynamodb.stop(), sqs.stop()]);
  };
  const started = await Promise.allSettled([dynamodb.start(), sqs.start()]);
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await stop();
    throw failure.reason;
  }
  return { dynamodb, sqs, stop };
}
