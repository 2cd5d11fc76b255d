import { describe, expect, it } from 'vitest';
import {
  connectionOf,
  parseDuration,
  parseInteger,
  signalExitCode,
  UsageError,
} from './cli-options.ts';

describe('cli options', () => {
  it('reads durations with units, bare numbers as seconds', () => {
    expect(parseDuration('5m', '--heartbeat')).toBe(300_000);
    expect(parseDuration('1s', '--heartbeat')).toBe(1_000);
    expect(parseDuration('1.5h', '--heartbeat')).toBe(5_400_000);
    expect(parseDuration('250ms', '--heartbeat')).toBe(250);
    expect(parseDuration('30', '--heartbeat')).toBe(30_000);
    expect(parseDuration('0', '--heartbeat')).toBe(0);
    expect(() => parseDuration('5 minutes', '--heartbeat')).toThrow(UsageError);
    expect(() => parseDuration('-1s', '--heartbeat')).toThrow('--heartbeat must be a duration');
  });

  it('reads bounded whole numbers', () => {
    expect(parseInteger('20', '--limit', 1, 1000)).toBe(20);
    expect(() => parseInteger('0', '--limit', 1, 1000)).toThrow(
      '--limit must be a whole number from 1 to 1000',
    );
    expect(() => parseInteger('2.5', '--limit', 1, 1000)).toThrow(UsageError);
  });

  it('gives the shell’s exit code of a signal', () => {
    expect(signalExitCode('SIGTERM')).toBe(143);
    expect(signalExitCode('SIGINT')).toBe(130);
    expect(signalExitCode('SIGKILL')).toBe(137);
  });

  it('takes the connection from options first, then the environment, and names what is missing', () => {
    const environment = { SCHEDMON_URL: 'http://env:3000', SCHEDMON_API_KEY: 'env-key' };
    expect(connectionOf({}, environment)).toEqual({
      baseUrl: 'http://env:3000',
      apiKey: 'env-key',
    });
    expect(connectionOf({ url: 'http://flag:1', 'api-key': 'flag-key' }, environment)).toEqual({
      baseUrl: 'http://flag:1',
      apiKey: 'flag-key',
    });
    expect(connectionOf({}, {})).toEqual({
      missing: ['--url or SCHEDMON_URL', '--api-key or SCHEDMON_API_KEY'],
    });
    expect(connectionOf({ url: 'not a url' }, { SCHEDMON_API_KEY: 'k' })).toEqual({
      missing: ['a URL in --url or SCHEDMON_URL (got "not a url")'],
    });
  });
});
