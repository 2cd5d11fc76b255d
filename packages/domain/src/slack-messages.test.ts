import { DEFAULT_MESSAGE_LIMITS, validateMessage } from '@schedmon/fake-slack';
import { describe, expect, it } from 'vitest';
import type { SlackMessage } from './ports.ts';
import type { SchedulerRecord, Status } from './scheduler.ts';
import type { TableRow } from './slack-messages.ts';
import {
  ACKNOWLEDGE_ACTION_ID,
  acknowledgeButtonValue,
  parseAcknowledgeButtonValue,
  renderFailureAlert,
  renderFinalSummary,
  renderStaleWarning,
  renderStatusTable,
} from './slack-messages.ts';

const ZONE = 'Asia/Jakarta';
const LABELS = { businessDateLabel: '15 Jan 2026', timeLabel: '02:00', zoneLabel: 'WIB' };
const HOSTILE =
  '<!channel> <!here> @channel @here <@U123> <!subteam^S1|ops> <http://evil|click> &lt;';

function record(id: string, overrides: Partial<SchedulerRecord> = {}): SchedulerRecord {
  return {
    scheduler_id: id,
    service_name: 'Service',
    job_name: id,
    status: 'pending',
    timestamp: '2026-01-14T17:00:00.000Z',
    execution_time_ms: null,
    error_message: null,
    metadata: null,
    last_heartbeat: null,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-14T17:00:00.000Z',
    owner_email: null,
    alert_user_id: null,
    ...overrides,
  };
}

function row(
  scheduler: SchedulerRecord,
  status: Status = scheduler.status,
  stale: TableRow['stale'] = null,
): TableRow {
  return { scheduler, status, stale };
}

const STALE = { minutesSilent: 14, lastActivity: '2026-01-14T18:46:00.000Z' };

/** `n` schedulers with 255-char names and 10,000-char errors, statuses in turn. */
function bigTable(n: number): TableRow[] {
  const statuses: Status[] = ['completed', 'running', 'pending', 'failed'];
  return Array.from({ length: n }, (_, i) => {
    const status = statuses[i % 4] ?? 'pending';
    const id = `scheduler-${String(i).padStart(5, '0')}`;
    return row(
      record(id, {
        service_name: `Service ${i % 7} ${'s'.repeat(245)}`.slice(0, 255),
        job_name: `${id} ${'j'.repeat(250)}`.slice(0, 255),
        status,
        execution_time_ms: status === 'completed' ? 1_000 + i : null,
        error_message:
          status === 'failed' ? `boom ${i} ${'e'.repeat(10_000)}`.slice(0, 10_000) : null,
      }),
      status,
      status === 'running' && i % 8 === 1 ? STALE : null,
    );
  });
}

function expectValid(messages: readonly SlackMessage[]): void {
  for (const message of messages) {
    const refusal = validateMessage(
      { text: message.text, blocks: message.blocks },
      DEFAULT_MESSAGE_LIMITS,
    );
    expect(refusal).toBeUndefined();
  }
}

type TextObject = { type: string; text: string };

function headerOf(message: SlackMessage): string {
  const block = message.blocks[0] as { type: string; text: TextObject };
  expect(block.type).toBe('header');
  return block.text.text;
}

function sectionTexts(message: SlackMessage): string[] {
  return message.blocks
    .filter((block) => block.type === 'section' && block.text !== undefined)
    .map((block) => (block.text as TextObject).text);
}

/** The table rows of the messages, in order, without the column headings. */
function rowLines(messages: readonly SlackMessage[]): string[] {
  return messages.flatMap((message) =>
    sectionTexts(message)
      .flatMap((text) => text.split('\n'))
      .filter((line) => line.includes(' │ ') && !line.startsWith('*Service*')),
  );
}

