/**
 * Readable validation messages from TypeBox schemas, one per problem, naming the field
 * (docs/api.md).
 */
import type { TSchema } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { ValueError } from '@sinclair/typebox/errors';
import { ValueErrorType } from '@sinclair/typebox/errors';

function fieldName(path: string): string {
  const field = path.replace(/^\//, '').replaceAll('/', '.');
  return field === '' ? 'body' : field;
}

function literalChoices(error: ValueError): string[] | undefined {
  const variants = (error.schema as { anyOf?: { const?: unknown }[] }).anyOf;
  if (!variants?.every((variant) => typeof variant.const === 'string')) return undefined;
  return variants.map((variant) => String(variant.const));
}

/** One readable sentence for one TypeBox error. */
function sentenceOf(error: ValueError): string {
  const field = fieldName(error.path);
  const schema = error.schema as Record<string, unknown>;
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return `${field} is required`;
    case ValueErrorType.ObjectAdditionalProperties:
      return `${field} is not an accepted field`;
    case ValueErrorType.StringMinLength:
      return schema.minLength === 1
        ? `${field} must not be empty`
        : `${field} must be at least ${schema.minLength} characters`;
    case ValueErrorType.StringMaxLength:
      return `${field} must be at most ${schema.maxLength} characters`;
    case ValueErrorType.StringPattern:
    case ValueErrorType.StringFormat:
      if (schema.format === 'iso-timestamp') {
        return `${field} must be an ISO 8601 timestamp with offset or Z`;
      }
      if (error.type === ValueErrorType.StringFormat)
        return `${field} must be a valid ${schema.format}`;
      // A schema may say in words what its pattern refuses (`x-problem`), else it is shown.
      return typeof schema['x-problem'] === 'string'
        ? `${field} has characters that are not allowed: ${schema['x-problem']}`
        : `${field} has characters that are not allowed (${schema.pattern})`;
    case ValueErrorType.Union: {
      const choices = literalChoices(error);
      if (choices) return `${field} must be one of ${choices.join(', ')}`;
      if (typeof schema['x-problem'] === 'string') return `${field}: ${schema['x-problem']}`;
      return `${field} ${error.message.toLowerCase()}`;
    }
    case ValueErrorType.Literal:
      return `${field} must be ${JSON.stringify(schema.const)}`;
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `${field} must be at least ${schema.minimum}`;
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `${field} must be at most ${schema.maximum}`;
    case ValueErrorType.Integer:
      return `${field} must be an integer`;
    case ValueErrorType.ArrayUniqueItems:
      return `${field} must not list an item twice`;
    case ValueErrorType.ArrayMaxItems:
      return `${field} must have at most ${schema.maxItems} items`;
    case ValueErrorType.ArrayMinItems:
      return `${field} must have at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}`;
    case ValueErrorType.Number:
      return `${field} must be a number`;
    case ValueErrorType.String:
      return `${field} must be a string`;
    case ValueErrorType.Boolean:
      return `${field} must be a boolean`;
    case ValueErrorType.Object:
      return `${field} must be an object`;
    case ValueErrorType.Array:
      return `${field} must be a list`;
    default:
      return `${field}: ${error.message}`;
  }
}

/**
 * The errors with each union of objects told apart by their `type` replaced by the
 * errors of the variant of that type, so every problem of it is named (a destination's
 * bad URL and short secret, not "expected union value").
 */
function* expandUnions(errors: Iterable<ValueError>): Generator<ValueError> {
  for (const error of errors) {
    const variants = (error.schema as { anyOf?: Record<string, unknown>[] }).anyOf ?? [];
    const byType = variants.every(
      (variant) =>
        variant.type === 'object' &&
        (variant.properties as { type?: { const?: unknown } } | undefined)?.type?.const !==
          undefined,
    );
    if (error.type !== ValueErrorType.Union || !byType || variants.length === 0) {
      yield error;
      continue;
    }
    const matched = error.errors
      .map((variant) => [...variant])
      .find(
        (found) => found.length > 0 && !found.some((item) => item.path === `${error.path}/type`),
      );
    if (matched) yield* expandUnions(matched);
    else yield error;
  }
}

/** A schema compiled once, answering either the value or every readable problem. */
export type Validator<T> = {
  check(value: unknown): value is T;
  problems(value: unknown): string[];
};

/** `schema` without its patterns and formats: the checks that cost nothing, run first. */
function withoutPatterns<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(withoutPatterns) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Record<PropertyKey, unknown> = {};
  // Reflect.ownKeys: TypeBox keeps its kind under a symbol.
  for (const key of Reflect.ownKeys(schema)) {
    if (key === 'pattern' || key === 'format') continue;
    copy[key] = withoutPatterns((schema as Record<PropertyKey, unknown>)[key]);
  }
  return copy as T;
}

const LENGTH_ERRORS: ReadonlySet<ValueErrorType> = new Set([
  ValueErrorType.StringMaxLength,
  ValueErrorType.StringMinLength,
]);

/** A copy of `value` with an empty string at each JSON pointer of `paths`. */
function emptiedAt(value: unknown, paths: ReadonlySet<string>): unknown {
  const walk = (node: unknown, path: string): unknown => {
    if (paths.has(path)) return '';
    if (Array.isArray(node)) return node.map((item, index) => walk(item, `${path}/${index}`));
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node).map(([key, item]) => [
        key,
        walk(item, `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`),
      ]),
    );
  };
  return walk(value, '');
}

/** Compiles `schema` once (the worker validates every message with it). */
export function compileValidator<T extends TSchema>(
  schema: T,
): Validator<import('@sinclair/typebox').Static<T>> {
  const compiled: TypeCheck<T> = TypeCompiler.Compile(schema);
  const cheap = TypeCompiler.Compile(withoutPatterns(schema));
  return {
    check: (value): value is import('@sinclair/typebox').Static<T> => compiled.Check(value),
    problems(value) {
      // A value that fails on its length gets that sentence, and no pattern or format
      // runs on it (docs/security.md: validation that failed on a length stops there): the rest
      // is checked with it emptied.
      const tooLong = new Map<string, ValueError>();
      for (const error of cheap.Errors(value)) {
        if (LENGTH_ERRORS.has(error.type) && !tooLong.has(error.path))
          tooLong.set(error.path, error);
      }
      const paths = new Set(tooLong.keys());
      const rest = paths.size === 0 ? value : emptiedAt(value, paths);
      const errors = [
        ...tooLong.values(),
        ...[...expandUnions(compiled.Errors(rest))].filter((error) => !paths.has(error.path)),
      ];
      const seen = new Set<string>();
      for (const error of errors) {
        // A union reports each variant's failure too; the first sentence per field is enough.
        const sentence = sentenceOf(error);
        const fieldOf = (text: string) => (text.split(' ')[0] ?? '').replace(/:$/, '');
        const field = fieldOf(sentence);
        if (![...seen].some((known) => fieldOf(known) === field)) seen.add(sentence);
      }
      return [...seen];
    },
  };
}
