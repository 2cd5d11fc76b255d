import { MAX_ERROR_MESSAGE_LENGTH } from '@schedmon/domain';
import { describe, expect, it } from 'vitest';
import { exitCodeOf, failureMessage } from './cli-run.ts';

const startError = (code: string) => Object.assign(new Error(`spawn job ${code}`), { code });

describe('how a run ends', () => {
  it('passes the exit code through, 128 + n for a signal, 127/126 when it could not start', () => {
    expect(exitCodeOf({ code: 0, signal: null })).toBe(0);
    expect(exitCodeOf({ code: 3, signal: null })).toBe(3);
    expect(exitCodeOf({ code: null, signal: 'SIGTERM' })).toBe(143);
    expect(exitCodeOf({ code: null, signal: null, error: startError('ENOENT') })).toBe(127);
    expect(exitCodeOf({ code: null, signal: null, error: startError('EACCES') })).toBe(126);
  });

  it('says why it failed, then the stderr tail', () => {
    expect(failureMessage({ code: 3, signal: null }, [])).toBe('exit code 3');
    expect(failureMessage({ code: null, signal: 'SIGKILL' }, ['oom'])).toBe(
      'killed by signal SIGKILL; last lines of stderr:\noom',
    );
    expect(failureMessage({ code: null, signal: null, error: startError('ENOENT') }, [])).toBe(
      'could not start: spawn job ENOENT',
    );
  });

  it('keeps the end of a tail too long for the api, within its limit', () => {
    const lines = Array.from({ length: 20 }, (_, index) => `${index}:${'x'.repeat(600)}`);
    const message = failureMessage({ code: 1, signal: null }, lines);
    expect(message).toHaveLength(MAX_ERROR_MESSAGE_LENGTH);
    expect(message.startsWith('exit code 1; last lines of stderr:\n…')).toBe(true);
    expect(message.endsWith(lines.at(-1) ?? '')).toBe(true);
  });
});