/** Every Slack control sequence (`<…`) in the message's JSON. */
function controlSequences(value: unknown): string[] {
  return JSON.stringify(value).match(/<[!@#]?[^>]*>?/g) ?? [];
}

describe('renderStatusTable', () => {
  it('renders an empty table as one valid message with zero counts', () => {
    const messages = renderStatusTable({ ...LABELS, rows: [], timeZone: ZONE });
    expect(messages).toHaveLength(1);
    const [message] = messages;
    if (message === undefined) throw new Error('no message');
    expect(headerOf(message)).toBe('📊 EOD Process Status — 15 Jan 2026 02:00 WIB');
    expect(sectionTexts(message)).toEqual([
      '✅ 0 completed · 🟡 0 running · ⬜ 0 pending · ❌ 0 failed · ⚠️ 0 stale',
      'No schedulers registered.',
    ]);
    expect(message.text).toContain('No schedulers registered');
    expectValid(messages);
  });

  it('renders the spec example: rows, times in the EOD zone, counts and legend', () => {
    const rows = [
      row(
        record('a', {
          service_name: 'Service A',
          job_name: 'EOD Process',
          status: 'completed',
          timestamp: '2026-01-14T17:58:00Z',
          execution_time_ms: 15_000,
        }),
      ),
      row(
        record('b', {
          service_name: 'Service B',
          job_name: 'Data Sync',
          status: 'running',
          timestamp: '2026-01-14T17:31:00Z',
        }),
        'running',
        STALE,
      ),
      row(record('c', { service_name: 'Service C', job_name: 'Reporting' }), 'pending'),
      row(
        record('d', {
          service_name: 'Service D',
          job_name: 'Backup',
          status: 'failed',
          timestamp: '2026-01-14T18:42:00Z',
          error_message: 'disk full',
        }),
      ),
    ];
    const messages = renderStatusTable({ ...LABELS, rows, timeZone: ZONE });
    expect(messages).toHaveLength(1);
    const [message] = messages;
    if (message === undefined) throw new Error('no message');
    expect(sectionTexts(message)[0]).toBe(
      '✅ 1 completed · 🟡 1 running · ⬜ 1 pending · ❌ 1 failed · ⚠️ 1 stale',
    );
    expect(sectionTexts(message)[1]?.split('\n')).toEqual([
      '*Service* │ *Job Name* │ *Status*',
      'Service D │ Backup │ ❌ Failed 01:42 (disk full)',
      'Service B │ Data Sync │ 🟡 Running since 00:31 ⚠️ no heartbeat 14 min',
      'Service C │ Reporting │ ⬜ Pending',
      'Service A │ EOD Process │ ✅ Completed 00:58 (15.0 s)',
    ]);
    const legend = message.blocks.at(-1) as { type: string; elements: TextObject[] };
    expect(legend.type).toBe('context');
    expect(legend.elements[0]?.text).toContain('Legend: ⬜ Pending | 🟡 Running');
    // The fallback carries the same rows as plain text.
    expect(message.text.split('\n')).toEqual([
      '📊 EOD Process Status — 15 Jan 2026 02:00 WIB',
      '✅ 1 completed · 🟡 1 running · ⬜ 1 pending · ❌ 1 failed · ⚠️ 1 stale',
      'Service │ Job Name │ Status',
      'Service D │ Backup │ ❌ Failed 01:42 (disk full)',
      'Service B │ Data Sync │ 🟡 Running since 00:31 ⚠️ no heartbeat 14 min',
      'Service C │ Reporting │ ⬜ Pending',
      'Service A │ EOD Process │ ✅ Completed 00:58 (15.0 s)',
      expect.stringContaining('Legend:'),
    ]);
    expectValid(messages);
  });

  it('shows times in the given zone, whatever the zone', () => {
    const rows = [row(record('x', { status: 'running', timestamp: '2026-01-14T18:42:00Z' }))];
    const line = (timeZone: string) => rowLines(renderStatusTable({ ...LABELS, rows, timeZone }));
    expect(line('Asia/Jakarta')).toEqual(['Service │ x │ 🟡 Running since 01:42']);
    expect(line('UTC')).toEqual(['Service │ x │ 🟡 Running since 18:42']);
    expect(line('America/New_York')).toEqual(['Service │ x │ 🟡 Running since 13:42']);
  });

  it('shows tonight’s status given by the caller, not the stored one', () => {
    const yesterday = record('y', { status: 'completed', execution_time_ms: 5 });
    const messages = renderStatusTable({
      ...LABELS,
      rows: [row(yesterday, 'pending', STALE)],
      timeZone: ZONE,
    });
    expect(rowLines(messages)).toEqual(['Service │ y │ ⬜ Pending']);
    expect(sectionTexts(messages[0] as SlackMessage)[0]).toContain('⬜ 1 pending');
    expect(sectionTexts(messages[0] as SlackMessage)[0]).toContain('⚠️ 0 stale');
  });

  it('orders problems first, then running, pending, completed; by service then job inside', () => {
    const rows = [
      row(record('c1', { service_name: 'beta', job_name: 'b', status: 'completed' })),
      row(record('p1', { service_name: 'Beta', job_name: 'a' }), 'pending'),
      row(record('r1', { service_name: 'alpha', job_name: 'z', status: 'running' })),
      row(
        record('s1', { service_name: 'zeta', job_name: 'a', status: 'running' }),
        'running',
        STALE,
      ),
      row(record('f2', { service_name: 'Zulu', job_name: 'a', status: 'failed' })),
      row(record('f1', { service_name: 'alpha', job_name: 'B', status: 'failed' })),
      row(record('f0', { service_name: 'alpha', job_name: 'a', status: 'failed' })),
      row(
        record('s0', { service_name: 'alpha', job_name: 'a', status: 'running' }),
        'running',
        STALE,
      ),
      row(record('p0', { service_name: 'beta', job_name: 'a' }), 'pending'),
      row(record('r0', { service_name: 'alpha', job_name: 'y', status: 'running' })),
    ];
    const order = (input: TableRow[]) =>
      rowLines(renderStatusTable({ ...LABELS, rows: input, timeZone: ZONE })).map((line) => {
        const [service, job, status = ''] = line.split(' │ ');
        return `${service}/${job}:${[...status][0]}`;
      });
    const expected = [
      'alpha/a:❌',
      'alpha/B:❌',
      'Zulu/a:❌',
      'alpha/a:🟡',
      'zeta/a:🟡',
      'alpha/y:🟡',
      'alpha/z:🟡',
      'Beta/a:⬜',
      'beta/a:⬜',
      'beta/b:✅',
    ];
    expect(order(rows)).toEqual(expected);
    expect(order([...rows].reverse())).toEqual(expected);
  });

  it('counts every status; stale schedulers count as running too', () => {
    const rows = bigTable(100);
    const [first] = renderStatusTable({ ...LABELS, rows, timeZone: ZONE });
    expect(sectionTexts(first as SlackMessage)[0]).toBe(
      '✅ 25 completed · 🟡 25 running · ⬜ 25 pending · ❌ 25 failed · ⚠️ 13 stale',
    );
  });

  it.each([1, 100, 101, 2_000, 10_000])(
    'keeps %i schedulers with long names and errors within every limit',
    (n) => {
      const rows = bigTable(n);
      const messages = renderStatusTable({ ...LABELS, rows, timeZone: ZONE });
      expectValid(messages);
      const lines = rowLines(messages);
      expect(lines).toHaveLength(n);
      expect(new Set(lines.map((line) => line.split(' │ ')[1])).size).toBe(n);
      // Errors are cut to a readable excerpt.
      for (const line of lines) expect(line.length).toBeLessThan(400);
      const first = messages[0] as SlackMessage;
      expect(sectionTexts(first)[0]).toMatch(/^✅ \d+ completed/);
      if (messages.length > 1) {
        expect(headerOf(first)).toMatch(new RegExp(`\\(1/${messages.length}\\)$`));
        messages.slice(1).forEach((message, index) => {
          expect(headerOf(message)).toContain(`(continued ${index + 2}/${messages.length})`);
          expect(sectionTexts(message)[0]).toMatch(/^\*Service\* │/);
        });
      }
      expect(renderStatusTable({ ...LABELS, rows, timeZone: ZONE })).toEqual(messages);
    },
  );

  it('puts the counts and every problem row in the first message of a big table', () => {
    const rows: TableRow[] = [];
    for (let i = 0; i < 2_000; i += 1) {
      const id = `s-${String(i).padStart(4, '0')}`;
      const long = { service_name: `Svc ${'x'.repeat(250)}`, job_name: `${id} ${'y'.repeat(240)}` };
      if (i % 40 === 3 && rows.filter((r) => r.status === 'failed').length < 30) {
        rows.push(
          row(record(id, { ...long, status: 'failed', error_message: 'e'.repeat(10_000) })),
        );
      } else if (i % 40 === 7 && rows.filter((r) => r.stale !== null).length < 20) {
        rows.push(row(record(id, { ...long, status: 'running' }), 'running', STALE));
      } else {
        rows.push(row(record(id, { ...long, status: 'completed', execution_time_ms: i })));
      }
    }
    const messages = renderStatusTable({ ...LABELS, rows, timeZone: ZONE });
    expect(messages.length).toBeGreaterThan(1);
    expectValid(messages);
    const first = messages[0] as SlackMessage;
    expect(sectionTexts(first)[0]).toBe(
      '✅ 1950 completed · 🟡 20 running · ⬜ 0 pending · ❌ 30 failed · ⚠️ 20 stale',
    );
    const firstRows = rowLines([first]);
    expect(firstRows.filter((line) => line.includes('❌ Failed'))).toHaveLength(30);
    expect(firstRows.filter((line) => line.includes('⚠️ no heartbeat'))).toHaveLength(20);
    expect(firstRows.slice(0, 30).every((line) => line.includes('❌ Failed'))).toBe(true);
    expect(firstRows.slice(30, 50).every((line) => line.includes('⚠️ no heartbeat'))).toBe(true);
    expect(rowLines(messages.slice(1)).some((line) => !line.includes('✅'))).toBe(false);
  });

  it('continues problems first in the next messages when they overflow the first', () => {
    const rows = bigTable(2_000).map((r) =>
      row({ ...r.scheduler, status: 'failed', error_message: '<'.repeat(10_000) }, 'failed'),
    );
    rows.push(row(record('zz-pending', { service_name: 'AAA' }), 'pending'));
    const messages = renderStatusTable({ ...LABELS, rows, timeZone: ZONE });
    expectValid(messages);
    const lines = rowLines(messages);
    expect(lines).toHaveLength(2_001);
    expect(lines.at(-1)).toBe('AAA │ zz-pending │ ⬜ Pending');
    expect(lines.slice(0, 2_000).every((line) => line.includes('❌ Failed'))).toBe(true);
  });

  it('marks the final edit and pads to the number of messages already posted', () => {
    const rows = [row(record('one', { status: 'completed', execution_time_ms: 61_000 }))];
    const messages = renderStatusTable({
      ...LABELS,
      timeLabel: '06:00',
      rows,
      timeZone: ZONE,
      final: true,
      minMessages: 3,
    });
    expect(messages).toHaveLength(3);
    expectValid(messages);
    expect(headerOf(messages[0] as SlackMessage)).toBe(
      '📊 EOD Process Status — 15 Jan 2026 06:00 WIB · final (1/3)',
    );
    expect(headerOf(messages[2] as SlackMessage)).toContain('(continued 3/3)');
    expect(sectionTexts(messages[2] as SlackMessage)).toEqual([
      '_No further rows: the table now fits in fewer messages._',
    ]);
    expect(rowLines(messages)).toEqual(['Service │ one │ ✅ Completed 00:00 (1 min 1 s)']);
  });

  it('escapes producer text so it cannot mention, link or break a row', () => {
    const rows = [
      row(
        record(HOSTILE.replace(/[^A-Za-z0-9]/g, '') || 'h', {
          service_name: HOSTILE,
          job_name: '&lt; multi\nline `code` job',
          status: 'failed',
          error_message: `${HOSTILE}\n${'x'.repeat(20_000)}`,
        }),
      ),
    ];
    const messages = renderStatusTable({ ...LABELS, rows, timeZone: ZONE });
    expectValid(messages);
    expect(controlSequences(messages)).toEqual([]);
    expect(JSON.stringify(messages)).not.toMatch(/@(channel|here)/);
    const [line] = rowLines(messages);
    expect(line).toContain('&lt;!channel&gt;');
    expect(line).toContain('&amp;lt;');
    expect(line).toContain('&amp;lt; multi line ˋcodeˋ job');
    expect(line).toMatch(/…\)$/);
  });
});

describe('renderFailureAlert', () => {
  const failed = record('svc-d-backup', {
    service_name: 'Service D',
    job_name: 'Backup',
    status: 'failed',
    timestamp: '2026-01-14T18:42:00Z',
    execution_time_ms: 15_000,
    error_message: 'disk full',
  });

  const buttonsOf = (message: SlackMessage) =>
    message.blocks
      .filter((block) => block.type === 'actions')
      .flatMap((block) => block.elements as Record<string, unknown>[]);

  it('names the service, job, id, time in the zone, execution time and error', () => {
    const message = renderFailureAlert({
      scheduler: failed,
      eventId: 'evt-1',
      timeZone: ZONE,
      zoneLabel: 'WIB',
    });
    expectValid([message]);
    const json = JSON.stringify(message.blocks);
    for (const part of ['Service D', 'Backup', 'svc-d-backup', '15 Jan 2026 01:42 WIB', '15.0 s']) {
      expect(json).toContain(part);
    }
    expect(json).toContain('```disk full```');
    expect(message.text).toBe(
      '❌ Job failed: Service D › Backup (svc-d-backup) at 15 Jan 2026 01:42 WIB: disk full',
    );
    expect(controlSequences(message)).toEqual([]);
  });

  it.each([
    ['U123ABC', '<@U123ABC>'],
    ['W0A1', '<@W0A1>'],
    ['S0ABC', '<!subteam^S0ABC>'],
  ])('mentions %s as %s, and nothing else', (alertUserId, mention) => {
    const message = renderFailureAlert({
      scheduler: { ...failed, alert_user_id: alertUserId, error_message: HOSTILE },
      eventId: 'evt-1',
      timeZone: ZONE,
      zoneLabel: 'WIB',
    });
    expect(message.text).toContain(mention);
    expect(JSON.stringify(message.blocks)).toContain(mention);
    expect(new Set(controlSequences(message))).toEqual(new Set([mention]));
  });

  it('mentions nobody without a valid alert id', () => {
    for (const alertUserId of [null, 'here', '<!channel>', 'u123']) {
      const message = renderFailureAlert({
        scheduler: { ...failed, alert_user_id: alertUserId, job_name: HOSTILE },
        eventId: 'evt-1',
        timeZone: ZONE,
        zoneLabel: 'WIB',
      });
      expect(controlSequences(message)).toEqual([]);
    }
  });

  it('carries the scheduler and event ids in the Acknowledge button', () => {
    const message = renderFailureAlert({
      scheduler: failed,
      eventId: 'evt-42',
      timeZone: ZONE,
      zoneLabel: 'WIB',
    });
    const [button] = buttonsOf(message);
    expect(button).toMatchObject({ type: 'button', action_id: ACKNOWLEDGE_ACTION_ID });
    expect(ACKNOWLEDGE_ACTION_ID).toBe('acknowledge_failure');
    const value = button?.value as string;
    expect(value.length).toBeLessThanOrEqual(2_000);
    expect(parseAcknowledgeButtonValue(value)).toEqual({
      scheduler_id: 'svc-d-backup',
      event_id: 'evt-42',
    });
  });

  it('shows who acknowledged and when, without the button', () => {
    const message = renderFailureAlert({
      scheduler: { ...failed, alert_user_id: 'S0OPS' },
      eventId: 'evt-1',
      timeZone: ZONE,
      zoneLabel: 'WIB',
      acknowledgement: { userId: 'U999', at: '2026-01-14T18:55:00Z' },
    });
    expectValid([message]);
    expect(buttonsOf(message)).toEqual([]);
    const last = message.blocks.at(-1) as { type: string; elements: TextObject[] };
    expect(last.type).toBe('context');
    expect(last.elements[0]?.text).toBe('✅ Acknowledged by <@U999> at 01:55 WIB');
    expect(message.text).toContain('Acknowledged by <@U999> at 01:55 WIB');
  });

  it('cuts a 10,000-char error to an excerpt and stays within limits', () => {
    const message = renderFailureAlert({
      scheduler: {
        ...failed,
        service_name: 's'.repeat(255),
        job_name: '&'.repeat(255),
        scheduler_id: 'i'.repeat(255),
        error_message: `line 1\nline 2\n${'<>&'.repeat(4_000)}`,
      },
      eventId: 'e'.repeat(128),
      timeZone: ZONE,
      zoneLabel: 'WIB',
    });
    expectValid([message]);
    const error = JSON.stringify(message.blocks).match(/```([^`]*)```/)?.[1] ?? '';
    expect(error.length).toBeLessThanOrEqual(1_200);
    expect(error).toContain('line 1\\nline 2');
    expect(error.endsWith('…')).toBe(true);
  });

  it('reads back only its own button values', () => {
    expect(parseAcknowledgeButtonValue('nope')).toBeUndefined();
    expect(parseAcknowledgeButtonValue('{"scheduler_id":"a"}')).toBeUndefined();
    expect(parseAcknowledgeButtonValue('null')).toBeUndefined();
    expect(() =>
      acknowledgeButtonValue({ scheduler_id: 'x'.repeat(2_000), event_id: 'e' }),
    ).toThrow(RangeError);
  });
});

describe('renderStaleWarning', () => {
  it('names the scheduler, its last activity in the zone, the minutes since, and mentions', () => {
    const message = renderStaleWarning({
      scheduler: record('svc-b-sync', {
        service_name: 'Service B',
        job_name: `Data Sync ${HOSTILE}`,
        alert_user_id: 'U0OPS',
      }),
      lastActivity: '2026-01-14T18:46:00Z',
      minutesSilent: 14.9,
      timeZone: ZONE,
      zoneLabel: 'WIB',
    });
    expectValid([message]);
    expect(message.text).toContain('Service B › Data Sync &lt;!channel&gt;');
    expect(message.text).toContain('(svc-b-sync) — no heartbeat since 01:46 WIB (14 min ago)');
    expect(message.text).toContain('cc <@U0OPS>');
    expect(JSON.stringify(message.blocks)).toContain('`svc-b-sync`');
    expect(new Set(controlSequences(message))).toEqual(new Set(['<@U0OPS>']));
  });

  it('mentions nobody without an alert id', () => {
    const message = renderStaleWarning({
      scheduler: record('x'),
      lastActivity: '2026-01-14T18:46:00Z',
      minutesSilent: 11,
      timeZone: ZONE,
      zoneLabel: 'WIB',
    });
    expect(controlSequences(message)).toEqual([]);
  });
});

describe('renderFinalSummary', () => {
  const summary = (
    rows: TableRow[],
    acknowledgements = [] as Parameters<typeof renderFinalSummary>[0]['acknowledgements'],
  ) =>
    renderFinalSummary({ ...LABELS, timeLabel: '06:00', rows, timeZone: ZONE, acknowledgements });

  it('says all clear when every scheduler completed', () => {
    const rows = [1, 2, 3].map((i) =>
      row(record(`c${i}`, { status: 'completed', execution_time_ms: i * 1_000 })),
    );
    const message = summary(rows);
    expectValid([message]);
    expect(headerOf(message)).toBe('🏁 EOD Summary — 15 Jan 2026 06:00 WIB');
    expect(sectionTexts(message)[0]).toBe(
      '✅ 3 completed · 🟡 0 running · ⬜ 0 pending · ❌ 0 failed · ⚠️ 0 stale\n' +
        '*All clear ✅* — all 3 schedulers completed.',
    );
    expect(message.text).toContain('All clear ✅');
  });

  it('is not all clear with a pending scheduler, nor with none', () => {
    const rows = [row(record('c', { status: 'completed' })), row(record('p'), 'pending')];
    expect(summary(rows).text).not.toContain('All clear');
    expect(summary(rows).text).toContain('*⬜ Not started (1)*\n• Service › p');
    const empty = summary([]);
    expect(empty.text).not.toContain('All clear');
    expect(empty.text).toContain('No schedulers registered.');
    expectValid([empty]);
  });

  it('lists total and the 5 slowest execution times', () => {
    const rows = [1, 7, 3, 9, 5, 2, 8].map((minutes) =>
      row(record(`job-${minutes}`, { status: 'completed', execution_time_ms: minutes * 60_000 })),
    );
    rows.push(row(record('job-f', { status: 'failed', execution_time_ms: 6 * 60_000 })));
    const times = sectionTexts(summary(rows))[1];
    expect(times?.split('\n')).toEqual([
      '*Execution time:* 41 min in total over 8 runs',
      '*Slowest:*',
      '1. Service › job-9 — 9 min ✅',
      '2. Service › job-8 — 8 min ✅',
      '3. Service › job-7 — 7 min ✅',
      '4. Service › job-f — 6 min ❌',
      '5. Service › job-5 — 5 min ✅',
    ]);
  });

  it('lists failed, still running and acknowledged schedulers with times in the zone', () => {
    const rows = [
      row(
        record('d', {
          service_name: 'Service D',
          job_name: 'Backup',
          status: 'failed',
          timestamp: '2026-01-14T18:42:00Z',
          error_message: 'disk full',
        }),
      ),
      row(
        record('b', {
          service_name: 'Service B',
          job_name: 'Sync',
          status: 'running',
          timestamp: '2026-01-14T17:31:00Z',
        }),
        'running',
        STALE,
      ),
    ];
    const message = summary(rows, [
      { scheduler_id: 'd', event_id: 'e1', user_id: 'U999', at: '2026-01-14T18:55:00Z' },
      { scheduler_id: 'gone', event_id: 'e2', user_id: '<!channel>', at: '2026-01-14T18:56:00Z' },
    ]);
    expectValid([message]);
    const texts = sectionTexts(message);
    expect(texts).toContain('*❌ Failed (1)*\n• Service D › Backup — 01:42 (disk full)');
    expect(texts).toContain(
      '*🟡 Still running (1)*\n• Service B › Sync — since 00:31 ⚠️ no heartbeat 14 min',
    );
    expect(texts).toContain(
      '*👍 Acknowledged (2)*\n• Service D › Backup — <@U999> at 01:55 WIB\n' +
        '• `gone` — an unknown user at 01:56 WIB',
    );
    expect(new Set(controlSequences(message))).toEqual(new Set(['<@U999>']));
  });

  it('cuts the lists with "…and N more" for 2,000 failures, within every limit', () => {
    const rows = bigTable(8_000).map((r, i) =>
      row(
        { ...r.scheduler, service_name: HOSTILE, error_message: 'x'.repeat(10_000) },
        (['failed', 'running', 'pending', 'failed'] as const)[i % 4],
      ),
    );
    const acks = Array.from({ length: 2_000 }, (_, i) => ({
      scheduler_id: `scheduler-${String(i).padStart(5, '0')}`,
      event_id: `e${i}`,
      user_id: 'U1',
      at: '2026-01-14T19:00:00Z',
    }));
    const message = summary(rows, acks);
    expectValid([message]);
    const texts = sectionTexts(message);
    const failedList = texts.find((text) => text.startsWith('*❌ Failed (4000)*')) ?? '';
    const shown = failedList.split('\n').filter((line) => line.startsWith('• ')).length;
    expect(shown).toBeGreaterThan(0);
    expect(failedList).toMatch(new RegExp(`\\n…and ${4_000 - shown} more$`));
    expect(texts.find((text) => text.startsWith('*🟡 Still running (2000)*'))).toMatch(
      /…and \d+ more$/,
    );
    expect(texts.find((text) => text.startsWith('*👍 Acknowledged (2000)*'))).toMatch(
      /…and \d+ more$/,
    );
    expect(controlSequences(message).every((sequence) => sequence === '<@U1>')).toBe(true);
  });
});
