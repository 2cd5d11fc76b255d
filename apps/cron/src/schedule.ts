/**
 * The cron app's lifecycle: one leader among replicas through a `LeaseStore` lease, and a tick every minute (node-cron, in the EOD zone) that runs whatever the EOD
 * rules say is due. A replica that becomes leader ticks at once, which is the catch-up.
 */
import type { LeaseStore } from '@schedmon/domain';
import { formatTimestamp } from '@schedmon/domain';
import type { Logger } from '@schedmon/runtime';
import type { ScheduledTask } from 'node-cron';
import cron from 'node-cron';
import type { ActionDeps, ActionResult } from './actions.ts';
import { tick } from './actions.ts';

const LEASE_NAME = 'cron-leader';

export type CronRunnerOptions = {
  deps: ActionDeps;
  leases: LeaseStore;
  owner: string;
  leaseTtlSeconds: number;
  logger: Logger;
  onTick?: (results: ActionResult[]) => void;
  onTickError?: (error: unknown) => void;
  onLeadership?: (leader: boolean) => void;
};

export type CronRunner = {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly leader: boolean;
  /** Runs a tick now if this replica leads. */
  tickNow(): Promise<ActionResult[]>;
  /** Takes or renews the lease, then ticks if this replica leads (tests drive it). */
  step(): Promise<ActionResult[]>;
};

export function createCronRunner(options: CronRunnerOptions): CronRunner {
  const { deps, leases, owner, logger } = options;
  let leader = false;
  let task: ScheduledTask | undefined;
  let leaseTimer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let round: Promise<void> = Promise.resolve();
  let stopped = false;

  const setLeader = (value: boolean) => {
    if (value !== leader) {
      logger.info({ owner }, value ? 'became the cron leader' : 'lost the cron leadership');
      options.onLeadership?.(value);
    }
    leader = value;
  };

  async function tryLead() {
    const nowMs = deps.clock.now().getTime();
    const held = await leases.acquire(
      LEASE_NAME,
      owner,
      Math.floor(nowMs / 1000) + options.leaseTtlSeconds,
      formatTimestamp(nowMs),
    );
    const becameLeader = held && !leader;
    setLeader(held);
    return becameLeader;
  }

  async function tickNow(): Promise<ActionResult[]> {
    if (!leader) return [];
    const work = tick(deps, deps.clock.now().getTime());
    running = work.catch(() => undefined);
    try {
      const results = await work;
      options.onTick?.(results);
      for (const result of results) logger.info(result, `cron ${result.action}: ${result.done}`);
      return results;
    } catch (error) {
      options.onTickError?.(error);
      logger.error({ err: error }, 'cron tick failed; the next tick retries');
      return [];
    }
  }

  // Tracked so that stop() waits for a round in flight before it releases the lease: a
  // round that finished after the release would hold the lease until it expires.
  function leaseRound(): Promise<void> {
    if (stopped) return round;
    round = (async () => {
      try {
        if (await tryLead()) await tickNow();
      } catch (error) {
        setLeader(false);
        logger.warn({ err: error }, 'lease check failed; acting as standby');
      }
    })();
    return round;
  }

  return {
    get leader() {
      return leader;
    },
    tickNow,
    async step() {
      try {
        await tryLead();
      } catch (error) {
        setLeader(false);
        logger.warn({ err: error }, 'lease check failed; acting as standby');
        return [];
      }
      return tickNow();
    },
    async start() {
      await leaseRound();
      if (stopped) return;
      // Renew (or try to take) the lease several times per TTL, so a standby takes over
      // within about LEASE_TTL_SECONDS + one round after the leader dies.
      leaseTimer = setInterval(
        () => void leaseRound(),
        Math.max(1_000, (options.leaseTtlSeconds * 1000) / 5),
      );
      task = cron.schedule('* * * * *', () => tickNow(), {
        timezone: deps.eod.timeZone,
        noOverlap: true,
        name: 'eod-tick',
      });
    },
    async stop() {
      stopped = true;
      await task?.stop();
      await task?.destroy();
      if (leaseTimer) clearInterval(leaseTimer);
      await round;
      await running;
      if (leader) {
        await leases.release(LEASE_NAME, owner).catch(() => undefined);
        setLeader(false);
      }
    },
  };
}
