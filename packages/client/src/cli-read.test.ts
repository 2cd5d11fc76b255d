import type { HistoryEntry } from '@schedmon/domain';
import { DEFAULT_EOD_CONFIG } from '@schedmon/domain';
import { describe, expect, it } from 'vitest';
import { formatHistory, windowNote } from './cli-read.ts';

const entry = (fields: Partial<HistoryEntry>): HistoryEntry => ({
  id: 'e1',
  scheduler_id: 'job-a',
  type: 'status',
  status: 'failed',
  timestamp: '2026-01-15T01:00:00.000Z',
  execution_time_ms: 1_500,
  error_message: null,
  metadata: null,
  run_id: null,
  ...fields,
});

describe('formatHistory', () => {
  it('shows the first line of an error with its control characters escaped', () => {
    const error_message =
      '\u001b[2J\u001b]8;;https://evil.example\u0007click me\u001b]8;;\u0007\tthen\u009b31m\rover\nsecond line';
    const text = formatHistory([entry({ error_message })]);
    expect(text.split('\n')).toEqual([
      'Time (UTC)                Event   Took   Error',
      '2026-01-15T01:00:00.000Z  failed  1.5 s  \\u001b[2J\\u001b]8;;https://evil.example\\u0007click me\\u001b]8;;\\u0007 then\\u009b31m\\u000dover',
      '',
    ]);
  });
});

describe('windowNote', () => {
  const wib = {
    ...DEFAULT_EOD_CONFIG,
    timeZone: 'Asia/Jakarta',
    windowStart: '00:00',
    windowEnd: '06:00',
  };

  it('says when tonight’s window opens, outside it', () => {
    // 16:24 WIB on 1 Dec: the night of 2 Dec opens at midnight.
    expect(windowNote(Date.parse('2026-12-01T16:24:00+07:00'), wib)).toBe(
      'The night of 2 Dec opens at 00:00 WIB, in 7 h 36 min.',
    );
    expect(windowNote(Date.parse('2026-12-01T23:48:30+07:00'), wib)).toBe(
      'The night of 2 Dec opens at 00:00 WIB, in 12 min.',
    );
  });

  it('says nothing inside the window', () => {
    expect(windowNote(Date.parse('2026-12-02T00:00:00+07:00'), wib)).toBeUndefined();
    expect(windowNote(Date.parse('2026-12-02T05:59:00+07:00'), wib)).toBeUndefined();
  });
});
