// The processes a benchmark measures: the apps as production runs them, the bare baseline
// server, and how to wait for them and stop them.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bundlePath, findFreePort } from '@schedmon/local';
import { productionRuntimeEnv } from '@schedmon/resources';

/** The repository root, with a trailing slash. */
export const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * What the apps run: `bundle` (the default) is production's form — the bundled app with
 * `productionRuntimeEnv(app)`; `source` is the TypeScript sources with Node's defaults, as
 * development runs them (BENCH_APPS=source, to compare).
 */
export const appForm: 'bundle' | 'source' =
  process.env.BENCH_APPS === 'source' ? 'source' : 'bundle';

/** Resolves once `url` answers 2xx; rejects after `timeoutMs`. */
export async function waitHealthy(url: string, timeoutMs = 20_000) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer`);
}

/** Sends SIGTERM and resolves when the process has exited (at once if it already has). */
export async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Starts an app. `BENCH_NODE_OPTIONS` is added to its Node options, to profile it
 * (`--cpu-prof --cpu-prof-dir=…`, `--heapsnapshot-signal=SIGUSR2`) or try heap flags;
 * `BENCH_NODE_ARGS` goes on its command line, for the V8 flags `NODE_OPTIONS` refuses
 * (`--trace-gc`, `--trace-deopt`).
 */
export function spawnApp(app: 'api' | 'worker', env: Record<string, string>) {
  const runtime: Record<string, string> =
    appForm === 'bundle' ? { ...productionRuntimeEnv(app) } : { NODE_ENV: 'production' };
  const nodeOptions = [runtime.NODE_OPTIONS, process.env.BENCH_NODE_OPTIONS]
    .filter(Boolean)
    .join(' ');
  const entry = appForm === 'bundle' ? bundlePath(app) : `${root}apps/${app}/src/main.ts`;
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return spawn(process.execPath, [...nodeArgs, entry], {
    env: {
      PATH: process.env.PATH,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      ...runtime,
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** The api on a free port, with the bench's key and the rate limit lifted. */
export async function spawnApi(engineEnv: Record<string, string>) {
  const apiKey = 'bench-key';
  const port = await findFreePort();
  const api = spawnApp('api', {
    ...engineEnv,
    API_KEYS: apiKey,
    PORT: String(port),
    HOST: '127.0.0.1',
    // The per-key limit (100/min by default) would measure the limiter, not the api.
    RATE_LIMIT_PER_MINUTE: '1000000000',
  });
  return { api, url: `http://127.0.0.1:${port}`, apiKey };
}

/** The bare Fastify baseline (bare-server.ts) on a free port. */
export async function spawnBareServer() {
  const port = await findFreePort();
  const server = spawn(
    process.execPath,
    [fileURLToPath(new URL('./bare-server.ts', import.meta.url))],
    {
      env: { PATH: process.env.PATH, PORT: String(port) },
      stdio: 'inherit',
    },
  );
  return { server, url: `http://127.0.0.1:${port}` };
}
