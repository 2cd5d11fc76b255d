/**
 * Request validation with the TypeBox schemas themselves (the same compiled checks the
 * domain uses), so a 400 names each problem in one readable sentence. Query strings and
 * path parameters arrive as strings: they are converted to the schema's types and given
 * its defaults first.
 */
import { compileValidator, ValidationError } from '@schedmon/domain';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance } from 'fastify';

export function installValidation(app: FastifyInstance) {
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const typed = schema as TSchema;
    const validator = compileValidator(typed);
    const convert = httpPart === 'querystring' || httpPart === 'params';
    return (data: unknown) => {
      const value = convert ? Value.Default(typed, Value.Convert(typed, data)) : data;
      if (validator.check(value)) return { value };
      return { error: new ValidationError(validator.problems(value)) };
    };
  });
}
