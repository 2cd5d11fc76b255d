import { afterEach, describe, expect, it } from 'vitest';
import type { EodConfig, EodSlot } from './eod.ts';
import {
  businessDateOf,
  currentOrNextWindow,
  DEFAULT_EOD_CONFIG,
  eodConfigProblems,
  FINAL_CATCH_UP_HOURS,
  isInWindow,
  slotOf,
  slotsOf,
  staleness,
  tonightStatus,
  windowFor,
} from './eod.ts';
import type { SchedulerRecord } from './scheduler.ts';
import { at, iso, UNSET_SETTINGS } from './test-helpers.ts';
import { formatBusinessDate, formatWallTime, wallClock, zoneAbbreviation } from './zoned-time.ts';

const JAKARTA = DEFAULT_EOD_CONFIG;
const LONDON: EodConfig = {
  ...DEFAULT_EOD_CONFIG,
  timeZone: 'Europe/London',
  windowStart: '22:00',
  windowEnd: '04:00',
};
const NEW_YORK: EodConfig = { ...DEFAULT_EOD_CONFIG, timeZone: 'America/New_York' };

/** A night's slots as `kind index UTC-instant` lines, readable in a failing diff. */
const describeSlots = (slots: readonly EodSlot[]): string[] =>
  slots.map((slot) => `${slot.kind} ${slot.index} ${iso(slot.slotStart)}`);

const record = (overrides: Partial<SchedulerRecord>): SchedulerRecord => ({
  scheduler_id: 'service-a-eod',
  service_name: 'Service A',
  job_name: 'EOD Process',
  status: 'running',
  timestamp: '2026-01-14T18:00:00.000Z',
  execution_time_ms: null,
  error_message: null,
  metadata: null,
  last_heartbeat: null,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-14T18:00:00.000Z',
  owner_email: null,
  alert_user_id: null,
  ...UNSET_SETTINGS,
  ...overrides,
});

describe('DEFAULT_EOD_CONFIG', () => {
  it('is the spec default and is valid', () => {
    expect(DEFAULT_EOD_CONFIG).toEqual({
      timeZone: 'Asia/Jakarta',
      windowStart: '00:00',
      windowEnd: '06:00',
      updateEveryMinutes: 60,
      heartbeatTimeoutMinutes: 10,
      lookbackHours: 6,
    });
    expect(eodConfigProblems(DEFAULT_EOD_CONFIG)).toEqual([]);
  });
});

