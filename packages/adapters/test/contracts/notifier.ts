import type { MessageRef, Notifier, SlackMessage } from '@schedmon/domain';
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
  teardown?(): void | Promise<void>;
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
): void {
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

    it('check() answers ok', async () => {
      const check = await fixture.notifier.check();

      expect(check.ok).toBe(true);
      expect(check.message).not.toBe('');
    });
  });
}
