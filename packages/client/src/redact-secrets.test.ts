import { describe, expect, it } from 'vitest';
import { redactSecrets, SECRET_PATTERNS } from './redact-secrets.ts';

describe('redactSecrets', () => {
  it.each([
    [
      'an Authorization header',
      'curl: Authorization: Bearer abc.def-123',
      'curl: Authorization: Bearer [REDACTED]',
    ],
    [
      'a Basic header in JSON',
      '{"authorization":"Basic dXNlcjpwYXNz"}',
      '{"authorization":"Basic [REDACTED]"}',
    ],
    ['a bare bearer token', 'sent bearer 0123456789abcdef to x', 'sent bearer [REDACTED] to x'],
    [
      'key=value pairs',
      'DB_PASSWORD=hunter2 token=abc&api_key=k1;secret=s',
      'DB_PASSWORD=[REDACTED] token=[REDACTED]&api_key=[REDACTED];secret=[REDACTED]',
    ],
    ['a flag', 'run --client-secret=s3cr3t --verbose', 'run --client-secret=[REDACTED] --verbose'],
    ['a header', 'x-api-key: k-123 sent', 'x-api-key: [REDACTED] sent'],
    [
      'JSON pairs',
      '{"password": "correct horse", "user":"bob","access_token":"a\\"b"}',
      '{"password": "[REDACTED]", "user":"bob","access_token":"[REDACTED]"}',
    ],
    ['Python pairs', "{'secret': 'x y', 'n': 1}", "{'secret': '[REDACTED]', 'n': 1}"],
    ['an unclosed quote', 'password="cut off at the end', 'password="[REDACTED]'],
    [
      'a connection string',
      'Server=db;Uid=app;Pwd=p@ss;Database=x',
      'Server=db;Uid=app;Pwd=[REDACTED];Database=x',
    ],
    [
      'URL userinfo',
      'connect postgres://app:pa:ss@db.internal:5432/x failed',
      'connect postgres://app:[REDACTED]@db.internal:5432/x failed',
    ],
    [
      'URL userinfo with an @',
      'mongodb+srv://u:p@ss@cluster0.example.net/db',
      'mongodb+srv://u:[REDACTED]@cluster0.example.net/db',
    ],
    ['URL password only', 'redis://:hunter2@cache:6379', 'redis://:[REDACTED]@cache:6379'],
    [
      'an AWS access key id',
      'key AKIAIOSFODNN7EXAMPLE and ASIAY34FZKBOKMUTVV7A.',
      'key [REDACTED] and [REDACTED].',
    ],
    ['a Slack token', 'SLACK=xoxb-1234-5678-abcdefABCDEF ok', 'SLACK=[REDACTED] ok'],
    [
      'a Slack webhook',
      'POST https://hooks.slack.com/services/T000/B000/XXXXXXXX failed',
      'POST https://hooks.slack.com/[REDACTED] failed',
    ],
    [
      'GitHub tokens',
      `push ghp_${'a'.repeat(36)} github_pat_${'B1_'.repeat(27)}`,
      'push [REDACTED] [REDACTED]',
    ],
    ['a JWT', 'got eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-nat_ure here', 'got [REDACTED] here'],
    ['a JWT cut before its signature', 'got eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx…', 'got [REDACTED]…'],
  ])('redacts %s', (_name, text, redacted) => {
    expect(redactSecrets(text)).toBe(redacted);
  });

  it('redacts private key blocks, also one the tail cut at either end', () => {
    const key = [
      '-----BEGIN RSA PRIVATE KEY-----',
      'MIIEow',
      'AKCAQ==',
      '-----END RSA PRIVATE KEY-----',
    ];
    expect(redactSecrets(['before', ...key, 'after'].join('\n'))).toBe('before\n[REDACTED]\nafter');
    expect(redactSecrets(['before', ...key.slice(0, 2)].join('\n'))).toBe('before\n[REDACTED]');
    expect(redactSecrets([...key.slice(1), 'after'].join('\n'))).toBe('[REDACTED]\nafter');
    expect(
      redactSecrets(
        '-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----',
      ),
    ).toBe('[REDACTED]');
  });

  it('leaves ordinary error text alone', () => {
    const text = [
      'Error: connect ECONNREFUSED 127.0.0.1:5432',
      '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)',
      'password authentication failed for user "app"',
      'see https://example.com:8443/docs?page=2#retry and max_tokens=100',
      'exit code 3, took 1.5 s; author=alice',
    ].join('\n');
    expect(redactSecrets(text)).toBe(text);
  });

  // 100 KB shaped to make a backtracking pattern retry from every position: each pattern's
  // own prefix over and over, long runs of the characters it accepts, unclosed quotes.
  const SIZE = 100_000;
  const fill = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
  const PATHOLOGICAL = [
    'a',
    'A',
    '0',
    ' ',
    '\t',
    '\n',
    ':',
    '=',
    '"',
    "'",
    '\\',
    '@',
    '/',
    '.',
    '-',
    '_',
    'eyJ',
    'eyJaaaaaaaaaaaa.',
    'eyJaaaaaaaaaaaa.bb',
    'AKIA',
    'ASIAAAAA',
    'xoxb-',
    'xoxb-1',
    'ghp_',
    'github_pat_',
    'password',
    'password=',
    'password: ',
    '"password":"',
    "password='\\",
    'xpassword',
    'authorization',
    'authorization: ',
    'Authorization: Bearer ',
    'bearer ',
    'a://',
    'a://b:',
    'a://b:c',
    'postgres://u:p',
    'a:',
    'hooks.slack.com/services/',
    'https://hooks.slack.com/',
    '-----BEGIN ',
    '-----BEGIN PRIVATE KEY-----',
    '-----END ',
    '-----END PRIVATE KEY',
    '-----BEGIN AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  ].map(fill);

  // A backtracking pattern takes seconds on these (quadratic: 10^10 steps); a linear one
  // about a millisecond. The bound is far from both, so a busy machine cannot flake it.
  it.each(SECRET_PATTERNS.map((entry) => [entry.name, entry]))(
    'runs %s in linear time on 100 KB of pathological input',
    (_name, { pattern }) => {
      for (const input of PATHOLOGICAL) {
        const started = performance.now();
        input.replace(pattern, '');
        const took = performance.now() - started;
        expect(took, `${JSON.stringify(input.slice(0, 30))}…`).toBeLessThan(500);
      }
    },
  );

  it('redacts a whole 100 KB pathological tail in linear time', () => {
    for (const input of PATHOLOGICAL) {
      const started = performance.now();
      redactSecrets(input);
      expect(performance.now() - started, `${JSON.stringify(input.slice(0, 30))}…`).toBeLessThan(
        500,
      );
    }
  });
});