describe('Asia/Jakarta default window', () => {
  it('starts at 00:00 WIB, which is the previous UTC day', () => {
    expect(windowFor('2026-01-15', JAKARTA)).toEqual({
      businessDate: '2026-01-15',
      start: at('2026-01-14T17:00:00.000Z'),
      end: at('2026-01-14T23:00:00.000Z'),
    });
  });

  it.each([
    // 18:00 WIB the evening before belongs to the night ahead.
    { instant: '2026-01-14T11:00:00.000Z', date: '2026-01-15', inWindow: false },
    { instant: '2026-01-14T16:59:59.999Z', date: '2026-01-15', inWindow: false },
    { instant: '2026-01-14T17:00:00.000Z', date: '2026-01-15', inWindow: true },
    { instant: '2026-01-14T17:59:59.999Z', date: '2026-01-15', inWindow: true },
    { instant: '2026-01-14T22:59:59.999Z', date: '2026-01-15', inWindow: true },
    // The window end is exclusive: at 06:00 WIB the next window to start is the next night's.
    { instant: '2026-01-14T23:00:00.000Z', date: '2026-01-16', inWindow: false },
    { instant: '2026-01-15T10:00:00.000Z', date: '2026-01-16', inWindow: false },
  ])('$instant → business date $date, in window $inWindow', ({ instant, date, inWindow }) => {
    expect(businessDateOf(at(instant), JAKARTA)).toBe(date);
    expect(isInWindow(at(instant), JAKARTA)).toBe(inWindow);
    expect(currentOrNextWindow(at(instant), JAKARTA)).toEqual(windowFor(date, JAKARTA));
  });

  it('lists post, five hourly updates and the final', () => {
    expect(describeSlots(slotsOf('2026-01-15', JAKARTA))).toEqual([
      'post 0 2026-01-14T17:00:00.000Z',
      'update 1 2026-01-14T18:00:00.000Z',
      'update 2 2026-01-14T19:00:00.000Z',
      'update 3 2026-01-14T20:00:00.000Z',
      'update 4 2026-01-14T21:00:00.000Z',
      'update 5 2026-01-14T22:00:00.000Z',
      'final 6 2026-01-14T23:00:00.000Z',
    ]);
  });

  it.each([
    // Before the window and after the final's catch-up: nothing is due; the slot names the
    // next night and starts where the previous night's final catch-up ended.
    {
      instant: '2026-01-14T16:59:59.999Z',
      slot: 'outside -1 2026-01-14T05:00:00.000Z',
      date: '2026-01-15',
    },
    {
      instant: '2026-01-14T17:00:00.000Z',
      slot: 'post 0 2026-01-14T17:00:00.000Z',
      date: '2026-01-15',
    },
    {
      instant: '2026-01-14T17:30:00.000Z',
      slot: 'post 0 2026-01-14T17:00:00.000Z',
      date: '2026-01-15',
    },
    {
      instant: '2026-01-14T17:59:59.999Z',
      slot: 'post 0 2026-01-14T17:00:00.000Z',
      date: '2026-01-15',
    },
    {
      instant: '2026-01-14T18:00:00.000Z',
      slot: 'update 1 2026-01-14T18:00:00.000Z',
      date: '2026-01-15',
    },
    {
      instant: '2026-01-14T22:59:59.999Z',
      slot: 'update 5 2026-01-14T22:00:00.000Z',
      date: '2026-01-15',
    },
    {
      instant: '2026-01-14T23:00:00.000Z',
      slot: 'final 6 2026-01-14T23:00:00.000Z',
      date: '2026-01-15',
    },
    // The final stays due (for catch-up) until window end + FINAL_CATCH_UP_HOURS.
    {
      instant: '2026-01-15T04:59:59.999Z',
      slot: 'final 6 2026-01-14T23:00:00.000Z',
      date: '2026-01-15',
    },
    {
      instant: '2026-01-15T05:00:00.000Z',
      slot: 'outside -1 2026-01-15T05:00:00.000Z',
      date: '2026-01-16',
    },
  ])('slotOf($instant) is $slot of $date', ({ instant, slot, date }) => {
    const found = slotOf(at(instant), JAKARTA);
    expect(describeSlots([found])).toEqual([slot]);
    expect(found.businessDate).toBe(date);
  });

  it('keeps the final due for exactly FINAL_CATCH_UP_HOURS', () => {
    expect(FINAL_CATCH_UP_HOURS).toBe(6);
  });
});

