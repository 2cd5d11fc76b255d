import { describe, expect, it } from 'vitest';
import type { Incident, IncidentKind } from './incidents.ts';
import type { SlackMessage } from './ports.ts';
import { renderStatusTable } from './status-table-message.ts';
import type { TableRow } from './table-rows.ts';
import type { TextObject } from './test-helpers.ts';
import {
  bigTable,
  controlSequences,
  expectValid,
  HOSTILE,
  headerOf,
  LABELS,
  record,
  row,
  STALE,
  sectionTexts,
  ZONE,
} from './test-helpers.ts';

/** The table rows of the messages, in order, without the column headings. */
function rowLines(messages: readonly SlackMessage[]): string[] {
  return messages.flatMap((message) =>
    sectionTexts(message)
      .flatMap((text) => text.split('\n'))
      .filter((line) => line.includes(' │ ') && !line.startsWith('*Service*')),
  );
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

describe('renderStatusTable with incidents', () => {
  const OPENED = '2026-01-14T18:10:00.000Z'; // 01:10 WIB
  const incident = (
    scheduler_id: string,
    kind: IncidentKind,
    overrides: Partial<Incident> = {},
  ): Incident => ({
    incident_id: `${scheduler_id}#e1`,
    scheduler_id,
    kind,
    state: 'open',
    opened_at: OPENED,
    updated_at: OPENED,
    resolved_at: null,
    events: 1,
    acknowledged_by: null,
    acknowledged_at: null,
    ...overrides,
  });

  const rows = [
    row(
      record('c', {
        service_name: 'A',
        status: 'completed',
        timestamp: '2026-01-14T17:58:00Z',
        execution_time_ms: 15_000,
      }),
    ),
    row(record('m', { service_name: 'B' }), 'pending'),
    row(
      record('f', {
        service_name: 'C',
        status: 'failed',
        timestamp: '2026-01-14T18:42:00Z',
        error_message: 'disk full',
      }),
    ),
    row(record('o', { service_name: 'D', status: 'running', timestamp: '2026-01-14T17:31:00Z' })),
    row(
      record('t', {
        service_name: 'E',
        status: 'completed',
        timestamp: '2026-01-14T18:05:00Z',
        execution_time_ms: 2_000,
      }),
    ),
    row(
      record('p', {
        service_name: 'F',
        paused_until: '2026-01-14T23:00:00Z',
        pause_reason: 'maintenance',
      }),
      'pending',
      null,
      true,
    ),
    row(
      record('r', {
        service_name: 'G',
        status: 'completed',
        timestamp: '2026-01-14T18:30:00Z',
        execution_time_ms: 1_000,
      }),
    ),
  ];
  const incidents = [
    incident('m', 'missed'),
    incident('f', 'failed', {
      state: 'acknowledged',
      opened_at: '2026-01-14T18:42:00Z',
      acknowledged_by: 'U999',
      acknowledged_at: '2026-01-14T18:55:00Z',
    }),
    incident('o', 'overrun', { opened_at: '2026-01-14T18:31:00Z' }),
    incident('t', 'too_fast', { opened_at: '2026-01-14T18:05:00Z' }),
    incident('p', 'stale'),
    incident('r', 'failed', { state: 'resolved', resolved_at: '2026-01-14T18:30:00Z' }),
    incident('gone', 'missed'),
  ];

  it('shows each open incident beside the status, as a problem row; paused wins', () => {
    const messages = renderStatusTable({ ...LABELS, rows, incidents, timeZone: ZONE });
    expect(messages).toHaveLength(1);
    expectValid(messages);
    const [message] = messages;
    if (message === undefined) throw new Error('no message');
    expect(sectionTexts(message)[0]).toBe(
      '✅ 3 completed · 🟡 1 running · ⬜ 1 pending · ❌ 1 failed · ⚠️ 0 stale · ⏸ 1 paused' +
        ' · 🚨 4 open incidents',
    );
    expect(rowLines(messages)).toEqual([
      "C │ f │ ❌ Failed 01:42 (disk full) (ack'd)",
      'B │ m │ ❗ Missed since 01:10 · ⬜ Pending',
      'D │ o │ ⏱ Overrunning since 01:31 · 🟡 Running since 00:31',
      'E │ t │ 🐇 Too fast since 01:05 · ✅ Completed 01:05 (2.0 s)',
      'A │ c │ ✅ Completed 00:58 (15.0 s)',
      'G │ r │ ✅ Completed 01:30 (1.0 s)',
      'F │ p │ ⏸ Paused until 06:00 (maintenance)',
    ]);
    expect(message.text).toContain('B │ m │ ❗ Missed since 01:10 · ⬜ Pending');
  });

  it('marks a stale incident and an acknowledged one that is not a failure', () => {
    const stale = [
      row(record('s', { status: 'running', timestamp: '2026-01-14T17:31:00Z' }), 'running', STALE),
    ];
    const messages = renderStatusTable({
      ...LABELS,
      rows: stale,
      incidents: [incident('s', 'stale', { state: 'acknowledged', acknowledged_by: 'api:ops' })],
      timeZone: ZONE,
    });
    expect(rowLines(messages)).toEqual([
      "Service │ s │ ⚠️ Stale since 01:10 (ack'd) · 🟡 Running since 00:31 ⚠️ no heartbeat 14 min",
    ]);
    expect(sectionTexts(messages[0] as SlackMessage)[0]).toContain('· 🚨 1 open incident');
    expect(sectionTexts(messages[0] as SlackMessage)[0]).not.toContain('incidents');
  });

  it('shows the newest when a scheduler has several unresolved incidents', () => {
    const messages = renderStatusTable({
      ...LABELS,
      rows: [row(record('m'), 'pending')],
      incidents: [
        incident('m', 'missed', { incident_id: 'old' }),
        incident('m', 'overrun', { incident_id: 'new', opened_at: '2026-01-14T18:20:00.000Z' }),
      ],
      timeZone: ZONE,
    });
    expect(rowLines(messages)).toEqual(['Service │ m │ ⏱ Overrunning since 01:20 · ⬜ Pending']);
  });

  it('is the same table without incidents, with none and with only resolved ones', () => {
    const big = bigTable(300);
    const plain = renderStatusTable({ ...LABELS, rows: big, timeZone: ZONE });
    expect(renderStatusTable({ ...LABELS, rows: big, incidents: [], timeZone: ZONE })).toEqual(
      plain,
    );
    const resolved = big.map((r) =>
      incident(r.scheduler.scheduler_id, 'failed', {
        state: 'resolved',
        resolved_at: '2026-01-14T19:00:00.000Z',
      }),
    );
    expect(
      renderStatusTable({ ...LABELS, rows: big, incidents: resolved, timeZone: ZONE }),
    ).toEqual(plain);
  });

  it('puts every incident row in the first message of a big table, within every limit', () => {
    const kinds: IncidentKind[] = ['missed', 'overrun', 'too_fast', 'stale'];
    const big: TableRow[] = [];
    const open: Incident[] = [];
    for (let i = 0; i < 2_000; i += 1) {
      const id = `s-${String(i).padStart(4, '0')}`;
      // Incident rows sort last by name: only their group can bring them first.
      const hasIncident = i % 40 === 5;
      const scheduler = record(id, {
        service_name: `${hasIncident ? 'zz' : 'Svc'} ${HOSTILE}`,
        job_name: id,
        status: 'completed',
        execution_time_ms: i,
      });
      big.push(row(scheduler));
      if (hasIncident) open.push(incident(id, kinds[i % 4] ?? 'missed'));
    }
    const messages = renderStatusTable({ ...LABELS, rows: big, incidents: open, timeZone: ZONE });
    expect(messages.length).toBeGreaterThan(1);
    expectValid(messages);
    expect(controlSequences(messages)).toEqual([]);
    const first = messages[0] as SlackMessage;
    expect(sectionTexts(first)[0]).toContain(`· 🚨 ${open.length} open incidents`);
    const firstRows = rowLines([first]);
    expect(firstRows.slice(0, open.length).every((line) => line.includes(' since 01:10 · '))).toBe(
      true,
    );
    expect(rowLines(messages.slice(1)).some((line) => line.includes(' since 01:10 · '))).toBe(
      false,
    );
    expect(rowLines(messages)).toHaveLength(2_000);
  });
});
