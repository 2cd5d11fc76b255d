import { describe, expect, it } from 'vitest';
import { renderFinalSummary } from './final-summary-message.ts';
import type { Incident, IncidentKind } from './incidents.ts';
import type { TableRow } from './table-rows.ts';
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
import { uiLinksOf } from './ui-links.ts';

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
    expect(headerOf(message)).toBe('🏁 EOD Summary — night of 15 Jan 2026 · 06:00 WIB');
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

describe('renderFinalSummary header and mention', () => {
  const done = [row(record('c', { status: 'completed', execution_time_ms: 1_000 }))];
  const failed = [
    ...done,
    row(record('f', { status: 'failed', error_message: 'disk full <!here> @channel' })),
  ];
  const summary = (rows: TableRow[], extra: Partial<Parameters<typeof renderFinalSummary>[0]>) =>
    renderFinalSummary({
      ...LABELS,
      timeLabel: '06:00',
      rows,
      timeZone: ZONE,
      acknowledgements: [],
      ...extra,
    });

  it('names the night and the moment apart, the default board keeping “EOD Summary”', () => {
    expect(headerOf(summary(done, { dayLabel: '15 Jan' }))).toBe(
      '🏁 EOD Summary — night of 15 Jan 2026 · 15 Jan 06:00 WIB',
    );
    expect(headerOf(summary(done, { dayLabel: '15 Jan', title: 'EOD Process Status' }))).toBe(
      '🏁 EOD Summary — night of 15 Jan 2026 · 15 Jan 06:00 WIB',
    );
    // A catch-up summary in the afternoon: the night of the 15th, read on the 15th at 16:24.
    expect(headerOf(summary(done, { dayLabel: '15 Jan', timeLabel: '16:24' }))).toBe(
      '🏁 EOD Summary — night of 15 Jan 2026 · 15 Jan 16:24 WIB',
    );
  });

  it('names a board by its title, cut so the header stays within 150', () => {
    expect(headerOf(summary(done, { dayLabel: '15 Jan', title: 'Payments EOD' }))).toBe(
      '🏁 Payments EOD summary — night of 15 Jan 2026 · 15 Jan 06:00 WIB',
    );
    const long = summary(done, { dayLabel: '15 Jan', title: `P${'x'.repeat(149)}` });
    expectValid([long]);
    expect(headerOf(long).length).toBeLessThanOrEqual(150);
    expect(headerOf(long)).toMatch(/^🏁 Px+… summary — night of 15 Jan 2026 · 15 Jan 06:00 WIB$/);
  });

  it.each([
    ['U0OPS', '<@U0OPS>'],
    ['W0OPS', '<@W0OPS>'],
    ['S0OPS', '<!subteam^S0OPS>'],
  ])('mentions the board’s %s when something is wrong', (id, mention) => {
    const message = summary(failed, { mention: id });
    expectValid([message]);
    expect(sectionTexts(message)[0]?.split('\n')).toContain(
      `🔔 ${mention} — tonight needs attention.`,
    );
    expect(message.text).toContain(mention);
    expect(controlSequences(message.blocks)).toEqual([mention]);
  });

  it('mentions no one when all is clear, without a mention, or with an invalid one', () => {
    const pending = [...done, row(record('p'), 'pending')];
    expect(summary(pending, { mention: 'U0OPS' }).text).toContain('<@U0OPS>');
    for (const [rows, mention] of [
      [done, 'U0OPS'],
      [[], 'U0OPS'],
      [[row(record('held'), 'pending', null, true)], 'U0OPS'],
      [failed, null],
      [failed, undefined],
      [failed, '<!channel>'],
      [failed, 'here'],
      [failed, 'C0CHANNEL'],
    ] as const) {
      const message = summary([...rows], mention === undefined ? {} : { mention });
      expect(controlSequences(message), String(mention)).toEqual([]);
      expect(message.text).not.toContain('needs attention');
    }
  });
});

