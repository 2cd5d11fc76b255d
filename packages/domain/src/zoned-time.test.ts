import { describe, expect, it } from 'vitest';
import { at, iso } from './test-helpers.ts';
import {
  formatBusinessDate,
  formatDayMonth,
  formatWallTime,
  instantOf,
  wallClock,
  zoneAbbreviation,
} from './zoned-time.ts';

describe('wallClock', () => {
  it.each([
    {
      instant: '2026-01-14T17:00:00.000Z',
      zone: 'Asia/Jakarta',
      wall: [2026, 1, 15, 0, 0, 0, 0, 4],
    },
    {
      instant: '2026-01-14T22:59:59.999Z',
      zone: 'Asia/Jakarta',
      wall: [2026, 1, 15, 5, 59, 59, 999, 4],
    },
    // The repeated hour of London's fall-back: same wall time, two instants.
    {
      instant: '2026-10-25T00:30:00.000Z',
      zone: 'Europe/London',
      wall: [2026, 10, 25, 1, 30, 0, 0, 7],
    },
    {
      instant: '2026-10-25T01:30:00.000Z',
      zone: 'Europe/London',
      wall: [2026, 10, 25, 1, 30, 0, 0, 7],
    },
    {
      instant: '2026-03-29T01:00:00.000Z',
      zone: 'Europe/London',
      wall: [2026, 3, 29, 2, 0, 0, 0, 7],
    },
    { instant: '1969-12-31T23:59:59.999Z', zone: 'UTC', wall: [1969, 12, 31, 23, 59, 59, 999, 3] },
    {
      instant: '2026-01-14T18:14:00.000Z',
      zone: 'Asia/Kathmandu',
      wall: [2026, 1, 14, 23, 59, 0, 0, 3],
    },
  ])('$instant in $zone', ({ instant, zone, wall }) => {
    const [year, month, day, hour, minute, second, ms, weekday] = wall;
    expect(wallClock(at(instant), zone)).toEqual({
      year,
      month,
      day,
      hour,
      minute,
      second,
      ms,
      weekday,
    });
  });

  it('writes midnight as hour 0, never 24', () => {
    expect(wallClock(at('2026-01-14T17:00:00.000Z'), 'Asia/Jakarta').hour).toBe(0);
    expect(wallClock(at('2026-01-15T00:00:00.000Z'), 'UTC').hour).toBe(0);
  });

  it('throws a RangeError for an unknown zone', () => {
    expect(() => wallClock(0, 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('instantOf', () => {
  it.each([
    {
      date: '2026-01-15',
      time: '00:00',
      zone: 'Asia/Jakarta',
      expected: '2026-01-14T17:00:00.000Z',
    },
    {
      date: '2026-01-15',
      time: '00:00',
      zone: 'Asia/Kathmandu',
      expected: '2026-01-14T18:15:00.000Z',
    },
    { date: '2026-07-01', time: '12:34', zone: 'UTC', expected: '2026-07-01T12:34:00.000Z' },
    // New York spring-forward (2026-03-08 02:00 EST → 03:00 EDT): a wall time in the gap is
    // shifted forward by the gap's length.
    {
      date: '2026-03-08',
      time: '01:59',
      zone: 'America/New_York',
      expected: '2026-03-08T06:59:00.000Z',
    },
    {
      date: '2026-03-08',
      time: '02:00',
      zone: 'America/New_York',
      expected: '2026-03-08T07:00:00.000Z',
    },
    {
      date: '2026-03-08',
      time: '02:30',
      zone: 'America/New_York',
      expected: '2026-03-08T07:30:00.000Z',
    },
    {
      date: '2026-03-08',
      time: '03:00',
      zone: 'America/New_York',
      expected: '2026-03-08T07:00:00.000Z',
    },
    // New York fall-back (2026-11-01 02:00 EDT → 01:00 EST): the earlier instant (EDT).
    {
      date: '2026-11-01',
      time: '01:30',
      zone: 'America/New_York',
      expected: '2026-11-01T05:30:00.000Z',
    },
    {
      date: '2026-11-01',
      time: '02:00',
      zone: 'America/New_York',
      expected: '2026-11-01T07:00:00.000Z',
    },
    // London: 01:00–01:59 GMT does not exist on 29 Mar; 01:00–01:59 happens twice on 25 Oct.
    {
      date: '2026-03-29',
      time: '01:30',
      zone: 'Europe/London',
      expected: '2026-03-29T01:30:00.000Z',
    },
    {
      date: '2026-03-29',
      time: '02:00',
      zone: 'Europe/London',
      expected: '2026-03-29T01:00:00.000Z',
    },
    {
      date: '2026-10-25',
      time: '01:00',
      zone: 'Europe/London',
      expected: '2026-10-25T00:00:00.000Z',
    },
    {
      date: '2026-10-25',
      time: '01:59',
      zone: 'Europe/London',
      expected: '2026-10-25T00:59:00.000Z',
    },
    {
      date: '2026-10-25',
      time: '02:00',
      zone: 'Europe/London',
      expected: '2026-10-25T02:00:00.000Z',
    },
  ])('$date $time in $zone is $expected', ({ date, time, zone, expected }) => {
    expect(iso(instantOf({ date, time }, zone))).toBe(expected);
  });

  it('round-trips every existing wall minute of both London DST days', () => {
    for (const date of ['2026-03-29', '2026-10-25']) {
      for (let minute = 0; minute < 24 * 60; minute += 1) {
        const time = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
        const wall = wallClock(instantOf({ date, time }, 'Europe/London'), 'Europe/London');
        const inGap = date === '2026-03-29' && time.startsWith('01:');
        const back = `${String(wall.hour).padStart(2, '0')}:${String(wall.minute).padStart(2, '0')}`;
        expect(back).toBe(inGap ? `02:${time.slice(3)}` : time);
      }
    }
  });

  it.each([
    { date: '2026-02-30', time: '00:00' },
    { date: '2026-1-15', time: '00:00' },
    { date: '2026-01-15', time: '24:00' },
    { date: '2026-01-15', time: '7:00' },
  ])('throws a RangeError for $date $time', ({ date, time }) => {
    expect(() => instantOf({ date, time }, 'Asia/Jakarta')).toThrow(RangeError);
  });
});

describe('formatting', () => {
  it.each([
    { instant: '2026-01-14T19:42:10.000Z', zone: 'Asia/Jakarta', text: '02:42' },
    { instant: '2026-01-14T17:00:00.000Z', zone: 'Asia/Jakarta', text: '00:00' },
    { instant: '2026-10-25T00:30:00.000Z', zone: 'Europe/London', text: '01:30' },
    { instant: '2026-10-25T01:30:00.000Z', zone: 'Europe/London', text: '01:30' },
  ])('formatWallTime($instant, $zone) = $text', ({ instant, zone, text }) => {
    expect(formatWallTime(at(instant), zone)).toBe(text);
  });

  it.each([
    { date: '2026-01-15', text: '15 Jan 2026' },
    { date: '2026-03-05', text: '5 Mar 2026' },
    { date: '2026-12-31', text: '31 Dec 2026' },
  ])('formatBusinessDate($date) = $text', ({ date, text }) => {
    expect(formatBusinessDate(date)).toBe(text);
  });

  it.each([
    // 16:24 WIB on 1 Dec: the night of 2 Dec has not begun, the day is still 1 Dec.
    { instant: '2026-12-01T09:24:00.000Z', zone: 'Asia/Jakarta', text: '1 Dec' },
    // 02:00 WIB on 15 Jan, already the next day in the zone though not yet in UTC.
    { instant: '2026-01-14T19:00:00.000Z', zone: 'Asia/Jakarta', text: '15 Jan' },
    { instant: '2026-01-14T19:00:00.000Z', zone: 'UTC', text: '14 Jan' },
    // Either side of midnight in New York, whatever the host's zone (the matrix runs both).
    { instant: '2026-03-01T04:59:59.999Z', zone: 'America/New_York', text: '28 Feb' },
    { instant: '2026-03-01T05:00:00.000Z', zone: 'America/New_York', text: '1 Mar' },
    { instant: '2026-12-31T17:00:00.000Z', zone: 'Asia/Jakarta', text: '1 Jan' },
  ])('formatDayMonth($instant, $zone) = $text', ({ instant, zone, text }) => {
    expect(formatDayMonth(at(instant), zone)).toBe(text);
  });

  it('formatDayMonth throws a RangeError for an unknown zone', () => {
    expect(() => formatDayMonth(at('2026-01-14T19:00:00.000Z'), 'Mars/Olympus')).toThrow(
      RangeError,
    );
  });

  it('formatBusinessDate throws a RangeError for a date that does not exist', () => {
    expect(() => formatBusinessDate('2026-02-29')).toThrow(RangeError);
    expect(() => formatBusinessDate('15 Jan 2026')).toThrow(RangeError);
  });

  it.each([
    { zone: 'Asia/Jakarta', instant: '2026-01-14T19:00:00.000Z', abbreviation: 'WIB' },
    { zone: 'Asia/Pontianak', instant: '2026-01-14T19:00:00.000Z', abbreviation: 'WIB' },
    { zone: 'Asia/Makassar', instant: '2026-01-14T19:00:00.000Z', abbreviation: 'WITA' },
    { zone: 'Asia/Jayapura', instant: '2026-01-14T19:00:00.000Z', abbreviation: 'WIT' },
    { zone: 'Europe/London', instant: '2026-01-14T19:00:00.000Z', abbreviation: 'GMT' },
    { zone: 'Europe/London', instant: '2026-07-14T19:00:00.000Z', abbreviation: 'BST' },
    { zone: 'America/New_York', instant: '2026-01-14T19:00:00.000Z', abbreviation: 'EST' },
    { zone: 'America/New_York', instant: '2026-07-14T19:00:00.000Z', abbreviation: 'EDT' },
    { zone: 'UTC', instant: '2026-07-14T19:00:00.000Z', abbreviation: 'UTC' },
    { zone: 'Asia/Kolkata', instant: '2026-07-14T19:00:00.000Z', abbreviation: 'GMT+5:30' },
  ])('zoneAbbreviation($zone) = $abbreviation', ({ zone, instant, abbreviation }) => {
    expect(zoneAbbreviation(at(instant), zone)).toBe(abbreviation);
  });
});
