import { describe, expect, it } from 'vitest';
import type { BoardInput, BoardSettings } from './boards.ts';
import {
  allBoards,
  boardProblems,
  boardsOf,
  defaultBoardOf,
  incidentRoutesOf,
  isQuietAt,
  MAX_INCIDENT_ROUTES,
  membersOf,
  selects,
  settingsOf,
  withBoardZone,
} from './boards.ts';
import { DEFAULT_EOD_CONFIG } from './eod.ts';
import { record } from './test-helpers.ts';

const input = (overrides: Partial<BoardInput> = {}): BoardInput => ({
  title: 'Payments EOD',
  slack_channel_id: 'C0PAY',
  timezone: 'Asia/Jakarta',
  window_start: '00:00',
  window_end: '06:00',
  members: { scheduler_ids: ['payments-*', 'ledger-eod'], services: ['Billing'], tags: ['pay'] },
  ...overrides,
});
const board = (id: string, overrides: Partial<BoardInput> = {}): BoardSettings =>
  settingsOf(id, input(overrides));
const fallback = defaultBoardOf(DEFAULT_EOD_CONFIG, undefined);

describe('membership', () => {
  it('matches an exact id, an id prefix, a whole service name or a tag, and nothing else', () => {
    const pay = board('pay');
    expect(selects(pay, record('payments-eod'))).toBe(true);
    expect(selects(pay, record('ledger-eod'))).toBe(true);
    expect(selects(pay, record('ledger-eod-2'))).toBe(false);
    expect(selects(pay, record('repayments-eod'))).toBe(false);
    expect(selects(pay, record('x', { service_name: 'Billing' }))).toBe(true);
    expect(selects(pay, record('x', { service_name: 'billing' }))).toBe(false);
    expect(selects(pay, record('x', { tags: ['ops', 'pay'] }))).toBe(true);
    expect(selects(pay, record('x', { tags: ['payments'] }))).toBe(false);
    expect(selects(board('all', { members: { scheduler_ids: ['*'] } }), record('x'))).toBe(true);
  });

  it('puts a scheduler in no board into the default board, and a member only in its boards', () => {
    const boards = allBoards([], fallback);
    const withBoards = [fallback, board('pay'), board('led', { members: { tags: ['pay'] } })];
    expect(boardsOf(record('x'), boards).map((b) => b.board_id)).toEqual(['default']);
    expect(boardsOf(record('x'), withBoards).map((b) => b.board_id)).toEqual(['default']);
    expect(
      boardsOf(record('payments-a', { tags: ['pay'] }), withBoards).map((b) => b.board_id),
    ).toEqual(['pay', 'led']);
    const records = [record('payments-a'), record('x'), record('y')];
    expect(membersOf(fallback, records, withBoards).map((r) => r.scheduler_id)).toEqual(['x', 'y']);
  });
});

describe('quiet dates', () => {
  const london = board('ldn', {
    timezone: 'Europe/London',
    window_start: '22:00',
    window_end: '04:00',
    quiet_dates: ['2026-12-25'],
  });
  it('inside a window, follow the night; outside, the calendar date in the board zone', () => {
    // 02:00 on 25 Dec belongs to the night of 24 Dec: not quiet.
    expect(isQuietAt(london, Date.parse('2026-12-25T02:00:00Z'), DEFAULT_EOD_CONFIG)).toBe(false);
    // Noon on 25 Dec, outside any window: quiet.
    expect(isQuietAt(london, Date.parse('2026-12-25T12:00:00Z'), DEFAULT_EOD_CONFIG)).toBe(true);
    // 23:00 on 25 Dec and 02:00 on 26 Dec: the night of 25 Dec, quiet.
    expect(isQuietAt(london, Date.parse('2026-12-25T23:00:00Z'), DEFAULT_EOD_CONFIG)).toBe(true);
    expect(isQuietAt(london, Date.parse('2026-12-26T02:00:00Z'), DEFAULT_EOD_CONFIG)).toBe(true);
    // 05:00 on 26 Dec, outside the window, not a quiet date.
    expect(isQuietAt(london, Date.parse('2026-12-26T05:00:00Z'), DEFAULT_EOD_CONFIG)).toBe(false);
  });
});