describe('Europe/London 22:00–04:00 across the 2026 DST changes', () => {
  it('a normal night is 6 h with five updates', () => {
    expect(describeSlots(slotsOf('2026-01-15', LONDON))).toEqual([
      'post 0 2026-01-15T22:00:00.000Z',
      'update 1 2026-01-15T23:00:00.000Z',
      'update 2 2026-01-16T00:00:00.000Z',
      'update 3 2026-01-16T01:00:00.000Z',
      'update 4 2026-01-16T02:00:00.000Z',
      'update 5 2026-01-16T03:00:00.000Z',
      'final 6 2026-01-16T04:00:00.000Z',
    ]);
  });

  it('spring-forward night (28 Mar): 5 h, the skipped 01:00 merges into 02:00 BST', () => {
    expect(windowFor('2026-03-28', LONDON)).toEqual({
      businessDate: '2026-03-28',
      start: at('2026-03-28T22:00:00.000Z'),
      end: at('2026-03-29T03:00:00.000Z'),
    });
    const slots = slotsOf('2026-03-28', LONDON);
    expect(describeSlots(slots)).toEqual([
      'post 0 2026-03-28T22:00:00.000Z',
      'update 1 2026-03-28T23:00:00.000Z',
      'update 2 2026-03-29T00:00:00.000Z',
      'update 3 2026-03-29T01:00:00.000Z',
      'update 4 2026-03-29T02:00:00.000Z',
      'final 5 2026-03-29T03:00:00.000Z',
    ]);
    expect(slots.map((slot) => formatWallTime(slot.slotStart, 'Europe/London'))).toEqual([
      '22:00',
      '23:00',
      '00:00',
      '02:00',
      '03:00',
      '04:00',
    ]);
  });

  it('fall-back night (24 Oct): 7 h, the repeated 01:00 runs once, at its first occurrence', () => {
    expect(windowFor('2026-10-24', LONDON)).toEqual({
      businessDate: '2026-10-24',
      start: at('2026-10-24T21:00:00.000Z'),
      end: at('2026-10-25T04:00:00.000Z'),
    });
    const slots = slotsOf('2026-10-24', LONDON);
    expect(describeSlots(slots)).toEqual([
      'post 0 2026-10-24T21:00:00.000Z',
      'update 1 2026-10-24T22:00:00.000Z',
      'update 2 2026-10-24T23:00:00.000Z',
      'update 3 2026-10-25T00:00:00.000Z',
      'update 4 2026-10-25T02:00:00.000Z',
      'update 5 2026-10-25T03:00:00.000Z',
      'final 6 2026-10-25T04:00:00.000Z',
    ]);
    expect(slots.map((slot) => formatWallTime(slot.slotStart, 'Europe/London'))).toEqual([
      '22:00',
      '23:00',
      '00:00',
      '01:00',
      '02:00',
      '03:00',
      '04:00',
    ]);
  });

  it.each([
    // Business date is the date the window starts, in London.
    { instant: '2026-03-28T21:59:59.999Z', slot: 'outside -1', date: '2026-03-28' },
    { instant: '2026-03-29T00:59:59.999Z', slot: 'update 2', date: '2026-03-28' },
    { instant: '2026-03-29T01:00:00.000Z', slot: 'update 3', date: '2026-03-28' },
    { instant: '2026-03-29T02:59:59.999Z', slot: 'update 4', date: '2026-03-28' },
    { instant: '2026-03-29T03:00:00.000Z', slot: 'final 5', date: '2026-03-28' },
    // 01:00–01:59 GMT, the second pass through the repeated hour, stays in the 01:00 BST slot.
    { instant: '2026-10-25T00:59:59.999Z', slot: 'update 3', date: '2026-10-24' },
    { instant: '2026-10-25T01:30:00.000Z', slot: 'update 3', date: '2026-10-24' },
    { instant: '2026-10-25T01:59:59.999Z', slot: 'update 3', date: '2026-10-24' },
    { instant: '2026-10-25T02:00:00.000Z', slot: 'update 4', date: '2026-10-24' },
    { instant: '2026-10-25T04:00:00.000Z', slot: 'final 6', date: '2026-10-24' },
  ])('slotOf($instant) is $slot of $date', ({ instant, slot, date }) => {
    const found = slotOf(at(instant), LONDON);
    expect(`${found.kind} ${found.index}`).toBe(slot);
    expect(found.businessDate).toBe(date);
  });

  it.each([
    { instant: '2026-03-28T21:59:59.999Z', date: '2026-03-28', inWindow: false },
    { instant: '2026-03-28T22:00:00.000Z', date: '2026-03-28', inWindow: true },
    { instant: '2026-03-29T02:59:59.999Z', date: '2026-03-28', inWindow: true },
    { instant: '2026-03-29T03:00:00.000Z', date: '2026-03-29', inWindow: false },
    { instant: '2026-10-25T03:59:59.999Z', date: '2026-10-24', inWindow: true },
    { instant: '2026-10-25T04:00:00.000Z', date: '2026-10-25', inWindow: false },
  ])('$instant → business date $date, in window $inWindow', ({ instant, date, inWindow }) => {
    expect(businessDateOf(at(instant), LONDON)).toBe(date);
    expect(isInWindow(at(instant), LONDON)).toBe(inWindow);
  });
});

