import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { problemsOf } from './config-test-helpers.ts';
import type { ConfigProblem } from './env-schema.ts';
import { describeConfig, env, loadConfig } from './env-schema.ts';

describe('loadConfig: booleans', () => {
  const schema = Type.Object({ FLAG: env.boolean({ description: 'a flag' }) });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['True', true],
    ['1', true],
    ['yes', true],
    ['YES', true],
    ['false', false],
    ['FALSE', false],
    ['False', false],
    ['0', false],
    ['no', false],
    ['NO', false],
    [' yes ', true],
  ])('reads %j as %s', (given, expected) => {
    expect(loadConfig(schema, { FLAG: given }).FLAG).toBe(expected);
  });

  it.each(['maybe', '2', 'on', 'y', 'truee'])(
    'rejects %j instead of treating it as truthy',
    (given) => {
      const error = problemsOf(schema, { FLAG: given });
      expect(error.problems).toEqual([
        { variable: 'FLAG', given, expected: 'a boolean (true/false/1/0/yes/no)' },
      ]);
      expect(error.message).toBe(
        `Invalid configuration:\n  - FLAG: given "${given}", expected a boolean (true/false/1/0/yes/no)`,
      );
    },
  );

  it('treats an empty value as missing when there is no default', () => {
    const error = problemsOf(schema, { FLAG: '' });
    expect(error.problems).toEqual([
      { variable: 'FLAG', given: undefined, expected: 'a boolean (true/false/1/0/yes/no)' },
    ]);
    expect(error.message).toContain('FLAG: missing, expected a boolean');
  });

  it('uses the default when absent or empty', () => {
    const withDefault = Type.Object({ FLAG: env.boolean({ default: true, description: 'x' }) });
    expect(loadConfig(withDefault, {}).FLAG).toBe(true);
    expect(loadConfig(withDefault, { FLAG: '' }).FLAG).toBe(true);
    expect(loadConfig(withDefault, { FLAG: 'no' }).FLAG).toBe(false);
  });
});

describe('loadConfig: integers', () => {
  const schema = Type.Object({
    PORT: env.integer({ default: 3000, minimum: 1, maximum: 65535, description: 'HTTP port' }),
  });
  const expected = 'an integer between 1 and 65535';

  it.each([
    ['8080', 8080],
    ['+8080', 8080],
    [' 3 ', 3],
    ['00042', 42],
    ['1', 1],
    ['65535', 65535],
  ])('parses %j strictly as %d', (given, value) => {
    expect(loadConfig(schema, { PORT: given }).PORT).toBe(value);
  });

  it.each(['abc', '12abc', '1.5', '1e3', '0x10', '3 4', '-', 'Infinity'])('rejects %j', (given) => {
    expect(problemsOf(schema, { PORT: given }).problems).toEqual([
      { variable: 'PORT', given, expected },
    ]);
  });

  it.each(['0', '-1', '65536'])('rejects %j outside the bounds', (given) => {
    expect(problemsOf(schema, { PORT: given }).problems).toEqual([
      { variable: 'PORT', given, expected },
    ]);
  });

  it('rejects integers too large to hold exactly', () => {
    const big = Type.Object({ N: env.integer({ description: 'n' }) });
    expect(problemsOf(big, { N: '99999999999999999999' }).problems).toEqual([
      { variable: 'N', given: '99999999999999999999', expected: 'an integer' },
    ]);
  });

  it('uses the default when absent, empty or only whitespace', () => {
    expect(loadConfig(schema, {}).PORT).toBe(3000);
    expect(loadConfig(schema, { PORT: '' }).PORT).toBe(3000);
    expect(loadConfig(schema, { PORT: '   ' }).PORT).toBe(3000);
  });

  it('describes one-sided and exclusive bounds', () => {
    const bounds = Type.Object({
      A: env.integer({ minimum: 1, description: 'a' }),
      B: env.integer({ maximum: 10, description: 'b' }),
      C: Type.Integer({ exclusiveMinimum: 0, exclusiveMaximum: 5 }),
    });
    expect(problemsOf(bounds, { A: '0', B: '11', C: '5' }).problems).toEqual([
      { variable: 'A', given: '0', expected: 'an integer of at least 1' },
      { variable: 'B', given: '11', expected: 'an integer of at most 10' },
      { variable: 'C', given: '5', expected: 'an integer greater than 0 and less than 5' },
    ]);
  });

  it('also coerces a plain Type.Integer', () => {
    const plain = Type.Object({ N: Type.Integer({ minimum: 0 }) });
    expect(loadConfig(plain, { N: '7' }).N).toBe(7);
  });
});

