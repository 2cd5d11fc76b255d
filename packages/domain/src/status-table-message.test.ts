import { describe, expect, it } from 'vitest';
import { DEFAULT_BOARD_TITLE } from './boards.ts';
import { DEFAULT_EOD_CONFIG, slotOf } from './eod.ts';
import type { Incident, IncidentKind } from './incidents.ts';
import type { SlackMessage } from './ports.ts';
import { renderStatusTable } from './status-table-message.ts';
import type { TableRow } from './table-rows.ts';
import type { TextObject } from './test-helpers.ts';
import {
  at,
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
import { uiLinksOf } from './ui-links.ts';
import {
  formatBusinessDate,
  formatDayMonth,
  formatWallTime,
  zoneAbbreviation,
} from './zoned-time.ts';

const HEADINGS = ['Service', 'Job', 'Status', 'Time', 'Detail'];
const LINE_HEADING = 'Service │ Job Name │ Status';

/** The table rows of the messages' `text` fallback, in order, without the column headings. */
function rowLines(messages: readonly SlackMessage[]): string[] {
  return messages.flatMap((message) =>
    message.text.split('\n').filter((line) => line.includes(' │ ') && line !== LINE_HEADING),
  );
}

type Cell = { type: string; text: string };
type Table = { type: 'table'; column_settings?: unknown[]; rows: Cell[][] };

function tablesOf(message: SlackMessage): Table[] {
  return message.blocks.filter((block) => block.type === 'table') as unknown as Table[];
}

/** The one table block of a message, or `undefined`. */
function tableOf(message: SlackMessage): Table | undefined {
  const tables = tablesOf(message);
  expect(tables.length).toBeLessThanOrEqual(1);
  return tables[0];
}

/** Every table's rows as cell texts, the heading row of each left out. */
function cellRows(messages: readonly SlackMessage[]): string[][] {
  return messages.flatMap((message) => {
    const table = tableOf(message);
    if (table === undefined) return [];
    expect(table.rows[0]?.map((cell) => cell.text)).toEqual(HEADINGS);
    return table.rows.slice(1).map((cells) => cells.map((cell) => cell.text));
  });
}

/** What Slack parses as mrkdwn or shows as a notification: everything but the tables. */
function parsedParts(messages: readonly SlackMessage[]): unknown[] {
  return messages.map((message) => ({
    text: message.text,
    blocks: message.blocks.filter((block) => block.type !== 'table'),
  }));
}

/** The header labels a caller builds at an instant, as the cron and the slash command do. */
function labelsAt(instantMs: number) {
  const zone = DEFAULT_EOD_CONFIG.timeZone;
  return {
    businessDateLabel: formatBusinessDate(slotOf(instantMs, DEFAULT_EOD_CONFIG).businessDate),
    dayLabel: formatDayMonth(instantMs, zone),
    timeLabel: formatWallTime(instantMs, zone),
    zoneLabel: zoneAbbreviation(instantMs, zone),
  };
}

// C0/C1 controls and bidi overrides: none may reach a cell.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

const SPEC_ROWS = [
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

/** `n` rows with short names, all completed. */
function shortRows(n: number): TableRow[] {
  return Array.from({ length: n }, (_, i) =>
    row(record(`job-${String(i).padStart(4, '0')}`, { status: 'completed' })),
  );
}

describe('renderStatusTable header', () => {
  it('names the business date and the moment apart: outside the window, before midnight', () => {
    // 16:24 WIB on 1 Dec: the next night is the one of 2 Dec, which has not begun.
    const [message] = renderStatusTable({
      ...labelsAt(at('2026-12-01T09:24:00.000Z')),
      rows: [],
      timeZone: ZONE,
    });
    expect(headerOf(message as SlackMessage)).toBe(
      '📊 EOD Process Status — night of 2 Dec 2026 · 1 Dec 16:24 WIB',
    );
    expect(message?.text.split('\n')[0]).toBe(
      '📊 EOD Process Status — night of 2 Dec 2026 · 1 Dec 16:24 WIB',
    );
  });

  it.each([
    // Just before midnight: still the eve, the night already named.
    ['2026-01-14T16:59:00.000Z', 'night of 15 Jan 2026 · 14 Jan 23:59 WIB'],
    // Midnight and inside the window: the same day on both sides.
    ['2026-01-14T17:00:00.000Z', 'night of 15 Jan 2026 · 15 Jan 00:00 WIB'],
    ['2026-01-14T19:00:00.000Z', 'night of 15 Jan 2026 · 15 Jan 02:00 WIB'],
  ])('at %s reads "%s"', (instant, when) => {
    const [message] = renderStatusTable({ ...labelsAt(at(instant)), rows: [], timeZone: ZONE });
    expect(headerOf(message as SlackMessage)).toBe(`📊 EOD Process Status — ${when}`);
  });

  it('has no day before the time without a dayLabel, and leaves out empty labels', () => {
    const [plain] = renderStatusTable({ ...LABELS, rows: [], timeZone: ZONE });
    expect(headerOf(plain as SlackMessage)).toBe(
      '📊 EOD Process Status — night of 15 Jan 2026 · 02:00 WIB',
    );
    const [bare] = renderStatusTable({
      businessDateLabel: '',
      timeLabel: '',
      zoneLabel: '',
      rows: [],
      timeZone: ZONE,
    });
    expect(headerOf(bare as SlackMessage)).toBe('📊 EOD Process Status');
  });

  it('shows the board’s title, DEFAULT_BOARD_TITLE by default', () => {
    const title = (value?: string) =>
      headerOf(
        renderStatusTable({
          ...LABELS,
          dayLabel: '15 Jan',
          rows: [],
          timeZone: ZONE,
          ...(value === undefined ? {} : { title: value }),
        })[0] as SlackMessage,
      );
    expect(DEFAULT_BOARD_TITLE).toBe('EOD Process Status');
    expect(title()).toBe('📊 EOD Process Status — night of 15 Jan 2026 · 15 Jan 02:00 WIB');
    expect(title('Payments EOD')).toBe('📊 Payments EOD — night of 15 Jan 2026 · 15 Jan 02:00 WIB');
    expect(title(' ')).toBe('📊 EOD Process Status — night of 15 Jan 2026 · 15 Jan 02:00 WIB');
    // Shown verbatim in a plain_text header: sanitized, never entity-escaped.
    expect(title('Pay\u0007ments\n& <Co>')).toBe(
      '📊 Payments & <Co> — night of 15 Jan 2026 · 15 Jan 02:00 WIB',
    );
  });

  it('cuts a 150-char title so the whole header, date, moment and page stay within 150', () => {
    const title = `Payments ${'x'.repeat(141)}`;
    expect(title).toHaveLength(150);
    const messages = renderStatusTable({
      ...LABELS,
      dayLabel: '15 Jan',
      title,
      rows: shortRows(150),
      timeZone: ZONE,
      final: true,
    });
    expect(messages).toHaveLength(2);
    expectValid(messages);
    const [first, second] = messages.map(headerOf);
    expect(first?.length).toBeLessThanOrEqual(150);
    expect(second?.length).toBeLessThanOrEqual(150);
    expect(first).toMatch(
      /^📊 Payments x+… — night of 15 Jan 2026 · 15 Jan 02:00 WIB · final \(1\/2\)$/,
    );
    expect(second).toMatch(
      /^📊 Payments x+… — night of 15 Jan 2026 · 15 Jan 02:00 WIB · final \(continued 2\/2\)$/,
    );
  });
});

describe('renderStatusTable', () => {
  it('renders an empty table as one valid message with zero counts and no table', () => {
    const messages = renderStatusTable({ ...LABELS, rows: [], timeZone: ZONE });
    expect(messages).toHaveLength(1);
    const [message] = messages;
    if (message === undefined) throw new Error('no message');
    expect(headerOf(message)).toBe('📊 EOD Process Status — night of 15 Jan 2026 · 02:00 WIB');
    expect(sectionTexts(message)).toEqual([
      '✅ 0 completed · 🟡 0 running · ⬜ 0 pending · ❌ 0 failed · ⚠️ 0 stale',
      'No schedulers registered.',
    ]);
    expect(tableOf(message)).toBeUndefined();
    expect(message.text).toContain('No schedulers registered');
    expectValid(messages);
  });

  it('renders the spec example as one table block: heading row, one row per scheduler', () => {
    const messages = renderStatusTable({
      ...LABELS,
      dayLabel: '15 Jan',
      rows: SPEC_ROWS,
      timeZone: ZONE,
    });
    expect(messages).toHaveLength(1);
    const [message] = messages;
    if (message === undefined) throw new Error('no message');
    expect(message.blocks.map((block) => block.type)).toEqual([
      'header',
      'section',
      'context',
      'table',
    ]);
    expect(sectionTexts(message)).toEqual([
      '✅ 1 completed · 🟡 1 running · ⬜ 1 pending · ❌ 1 failed · ⚠️ 1 stale',
    ]);
    const table = tableOf(message);
    expect(table?.column_settings).toEqual([
      { is_wrapped: true },
      { is_wrapped: true },
      { is_wrapped: false },
      { is_wrapped: false },
      { is_wrapped: true },
    ]);
    for (const cells of table?.rows ?? []) {
      expect(cells).toHaveLength(5);
      for (const cell of cells) expect(Object.keys(cell).sort()).toEqual(['text', 'type']);
      for (const cell of cells) expect(cell.type).toBe('raw_text');
    }
    expect(table?.rows.map((cells) => cells.map((cell) => cell.text))).toEqual([
      HEADINGS,
      ['Service D', 'Backup', '❌ Failed', '01:42', 'disk full'],
      ['Service B', 'Data Sync', '🟡 Running', '00:31', '⚠️ no heartbeat 14 min'],
      ['Service C', 'Reporting', '⬜ Pending', '–', '–'],
      ['Service A', 'EOD Process', '✅ Completed', '00:58', '15.0 s'],
    ]);
    const legend = message.blocks[2] as { type: string; elements: TextObject[] };
    expect(legend.elements[0]?.text).toContain('Legend: ⬜ Pending | 🟡 Running');
    expectValid(messages);
  });

  it('keeps the text fallback in its one-line format: Service │ Job Name │ Status', () => {
    const [message] = renderStatusTable({
      ...LABELS,
      dayLabel: '15 Jan',
      rows: SPEC_ROWS,
      timeZone: ZONE,
    });
    expect(message?.text.split('\n')).toEqual([
      '📊 EOD Process Status — night of 15 Jan 2026 · 15 Jan 02:00 WIB',
      '✅ 1 completed · 🟡 1 running · ⬜ 1 pending · ❌ 1 failed · ⚠️ 1 stale',
      'Service │ Job Name │ Status',
      'Service D │ Backup │ ❌ Failed 01:42 (disk full)',
      'Service B │ Data Sync │ 🟡 Running since 00:31 ⚠️ no heartbeat 14 min',
      'Service C │ Reporting │ ⬜ Pending',
      'Service A │ EOD Process │ ✅ Completed 00:58 (15.0 s)',
      'Legend: ⬜ Pending | 🟡 Running | ✅ Completed | ❌ Failed | ⚠️ Stale (no heartbeat) | ⏸ Paused',
    ]);
  });

  it('shows times in the given zone, whatever the zone', () => {
    const rows = [row(record('x', { status: 'running', timestamp: '2026-01-14T18:42:00Z' }))];
    const render = (timeZone: string) => renderStatusTable({ ...LABELS, rows, timeZone });
    expect(rowLines(render('Asia/Jakarta'))).toEqual(['Service │ x │ 🟡 Running since 01:42']);
    expect(rowLines(render('UTC'))).toEqual(['Service │ x │ 🟡 Running since 18:42']);
    expect(rowLines(render('America/New_York'))).toEqual(['Service │ x │ 🟡 Running since 13:42']);
    expect(cellRows(render('America/New_York'))).toEqual([
      ['Service', 'x', '🟡 Running', '13:42', '–'],
    ]);
  });

  it('shows tonight’s status given by the caller, not the stored one', () => {
    const yesterday = record('y', { status: 'completed', execution_time_ms: 5 });
    const messages = renderStatusTable({
      ...LABELS,
      rows: [row(yesterday, 'pending', STALE)],
      timeZone: ZONE,
    });
    expect(rowLines(messages)).toEqual(['Service │ y │ ⬜ Pending']);
    expect(cellRows(messages)).toEqual([['Service', 'y', '⬜ Pending', '–', '–']]);
    expect(sectionTexts(messages[0] as SlackMessage)[0]).toContain('⬜ 1 pending');
    expect(sectionTexts(messages[0] as SlackMessage)[0]).toContain('⚠️ 0 stale');
  });

  it('shows a paused row as paused, until when and why, in its cells', () => {
    const paused = row(
      record('p', {
        status: 'failed',
        paused_until: '2026-01-14T23:00:00Z',
        pause_reason: 'maintenance\u0007 @channel',
      }),
      'failed',
      null,
      true,
    );
    const messages = renderStatusTable({ ...LABELS, rows: [paused], timeZone: ZONE });
    expect(cellRows(messages)).toEqual([
      ['Service', 'p', '⏸ Paused', '–', 'until 06:00 (maintenance @\u200Dchannel)'],
    ]);
    expect(rowLines(messages)).toEqual([
      'Service │ p │ ⏸ Paused until 06:00 (maintenance @\u200Dchannel)',
    ]);
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
    const order = (input: TableRow[]) => {
      const messages = renderStatusTable({ ...LABELS, rows: input, timeZone: ZONE });
      const fromCells = cellRows(messages).map(
        ([service, job, status = '']) => `${service}/${job}:${[...status][0]}`,
      );
      const fromText = rowLines(messages).map((line) => {
        const [service, job, status = ''] = line.split(' │ ');
        return `${service}/${job}:${[...status][0]}`;
      });
      expect(fromText).toEqual(fromCells);
      return fromCells;
    };
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

  it.each([
    [99, [100]],
    [100, [100, 2]],
    [198, [100, 100]],
    [199, [100, 100, 2]],
  ])('splits %i short rows into tables of at most 100 rows, heading included', (n, sizes) => {
    const messages = renderStatusTable({ ...LABELS, rows: shortRows(n), timeZone: ZONE });
    expectValid(messages);
    expect(messages.map((message) => tableOf(message)?.rows.length)).toEqual(sizes);
    expect(cellRows(messages).map((cells) => cells[1])).toEqual(
      shortRows(n).map((r) => r.scheduler.job_name),
    );
    expect(rowLines(messages)).toHaveLength(n);
    // The fallback of each message holds the same rows as its table, headed on its own.
    for (const message of messages) {
      const lines = message.text.split('\n');
      expect(lines.filter((line) => line === LINE_HEADING)).toHaveLength(1);
      expect(rowLines([message])).toHaveLength((tableOf(message)?.rows.length ?? 1) - 1);
    }
  });

  it.each([1, 100, 101, 2_000, 10_000])(
    'keeps %i schedulers with long names and errors within every limit',
    (n) => {
      const rows = bigTable(n);
      const messages = renderStatusTable({ ...LABELS, dayLabel: '15 Jan', rows, timeZone: ZONE });
      expectValid(messages);
      const lines = rowLines(messages);
      const cells = cellRows(messages);
      expect(lines).toHaveLength(n);
      expect(cells).toHaveLength(n);
      expect(new Set(lines.map((line) => line.split(' │ ')[1])).size).toBe(n);
      expect(new Set(cells.map((cell) => cell[1])).size).toBe(n);
      for (const message of messages) {
        expect(tablesOf(message)).toHaveLength(1);
        expect(message.blocks.length).toBeLessThanOrEqual(50);
        expect(tableOf(message)?.rows.length).toBeLessThanOrEqual(100);
        expect(headerOf(message).length).toBeLessThanOrEqual(150);
      }
      // Errors are cut to a readable excerpt.
      for (const line of lines) expect(line.length).toBeLessThan(400);
      for (const cell of cells) expect(cell.join('').length).toBeLessThan(400);
      for (const cell of cells) expect(cell).toHaveLength(5);
      const first = messages[0] as SlackMessage;
      expect(sectionTexts(first)[0]).toMatch(/^✅ \d+ completed/);
      if (messages.length > 1) {
        expect(headerOf(first)).toMatch(new RegExp(`\\(1/${messages.length}\\)$`));
        messages.slice(1).forEach((message, index) => {
          expect(headerOf(message)).toContain(`(continued ${index + 2}/${messages.length})`);
          expect(sectionTexts(message)).toEqual([]);
          expect(message.text.split('\n')[1]).toBe(LINE_HEADING);
        });
      }
      expect(renderStatusTable({ ...LABELS, dayLabel: '15 Jan', rows, timeZone: ZONE })).toEqual(
        messages,
      );
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
    const firstCells = cellRows([first]);
    expect(firstCells.slice(0, 30).every((cells) => cells[2] === '❌ Failed')).toBe(true);
    expect(firstCells.slice(30, 50).every((cells) => cells[4] === '⚠️ no heartbeat 14 min')).toBe(
      true,
    );
    const firstRows = rowLines([first]);
    expect(firstRows.filter((line) => line.includes('❌ Failed'))).toHaveLength(30);
    expect(firstRows.filter((line) => line.includes('⚠️ no heartbeat'))).toHaveLength(20);
    expect(cellRows(messages.slice(1)).every((cells) => cells[2] === '✅ Completed')).toBe(true);
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
    const cells = cellRows(messages);
    expect(cells.at(-1)).toEqual(['AAA', 'zz-pending', '⬜ Pending', '–', '–']);
    expect(cells[0]?.[4]).toMatch(/^<+…$/);
  });

  it('marks the final edit and pads to the number of messages already posted', () => {
    const rows = [row(record('one', { status: 'completed', execution_time_ms: 61_000 }))];
    const messages = renderStatusTable({
      ...LABELS,
      timeLabel: '06:00',
      dayLabel: '15 Jan',
      rows,
      timeZone: ZONE,
      final: true,
      minMessages: 3,
    });
    expect(messages).toHaveLength(3);
    expectValid(messages);
    expect(headerOf(messages[0] as SlackMessage)).toBe(
      '📊 EOD Process Status — night of 15 Jan 2026 · 15 Jan 06:00 WIB · final (1/3)',
    );
    expect(headerOf(messages[2] as SlackMessage)).toContain('(continued 3/3)');
    expect(sectionTexts(messages[2] as SlackMessage)).toEqual([
      '_No further rows: the table now fits in fewer messages._',
    ]);
    expect(tableOf(messages[2] as SlackMessage)).toBeUndefined();
    expect(rowLines(messages)).toEqual(['Service │ one │ ✅ Completed 00:00 (1 min 1 s)']);
    expect(cellRows(messages)).toEqual([['Service', 'one', '✅ Completed', '00:00', '1 min 1 s']]);
  });

  it('keeps producer text from mentioning, linking or breaking a row', () => {
    const rows = [
      row(
        record(HOSTILE.replace(/[^A-Za-z0-9]/g, '') || 'h', {
          service_name: `${HOSTILE}\u202E\u0000`,
          job_name: '&lt; multi\nline `code` job',
          status: 'failed',
          error_message: `${HOSTILE}\n${'x'.repeat(20_000)}`,
        }),
      ),
    ];
    const messages = renderStatusTable({ ...LABELS, rows, timeZone: ZONE });
    expectValid(messages);
    // Everything Slack parses (sections, context, the fallback) holds no control sequence.
    expect(controlSequences(parsedParts(messages))).toEqual([]);
    expect(JSON.stringify(messages)).not.toMatch(/@(channel|here)/);
    const [line] = rowLines(messages);
    expect(line).toContain('&lt;!channel&gt;');
    expect(line).toContain('&amp;lt;');
    expect(line).toContain('&amp;lt; multi line ˋcodeˋ job');
    expect(line).toMatch(/…\)$/);
    // Table cells are raw_text, which Slack never parses: sanitized and cut, not escaped.
    const [cells = []] = cellRows(messages);
    for (const cell of tableOf(messages[0] as SlackMessage)?.rows.flat() ?? []) {
      expect(cell.type).toBe('raw_text');
    }
    expect(cells.some((cell) => CONTROL.test(cell))).toBe(false);
    expect(cells[0]?.length).toBeLessThanOrEqual(48);
    expect(cells[0]).toMatch(/^<!channel> <!here> @\u200Dchannel/);
    expect(cells[1]).toBe('&lt; multi line ˋcodeˋ job');
    expect(cells[4]).toMatch(/^<!channel> .*…$/);
    expect(cells[4]?.length).toBeLessThanOrEqual(100);
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
    expect(cellRows(messages)).toEqual([
      ['C', 'f', '❌ Failed', '01:42', "disk full (ack'd)"],
      ['B', 'm', '⬜ Pending', '–', '❗ Missed since 01:10'],
      ['D', 'o', '🟡 Running', '00:31', '⏱ Overrunning since 01:31'],
      ['E', 't', '✅ Completed', '01:05', '🐇 Too fast since 01:05 · 2.0 s'],
      ['A', 'c', '✅ Completed', '00:58', '15.0 s'],
      ['G', 'r', '✅ Completed', '01:30', '1.0 s'],
      ['F', 'p', '⏸ Paused', '–', 'until 06:00 (maintenance)'],
    ]);
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
    expect(cellRows(messages)).toEqual([
      [
        'Service',
        's',
        '🟡 Running',
        '00:31',
        "⚠️ Stale since 01:10 (ack'd) · ⚠️ no heartbeat 14 min",
      ],
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
    expect(controlSequences(parsedParts(messages))).toEqual([]);
    const first = messages[0] as SlackMessage;
    expect(sectionTexts(first)[0]).toContain(`· 🚨 ${open.length} open incidents`);
    expect(
      cellRows([first])
        .slice(0, open.length)
        .every((cells) => cells[4]?.includes(' since 01:10')),
    ).toBe(true);
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

describe('renderStatusTable with links (UI_PUBLIC_URL)', () => {
  const links = uiLinksOf('https://schedmon.example.com/');
  type LinkCell = {
    type: 'rich_text';
    elements: { type: string; elements: { type: string; url: string; text: string }[] }[];
  };
  /** The one link of a rich_text cell, or `undefined` for a raw_text cell. */
  const linkOf = (cell: unknown) => {
    const rich = cell as LinkCell;
    if (rich.type !== 'rich_text') return undefined;
    expect(rich.elements).toHaveLength(1);
    expect(rich.elements[0]?.type).toBe('rich_text_section');
    const [element, ...rest] = rich.elements[0]?.elements ?? [];
    expect(rest).toEqual([]);
    expect(element?.type).toBe('link');
    return element;
  };
  /** Each row of every table as [job name, url], the heading rows left out. */
  const jobLinks = (messages: readonly SlackMessage[]) =>
    messages.flatMap((message) =>
      (tableOf(message)?.rows.slice(1) ?? []).map((cells) => {
        const link = linkOf(cells[1]);
        return [link?.text, link?.url];
      }),
    );

  it('links each row’s job name to its scheduler page; every other cell stays raw_text', () => {
    const messages = renderStatusTable({ ...LABELS, rows: SPEC_ROWS, timeZone: ZONE, links });
    expectValid(messages);
    const table = tableOf(messages[0] as SlackMessage);
    expect(table?.rows[0]?.map((cell) => cell.type)).toEqual(HEADINGS.map(() => 'raw_text'));
    for (const cells of table?.rows.slice(1) ?? []) {
      expect(cells.map((cell) => cell.type)).toEqual([
        'raw_text',
        'rich_text',
        'raw_text',
        'raw_text',
        'raw_text',
      ]);
    }
    expect(jobLinks(messages)).toEqual([
      ['Backup', 'https://schedmon.example.com/ui/schedulers/d'],
      ['Data Sync', 'https://schedmon.example.com/ui/schedulers/b'],
      ['Reporting', 'https://schedmon.example.com/ui/schedulers/c'],
      ['EOD Process', 'https://schedmon.example.com/ui/schedulers/a'],
    ]);
  });

  it('changes nothing but the Job cells: same fallback, same other cells and blocks', () => {
    const plain = renderStatusTable({ ...LABELS, rows: SPEC_ROWS, timeZone: ZONE });
    const linked = renderStatusTable({ ...LABELS, rows: SPEC_ROWS, timeZone: ZONE, links });
    expect(linked.map((message) => message.text)).toEqual(plain.map((message) => message.text));
    expect(parsedParts(linked)).toEqual(parsedParts(plain));
    const unlinked = (messages: SlackMessage[]) =>
      messages.map((message) =>
        tableOf(message)?.rows.map((cells) =>
          cells.map((cell) => {
            const link = linkOf(cell);
            return link === undefined ? cell : { type: 'raw_text', text: link.text };
          }),
        ),
      );
    expect(unlinked(linked)).toEqual(plain.map((message) => tableOf(message)?.rows));
    expect(
      renderStatusTable({ ...LABELS, rows: SPEC_ROWS, timeZone: ZONE, links: undefined }),
    ).toEqual(plain);
  });

  it('percent-encodes hostile ids, so no id can change a link; names stay sanitized', () => {
    const ids = ['a|b>c', 'x&y', '<!channel>', '../../admin?x=1#top', 'ü ß\u202Eevil'];
    const rows = ids.map((id) =>
      row(record(id, { job_name: `${HOSTILE} ${id}`, status: 'completed' })),
    );
    const messages = renderStatusTable({ ...LABELS, rows, timeZone: ZONE, links });
    expectValid(messages);
    const urls = jobLinks(messages).map(([, url]) => url);
    expect(new Set(urls)).toEqual(
      new Set([
        'https://schedmon.example.com/ui/schedulers/a%7Cb%3Ec',
        'https://schedmon.example.com/ui/schedulers/x%26y',
        'https://schedmon.example.com/ui/schedulers/%3C!channel%3E',
        'https://schedmon.example.com/ui/schedulers/..%2F..%2Fadmin%3Fx%3D1%23top',
        'https://schedmon.example.com/ui/schedulers/%C3%BC%20%C3%9F%E2%80%AEevil',
      ]),
    );
    for (const url of urls)
      expect(url).toMatch(/^https:\/\/schedmon\.example\.com\/ui\/schedulers\/[^/|<>&\s]+$/);
    const plain = renderStatusTable({ ...LABELS, rows, timeZone: ZONE });
    expect(jobLinks(messages).map(([text]) => text)).toEqual(
      cellRows(plain).map((cells) => cells[1]),
    );
    for (const [text] of jobLinks(messages)) {
      expect(text).not.toMatch(CONTROL);
      expect(text?.length).toBeLessThanOrEqual(48);
    }
    expect(controlSequences(parsedParts(messages))).toEqual([]);
  });

  it('keeps 99 rows of 255-char ids within every limit: the urls count, so they split', () => {
    // `:` is encoded as `%3A`: each url is about 800 characters.
    const rows = Array.from({ length: 99 }, (_, i) =>
      row(
        record(`${String(i).padStart(2, '0')}${':'.repeat(253)}`, {
          job_name: `job ${String(i).padStart(2, '0')}`,
          status: 'completed',
        }),
      ),
    );
    expect(rows.every((r) => r.scheduler.scheduler_id.length === 255)).toBe(true);
    const plain = renderStatusTable({ ...LABELS, rows, timeZone: ZONE });
    expect(plain).toHaveLength(1);
    const messages = renderStatusTable({ ...LABELS, rows, timeZone: ZONE, links });
    expect(messages.length).toBeGreaterThan(1);
    expectValid(messages);
    const linked = jobLinks(messages);
    expect(linked.map(([text]) => text)).toEqual(rows.map((r) => r.scheduler.job_name));
    expect(linked.map(([, url]) => url)).toEqual(
      rows.map((r) => links?.scheduler(r.scheduler.scheduler_id)),
    );
    for (const [, url] of linked) expect(url?.length).toBeGreaterThan(800);
    // Everything but the tables is as without links, page numbers aside.
    expect(rowLines(messages)).toEqual(rowLines(plain));
  });

  it('keeps 99 linked rows in one message when the ids are short', () => {
    const messages = renderStatusTable({ ...LABELS, rows: shortRows(99), timeZone: ZONE, links });
    expect(messages).toHaveLength(1);
    expectValid(messages);
    expect(jobLinks(messages)).toHaveLength(99);
  });

  it('leaves out a link too long for Slack, keeping the name', () => {
    const long = uiLinksOf(`https://schedmon.example.com/${'p'.repeat(2_900)}`);
    const [message] = renderStatusTable({
      ...LABELS,
      rows: SPEC_ROWS,
      timeZone: ZONE,
      links: long,
    });
    const cells = tableOf(message as SlackMessage)?.rows.slice(1) ?? [];
    expect(cells.map((r) => r[1])).toEqual(
      ['Backup', 'Data Sync', 'Reporting', 'EOD Process'].map((text) => ({
        type: 'raw_text',
        text,
      })),
    );
  });
});
