/** A channel message as the fake holds it: its latest content after every `chat.update`. */
export type StoredMessage = {
  channel: string;
  ts: string;
  text: string | undefined;
  blocks: unknown[] | undefined;
  attachments: unknown[] | undefined;
  thread_ts: string | undefined;
  user: string;
  bot_id: string;
  /** Set by `chat.update`, like Slack's `edited` field; `ts` is when the last edit happened. */
  edited: { user: string; ts: string } | undefined;
};

/** An ephemeral message: Slack shows it to one user and never keeps it in the channel. */
export type StoredEphemeral = {
  channel: string;
  user: string;
  message_ts: string;
  text: string | undefined;
  blocks: unknown[] | undefined;
};

/**
 * Holds posted messages in post order and issues Slack-style timestamps
 * (`"1700000000.000100"`) that keep increasing for the store's lifetime, even across `clear()`,
 * so a `ts` from before a reset can never address a new message.
 */
export function createMessageStore(startSeconds: number) {
  let issued = 0;
  // Keyed by ts alone because every ts is unique; Map keeps insertion (= post) order.
  const messages = new Map<string, StoredMessage>();
  const ephemerals: StoredEphemeral[] = [];

  const nextTs = (): string => {
    issued += 1;
    const micros = issued * 100;
    const seconds = startSeconds + Math.floor(micros / 1_000_000);
    return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
  };

  return {
    nextTs,
    add(message: StoredMessage): void {
      messages.set(message.ts, message);
    },
    addEphemeral(message: StoredEphemeral): void {
      ephemerals.push(message);
    },
    get(channel: string, ts: string): StoredMessage | undefined {
      const message = messages.get(ts);
      return message?.channel === channel ? message : undefined;
    },
    remove(channel: string, ts: string): boolean {
      return messages.get(ts)?.channel === channel && messages.delete(ts);
    },
    list(channel?: string): StoredMessage[] {
      return [...messages.values()].filter((m) => channel === undefined || m.channel === channel);
    },
    listEphemeral(channel?: string): StoredEphemeral[] {
      return ephemerals.filter((m) => channel === undefined || m.channel === channel);
    },
    clear(): void {
      messages.clear();
      ephemerals.length = 0;
    },
  };
}