describe('incident routes', () => {
  const at = Date.parse('2026-03-02T18:00:00Z');
  it('are undefined without stored boards, and one per channel with them', () => {
    expect(incidentRoutesOf(record('x'), [fallback], at, DEFAULT_EOD_CONFIG, false)).toEqual({
      routes: undefined,
      quiet: false,
      destinations: [],
    });
    const boards = [
      fallback,
      board('a-pay', { mention: null }),
      board('b-pay', { mention: 'S0ONCALL', timezone: 'Europe/London' }),
      board('c-led', { slack_channel_id: 'C0LED' }),
    ];
    const { routes } = incidentRoutesOf(record('payments-x'), boards, at, DEFAULT_EOD_CONFIG, true);
    expect(routes).toEqual([
      { board_id: 'a-pay', channel: 'C0PAY', mention: 'S0ONCALL', time_zone: 'Asia/Jakarta' },
      { board_id: 'c-led', channel: 'C0LED', mention: null, time_zone: 'Asia/Jakarta' },
    ]);
    expect(incidentRoutesOf(record('x'), boards, at, DEFAULT_EOD_CONFIG, true).routes).toEqual([
      { board_id: 'default', channel: null, mention: null, time_zone: 'Asia/Jakarta' },
    ]);
  });

  it(`go to at most ${MAX_INCIDENT_ROUTES} channels, and are quiet only when every board is`, () => {
    const many = Array.from({ length: 8 }, (_, i) =>
      board(`b${i}`, { slack_channel_id: `C0B${i}` }),
    );
    const routes = incidentRoutesOf(
      record('payments-x'),
      [fallback, ...many],
      at,
      DEFAULT_EOD_CONFIG,
      true,
    );
    expect(routes.routes).toHaveLength(MAX_INCIDENT_ROUTES);
    const quietDay = ['2026-03-03'];
    const one = [
      fallback,
      board('q', { quiet_dates: quietDay }),
      board('r', { slack_channel_id: 'C0R' }),
    ];
    const partly = incidentRoutesOf(record('payments-x'), one, at, DEFAULT_EOD_CONFIG, true);
    expect(partly).toEqual({
      routes: [expect.objectContaining({ board_id: 'r' })],
      quiet: false,
      destinations: [],
    });
    const all = incidentRoutesOf(
      record('payments-x'),
      one.slice(0, 2),
      at,
      DEFAULT_EOD_CONFIG,
      true,
    );
    expect(all).toEqual({ routes: [], quiet: true, destinations: [] });
  });

  it("carry the awake boards' destinations once each, or the scheduler's own instead", () => {
    const pager = { type: 'pagerduty' as const, routing_key: 'a'.repeat(32) };
    const hook = {
      type: 'webhook' as const,
      url: 'https://h.example.com/x',
      secret: 's'.repeat(16),
    };
    const genie = { type: 'opsgenie' as const, api_key: 'k'.repeat(16), region: 'eu' as const };
    const boards = [
      fallback,
      board('a', { destinations: [pager, hook] }),
      board('b', { slack_channel_id: 'C0B', destinations: [hook, genie] }),
      board('q', {
        slack_channel_id: 'C0Q',
        quiet_dates: ['2026-03-03'],
        destinations: [genie, pager],
      }),
    ];
    const of = (override?: (typeof pager)[]) =>
      incidentRoutesOf(record('payments-x'), boards, at, DEFAULT_EOD_CONFIG, true, override)
        .destinations;
    expect(of()).toEqual([pager, hook, genie]);
    expect(of([pager])).toEqual([pager]);
    expect(of([])).toEqual([]);
    // Without stored boards the scheduler's own still apply.
    expect(
      incidentRoutesOf(record('x'), [fallback], at, DEFAULT_EOD_CONFIG, false, [pager])
        .destinations,
    ).toEqual([pager]);
    // At most ten, however many boards name how many.
    const crowded = Array.from({ length: 4 }, (_, i) =>
      board(`c${i}`, {
        destinations: Array.from({ length: 5 }, (_, j) => ({
          ...hook,
          secret: `${i}-${j}`.padEnd(16, 'x'),
        })),
      }),
    );
    expect(
      incidentRoutesOf(record('payments-x'), [fallback, ...crowded], at, DEFAULT_EOD_CONFIG, true)
        .destinations,
    ).toHaveLength(10);
  });
});

