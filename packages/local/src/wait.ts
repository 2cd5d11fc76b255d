/**
 * Polls `probe` every 100 ms until it gives a value other than `undefined` or `false`,
 * and resolves with that value. A probe that throws counts as "not yet" (an app that is
 * not listening yet). Rejects after `timeoutMs`, naming `what` it waited for.
 * For tests and tools that wait on real processes and engines.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