describe('America/New_York with the 02:00 gap inside the window', () => {
  it('00:00–06:00 on 8 Mar is 5 h; the missing 02:00 merges into 03:00 EDT', () => {
    expect(windowFor('2026-03-08', NEW_YORK)).toEqual({
      businessDate: '2026-03-08',
      start: at('2026-03-08T05:00:00.000Z'),
      end: at('2026-03-08T10:00:00.000Z'),
    });
    expect(describeSlots(slotsOf('2026-03-08', NEW_YORK))).toEqual([
      'post 0 2026-03-08T05:00:00.000Z',
      'update 1 2026-03-08T06:00:00.000Z',
      'update 2 2026-03-08T07:00:00.000Z',
      'update 3 2026-03-08T08:00:00.000Z',
      'update 4 2026-03-08T09:00:00.000Z',
      'final 5 2026-03-08T10:00:00.000Z',
    ]);
  });

  it('a window starting in the gap starts shifted forward by the gap (02:30 → 03:30 EDT)', () => {
    const config: EodConfig = { ...NEW_YORK, windowStart: '02:30', updateEveryMinutes: 30 };
    expect(describeSlots(slotsOf('2026-03-08', config))).toEqual([
      'post 0 2026-03-08T07:30:00.000Z',
      // Wall 03:00 and 03:30 EDT are not after the shifted start, so they are dropped.
      'update 1 2026-03-08T08:00:00.000Z',
      'update 2 2026-03-08T08:30:00.000Z',
      'update 3 2026-03-08T09:00:00.000Z',
      'update 4 2026-03-08T09:30:00.000Z',
      'final 5 2026-03-08T10:00:00.000Z',
    ]);
  });

  it('a 90-minute interval keeps a slot that lands in the gap, shifted forward', () => {
    const config: EodConfig = { ...NEW_YORK, windowStart: '01:00', updateEveryMinutes: 90 };
    expect(describeSlots(slotsOf('2026-03-08', config))).toEqual([
      'post 0 2026-03-08T06:00:00.000Z',
      'update 1 2026-03-08T07:30:00.000Z', // wall 02:30 → 03:30 EDT
      'update 2 2026-03-08T08:00:00.000Z', // wall 04:00 EDT
      'update 3 2026-03-08T09:30:00.000Z', // wall 05:30 EDT
      'final 4 2026-03-08T10:00:00.000Z',
    ]);
  });
});

