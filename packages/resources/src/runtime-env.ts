/**
 * How production starts each app's Node process: the Dockerfile sets the shared settings
 * on the image, compose and k8s give the worker its own `NODE_OPTIONS`, and `pnpm bench`
 * measures the apps with them (docs/configuration.md; a test compares the files).
 *
 * - The semi-space (V8's young generation), per app: V8 otherwise grows it to 32 MB+
 *   under load and keeps it, most of the difference between ~350 MB and ~140 MB RSS (P5).
 *   The api keeps 2 MB (12–16 MB would take a third off its CPU, for 20–25 MB of RSS
 *   that P5 does not leave it); the worker gets 8 MB, which takes about a fifth off its
 *   CPU per event for about 12 MB of RSS (docs/performance.md).
 * - A 256 MB old space: far above the apps' working set (a heap of about 40 MB under load;
 *   listing 10,000 schedulers peaks at 190–230 MB RSS), a ceiling that turns a leak into a
 *   restart.
 * - Two malloc arenas: glibc otherwise gives each busy thread its own.
 * - glibc's trim and mmap thresholds pinned at their 128 KiB defaults: once a large block
 *   (reading the 5 MB bundle) is freed, glibc otherwise raises both, and keeps up to twice
 *   that size of freed memory in the process (about 9 MB of the api's malloc heap, measured).
 */
const oldSpace = '--max-old-space-size=256';

/** The image's settings, which the api and the cron app run with as they are. */
export const PRODUCTION_RUNTIME_ENV: Readonly<Record<string, string>> = Object.freeze({
  NODE_ENV: 'production',
  NODE_OPTIONS: `--max-semi-space-size=2 ${oldSpace}`,
  MALLOC_ARENA_MAX: '2',
  MALLOC_TRIM_THRESHOLD_: '131072',
  MALLOC_MMAP_THRESHOLD_: '131072',
});

const WORKER_RUNTIME_ENV: Readonly<Record<string, string>> = Object.freeze({
  ...PRODUCTION_RUNTIME_ENV,
  NODE_OPTIONS: `--max-semi-space-size=8 ${oldSpace}`,
});

/** One app's production settings: the image's, with the worker's own `NODE_OPTIONS`. */
export function productionRuntimeEnv(
  app: 'api' | 'worker' | 'cron',
): Readonly<Record<string, string>> {
  return app === 'worker' ? WORKER_RUNTIME_ENV : PRODUCTION_RUNTIME_ENV;
}
