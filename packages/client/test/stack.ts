// The real api and worker processes on a test environment's engines, and the real
// `schedmon` CLI process: what a producer sees end to end.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SchedulerRecord } from '@schedmon/domain';
import { findFreePort, waitFor } from '@schedmon/local';
import type { TestEnvironment } from '@schedmon/testing';
import type { SchedmonClient } from '../src/index.ts';
import { createSchedmonClient } from '../src/index.ts';

const require = createRequire(import.meta.url);
// Each app's entry point, found through its package rather than a path into its folder.
const API_MAIN = join(dirname(require.resolve('@schedmon/api')), 'main.ts');
const WORKER_MAIN = require.resolve('@schedmon/worker');
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

export const API_KEY = 'client-test-key';

export type Stack = {
  baseUrl: string;
  client: SchedmonClient;
  stop(): Promise<void>;
};

type Exit = { code: number | null; signal: NodeJS.Signals | null };

function exitOf(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function startApp(main: string, env: Record<string, string>, healthUrl: string) {
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = exitOf(child);
  await waitFor(async () => (await fetch(healthUrl)).ok, healthUrl, 15_000);
  return {
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * Starts the api and the worker on the environment's engines, with `extra` variables for
 * both (Slack's, for instance); `stop()` ends both.
 */
export async function startStack(
  environment: TestEnvironment,
  extra: Record<string, string> = {},
): Promise<Stack> {
  const [apiPort, workerPort] = [await findFreePort(), await findFreePort()];
  const baseUrl = `http://127.0.0.1:${apiPort}`;
  const [api, worker] = await Promise.all([
    startApp(
      API_MAIN,
      {
        ...environment.env,
        ...extra,
        API_KEYS: API_KEY,
        PORT: String(apiPort),
        HOST: '127.0.0.1',
      },
      `${baseUrl}/health`,
    ),
    startApp(
      WORKER_MAIN,
      {
        ...environment.env,
        ...extra,
        METRICS_PORT: String(workerPort),
        RECEIVE_WAIT_SECONDS: '1',
      },
      `http://127.0.0.1:${workerPort}/health`,
    ),
  ]);
  return {
    baseUrl,
    client: createSchedmonClient({ baseUrl, apiKey: API_KEY, onError: () => {} }),
    async stop() {
      const exits = await Promise.all([api.stop(), worker.stop()]);
      for (const exit of exits) {
        if (exit.code !== 0) throw new Error(`an app exited with ${JSON.stringify(exit)}`);
      }
    },
  };
}

/** Polls the record until `accept` takes it (the worker applies events asynchronously). */
export function waitForRecord(
  client: SchedmonClient,
  schedulerId: string,
  accept: (record: SchedulerRecord) => boolean,
): Promise<SchedulerRecord> {
  return waitFor(async () => {
    const found = await client.getScheduler(schedulerId);
    return found.ok && accept(found.value) ? found.value : undefined;
  }, `scheduler ${schedulerId} to be updated`);
}

export type CliProcess = {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
};

/** Runs the `schedmon` CLI as its own process, as a cron line or a shell would. */
export function spawnCli(args: readonly string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  // 'close': the output is complete too.
  const exited = new Promise<Exit>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}
