/**
 * Bad input (docs/security.md): no input makes the api spend more than a few milliseconds, so
 * every pattern and format it validates with must run in linear time. This test finds
 * them all (the OpenAPI document of every route, the queue message, the keys file, the
 * config schemas, every registered format) and times each on the inputs that make
 * backtracking engines explode: long runs of one character class with a bad ending.
 */
import { QueueMessageSchema } from '@schedmon/domain';
import { FormatRegistry } from '@sinclair/typebox';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiKeysFileSchema } from '../src/auth.ts';
import { apiConfigSchema } from '../src/config.ts';
import { headers, makeApp } from './helpers.ts';

// A linear scan of 64 KiB takes well under a millisecond; the quadratic email pattern this
// guards against took seconds. The bound leaves room for a busy machine (R11).
const BOUND_MS = 250;
const LENGTH = 64 * 1024;

const RUN_CHARS = ['a', 'Z', '0', '.', ' ', '@', '-', ':', '#', '\t', '\n', '\u0000', '\ud800'];
const PREFIXES = ['', 'a', 'a@', 'U', '2026-01-15T00:00', 'write:'];
const ENDINGS = ['', '!', ' ', '\u0000', '@', '\udc00'];

/** Inputs that defeat backtracking: a prefix, 64 KiB of one character, a bad ending. */
function hostileInputs(): string[] {
  const inputs: string[] = [];
  for (const prefix of PREFIXES) {
    for (const char of RUN_CHARS) {
      for (const ending of ENDINGS) inputs.push(prefix + char.repeat(LENGTH) + ending);
    }
  }
  inputs.push(`a@${'.'.repeat(60_000)} `, `a@${'a.'.repeat(30_000)} `, 'a'.repeat(LENGTH));
  return inputs;
}

/** Every `pattern` string anywhere inside `value` (a schema or a whole OpenAPI document). */
function patternsIn(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) patternsIn(item, found);
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'pattern' && typeof item === 'string') found.add(item);
      else patternsIn(item, found);
    }
  }
  return found;
}

function slowest(test: (input: string) => unknown, inputs: readonly string[]) {
  let worst = { ms: 0, input: '' };
  for (const input of inputs) {
    const started = performance.now();
    test(input);
    const ms = performance.now() - started;
    if (ms > worst.ms) worst = { ms, input };
  }
  return {
    ms: worst.ms,
    input: `${JSON.stringify(worst.input.slice(0, 24))}… (${worst.input.length})`,
  };
}

describe('every pattern and format runs in linear time', async () => {
  const { app } = makeApp();
  await app.ready();
  afterAll(() => app.close());
  const inputs = hostileInputs();
  const patterns = patternsIn([
    app.swagger(),
    QueueMessageSchema,
    ApiKeysFileSchema,
    apiConfigSchema,
  ]);

  it('finds the patterns it must time', () => {
    // The scheduler id, names, timestamps, Slack ids and key scopes at least.
    expect(patterns.size).toBeGreaterThanOrEqual(6);
  });

  it.each([...patterns])('pattern %s', (pattern) => {
    // As TypeBox runs them, and as a JSON Schema validator with the `u` flag does.
    for (const flags of ['', 'u']) {
      const regex = new RegExp(pattern, flags);
      expect(slowest((input) => regex.test(input), inputs).ms).toBeLessThan(BOUND_MS);
    }
  });

  it.each([...FormatRegistry.Entries().keys()])('format %s', (format) => {
    const check = FormatRegistry.Get(format);
    if (!check) throw new Error(`format ${format} vanished`);
    expect(slowest(check, inputs).ms).toBeLessThan(BOUND_MS);
  });

  it('answers the email that used to hold the api for seconds with one 400 at once', async () => {
    const owner_email = `a@${'.'.repeat(60_000)} `;
    const started = performance.now();
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/schedulers/register',
      headers: headers(),
      payload: { scheduler_id: 'x', service_name: 'X', job_name: 'Y', owner_email },
    });
    expect(performance.now() - started).toBeLessThan(BOUND_MS * 5);
    expect(response.statusCode).toBe(400);
    // Validation stops at the length: one sentence, not the length and the format.
    expect(response.json().message).toEqual(['owner_email must be at most 320 characters']);
  });
});