describe('loadConfig: numbers', () => {
  const schema = Type.Object({
    RATIO: env.number({ minimum: 0, maximum: 1, description: 'a ratio' }),
  });

  it.each([
    ['0.5', 0.5],
    ['1', 1],
    ['.25', 0.25],
    ['-0', -0],
    ['1e-1', 0.1],
  ])('parses %j as %d', (given, value) => {
    expect(loadConfig(schema, { RATIO: given }).RATIO).toBe(value);
  });

  it.each(['abc', '0.5x', 'NaN', 'Infinity', '1e999', '1.2.3', '0x1', '1.5'])(
    'rejects %j',
    (given) => {
      expect(problemsOf(schema, { RATIO: given }).problems).toEqual([
        { variable: 'RATIO', given, expected: 'a number between 0 and 1' },
      ]);
    },
  );
});

describe('loadConfig: presence', () => {
  it('reports a missing required variable', () => {
    const schema = Type.Object({ QUEUE: env.url({ description: 'queue' }) });
    const error = problemsOf(schema, {});
    expect(error.problems).toEqual([{ variable: 'QUEUE', given: undefined, expected: 'a URL' }]);
    expect(error.message).toBe('Invalid configuration:\n  - QUEUE: missing, expected a URL');
  });

  it('yields undefined for an absent or empty optional variable', () => {
    const schema = Type.Object({
      ENDPOINT: Type.Optional(env.url({ description: 'endpoint' })),
      COUNT: Type.Optional(env.integer({ description: 'count' })),
    });
    const config = loadConfig(schema, { COUNT: '' });
    expect(config).toEqual({ ENDPOINT: undefined, COUNT: undefined });
    expect(Object.keys(config)).toEqual(['ENDPOINT', 'COUNT']);
  });

  it('still validates an optional variable that is given', () => {
    const schema = Type.Object({ ENDPOINT: Type.Optional(env.url({ description: 'x' })) });
    expect(loadConfig(schema, { ENDPOINT: 'http://localhost:4566' }).ENDPOINT).toBe(
      'http://localhost:4566',
    );
    expect(problemsOf(schema, { ENDPOINT: 'nope' }).problems).toEqual([
      { variable: 'ENDPOINT', given: 'nope', expected: 'a URL' },
    ]);
  });

  it('prefers the default over undefined for an optional variable with a default', () => {
    const schema = Type.Object({
      NAME: Type.Optional(env.string({ default: 'x', description: 'name' })),
    });
    expect(loadConfig(schema, {}).NAME).toBe('x');
  });

  it('ignores variables that the schema does not name', () => {
    const schema = Type.Object({ PORT: env.integer({ default: 1, description: 'p' }) });
    const config = loadConfig(schema, { PORT: '2', PATH: '/usr/bin', HOME: '/root', PORTX: 'a' });
    expect(config).toEqual({ PORT: 2 });
  });

  it('returns a frozen value, lists included', () => {
    const schema = Type.Object({
      PORT: env.integer({ default: 1, description: 'p' }),
      KEYS: env.list({ default: ['a'], description: 'k' }),
    });
    const config = loadConfig(schema, {});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.KEYS)).toBe(true);
    expect(() => {
      (config as { PORT: number }).PORT = 2;
    }).toThrow(TypeError);
    // The default must not be shared with the result, or one app could change another's.
    expect(schema.properties.KEYS.default).not.toBe(config.KEYS);
  });

  it('rejects a schema kind it cannot read from the environment', () => {
    const schema = Type.Object({ WHEN: Type.Date() });
    expect(() => loadConfig(schema, { WHEN: 'x' })).toThrow(TypeError);
  });
});

describe('loadConfig: strings', () => {
  it('passes strings through, trimmed', () => {
    const schema = Type.Object({ NAME: env.string({ description: 'name' }) });
    expect(loadConfig(schema, { NAME: '  schedulers ' }).NAME).toBe('schedulers');
  });

  it('names the pattern rule that failed', () => {
    const schema = Type.Object({
      CHANNEL: env.string({ pattern: '^[CG][A-Z0-9]+$', description: 'channel' }),
    });
    expect(loadConfig(schema, { CHANNEL: 'C123' }).CHANNEL).toBe('C123');
    expect(problemsOf(schema, { CHANNEL: '#general' }).problems).toEqual([
      { variable: 'CHANNEL', given: '#general', expected: 'a string matching /^[CG][A-Z0-9]+$/' },
    ]);
  });

  it('names the length rules that failed', () => {
    const schema = Type.Object({
      SHORT: env.string({ minLength: 3, description: 'short' }),
      LONG: env.string({ maxLength: 2, description: 'long' }),
    });
    expect(problemsOf(schema, { SHORT: 'ab', LONG: 'abc' }).problems).toEqual([
      { variable: 'SHORT', given: 'ab', expected: 'at least 3 characters' },
      { variable: 'LONG', given: 'abc', expected: 'at most 2 characters' },
    ]);
  });

  it('accepts only http and https URLs', () => {
    const schema = Type.Object({ URL: env.url({ description: 'u' }) });
    expect(loadConfig(schema, { URL: 'https://sqs.ap-southeast-1.amazonaws.com/1/q' }).URL).toBe(
      'https://sqs.ap-southeast-1.amazonaws.com/1/q',
    );
    for (const given of ['localhost:4566', 'ftp://x', '/relative', 'http//x']) {
      expect(problemsOf(schema, { URL: given }).problems).toEqual([
        { variable: 'URL', given, expected: 'a URL' },
      ]);
    }
  });
});

