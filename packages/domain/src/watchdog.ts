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
import { NotifierError } from './errors.ts';
import { buildDeadlineMessage } from './events.ts';
import { renderMonitorGap } from './incident-messages.ts';
import type { EventProducer, MessageRef, Notifier, SchedulerStore } from './ports.ts';
import { formatTimestamp, parseTimestamp } from './scheduler.ts';

export type WatchdogDeps = {
  schedulers: SchedulerStore;
  producer: EventProducer;
  notifier: Notifier;
  digest: (text: string) => string;
  /** IANA zone of the times in the gap message. */
  timeZone: string;
  /**
   * Where the gap message goes: one per board channel, in its zone (docs/boards.md).
   * Default: the notifier's own channel, in `timeZone`. Read once per blind spell message.
   */
  channels?: () => Promise<readonly GapChannel[]>;
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

/** A channel the gap message goes to (undefined: the notifier's own) and its zone. */
export type GapChannel = { channel: string | undefined; timeZone: string };

/** A spell while schedmon was not watching: what its message says, and where it is. */
type BlindSpell = {
  from: string;
  to: string;
  deadlines: number;
  /** Its message in each channel, by channel ('' for the notifier's own). */
  refs: Map<string, MessageRef>;
  /** The message says what the spell is now. */
  said: boolean;
};

/** What one round did. */
export type WatchdogRound = {
  /** Deadlines found due. */
  due: number;
  /** Sent this round, watched (they page) and unwatched (recorded as unknown). */
  sent: number;
  sentUnwatched: number;
  /** Newly found to have fallen while schedmon was not watching. */
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
  // The newest unwatched deadline already counted, and the blind spell under way: one
  // message per spell, edited in place as the spell grows.
  let reportedUntil = '';
  let spell: BlindSpell | undefined;
  let lastRoundMs: number | undefined;

  /** Posts the spell's message in every channel, or edits it; `said` when all took it. */
  async function say(current: BlindSpell) {
    let channels: readonly GapChannel[];
    try {
      channels = deps.channels
        ? await deps.channels()
        : [{ channel: undefined, timeZone: deps.timeZone }];
    } catch (error) {
      current.said = false;
      deps.logger.warn({ err: error }, 'the boards could not be read; the next round tries again');
      return;
    }
    let said = true;
    for (const { channel, timeZone } of channels) {
      const key = channel ?? '';
      const message = renderMonitorGap({
        from: current.from,
        to: current.to,
        deadlines: current.deadlines,
        timeZone,
      });
      try {
        const ref = current.refs.get(key);
        current.refs.set(
          key,
          ref
            ? await deps.notifier.update(ref, message)
            : await deps.notifier.post(message, channel),
        );
      } catch (error) {
        said = false;
        // Refused for good (the message was deleted, say): a new one next round.
        if (error instanceof NotifierError && !error.retryable) current.refs.delete(key);
        deps.logger.warn(
          { err: error, channel: key },
          'the not-watched message could not be posted; the next round tries again',
        );
      }
    }
    current.said = said;
  }

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
      let sentUnwatched = 0;
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
              if (item.unwatched) sentUnwatched += 1;
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

      // This replica did not run rounds for a while (it was not the leader, or stopped):
      // what it knew of a spell is over.
      if (lastRoundMs !== undefined && nowMs - lastRoundMs > deps.gapMs) spell = undefined;
      lastRoundMs = nowMs;
      const unwatched = messages
        .filter((item) => item.unwatched && item.deadline.due_at > reportedUntil)
        .map((item) => item.deadline.due_at)
        .sort();
      const from = unwatched[0];
      const to = unwatched.at(-1);
      if (from !== undefined && to !== undefined) {
        spell = spell
          ? {
              ...spell,
              to: to > spell.to ? to : spell.to,
              deadlines: spell.deadlines + unwatched.length,
              said: false,
            }
          : { from, to, deadlines: unwatched.length, refs: new Map(), said: false };
        reportedUntil = to;
        deps.logger.info(
          { from, to, deadlines: unwatched.length },
          'deadlines fell while schedmon was not watching: recorded as unknown, nobody paged',
        );
      }
      if (spell && !spell.said) await say(spell);
      // The spell is over once a round finds nothing that fell while unwatched.
      if (!messages.some((item) => item.unwatched)) spell = undefined;
      return {
        due: due.length,
        sent: toSend.length - failed,
        sentUnwatched,
        unwatched: unwatched.length,
        failed,
        ms: performance.now() - started,
      };
    },
  };
}