describe('renderFinalSummary with incidents', () => {
  const OPENED = '2026-01-14T18:10:00.000Z'; // 01:10 WIB
  const SUMMARY_AT = '2026-01-14T23:00:00.000Z'; // 06:00 WIB
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
  const summary = (
    rows: TableRow[],
    incidents: readonly Incident[] | undefined,
    // null: no instant given.
    at: string | null = SUMMARY_AT,
  ) =>
    renderFinalSummary({
      ...LABELS,
      timeLabel: '06:00',
      rows,
      timeZone: ZONE,
      acknowledgements: [],
      ...(incidents === undefined ? {} : { incidents }),
      ...(at === null ? {} : { at }),
    });

  const rows = [
    row(record('m', { service_name: 'B' }), 'pending'),
    row(record('f', { service_name: 'C', status: 'failed', timestamp: '2026-01-14T18:42:00Z' })),
    row(record('r', { service_name: 'G', status: 'completed', execution_time_ms: 1_000 })),
  ];
  const incidents = [
    incident('m', 'missed'),
    incident('f', 'failed', {
      state: 'acknowledged',
      opened_at: '2026-01-14T18:42:00Z',
      acknowledged_by: 'U999',
      acknowledged_at: '2026-01-14T18:55:00Z',
    }),
    incident('r', 'failed', { state: 'resolved', resolved_at: '2026-01-14T19:41:00.000Z' }),
    incident('gone', 'stale', { acknowledged_by: 'api:ops', acknowledged_at: OPENED }),
  ];

  it('lists tonight’s incidents with kind, opening, state, duration and acknowledgement', () => {
    const message = summary(rows, incidents);
    expectValid([message]);
    const texts = sectionTexts(message);
    expect(texts).toContain(
      [
        '*🚨 Incidents tonight (4)*',
        '• `gone` — ⚠️ Stale, opened 01:10, open for 4 h 50 min, acknowledged by `api:ops` at 01:10',
        '• B › m — ❗ Missed, opened 01:10, open for 4 h 50 min',
        '• G › r — ❌ Failed, opened 01:10, resolved after 1 h 31 min',
        '• C › f — ❌ Failed, opened 01:42, open for 4 h 18 min, acknowledged by <@U999> at 01:55',
      ].join('\n'),
    );
    expect(texts[0]?.split('\n')[0]).toBe(
      '✅ 1 completed · 🟡 0 running · ⬜ 1 pending · ❌ 1 failed · ⚠️ 0 stale · 🚨 2 open incidents',
    );
    expect(new Set(controlSequences(message))).toEqual(new Set(['<@U999>']));
  });

  it('says "still open" without the summary’s instant', () => {
    const message = summary([rows[0] as TableRow], [incident('m', 'missed')], null);
    expect(message.text).toContain('• B › m — ❗ Missed, opened 01:10, still open');
  });

  it('is not all clear while an incident is open, but is once all resolved', () => {
    const done = [row(record('t', { status: 'completed', execution_time_ms: 2_000 }))];
    expect(summary(done, [incident('t', 'too_fast')]).text).not.toContain('All clear');
    const resolved = summary(done, [
      incident('t', 'too_fast', { state: 'resolved', resolved_at: '2026-01-14T18:11:00.000Z' }),
    ]);
    expect(resolved.text).toContain('All clear ✅');
    expect(resolved.text).toContain(
      '• Service › t — 🐇 Too fast, opened 01:10, resolved after 1 min',
    );
  });

  it('is the same summary without incidents and with none', () => {
    const big = bigTable(400);
    expect(summary(big, [])).toEqual(summary(big, undefined));
    expect(summary(big, undefined, null)).toEqual(summary(big, undefined));
  });

  it('escapes and cuts 2,000 incidents of hostile schedulers, within every limit', () => {
    const big = bigTable(2_000).map((r) =>
      row({ ...r.scheduler, service_name: HOSTILE, job_name: HOSTILE }, r.status, r.stale),
    );
    const many = big.map((r, i) =>
      incident(r.scheduler.scheduler_id, 'missed', {
        acknowledged_by: i % 2 === 0 ? '<!channel>' : null,
        state: i % 2 === 0 ? 'acknowledged' : 'open',
      }),
    );
    const message = summary(big, many);
    expectValid([message]);
    expect(controlSequences(message)).toEqual([]);
    const list = sectionTexts(message).find((text) =>
      text.startsWith('*🚨 Incidents tonight (2000)*'),
    );
    expect(list).toMatch(/\n…and \d+ more$/);
    for (const text of sectionTexts(message)) expect(text.length).toBeLessThanOrEqual(3_000);
  });
});

describe('renderFinalSummary with links (UI_PUBLIC_URL)', () => {
  const links = uiLinksOf('https://schedmon.example.com');
  const done = [row(record('c', { status: 'completed', execution_time_ms: 1_000 }))];
  const summary = (rows: TableRow[], extra: Partial<Parameters<typeof renderFinalSummary>[0]>) =>
    renderFinalSummary({
      ...LABELS,
      timeLabel: '06:00',
      rows,
      timeZone: ZONE,
      acknowledgements: [],
      ...extra,
    });
  const lastContext = (message: ReturnType<typeof renderFinalSummary>) => {
    const block = message.blocks.at(-1) as { type: string; elements: { text: string }[] };
    expect(block.type).toBe('context');
    return block.elements.map((element) => element.text);
  };

  it('ends with a link to the board’s 7-day report; nothing else changes', () => {
    const message = summary(done, { links, boardId: 'payments' });
    expectValid([message]);
    expect(lastContext(message)).toEqual([
      '📈 <https://schedmon.example.com/ui/reports?board=payments&amp;days=7|7-day report>',
    ]);
    const plain = summary(done, { boardId: 'payments' });
    expect(message.text).toBe(plain.text);
    expect(message.blocks.slice(0, -1)).toEqual(plain.blocks);
    expect(summary(done, {})).toEqual(plain);
  });

  it('links the default board’s report without a board id', () => {
    expect(lastContext(summary(done, { links }))).toEqual([
      '📈 <https://schedmon.example.com/ui/reports?board=default&amp;days=7|7-day report>',
    ]);
  });

  it('percent-encodes a hostile board id', () => {
    const message = summary(done, { links, boardId: 'a|b>c&x=<!channel>' });
    expect(lastContext(message)).toEqual([
      '📈 <https://schedmon.example.com/ui/reports?board=a%7Cb%3Ec%26x%3D%3C!channel%3E&amp;days=7|7-day report>',
    ]);
    expect(controlSequences(message)).toHaveLength(1);
  });

  it('keeps the link within every limit for 2,000 failures with long names', () => {
    const rows = bigTable(2_000).map((r) =>
      row({ ...r.scheduler, service_name: HOSTILE, error_message: 'x'.repeat(10_000) }, 'failed'),
    );
    const boardId = `b${':'.repeat(127)}`;
    const message = summary(rows, { links, boardId });
    expectValid([message]);
    expect(lastContext(message)[0]).toContain(encodeURIComponent(boardId));
    expect(sectionTexts(message).at(-1)).toMatch(/…and \d+ more$/);
  });
});
