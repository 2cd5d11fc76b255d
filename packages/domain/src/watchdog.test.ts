import { describe, expect, it } from 'vitest';
import { NotifierError } from './errors.ts';
import type { QueueMessage } from './events.ts';
import { createMemoryNotifier, createMemorySchedulerStore } from './fakes.ts';
import type { DueDeadline } from './ports.ts';
import { createWatchdog } from './watchdog.ts';

const settings = { timeZone: 'UTC', heartbeatTimeoutMinutes: 15 };
const GAP_MS = 300_000;
const at = (hhmmss: string) => Date.parse(`2026-01-15T${hhmmss}.000Z`);
const silent = { info() {}, warn() {} };

/** A watchdog over `due` deadlines, counting what it sends and says. */
function setup() {
  const schedulers = createMemorySchedulerStore({ deadlines: settings });
  const notifier = createMemoryNotifier();
  const sent: QueueMessage[] = [];
  const watchdog = createWatchdog({
    schedulers,
    producer: {
      send: async (message) => {
        sent.push(message);
        return { messageId: String(sent.length) };
      },
    },
    notifier,
    digest: (text) => text.replace(/[^a-z0-9]/g, '').padEnd(40, '0'),
    timeZone: 'UTC',
    gapMs: GAP_MS,
    logger: silent,
  });
  const addDue = async (id: string, dueAt: string) => {
    const record = await schedulers.register(
      { scheduler_id: id, service_name: 'S', job_name: id },
      '2026-01-15T00:00:00.000Z',
    );
    const deadline: Omit<DueDeadline, 'scheduler_id'> = {
      kind: 'missed',
      due_at: dueAt,
      expected_at: null,
    };
    await schedulers.setDeadline(
      id,
      { due_at: deadline.due_at, due_kind: deadline.kind, next_expected_at: null },
      record.updated_at,
    );
  };
  return { watchdog, notifier, sent, addDue };
}

describe('the watchdog', () => {
  it('sends each due deadline once, and again only half the gap later while still due', async () => {
    const { watchdog, sent, addDue } = setup();
    await addDue('a', '2026-01-15T01:00:00.000Z');
    expect((await watchdog.round(at('01:00:10'))).sent).toBe(1);
    expect((await watchdog.round(at('01:00:40'))).sent).toBe(0);
    expect((await watchdog.round(at('01:02:40'))).sent).toBe(1);
    expect(sent.map((message) => message.type)).toEqual(['deadline', 'deadline']);
    expect(sent.every((message) => !('unwatched' in message))).toBe(true);
  });

  it('says one thing per blind spell, edited as it grows, and a new spell after the leadership came back', async () => {
    const { watchdog, notifier, addDue } = setup();
    await addDue('a', '2026-01-15T01:00:00.000Z');
    await addDue('b', '2026-01-15T01:01:00.000Z');
    // Back at 01:10: both fell while nobody watched.
    const round = await watchdog.round(at('01:10:00'));
    expect(round).toMatchObject({ due: 2, sent: 2, sentUnwatched: 2, unwatched: 2 });
    const [first] = notifier.posted();
    expect(notifier.posted()).toHaveLength(1);
    expect(first?.message.text).toContain('2 deadlines');
    // Still blind (the worker has not applied them): one more falls in, the same message
    // grows.
    await addDue('c', '2026-01-15T01:04:00.000Z');
    await watchdog.round(at('01:10:30'));
    expect(notifier.posted()).toHaveLength(1);
    expect(first && notifier.read(first.ref)?.text).toContain('3 deadlines');
    // Later, after this replica ran no rounds for longer than the gap: a new spell.
    await addDue('d', '2026-01-15T01:20:00.000Z');
    await watchdog.round(at('01:40:00'));
    expect(notifier.posted()).toHaveLength(2);
  });

  it('tries the message again next round when Slack did not take it', async () => {
    const { watchdog, notifier, addDue } = setup();
    await addDue('a', '2026-01-15T01:00:00.000Z');
    notifier.failNext();
    await watchdog.round(at('01:10:00'));
    expect(notifier.posted()).toHaveLength(0);
    await watchdog.round(at('01:10:30'));
    expect(notifier.posted()).toHaveLength(1);
  });
});

describe('the watchdog’s message when Slack refuses to edit it', () => {
  it('posts a new one instead of trying the same edit for ever', async () => {
    const { watchdog, notifier, addDue } = setup();
    await addDue('a', '2026-01-15T01:00:00.000Z');
    await watchdog.round(at('01:10:00'));
    await addDue('b', '2026-01-15T01:02:00.000Z');
    notifier.failNext(new NotifierError('message_not_found', false));
    await watchdog.round(at('01:10:30'));
    await watchdog.round(at('01:11:00'));
    expect(notifier.posted()).toHaveLength(2);
    expect(notifier.posted()[1]?.message.text).toContain('2 deadlines');
  });
});