describe('loadConfig: one of', () => {
  const schema = Type.Object({
    LOG_LEVEL: env.oneOf(['debug', 'info', 'warn'] as const, { default: 'info', description: 'l' }),
  });

  it('accepts a listed value and defaults', () => {
    expect(loadConfig(schema, { LOG_LEVEL: 'debug' }).LOG_LEVEL).toBe('debug');
    expect(loadConfig(schema, {}).LOG_LEVEL).toBe('info');
  });

  it.each(['verbose', 'INFO'])('rejects %j, listing the choices', (given) => {
    expect(problemsOf(schema, { LOG_LEVEL: given }).problems).toEqual([
      { variable: 'LOG_LEVEL', given, expected: 'one of debug, info, warn' },
    ]);
  });

  it('reads a hand-written union of literals the same way', () => {
    const plain = Type.Object({ MODE: Type.Union([Type.Literal('a'), Type.Literal('b')]) });
    expect(loadConfig(plain, { MODE: 'b' }).MODE).toBe('b');
    expect(problemsOf(plain, { MODE: 'c' }).problems[0]?.expected).toBe('one of a, b');
  });
});

describe('loadConfig: lists', () => {
  const schema = Type.Object({ KEYS: env.list({ default: [], description: 'keys' }) });

  it('splits on commas, trims and drops empty items', () => {
    expect(loadConfig(schema, { KEYS: ' a, b ,,c , ' }).KEYS).toEqual(['a', 'b', 'c']);
    expect(loadConfig(schema, { KEYS: 'single' }).KEYS).toEqual(['single']);
    expect(loadConfig(schema, { KEYS: ',' }).KEYS).toEqual([]);
  });

  it('uses the default when absent or empty', () => {
    expect(loadConfig(schema, {}).KEYS).toEqual([]);
    expect(loadConfig(schema, { KEYS: '' }).KEYS).toEqual([]);
  });

  it('checks the number of items', () => {
    const atLeastOne = Type.Object({ KEYS: env.list({ minItems: 1, description: 'keys' }) });
    expect(problemsOf(atLeastOne, { KEYS: ' , ' }).problems).toEqual([
      { variable: 'KEYS', given: ' , ', expected: 'at least 1 item' },
    ]);
  });
});

describe('loadConfig: time of day and time zone', () => {
  const schema = Type.Object({
    START: env.time({ default: '00:00', description: 'start' }),
    ZONE: env.timeZone({ default: 'Asia/Jakarta', description: 'zone' }),
  });
  const timeExpected = 'a time of day HH:MM (00:00 to 23:59)';
  const zoneExpected = 'an IANA time zone such as UTC or Asia/Jakarta';

  it.each(['00:00', '06:30', '23:59', '12:00'])('accepts the time %j', (given) => {
    expect(loadConfig(schema, { START: given }).START).toBe(given);
  });

  it.each(['24:00', '7:30', '12:60', '12:5', '1200', 'noon', '12:00:00'])(
    'rejects the time %j',
    (given) => {
      expect(problemsOf(schema, { START: given }).problems).toEqual([
        { variable: 'START', given, expected: timeExpected },
      ]);
    },
  );

  it.each(['UTC', 'Asia/Jakarta', 'America/New_York', 'Etc/GMT+7'])(
    'accepts the zone %j',
    (given) => {
      expect(loadConfig(schema, { ZONE: given }).ZONE).toBe(given);
    },
  );

  it.each(['Mars/Olympus', '+07:00', 'Jakarta', 'WIB'])('rejects the zone %j', (given) => {
    expect(problemsOf(schema, { ZONE: given }).problems).toEqual([
      { variable: 'ZONE', given, expected: zoneExpected },
    ]);
  });

  it('uses the defaults', () => {
    expect(loadConfig(schema, {})).toEqual({ START: '00:00', ZONE: 'Asia/Jakarta' });
  });
});

