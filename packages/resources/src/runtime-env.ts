/**
 * How production starts each app's Node process: the Dockerfile sets these on the image
 * (so compose and k8s get them), and `pnpm bench` measures the apps with them.
 *
 * - A 2 MB semi-space: V8 otherwise grows the young generation to 32 MB+ under load and
 *   keeps it; this is most of the difference between ~350 MB and ~140 MB RSS (P5), for
 *   about a fifth of the api's throughput, still far above P1 and P2 (docs/performance.md).
 * - A 256 MB old space: far above the apps' working set (a heap of about 40 MB under load;
 *   listing 10,000 schedulers peaks at 177 MB RSS), a ceiling that turns a leak into a
 *   restart.
 * - Two malloc arenas: glibc otherwise gives each busy thread its own.
 */
export const PRODUCTION_RUNTIME_ENV: Readonly<Record<string, string>> = Object.freeze({
  NODE_ENV: 'production',
  NODE_OPTIONS: '--max-semi-space-size=2 --max-old-space-size=256',
  MALLOC_ARENA_MAX: '2',
});
