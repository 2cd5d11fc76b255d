import type { Logger } from 'pino';

// Watched from the moment this module loads, before an app's start-up awaits its engines:
// a supervisor that dies during start-up must not be missed (the app would then outlive
// it forever, holding its ports).
let parentGone = false;
const onParentGone: (() => void)[] = [];
if (process.connected) {
  process.once('disconnect', () => {
    parentGone = true;
    for (const listener of onParentGone) listener();
  });
}

export type Stoppable = { name: string; stop: () => Promise<void> | void };

export type Lifecycle = {
  /**
   * Registers a part once it has started; parts stop in reverse order of registration.
   * A part added while the app is already stopping is stopped at once.
   */
  add(part: Stoppable): void;
  /** Stops every registered part, then exits: for a composition root that must stop itself. */
  shutdown(reason: string, exitCode?: number): Promise<void>;
};

/**
 * Stops an app's parts on SIGTERM or SIGINT (or when the supervising parent process
 * disconnects), in reverse order of start, then exits.
 * Call it before the first start-up await: a signal that arrives while the app is still
 * starting must stop it cleanly (exit 0), not kill it with the signal's default action.
 * A second signal, or parts that take longer than `timeoutMs`, exit at once with code 1,
 * so a stuck dependency can never keep a process from stopping.
 */
export function handleShutdown(logger: Logger, timeoutMs: number): Lifecycle {
  const parts: Stoppable[] = [];
  let stopping = false;
  const shutdown = async (reason: string, exitCode = 0) => {
    if (stopping) {
      logger.warn({ reason }, 'second stop request: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ reason }, 'stopping');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out: exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    let code = exitCode;
    for (const part of [...parts].reverse()) {
      try {
        await part.stop();
      } catch (error) {
        code = 1;
        logger.error({ err: error, part: part.name }, 'failed to stop cleanly');
      }
    }
    clearTimeout(timer);
    logger.info('stopped');
    logger.flush?.();
    process.exit(code);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      void shutdown(signal);
    });
  }
  // Started by a supervisor with an IPC channel (the local launcher): stop when it goes
  // away, even if it was killed without a chance to stop us, or already went during start-up.
  if (parentGone) void shutdown('parent process exited');
  else onParentGone.push(() => void shutdown('parent process exited'));
  return {
    add: (part) => {
      if (!stopping) {
        parts.push(part);
        return;
      }
      // Started while the app is already stopping: stop it now, the exit is near.
      Promise.resolve()
        .then(() => part.stop())
        .catch((error: unknown) =>
          logger.error({ err: error, part: part.name }, 'failed to stop cleanly'),
        );
    },
    shutdown,
  };
}
