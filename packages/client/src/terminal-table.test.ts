import type { SchedulerRecord } from '@schedmon/domain';
import { DEFAULT_EOD_CONFIG, newSchedulerRecord } from '@schedmon/domain';
import { describe, expect, it } from 'vitest';
import { renderTerminalTable, wantsColor } from './terminal-table.ts';

// 02:30 WIB on the night of 15 Jan 2026.
const NOW = Date.parse('2026-01-14T19:30:00.000Z');

const record = (id: string, fields: Partial<SchedulerRecord>): SchedulerRecord => ({
  ...newSchedulerRecord(
    { scheduler_id: id, service_name: 'Service A', job_name: id },
    '2026-01-01T00:00:00.000Z',
  ),
  timestamp: '2026-01-14T18:00:00.000Z',
  ...fields,
});

const records = [
  record('done', { status: 'completed', execution_time_ms: 1_500 }),
  record('busy', { status: 'running', last_heartbeat: '2026-01-14T19:29:00.000Z' }),
  record('silent', { status: 'running', last_heartbeat: '2026-01-14T19:00:00.000Z' }),
  record('broken', { service_name: 'B <&> Co', status: 'failed', error_message: 'disk <full>' }),
];

describe('renderTerminalTable', () => {
  it('shows Slack’s rows in Slack’s order, aligned, with producer text unescaped', () => {
    const text = renderTerminalTable(records, NOW, DEFAULT_EOD_CONFIG, { color: false });
    expect(text.split('\n')).toEqual([
      '📊 EOD Process Status — night of 15 Jan 2026 · 15 Jan 02:30 WIB',
      '✅ 1 completed · 🟡 2 running · ⬜ 0 pending · ❌ 1 failed · ⚠️ 1 stale',
      '',
      'Service   │ Job Name │ Status',
      'B <&> Co  │ broken   │ ❌ Failed 01:00 (disk <full>)',
      'Service A │ silent   │ 🟡 Running since 01:00 ⚠️ no heartbeat 30 min',
      'Service A │ busy     │ 🟡 Running since 01:00',
      'Service A │ done     │ ✅ Completed 01:00 (1.5 s)',
      '',
      'Legend: ⬜ Pending | 🟡 Running | ✅ Completed | ❌ Failed | ⚠️ Stale (no heartbeat) | ⏸ Paused',
      '',
    ]);
  });

  it('shows a paused scheduler as the Slack table does: ⏸ Paused, until when and why, dim', () => {
    const paused = { paused_at: '2026-01-14T17:00:00.000Z' };
    const table = [
      record('later', {
        status: 'failed',
        error_message: 'boom',
        ...paused,
        paused_until: '2026-01-14T21:00:00.000Z',
        pause_reason: 'migration ⚠️ \u001b[2J window',
      }),
      record('held', { status: 'running', ...paused }),
      // A pause that has ended shows the status again.
      record('over', { status: 'completed', ...paused, paused_until: '2026-01-14T19:00:00.000Z' }),
    ];
    const lines = renderTerminalTable(table, NOW, DEFAULT_EOD_CONFIG, { color: false }).split('\n');
    const cells = Object.fromEntries(
      lines
        .filter((line) => line.startsWith('Service A │'))
        .map((line) => [line.split(' │ ')[1]?.trim(), line.split(' │ ')[2]]),
    );
    expect(cells.later).toMatch(/^⏸ Paused until 04:00 \(migration ⚠️ .*window\)$/);
    expect(cells.later).not.toContain('\u001b');
    expect(cells.held).toBe('⏸ Paused');
    expect(cells.over).toBe('✅ Completed 01:00');
    expect(lines.at(-2)).toContain('⏸ Paused');
    const coloured = renderTerminalTable(table, NOW, DEFAULT_EOD_CONFIG, { color: true });
    expect(coloured).toContain('\u001B[2m⏸ Paused until 04:00');
  });

  it('says so when there is nothing to show', () => {
    const text = renderTerminalTable([], NOW, DEFAULT_EOD_CONFIG, { color: false });
    expect(text).toContain('No schedulers registered.');
  });

  it('colours status cells only when asked', () => {
    const text = renderTerminalTable(records, NOW, DEFAULT_EOD_CONFIG, { color: true });
    expect(text).toContain('\u001B[1m\u001B[31m❌ Failed');
    expect(text).toContain('\u001B[32m✅ Completed');
  });

  it('wants colours on a terminal without NO_COLOR', () => {
    expect(wantsColor({ isTTY: true }, {})).toBe(true);
    expect(wantsColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor({ isTTY: false }, {})).toBe(false);
    expect(wantsColor({}, {})).toBe(false);
  });
});
