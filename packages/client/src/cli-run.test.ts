import { compileValidator, ErrorMessageSchema, MAX_ERROR_MESSAGE_LENGTH } from '@schedmon/domain';
import { describe, expect, it } from 'vitest';
import { exitCodeOf, failureMessage, jobEnvironment } from './cli-run.ts';

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

  it('turns a coloured, progress-bar, emoji-cut tail into an error message the api accepts', () => {
    // A cut inside an emoji leaves half a surrogate pair at the start of the kept tail.
    const lines = [
      '\u001b[31mERROR\u001b[0m upload failed',
      `${'😀'.repeat(6_000)}`,
      '\u001b[2K\r 40% \u001b]8;;http://x\u0007log\u001b]8;;\u0007\u0007',
    ];
    const message = failureMessage({ code: 1, signal: null }, lines);
    expect(ErrorMessageSchema.maxLength).toBe(MAX_ERROR_MESSAGE_LENGTH);
    expect(compileValidator(ErrorMessageSchema).check(message)).toBe(true);
    expect(message.endsWith('\r 40% log')).toBe(true);
    expect(failureMessage({ code: 1, signal: null }, [lines[0] ?? ''])).toContain(
      'ERROR upload failed',
    );
  });

  it('redacts secrets in the stderr tail before it becomes the error message', () => {
    const tail = ['connecting to postgres://app:hunter2@db:5432/x', 'Authorization: Bearer abc123'];
    expect(failureMessage({ code: 1, signal: null }, tail)).toBe(
      [
        'exit code 1; last lines of stderr:',
        'connecting to postgres://app:[REDACTED]@db:5432/x',
        'Authorization: Bearer [REDACTED]',
      ].join('\n'),
    );
  });

  it('redacts before cutting to the limit, so a cut never uncovers part of a secret', () => {
    const secret = `token=${'s'.repeat(MAX_ERROR_MESSAGE_LENGTH)}`;
    const message = failureMessage({ code: 1, signal: null }, ['first', secret, 'last']);
    expect(message).not.toContain('sss');
    expect(message).toBe('exit code 1; last lines of stderr:\nfirst\ntoken=[REDACTED]\nlast');
  });
});

describe('the command’s environment', () => {
  it('is the wrapper’s own without the SCHEDMON_* variables, the API key among them', () => {
    expect(
      jobEnvironment({
        PATH: '/bin',
        SCHEDMON_URL: 'http://api',
        SCHEDMON_API_KEY: 'key',
        schedmon_api_key: 'key',
        SCHEDMON_ANYTHING: 'x',
        MY_SCHEDMON_SETTING: 'kept',
        EMPTY: undefined,
      }),
    ).toEqual({ PATH: '/bin', MY_SCHEDMON_SETTING: 'kept' });
  });
});