describe('loadConfig: secrets', () => {
  const schema = Type.Object({
    SLACK_BOT_TOKEN: env.secret(env.string({ pattern: '^xoxb-', description: 'token' })),
    API_KEYS: env.secret(env.list({ minItems: 2, description: 'keys' })),
    PIN: env.secret(env.integer({ description: 'pin' })),
  });

  it('never shows a secret value in problems or in the message', () => {
    const given = { SLACK_BOT_TOKEN: 'hunter2-token', API_KEYS: 'hunter2-key', PIN: 'hunter2' };
    const error = problemsOf(schema, given);
    expect(error.problems.map((problem) => problem.given)).toEqual([
      '(redacted)',
      '(redacted)',
      '(redacted)',
    ]);
    expect(error.message).not.toContain('hunter2');
    expect(JSON.stringify(error.problems)).not.toContain('hunter2');
    expect(error.message).toContain(
      'SLACK_BOT_TOKEN: given "(redacted)", expected a string matching',
    );
  });

  it('still reports a missing secret as missing', () => {
    const error = problemsOf(schema, { API_KEYS: 'a,b', PIN: '1' });
    expect(error.problems).toEqual([
      { variable: 'SLACK_BOT_TOKEN', given: undefined, expected: 'a string matching /^xoxb-/' },
    ]);
  });

  it('loads a valid secret as its value', () => {
    const config = loadConfig(schema, { SLACK_BOT_TOKEN: 'xoxb-1', API_KEYS: 'a,b', PIN: '42' });
    expect(config).toEqual({ SLACK_BOT_TOKEN: 'xoxb-1', API_KEYS: ['a', 'b'], PIN: 42 });
  });
});

describe('loadConfig: every problem at once', () => {
  it('lists every problem in one error, in schema order', () => {
    const schema = Type.Object({
      PORT: env.integer({ default: 3000, minimum: 1, maximum: 65535, description: 'p' }),
      SLACK_ENABLED: env.boolean({ default: true, description: 's' }),
      LOG_LEVEL: env.oneOf(['info', 'debug'] as const, { default: 'info', description: 'l' }),
      HOST: env.string({ default: '0.0.0.0', description: 'h' }),
      SQS_QUEUE_URL: env.url({ description: 'q' }),
    });
    const error = problemsOf(schema, { PORT: 'abc', SLACK_ENABLED: 'maybe', LOG_LEVEL: 'loud' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    expect(error.problems).toHaveLength(4);
    expect(error.problems.map((problem: ConfigProblem) => problem.variable)).toEqual([
      'PORT',
      'SLACK_ENABLED',
      'LOG_LEVEL',
      'SQS_QUEUE_URL',
    ]);
    expect(error.message).toBe(
      [
        'Invalid configuration:',
        '  - PORT: given "abc", expected an integer between 1 and 65535',
        '  - SLACK_ENABLED: given "maybe", expected a boolean (true/false/1/0/yes/no)',
        '  - LOG_LEVEL: given "loud", expected one of info, debug',
        '  - SQS_QUEUE_URL: missing, expected a URL',
      ].join('\n'),
    );
  });

  it('quotes a given value so control characters stay visible', () => {
    const schema = Type.Object({ N: env.integer({ description: 'n' }) });
    expect(problemsOf(schema, { N: '1\n2' }).message).toContain('N: given "1\\n2"');
  });
});

describe('describeConfig', () => {
  it('lists each variable with its default, description and whether it is secret', () => {
    const schema = Type.Object({
      PORT: env.integer({ default: 3000, description: 'HTTP port' }),
      SLACK_ENABLED: env.boolean({ default: true, description: 'Post to Slack' }),
      API_KEYS: env.secret(env.list({ default: ['a', 'b'], description: 'API keys' })),
      SQS_QUEUE_URL: env.url({ description: 'Queue URL' }),
      SQS_DLQ_URL: Type.Optional(env.url({ description: 'DLQ URL' })),
    });
    expect(describeConfig(schema)).toEqual([
      {
        variable: 'PORT',
        default: '3000',
        description: 'HTTP port',
        secret: false,
        required: false,
        expected: 'an integer',
      },
      {
        variable: 'SLACK_ENABLED',
        default: 'true',
        description: 'Post to Slack',
        secret: false,
        required: false,
        expected: 'a boolean (true/false/1/0/yes/no)',
      },
      {
        variable: 'API_KEYS',
        default: 'a,b',
        description: 'API keys',
        secret: true,
        required: false,
        expected: 'a comma-separated list',
      },
      {
        variable: 'SQS_QUEUE_URL',
        default: undefined,
        description: 'Queue URL',
        secret: false,
        required: true,
        expected: 'a URL',
      },
      {
        variable: 'SQS_DLQ_URL',
        default: undefined,
        description: 'DLQ URL',
        secret: false,
        required: false,
        expected: 'a URL',
      },
    ]);
  });
});
