/**
 * Leak detection for tests: counts the resources that keep the event loop alive
 * (timers, listening servers, child processes) and compares them with a baseline.
 *
 * Sockets are not counted: SDK clients keep pooled keep-alive connections that close on
 * their own, while a leaked server, child process or timer is what keeps a test run or a
 * production process from exiting.
 */
const WATCHED_RESOURCES = ['Timeout', 'TCPServerWrap', 'ProcessWrap', 'Immediate'] as const;

export type ResourceCounts = Record<(typeof WATCHED_RESOURCES)[number], number>;

/** Counts the watched resources that are active (and ref'ed) right now. */
export function countResources(): ResourceCounts {
  const counts: ResourceCounts = { Timeout: 0, TCPServerWrap: 0, ProcessWrap: 0, Immediate: 0 };
  for (const resource of process.getActiveResourcesInfo()) {
    if (resource in counts) counts[resource as keyof ResourceCounts] += 1;
  }
  return counts;
}

/** Describes each watched resource that grew since `baseline`, e.g. `2 × TCPServerWrap`. */
export function describeLeaks(baseline: ResourceCounts, now: ResourceCounts): string[] {
  return WATCHED_RESOURCES.filter((name) => now[name] > baseline[name]).map(
    (name) => `${now[name] - baseline[name]} × ${name}`,
  );
}

/**
 * Waits up to `settleMs` for resources to drop back to `baseline` (servers and children
 * close asynchronously) and returns what is still leaked, or an empty list. The wait ends
 * as soon as they have dropped; its bound is generous because a server-side keep-alive
 * timer ends only once the peer's close has been read, which a busy machine delays by
 * seconds (docs/performance.md R11: the suite passes beside a CPU-bound process).
 */
export async function findLeaks(baseline: ResourceCounts, settleMs = 5_000): Promise<string[]> {
  const deadline = performance.now() + settleMs;
  for (;;) {
    const leaks = describeLeaks(baseline, countResources());
    if (leaks.length === 0 || performance.now() >= deadline) return leaks;
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setTimeout(resolve, 20).unref());
  }
}