describe('tonightStatus (Asia/Jakarta, night of 15 Jan 2026)', () => {
  const twoAm = at('2026-01-14T19:00:00.000Z');

  it.each([
    { status: 'completed', timestamp: '2026-01-14T01:00:00.000Z', shown: 'pending' },
    // Window start − lookback is 18:00 WIB the evening before: inclusive.
    { status: 'completed', timestamp: '2026-01-14T11:00:00.000Z', shown: 'completed' },
    { status: 'completed', timestamp: '2026-01-14T10:59:59.999Z', shown: 'pending' },
    { status: 'completed', timestamp: '2026-01-15T01:00:00.000+07:00', shown: 'completed' },
    { status: 'failed', timestamp: '2026-01-14T18:30:00.000Z', shown: 'failed' },
    { status: 'running', timestamp: '2026-01-14T18:30:00.000Z', shown: 'running' },
    { status: 'running', timestamp: '2026-01-13T18:30:00.000Z', shown: 'pending' },
    { status: 'pending', timestamp: '2026-01-14T18:30:00.000Z', shown: 'pending' },
    { status: 'completed', timestamp: 'not a time', shown: 'pending' },
  ] as const)('$status at $timestamp shows $shown', ({ status, timestamp, shown }) => {
    expect(tonightStatus(record({ status, timestamp }), twoAm, JAKARTA)).toBe(shown);
  });

  it("judges the final and its catch-up against the night that just ended, then tomorrow's", () => {
    const done = record({ status: 'completed', timestamp: '2026-01-14T20:00:00.000Z' });
    expect(tonightStatus(done, at('2026-01-14T23:00:00.000Z'), JAKARTA)).toBe('completed');
    expect(tonightStatus(done, at('2026-01-15T04:59:59.999Z'), JAKARTA)).toBe('completed');
    expect(tonightStatus(done, at('2026-01-15T05:00:00.000Z'), JAKARTA)).toBe('pending');
  });

  it('before the window, judges against the night ahead', () => {
    const started = record({ status: 'running', timestamp: '2026-01-14T11:00:00.000Z' });
    expect(tonightStatus(started, at('2026-01-14T11:00:00.000Z'), JAKARTA)).toBe('running');
  });
});

describe('staleness (heartbeat timeout 10 min)', () => {
  const now = at('2026-01-14T19:00:00.000Z');

  it.each([
    {
      name: 'running, never heartbeated: judged by its status time',
      status: 'running',
      timestamp: '2026-01-14T18:40:00.000Z',
      heartbeat: null,
      expected: { stale: true, lastActivity: '2026-01-14T18:40:00.000Z', minutesSilent: 20 },
    },
    {
      name: 'heartbeat newer than the status',
      status: 'running',
      timestamp: '2026-01-14T18:00:00.000Z',
      heartbeat: '2026-01-14T18:55:00.000Z',
      expected: { stale: false },
    },
    {
      name: 'old heartbeat, status newer',
      status: 'running',
      timestamp: '2026-01-14T18:55:00.000Z',
      heartbeat: '2026-01-14T18:00:00.000Z',
      expected: { stale: false },
    },
    {
      name: 'stale heartbeat after an old status',
      status: 'running',
      timestamp: '2026-01-14T17:31:00.000Z',
      heartbeat: '2026-01-14T18:46:00.000+00:00',
      expected: { stale: true, lastActivity: '2026-01-14T18:46:00.000Z', minutesSilent: 14 },
    },
    {
      name: 'exactly the timeout: not yet stale',
      status: 'running',
      timestamp: '2026-01-14T18:00:00.000Z',
      heartbeat: '2026-01-14T18:50:00.000Z',
      expected: { stale: false },
    },
    {
      name: 'timeout + 1 ms: stale',
      status: 'running',
      timestamp: '2026-01-14T18:00:00.000Z',
      heartbeat: '2026-01-14T18:49:59.999Z',
      expected: { stale: true, lastActivity: '2026-01-14T18:49:59.999Z', minutesSilent: 10 },
    },
    {
      name: 'completed is never stale',
      status: 'completed',
      timestamp: '2026-01-14T17:10:00.000Z',
      heartbeat: null,
      expected: { stale: false },
    },
    {
      name: 'failed is never stale',
      status: 'failed',
      timestamp: '2026-01-14T17:10:00.000Z',
      heartbeat: null,
      expected: { stale: false },
    },
    {
      name: 'pending is never stale',
      status: 'pending',
      timestamp: '2026-01-14T12:00:00.000Z',
      heartbeat: null,
      expected: { stale: false },
    },
    {
      name: 'running since before the lookback shows pending, so is not stale',
      status: 'running',
      timestamp: '2026-01-13T20:00:00.000Z',
      heartbeat: '2026-01-13T21:00:00.000Z',
      expected: { stale: false },
    },
  ] as const)('$name', ({ status, timestamp, heartbeat, expected }) => {
    expect(
      staleness(record({ status, timestamp, last_heartbeat: heartbeat }), now, JAKARTA),
    ).toEqual(expected);
  });
});

