// The real stack for the dashboard's browser tests: the api and the worker as processes on
// the test engines, Slack as the fake server, as `pnpm start` runs them.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { findFreePort, waitFor } from '@schedmon/local';
import { productionRuntimeEnv } from '@schedmon/resources';

const entries = {
  api: fileURLToPath(new URL('../../src/main.ts', import.meta.url)),
  worker: fileURLToPath(new URL('../../../worker/src/main.ts', import.meta.url)),
} as const;

export type AppProcess = {
  child: ChildProcess;
  /** The api's port, or the worker's metrics port. */
  port: number;
  base: string;
  /** Resident memory now, from /proc (bytes). */
  rss(): Promise<number>;
  stop(): Promise<number | null>;
};

/**
 * Spawns the app (its TypeScript sources, or the `bundle` file of it under production's
 * runtime settings) and waits for its /health; a process that never comes up is killed.
 */
export async function startApp(
  app: keyof typeof entries,
  env: Record<string, string>,
  options: { bundle?: string; port?: number } = {},
): Promise<AppProcess> {
  const port = options.port ?? (await findFreePort());
  const child = spawn(process.execPath, [options.bundle ?? entries[app]], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_PRETTY: 'false',
      LOG_LEVEL: 'warn',
      // Production's form: the bundle under production's runtime settings (docs/performance.md).
      ...(options.bundle === undefined ? {} : productionRuntimeEnv(app)),
      ...env,
      ...(app === 'api'
        ? { PORT: String(port), HOST: '127.0.0.1' }
        : { METRICS_PORT: String(port) }),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => (await fetch(`${base}/health`)).ok, `${app} /health`, 20_000);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  return {
    child,
    port,
    base,
    async rss() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN);
      return kb * 1024;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
