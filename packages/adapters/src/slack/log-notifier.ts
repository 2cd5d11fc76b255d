import type { MessageRef, Notifier, SlackMessage } from '@schedmon/domain';
import type { NotifierLogger } from './notifier-logger.ts';

/** Options of {@link createLogNotifier}. */
export type LogNotifierOptions = {
  /** The channel of a post given none, put in the refs it returns; default `log`. */
  channel?: string;
};

/**
 * The `Notifier` used when Slack is not configured: each message's plain-text fallback goes to
 * the log at info, multi-line as ops would read it in Slack, so a local run shows what would
 * have been posted, and in which channel. Refs are synthetic (`log-000001`, `log-000002`, …, in
 * the channel given to `post`, else the configured one), so the callers store and edit them
 * exactly as they would Slack's. A thread reply gets a ref of its
 * own and is logged with its parent's ts (`thread_ts`), so a thread reads back in order.
 *
 * Failure: none of its own; it throws only if the logger does.
 */
export function createLogNotifier(
  logger: NotifierLogger,
  options: LogNotifierOptions = {},
): Notifier {
  const channel = options.channel ?? 'log';
  let issued = 0;

  const write = (
    method: string,
    ref: MessageRef,
    message: SlackMessage,
    title: string,
    threadTs?: string,
  ) => {
    logger.info(
      {
        notifier: 'log',
        method,
        channel: ref.channel,
        ts: ref.ts,
        ...(threadTs !== undefined && { thread_ts: threadTs }),
        blocks: message.blocks.length,
      },
      `${title}\n${message.text}`,
    );
  };
  // Zero-padded so the refs sort in post order, like Slack's ts.
  const nextTs = () => {
    issued += 1;
    return `log-${String(issued).padStart(6, '0')}`;
  };

  return {
    post(message: SlackMessage, to?: string): Promise<MessageRef> {
      const ref = { channel: to ?? channel, ts: nextTs() };
      const title = `Slack message ${ref.ts} in ${ref.channel} (Slack is off):`;
      write('chat.postMessage', ref, message, title);
      return Promise.resolve(ref);
    },

    update(ref: MessageRef, message: SlackMessage): Promise<MessageRef> {
      const title = `Slack message update of ${ref.ts} in ${ref.channel} (Slack is off):`;
      write('chat.update', ref, message, title);
      return Promise.resolve({ channel: ref.channel, ts: ref.ts });
    },

    reply(parent: MessageRef, message: SlackMessage): Promise<MessageRef> {
      const ref = { channel: parent.channel, ts: nextTs() };
      const title = `Slack thread reply ${ref.ts} to ${parent.ts} in ${ref.channel} (Slack is off):`;
      write('chat.postMessage', ref, message, title, parent.ts);
      return Promise.resolve(ref);
    },

    check(): Promise<{ ok: boolean; message: string }> {
      return Promise.resolve({ ok: true, message: 'Slack disabled: messages go to the log' });
    },
  };
}
