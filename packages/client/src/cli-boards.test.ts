import { createHash } from 'node:crypto';
import type { BoardInput, BoardView } from '@schedmon/domain';
import { boardOf, boardView } from '@schedmon/domain';
import { describe, expect, it } from 'vitest';
import { planOf, readBoardsFile } from './cli-boards.ts';

const FILE = `boards:
  - board_id: payments
    title: Payments EOD
    slack_channel_id: C0PAY
    timezone: Asia/Jakarta
    window_start: "00:00"
    window_end: "06:00"
    members:
      scheduler_ids: [payments-*]
`;

describe('readBoardsFile', () => {
  it('reads times and dates as text, whatever the %YAML directive says', () => {
    const file = `%YAML 1.1\n---\n${FILE.replace('"00:00"', '22:00').replace('"06:00"', '04:00')}    quiet_dates: [2026-12-25]\n`;
    const read = readBoardsFile(file);
    expect(read).toMatchObject({
      ok: true,
      boards: [
        {
          id: 'payments',
          input: { window_start: '22:00', window_end: '04:00', quiet_dates: ['2026-12-25'] },
        },
      ],
    });
  });

  it('takes destination secrets written as variables from the environment, naming the line of one unset', () => {
    const file = `${FILE}    destinations:
      - type: pagerduty
        routing_key: \${PD_KEY}
      - type: webhook
        url: https://hooks.example.com/in
        secret: \${HOOK_SECRET}
`;
    const read = readBoardsFile(file, { PD_KEY: 'p'.repeat(32), HOOK_SECRET: 'h'.repeat(20) });
    expect(read).toMatchObject({
      ok: true,
      boards: [
        {
          input: {
            destinations: [
              { type: 'pagerduty', routing_key: 'p'.repeat(32) },
              { type: 'webhook', secret: 'h'.repeat(20) },
            ],
          },
        },
      ],
    });
    const unset = readBoardsFile(file, { PD_KEY: 'p'.repeat(32) });
    expect(unset).toEqual({
      ok: false,
      problems: [
        {
          line: 15,
          message: 'board payments: destinations.1.secret: the variable HOOK_SECRET is not set',
        },
      ],
    });
    // Only a whole value is a variable; elsewhere `${…}` is text.
    expect(readBoardsFile(FILE.replace('Payments EOD', `Pay \${X}`), {})).toMatchObject({
      ok: true,
    });
  });

  it('reads the boards with the line each starts on', () => {
    const read = readBoardsFile(FILE);
    expect(read).toMatchObject({ ok: true, boards: [{ id: 'payments', line: 2 }] });
  });

  it.each([
    [
      'a * inside an id',
      FILE.replace('[payments-*]', '[pay*ments]'),
      9,
      /members\.scheduler_ids\.0 /,
    ],
    [
      'equal window times',
      FILE.replace('"06:00"', '"00:00"'),
      6,
      /window_start and window_end must differ/,
    ],
    [
      'a fractional update period',
      `${FILE}    update_every_minutes: 60.5\n`,
      10,
      /must be an integer/,
    ],
    ['an alias bomb', `a: &a [1]\nboards: *a\n`, 2, /boards must be a list|not a board|mapping/],
  ])('names the line of %s', (_name, text, line, message) => {
    const read = readBoardsFile(text);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(
      read.problems.some((p) => p.line === line && message.test(p.message)),
      JSON.stringify(read.problems),
    ).toBe(true);
  });

  it('refuses an exponential alias bomb without expanding it', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i += 1) {
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    }
    const started = performance.now();
    const read = readBoardsFile(`${bomb.join('\n')}\nboards: []\n`);
    expect(read.ok).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('planOf', () => {
  const NOW = '2026-01-15T01:00:00.000Z';
  const read = readBoardsFile(FILE);
  const wanted = read.ok ? read.boards : [];
  const digest = (text: string) => createHash('sha256').update(text).digest('hex');
  const stored = (title: string, extra: Partial<BoardInput> = {}): BoardView[] =>
    [
      boardOf('payments', { ...(wanted[0]?.input ?? ({} as never)), title, ...extra }, NOW),
      boardOf('old', { ...(wanted[0]?.input ?? ({} as never)), board_id: 'old' }, NOW),
    ].map((board) => boardView(board, digest));
  const pager = { type: 'pagerduty' as const, routing_key: 'a'.repeat(32) };

  it('compares destinations by fingerprint: the same key is unchanged, another an update', () => {
    const withPager = wanted.map((board) => ({
      ...board,
      input: { ...board.input, destinations: [pager] },
    }));
    expect(planOf(withPager, stored('Payments EOD', { destinations: [pager] }))[0]).toEqual({
      action: 'unchanged',
      id: 'payments',
    });
    const rotated = { ...pager, routing_key: 'b'.repeat(32) };
    expect(planOf(withPager, stored('Payments EOD', { destinations: [rotated] }))[0]).toMatchObject(
      {
        action: 'update',
        changed: ['destinations'],
      },
    );
  });

  it('updates what differs, names the fields, and deletes what the file lacks', () => {
    expect(planOf(wanted, stored('Other'))).toEqual([
      { action: 'update', id: 'payments', input: wanted[0]?.input, changed: ['title'] },
      { action: 'delete', id: 'old' },
    ]);
    expect(planOf(wanted, stored('Payments EOD'))[0]).toEqual({
      action: 'unchanged',
      id: 'payments',
    });
    expect(planOf(wanted, [])).toEqual([
      { action: 'create', id: 'payments', input: wanted[0]?.input },
    ]);
  });
});
