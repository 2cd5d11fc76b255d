import { describe, expect, it } from 'vitest';
import { registrationProblems, scheduleProblem } from './schedule.ts';
import type { Registration } from './scheduler.ts';
import { isPaused, matchesFilter, RegistrationSchema } from './scheduler.ts';
import { record } from './test-helpers.ts';
import { compileValidator } from './validation.ts';

const registration = (extra: Partial<Registration> = {}): Registration => ({
  scheduler_id: 'job',
  service_name: 'Service',
  job_name: 'Job',
  ...extra,
});

describe('scheduleProblem', () => {
  it.each([
    '0 1 * * *',
    '*/15 * * * *',
    '30 2 * * MON-FRI',
    '0 0 1,15 * *',
    '0 6 * JAN,JUL SUN',
    '@hourly',
    '@daily',
    '@weekly',
    '@monthly',
    'every 15m',
    'every 2h',
    'every 744h',
    '0 0 29 2 *',
  ])('accepts %s', (schedule) => {
    expect(scheduleProblem(schedule)).toBeUndefined();
  });

  it.each([
    ['61 * * * *', /minute/],
    ['* * *', /5 fields .* has 3/],
    ['0 0 * * * *', /5 fields .* has 6/],
    ['0 0 30 2 *', /never matches/],
    ['@yearly', /@yearly is not one of @hourly/],
    ['@reboot', /not one of/],
    ['every 0m', /every <n>m/],
    ['every 15 minutes', /every <n>m/],
    ['every 745h', /at most 31 days/],
    ['0 25 * * *', /hour/],
    ['0 0 * * FUNDAY', /cron expression/],
    ['0 0 L * *', /L, W, #, \? or \+/],
    ['0 0 * * 5#3', /L, W, #, \? or \+/],
    ['0 0 ? * *', /L, W, #, \? or \+/],
    ['0 0 l * *', /L, W, #, \? or \+/],
    ['0 0 15w * *', /L, W, #, \? or \+/],
    ['0 0 * * +mon', /L, W, #, \? or \+/],
  ])('refuses %s, naming the field and why', (schedule, reason) => {
    const problem = scheduleProblem(schedule);
    expect(problem).toMatch(/^schedule: /);
    expect(problem).toMatch(reason);
  });
});

describe('registrationProblems', () => {
  it('names a bad zone, a bad schedule and a minimum not below the maximum, together', () => {
    expect(
      registrationProblems(
        registration({
          schedule: '99 * * * *',
          timezone: 'Mars/Olympus_Mons',
          min_runtime_seconds: 600,
          max_runtime_seconds: 600,
        }),
      ),
    ).toEqual([
      expect.stringMatching(/^schedule: '99 \* \* \* \*' is not a valid cron expression/),
      "timezone: 'Mars/Olympus_Mons' is not an IANA time zone (e.g. Asia/Jakarta)",
      'min_runtime_seconds (600) must be less than max_runtime_seconds (600)',
    ]);
    expect(
      registrationProblems(registration({ schedule: '0 1 * * *', timezone: 'Asia/Jakarta' })),
    ).toEqual([]);
  });

  it('bounds the settings in the schema with readable sentences', () => {
    const validator = compileValidator(RegistrationSchema);
    const problems = (extra: Record<string, unknown>) =>
      validator.problems({ ...registration(), ...extra });
    expect(problems({ grace_seconds: 59 })).toEqual([expect.stringMatching(/^grace_seconds .*60/)]);
    expect(problems({ tags: ['Upper'] })[0]).toMatch(/lower-case letters, digits and dashes/);
    expect(problems({ tags: ['a', 'a'] })[0]).toMatch(/^tags /);
    expect(problems({ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) })[0]).toMatch(/20/);
    expect(problems({ alert_after_failures: 101 })[0]).toMatch(/^alert_after_failures /);
  });
});

describe('isPaused', () => {
  const now = '2026-01-15T01:00:00.000Z';
  it('is paused from paused_at until paused_until (exclusive), or until resumed', () => {
    expect(isPaused(record('a'), now)).toBe(false);
    expect(isPaused(record('a', { paused_at: now }), now)).toBe(true);
    expect(
      isPaused(record('a', { paused_at: now, paused_until: '2026-01-15T01:00:00.001Z' }), now),
    ).toBe(true);
    expect(isPaused(record('a', { paused_at: now, paused_until: now }), now)).toBe(false);
    // Before the pause began: not covered, so a late-applied earlier failure still alerts.
    expect(isPaused(record('a', { paused_at: now }), '2026-01-15T00:59:59.999Z')).toBe(false);
  });
});

describe('matchesFilter', () => {
  it('keeps active records by default, archived ones only when asked, and filters tags', () => {
    const active = record('a', { tags: ['eod'] });
    const archived = record('b', { tags: ['eod'], archived_at: '2026-01-15T00:00:00.000Z' });
    expect(matchesFilter(active, {})).toBe(true);
    expect(matchesFilter(archived, {})).toBe(false);
    expect(matchesFilter(archived, { archived: true })).toBe(true);
    expect(matchesFilter(active, { archived: true })).toBe(false);
    expect(matchesFilter(active, { tag: 'eod' })).toBe(true);
    expect(matchesFilter(active, { tag: 'other' })).toBe(false);
    expect(matchesFilter(active, { status: 'failed' })).toBe(false);
  });
});
