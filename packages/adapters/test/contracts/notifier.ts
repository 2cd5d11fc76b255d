import type { MessageRef, Notifier, SlackMessage } from '@schedmon/domain';
import { NotifierError } from '@schedmon/domain';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** A message as the sink behind a notifier holds it now. */
type DeliveredMessage = {
  text: string;
  /** `undefined` when the sink keeps only the text (the log). */
  blocks?: readonly unknown[];
};

/** A fresh notifier for one test, and a way to look at what it delivered. */
export type NotifierFixture = {
  notifier: Notifier;
  /** The current content of the message at `ref`, or `undefined` when there is none. */
  read(ref: MessageRef): DeliveredMessage | undefined | Promise<DeliveredMessage | undefined>;
  /** The replies in the thread of the message at `parent` as they are now, oldest first. */
  thread(parent: MessageRef): DeliveredMessage[] | Promise<DeliveredMessage[]>;
  teardown?(): void | Promise<void>;
};

/** What an implementation can promise beyond the common contract. */
export type NotifierContractOptions = {
  /**
   * Whether it knows which messages exist, and so refuses a reply to one that does not
   * (`thread_not_found`); default true. The log keeps nothing, so it cannot.
   */
  knowsMessages?: boolean;
};

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

const plain = (text: string): SlackMessage => ({ text, blocks: [] });

/**
 * The `Notifier` port's contract, run against every implementation (Slack on the fake Slack
 * server, the log, in-memory fakes) so none of them can drift. `setup` runs before each test.
 */
export function notifierContract(
  name: string,
  setup: () => NotifierFixture | Promise<NotifierFixture>,
  options: NotifierContractOptions = {},
): void {
  const { knowsMessages = true } = options;
  describe(`Notifier contract: ${name}`, () => {
    let fixture: NotifierFixture;

    beforeEach(async () => {
      fixture = await setup();
    });

    afterEach(async () => {
      await fixture.teardown?.();
    });

    it('post delivers the message and returns a ref to it', async () => {
      const ref = await fixture.notifier.post(plain('EOD status\nall clear'));

      expect(ref.channel).not.toBe('');
      expect(ref.ts).not.toBe('');
      expect(await fixture.read(ref)).toMatchObject({ text: 'EOD status\nall clear' });
    });

    it('gives each post a ref of its own', async () => {
      const first = await fixture.notifier.post(plain('first'));
      const second = await fixture.notifier.post(plain('second'));

      expect(second).not.toEqual(first);
      expect(await fixture.read(first)).toMatchObject({ text: 'first' });
      expect(await fixture.read(second)).toMatchObject({ text: 'second' });
    });

    it('post with a channel delivers there, where its edits and replies stay', async () => {
      const ref = await fixture.notifier.post(plain('Payments EOD'), 'C0PAYMENTS');
      const own = await fixture.notifier.post(plain('ops alert'));

      expect(ref.channel).toBe('C0PAYMENTS');
      expect(own.channel).not.toBe('C0PAYMENTS');
      expect(await fixture.read(ref)).toMatchObject({ text: 'Payments EOD' });
      expect(await fixture.notifier.update(ref, plain('Payments EOD 01:00'))).toEqual(ref);
      expect(await fixture.read(ref)).toMatchObject({ text: 'Payments EOD 01:00' });
      const reply = await fixture.notifier.reply(ref, plain('started late'));
      expect(reply.channel).toBe('C0PAYMENTS');
      expect((await fixture.thread(ref)).map((message) => message.text)).toEqual(['started late']);
      expect(await fixture.read(own)).toMatchObject({ text: 'ops alert' });
    });

    it('update edits the message in place and keeps its ref', async () => {
      const ref = await fixture.notifier.post(plain('table at 00:00'));
      const other = await fixture.notifier.post(plain('an alert'));

      const updated = await fixture.notifier.update(ref, plain('table at 01:00'));

      expect(updated).toEqual(ref);
      expect(await fixture.read(ref)).toMatchObject({ text: 'table at 01:00' });
      expect(await fixture.read(other)).toMatchObject({ text: 'an alert' });
    });

    it('posts and updates messages with Block Kit blocks', async () => {
      const message = { text: 'EOD fallback', blocks: [section('*EOD* 1 failed')] };
      const ref = await fixture.notifier.post(message);

      const posted = await fixture.read(ref);
      expect(posted?.text).toBe('EOD fallback');
      if (posted?.blocks !== undefined) expect(posted.blocks).toEqual(message.blocks);

      const next = { text: 'EOD fallback 2', blocks: [section('*EOD* all clear'), section('…')] };
      await fixture.notifier.update(ref, next);

      const updated = await fixture.read(ref);
      expect(updated?.text).toBe('EOD fallback 2');
      if (updated?.blocks !== undefined) expect(updated.blocks).toEqual(next.blocks);
    });

    it("reply lands in the parent's thread with a ref of its own, oldest first", async () => {
      const root = await fixture.notifier.post(plain('❗ Missed'));
      const other = await fixture.notifier.post(plain('EOD table'));

      const first = await fixture.notifier.reply(root, plain('started 47 min late'));
      const second = await fixture.notifier.reply(root, {
        text: '✅ Recovered',
        blocks: [section('✅ *Recovered*')],
      });

      expect(first.channel).toBe(root.channel);
      expect(new Set([root.ts, other.ts, first.ts, second.ts]).size).toBe(4);
      const thread = await fixture.thread(root);
      expect(thread.map((reply) => reply.text)).toEqual(['started 47 min late', '✅ Recovered']);
      if (thread[1]?.blocks !== undefined)
        expect(thread[1].blocks).toEqual([section('✅ *Recovered*')]);
      expect(await fixture.thread(other)).toEqual([]);
      expect(await fixture.read(first)).toMatchObject({ text: 'started 47 min late' });
      // The parent is untouched by its replies.
      expect(await fixture.read(root)).toMatchObject({ text: '❗ Missed' });
    });

    it('update edits a reply in place, in its thread', async () => {
      const root = await fixture.notifier.post(plain('❗ Missed'));
      const reply = await fixture.notifier.reply(root, plain('escalated'));

      const updated = await fixture.notifier.update(reply, plain('escalated to on-call'));

      expect(updated).toEqual(reply);
      expect((await fixture.thread(root)).map((message) => message.text)).toEqual([
        'escalated to on-call',
      ]);
      expect(await fixture.read(root)).toMatchObject({ text: '❗ Missed' });
    });

    // Defined only where it applies, so the log's run shows no skipped test.
    if (knowsMessages) {
      it('reply refuses a parent that is no top-level message, permanently', async () => {
        const root = await fixture.notifier.post(plain('❗ Missed'));
        const reply = await fixture.notifier.reply(root, plain('follow-up'));
        const unknown = { channel: root.channel, ts: '1600000000.000100' };

        for (const parent of [unknown, reply]) {
          const error = await fixture.notifier.reply(parent, plain('x')).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(NotifierError);
          expect(error).toMatchObject({ reason: 'thread_not_found', retryable: false });
        }
        expect((await fixture.thread(root)).map((message) => message.text)).toEqual(['follow-up']);
      });
    }

    it('check() answers ok', async () => {
      const check = await fixture.notifier.check();

      expect(check.ok).toBe(true);
      expect(check.message).not.toBe('');
    });
  });
}
