/**
 * The watchdog (docs/schedules.md → Deadlines): every `WATCHDOG_INTERVAL_SECONDS` the cron
 * leader asks the deadlines index what came due and sends each one to the queue as a
 * `deadline` event with a deterministic id; the worker decides whether it still stands.
 * A deadline stays due until the worker applies it, so a round sends only the ones it has
 * not sent lately (again after `resendAfterMs`, should a message or a worker be lost).
 *
 * The monitor's own outage pages nobody: a deadline that has been due for longer than
 * `gapMs` fell while schedmon was not watching (the watchdog did not run, or the queue or
 * the store was down); it is sent `unwatched`, recorded as unknown, and one message says
 * what was not watched and when.
 */
import type { EventProducer, Notifier, SchedulerStore } from '@schedmon/domain';
import {
  buildDeadlineMessage,
  formatTimestamp,
  parseTimestamp,
  renderMonitorGap,
} from '@schedmon/domain';

export type WatchdogDeps = {
  schedulers: SchedulerStore;
  producer: EventProducer;
  notifier: Notifier;
  digest: (text: string) => string;
  /** IANA zone of the times in the gap message. */
  timeZone: string;
  /** `WATCHDOG_GAP_SECONDS` in ms. */
  gapMs: number;
  /** Deadlines one round takes at most (the rest wait for the next round). Default 20,000. */
  limit?: number;
  /**
   * A deadline still due this long after it was sent is sent again (a lost message, a
   * dead worker). Default half of `gapMs`, so a resend can still page.
   */
  resendAfterMs?: number;
  /** Sends in flight at once. Default 32. */
  concurrency?: number;
  logger: {
    info(obj: Record<string, unknown>, msg: string): void;
    warn(obj: Record<string, unknown>, msg: string): void;
  };
};

/** What one round did. */
export type WatchdogRound = {
  due: number;
  sent: number;
  unwatched: number;
  failed: number;
  ms: number;
};

export type Watchdog = {
  /** One round at `nowMs`. Rejects only when the store cannot be read. */
  round(nowMs: number): Promise<WatchdogRound>;
};

export function createWatchdog(deps: WatchdogDeps): Watchdog {
  const limit = deps.limit ?? 20_000;
  const resendAfterMs = deps.resendAfterMs ?? deps.gapMs / 2;
  const concurrency = deps.concurrency ?? 32;
  // Deadline id → when it was sent; forgotten once it is no longer due.
  const sent = new Map<string, number>();
  // The newest unwatched deadline already reported, and whether a blind spell is under
  // way: one spell gets one message, however many rounds it takes to clear.
  let reportedUntil = '';
  let blind = false;

  return {
    async round(nowMs) {
      const started = performance.now();
      const now = formatTimestamp(nowMs);
      const due = await deps.schedulers.due(now, limit);
      const messages = due.map((deadline) => {
        const dueMs = parseTimestamp(deadline.due_at) ?? nowMs;
        const unwatched = nowMs - dueMs > deps.gapMs;
        return {
          deadline,
          unwatched,
          message: buildDeadlineMessage(deadline, unwatched, deps.digest),
        };
      });
      const live = new Set(messages.map(({ message }) => message.event_id));
      for (const id of sent.keys()) if (!live.has(id)) sent.delete(id);
      const toSend = messages.filter(({ message }) => {
        const at = sent.get(message.event_id);
        return at === undefined || nowMs - at >= resendAfterMs;
      });

      let failed = 0;
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(concurrency, toSend.length) }, async () => {
          while (next < toSend.length) {
            const item = toSend[next];
            next += 1;
            if (!item) continue;
            try {
              await deps.producer.send(item.message, { source: 'watchdog' });
              sent.set(item.message.event_id, nowMs);
            } catch (error) {
              failed += 1;
              if (failed === 1) {
                deps.logger.warn(
                  { err: error },
                  'a deadline could not be sent; the next round sends it',
                );
              }
            }
          }
        }),
      );

      const unwatched = messages
        .filter((item) => item.unwatched && item.deadline.due_at > reportedUntil)
        .map((item) => item.deadline.due_at)
        .sort();
      const from = unwatched[0];
      const to = unwatched.at(-1);
      if (from !== undefined && to !== undefined && blind) reportedUntil = to;
      else if (from !== undefined && to !== undefined) {
        try {
          await deps.notifier.post(
            renderMonitorGap({ from, to, deadlines: unwatched.length, timeZone: deps.timeZone }),
          );
          reportedUntil = to;
          blind = true;
        } catch (error) {
          deps.logger.warn(
            { err: error },
            'the not-watched message could not be posted; the next round tries again',
          );
        }
        deps.logger.info(
          { from, to, deadlines: unwatched.length },
          'deadlines fell while schedmon was not watching: recorded as unknown, nobody paged',
        );
      }
      // The spell is over once a round finds nothing that fell while unwatched.
      if (!messages.some((item) => item.unwatched)) blind = false;
      return {
        due: due.length,
        sent: toSend.length - failed,
        unwatched: unwatched.length,
        failed,
        ms: performance.now() - started,
      };
    },
  };
}
