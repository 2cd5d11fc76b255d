import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NameSchema, OwnerEmailSchema, SchedulerIdSchema } from './scheduler.ts';
import { compileValidator } from './validation.ts';

describe('compileValidator', () => {
  const validator = compileValidator(
    Type.Object({
      scheduler_id: SchedulerIdSchema,
      name: NameSchema,
      email: Type.Optional(OwnerEmailSchema),
      list: Type.Optional(Type.Array(NameSchema)),
    }),
  );
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('stops at a length failure: no pattern or format runs on the long value', () => {
    const long = 'a'.repeat(60_000);
    const tested: number[] = [];
    const test = RegExp.prototype.test;
    vi.spyOn(RegExp.prototype, 'test').mockImplementation(function (this: RegExp, input) {
      tested.push(String(input).length);
      return test.call(this, input);
    });
    const problems = validator.problems({
      scheduler_id: '-bad',
      name: long,
      email: `a@${'.'.repeat(60_000)} `,
      list: ['ok', long],
    });
    expect(problems).toEqual([
      'name must be at most 255 characters',
      'email must be at most 320 characters',
      'list.1 must be at most 255 characters',
      expect.stringMatching(/^scheduler_id has characters that are not allowed/),
    ]);
    // The short values were still checked against their patterns; the long ones never.
    expect(tested.length).toBeGreaterThan(0);
    expect(Math.max(...tested)).toBeLessThan(1_000);
  });

  it('reports patterns and formats as before when no length fails', () => {
    expect(validator.problems({ scheduler_id: 'ok', name: '   ', email: 'nope' })).toEqual([
      expect.stringMatching(/^name has characters that are not allowed: it needs a visible/),
      'email must be a valid email',
    ]);
  });
});