describe('boardProblems', () => {
  it.each([
    [{ timezone: 'Mars/Olympus' }, /timezone 'Mars\/Olympus' is not an IANA time zone/],
    [{ window_start: '06:00', window_end: '06:00' }, /window_start and window_end must differ/],
    [
      { window_end: '00:30', update_every_minutes: 60 },
      /update_every_minutes: 60 is longer than the 30-minute window/,
    ],
    [{ quiet_dates: ['2026-02-30'] }, /quiet_dates: '2026-02-30' is not a calendar date/],
    [{ members: {} }, /members needs at least one/],
    [{ board_id: 'other' }, /does not match the board's id 'pay'/],
  ] as const)('refuses %j', (overrides, problem) => {
    expect(
      boardProblems(input(overrides as Partial<BoardInput>), 'pay', { allowPrivateUrls: false }),
    ).toEqual([expect.stringMatching(problem)]);
  });

  it('accepts a good board', () => {
    expect(boardProblems(input(), 'pay', { allowPrivateUrls: false })).toEqual([]);
  });
});

describe('withBoardZone', () => {
  const reg = { scheduler_id: 'payments-eod', service_name: ' Payments ', job_name: 'EOD' };
  const london = board('ldn', { timezone: 'Europe/London' });
  it("reads a schedule without a zone in its first board's zone", () => {
    expect(withBoardZone({ ...reg, schedule: '0 1 * * *' }, [london]).timezone).toBe(
      'Europe/London',
    );
  });

  it('leaves a registration with its own zone, without a schedule, or in no stored board alone', () => {
    const own = { ...reg, schedule: '0 1 * * *', timezone: 'Asia/Tokyo' };
    expect(withBoardZone(own, [london])).toBe(own);
    const noSchedule = { ...reg };
    expect(withBoardZone(noSchedule, [london])).toBe(noSchedule);
    const elsewhere = { ...reg, scheduler_id: 'hr-eod', schedule: '0 1 * * *' };
    expect(withBoardZone(elsewhere, [london])).toBe(elsewhere);
    // A stored default board holds what no board names.
    const storedDefault = board('default', {
      timezone: 'America/New_York',
      members: { scheduler_ids: ['payments-*'] },
    });
    expect(withBoardZone(elsewhere, [storedDefault, london]).timezone).toBe('America/New_York');
    // A team's board wins over the default board that names it too.
    const daily = { ...reg, schedule: '0 1 * * *' };
    expect(withBoardZone(daily, [storedDefault, london]).timezone).toBe('Europe/London');
  });

  it('keeps EOD_TIMEZONE when its boards disagree on the zone, whatever their names', () => {
    const daily = { ...reg, schedule: '0 1 * * *' };
    const audit = board('aaa-audit', {
      timezone: 'UTC',
      members: { scheduler_ids: ['payments-*'] },
    });
    expect(withBoardZone(daily, [audit, london])).toBe(daily);
    const ledger = board('led', { timezone: 'Europe/London', members: { tags: ['x'] } });
    expect(withBoardZone({ ...daily, tags: ['x'] }, [ledger, london]).timezone).toBe(
      'Europe/London',
    );
  });
});