describe('eodConfigProblems', () => {
  it.each([
    { change: { timeZone: 'Mars/Olympus_Mons' }, problem: /timeZone/ },
    { change: { timeZone: '' }, problem: /timeZone/ },
    { change: { windowStart: '24:00' }, problem: /windowStart/ },
    { change: { windowStart: '1:00' }, problem: /windowStart/ },
    { change: { windowEnd: '06:60' }, problem: /windowEnd/ },
    { change: { windowEnd: '00:00' }, problem: /differ/ },
    { change: { updateEveryMinutes: 0 }, problem: /updateEveryMinutes/ },
    { change: { updateEveryMinutes: 1.5 }, problem: /updateEveryMinutes/ },
    { change: { updateEveryMinutes: 361 }, problem: /updateEveryMinutes.*window/ },
    { change: { heartbeatTimeoutMinutes: 0 }, problem: /heartbeatTimeoutMinutes/ },
    { change: { heartbeatTimeoutMinutes: Number.NaN }, problem: /heartbeatTimeoutMinutes/ },
    { change: { lookbackHours: -1 }, problem: /lookbackHours/ },
    // 19 h before a 00:00 start reaches into the previous night's 00:00–06:00 window.
    { change: { lookbackHours: 19 }, problem: /lookbackHours.*previous/ },
  ])('reports $problem for $change', ({ change, problem }) => {
    const problems = eodConfigProblems({ ...DEFAULT_EOD_CONFIG, ...change });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it.each([
    { updateEveryMinutes: 360 },
    { lookbackHours: 18 },
    { lookbackHours: 0 },
    { windowStart: '22:00', windowEnd: '04:00' },
    { windowStart: '00:00', windowEnd: '23:59', lookbackHours: 0, updateEveryMinutes: 1 },
  ])('accepts $0', (change) => {
    expect(eodConfigProblems({ ...DEFAULT_EOD_CONFIG, ...change })).toEqual([]);
  });

  it('reports every problem at once', () => {
    expect(
      eodConfigProblems({
        ...DEFAULT_EOD_CONFIG,
        timeZone: 'Nowhere/Land',
        windowStart: 'noon',
        updateEveryMinutes: 0,
      }),
    ).toHaveLength(3);
  });
});

describe('host time zone independence', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
  });

  // Node applies a changed TZ to local-time Date methods at once, so any use of them in eod.ts
  // or zoned-time.ts would make these snapshots differ.
  const snapshot = (): unknown[] => {
    const instants = [
      '2026-01-14T16:59:59.999Z',
      '2026-01-14T17:00:00.000Z',
      '2026-01-14T23:00:00.000Z',
      '2026-03-08T07:00:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-10-25T01:30:00.000Z',
    ].map(at);
    return [JAKARTA, LONDON, NEW_YORK].flatMap((config) => [
      slotsOf('2026-03-08', config),
      slotsOf('2026-03-28', config),
      slotsOf('2026-10-24', config),
      ...instants.map((instant) => [
        slotOf(instant, config),
        businessDateOf(instant, config),
        isInWindow(instant, config),
        wallClock(instant, config.timeZone),
        formatWallTime(instant, config.timeZone),
        zoneAbbreviation(instant, config.timeZone),
      ]),
      formatBusinessDate('2026-01-15'),
    ]);
  };

  it('gives the same results under any process TZ', () => {
    process.env.TZ = 'UTC';
    const reference = snapshot();
    for (const tz of ['America/New_York', 'Asia/Jakarta', 'Pacific/Chatham', 'Europe/London']) {
      process.env.TZ = tz;
      expect(snapshot()).toEqual(reference);
    }
  });
});
