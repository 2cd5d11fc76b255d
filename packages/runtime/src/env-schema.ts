/**
 * The engine behind every app's configuration: builders for environment variable schemas
 * (`env`), strict coercion of the environment's text by schema type, every problem
 * collected into one `ConfigError` (secret values redacted), and `describeConfig` for
 * `.env.example` and the docs. It names no variable itself; those are in `variables.ts`
 * and in each app's `src/config.ts`.
 */
import type {
  Static,
  TArray,
  TBoolean,
  TInteger,
  TLiteral,
  TNumber,
  TObject,
  TSchema,
  TString,
  TUnion,
} from '@sinclair/typebox';
import { CloneType, FormatRegistry, Kind, KindGuard, Type } from '@sinclair/typebox';
import type { ValueError } from '@sinclair/typebox/errors';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';

/** One bad or missing variable. `given` is `undefined` when missing, `"(redacted)"` for secrets. */
export interface ConfigProblem {
  readonly variable: string;
  readonly given: string | undefined;
  readonly expected: string;
}

/** One row of `describeConfig`: what `.env.example` and the docs must say about a variable. */
export interface ConfigVariable {
  readonly variable: string;
  /** The default as it would be written in the environment; `undefined` when there is none. */
  readonly default: string | undefined;
  readonly description: string | undefined;
  readonly secret: boolean;
  /** True when the app refuses to start without it (not optional, no default). */
  readonly required: boolean;
  readonly expected: string;
}

/** Thrown by `loadConfig` with every problem found, so one restart fixes them all. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(
      [
        'Invalid configuration:',
        ...problems.map(
          ({ variable, given, expected }) =>
            `  - ${variable}: ${given === undefined ? 'missing' : `given ${JSON.stringify(given)}`}, expected ${expected}`,
        ),
      ].join('\n'),
    );
    this.problems = problems;
  }
}

const REDACTED = '(redacted)';
const BOOLEAN_EXPECTED = 'a boolean (true/false/1/0/yes/no)';
const BOOLEANS: Readonly<Record<string, boolean>> = {
  true: true,
  '1': true,
  yes: true,
  false: false,
  '0': false,
  no: false,
};
const INTEGER_SYNTAX = /^[+-]?\d+$/;
// Plain decimal notation only: Number() alone would also take '', '0x10', 'Infinity'.
const NUMBER_SYNTAX = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const TIME_OF_DAY = '^(?:[01][0-9]|2[0-3]):[0-5][0-9]$';
// Intl also takes offsets such as "+07:00"; the spec asks for a zone name.
const TIME_ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

const URL_FORMAT = 'url';
const TIME_ZONE_FORMAT = 'time-zone';
const FORMAT_EXPECTED: Readonly<Record<string, string>> = {
  [URL_FORMAT]: 'a URL',
  [TIME_ZONE_FORMAT]: 'an IANA time zone such as UTC or Asia/Jakarta',
};

function isHttpUrl(value: string): boolean {
  // "localhost:4566" parses as a URL with scheme "localhost:"; only http(s) endpoints make sense.
  if (!URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'http:' || protocol === 'https:';
}

function isTimeZone(value: string): boolean {
  if (!TIME_ZONE_NAME.test(value)) return false;
  try {
    // Intl.supportedValuesOf('timeZone') omits "UTC", so ask the formatter instead.
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

// TypeBox keeps string formats in one process-wide registry that starts empty; registering
// here lets Value.Errors (and any TypeCompiler) check the formats the builders use.
if (!FormatRegistry.Has(URL_FORMAT)) FormatRegistry.Set(URL_FORMAT, isHttpUrl);
if (!FormatRegistry.Has(TIME_ZONE_FORMAT)) FormatRegistry.Set(TIME_ZONE_FORMAT, isTimeZone);

/** Options every builder takes: the one-line description and an optional default. */
export interface VariableOptions<V> {
  readonly description: string;
  readonly default?: V;
}

interface NumericRules {
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
}

interface StringRules {
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  /** Readable text for errors, instead of the raw rule (e.g. instead of a long pattern). */
  readonly expected?: string;
}

interface ListRules {
  readonly minItems?: number;
  readonly maxItems?: number;
}

type TLiteralUnion<T extends readonly string[]> = TUnion<{
  -readonly [K in keyof T]: TLiteral<T[K]>;
}>;

/**
 * Builders for environment variable schemas, so each app's config is one line per variable.
 * Each returns a plain TypeBox schema whose `Static` type is the parsed value.
 */
export const env = {
  /** Whole number, parsed strictly (optional sign and digits only). */
  integer: (options: VariableOptions<number> & NumericRules): TInteger => Type.Integer(options),
  /** Finite decimal number. */
  number: (options: VariableOptions<number> & NumericRules): TNumber => Type.Number(options),
  /** true/false/1/0/yes/no, any case; anything else is an error. */
  boolean: (options: VariableOptions<boolean>): TBoolean => Type.Boolean(options),
  /** Text, trimmed, checked against pattern and length rules. */
  string: (options: VariableOptions<string> & StringRules): TString => Type.String(options),
  /** Absolute http:// or https:// URL. */
  url: (options: VariableOptions<string>): TString =>
    Type.String({ ...options, format: URL_FORMAT }),
  /** One of a fixed set of strings, matched exactly. */
  oneOf: <const T extends readonly [string, ...string[]]>(
    values: T,
    options: VariableOptions<T[number]>,
  ): TLiteralUnion<T> =>
    Type.Union(
      values.map((value) => Type.Literal(value)),
      options,
    ) as unknown as TLiteralUnion<T>,
  /** Comma-separated list; items are trimmed and empty items dropped. */
  list: (options: VariableOptions<string[]> & ListRules): TArray<TString> =>
    Type.Array(Type.String(), options),
  /** Wall-clock time of day HH:MM, 00:00 to 23:59, kept as the string. */
  time: (options: VariableOptions<string>): TString =>
    Type.String({
      ...options,
      pattern: TIME_OF_DAY,
      expected: 'a time of day HH:MM (00:00 to 23:59)',
    }),
  /** IANA time zone name such as UTC or Asia/Jakarta. */
  timeZone: (options: VariableOptions<string>): TString =>
    Type.String({ ...options, format: TIME_ZONE_FORMAT }),
  /** Marks any variable schema as secret: its value never appears in errors or logs. */
  secret: <T extends TSchema>(schema: T): T => CloneType(schema, { secret: true }),
};

/** Turns trimmed, non-empty text into a candidate value, or `undefined` if it does not parse. */
type Reader = (text: string) => { value: unknown } | undefined;

function literalValues(schema: TSchema): string[] | undefined {
  const members = KindGuard.IsUnion(schema) ? schema.anyOf : [schema];
  const values = members.map((member) =>
    KindGuard.IsLiteral(member) && typeof member.const === 'string' ? member.const : undefined,
  );
  return values.every((value) => value !== undefined) ? values : undefined;
}

function readerFor(variable: string, schema: TSchema): Reader {
  if (KindGuard.IsBoolean(schema)) {
    return (text) => {
      const value = BOOLEANS[text.toLowerCase()];
      return value === undefined ? undefined : { value };
    };
  }
  if (KindGuard.IsInteger(schema)) {
    return (text) => {
      const value = Number(text);
      return INTEGER_SYNTAX.test(text) && Number.isSafeInteger(value) ? { value } : undefined;
    };
  }
  if (KindGuard.IsNumber(schema)) {
    return (text) => {
      const value = Number(text);
      return NUMBER_SYNTAX.test(text) && Number.isFinite(value) ? { value } : undefined;
    };
  }
  if (KindGuard.IsString(schema)) return (text) => ({ value: text });
  if (KindGuard.IsArray(schema) && KindGuard.IsString(schema.items)) {
    return (text) => ({
      value: text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    });
  }
  const choices = literalValues(schema);
  if (choices !== undefined) {
    return (text) => (choices.includes(text) ? { value: text } : undefined);
  }
  // A schema the environment cannot express is a bug in the app, not a bad deployment.
  throw new TypeError(
    `${variable}: a ${String(schema[Kind])} schema cannot be read from an environment variable`,
  );
}

function describeBounds(schema: TSchema): string {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = schema;
  if (typeof minimum === 'number' && typeof maximum === 'number') {
    return ` between ${minimum} and ${maximum}`;
  }
  const parts = [
    typeof minimum === 'number' ? `at least ${minimum}` : undefined,
    typeof exclusiveMinimum === 'number' ? `greater than ${exclusiveMinimum}` : undefined,
    typeof maximum === 'number' ? `at most ${maximum}` : undefined,
    typeof exclusiveMaximum === 'number' ? `less than ${exclusiveMaximum}` : undefined,
  ].filter((part) => part !== undefined);
  if (parts.length === 0) return '';
  return ` ${parts[0]?.startsWith('at ') ? 'of ' : ''}${parts.join(' and ')}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** The readable text for what a variable must hold, used when it is missing or malformed. */
function describeExpected(schema: TSchema): string {
  if (typeof schema.expected === 'string') return schema.expected;
  if (KindGuard.IsBoolean(schema)) return BOOLEAN_EXPECTED;
  if (KindGuard.IsInteger(schema)) return `an integer${describeBounds(schema)}`;
  if (KindGuard.IsNumber(schema)) return `a number${describeBounds(schema)}`;
  if (KindGuard.IsArray(schema)) {
    const { minItems } = schema;
    return `a comma-separated list${typeof minItems === 'number' && minItems > 0 ? ` of at least ${plural(minItems, 'item')}` : ''}`;
  }
  if (KindGuard.IsString(schema)) {
    if (schema.format !== undefined) {
      return FORMAT_EXPECTED[schema.format] ?? `a string in the ${schema.format} format`;
    }
    if (schema.pattern !== undefined) return `a string matching /${schema.pattern}/`;
    if (schema.minLength !== undefined && schema.minLength > 0) {
      return `a string of at least ${plural(schema.minLength, 'character')}`;
    }
    return 'a string';
  }
  const choices = literalValues(schema);
  if (choices !== undefined) return `one of ${choices.join(', ')}`;
  return String(schema[Kind]);
}

/** Names the rule an error broke, so a pattern or length failure says which. */
function describeRule(variable: string, schema: TSchema, error: ValueError): string {
  const rule: TSchema = error.schema;
  switch (error.type) {
    case ValueErrorType.StringPattern:
      return `a string matching /${rule.pattern}/`;
    case ValueErrorType.StringMinLength:
      return `at least ${plural(rule.minLength, 'character')}`;
    case ValueErrorType.StringMaxLength:
      return `at most ${plural(rule.maxLength, 'character')}`;
    case ValueErrorType.StringFormat:
      return FORMAT_EXPECTED[rule.format] ?? `a string in the ${rule.format} format`;
    case ValueErrorType.ArrayMinItems:
      return `at least ${plural(rule.minItems, 'item')}`;
    case ValueErrorType.ArrayMaxItems:
      return `at most ${plural(rule.maxItems, 'item')}`;
    case ValueErrorType.StringFormatUnknown:
      throw new TypeError(
        `${variable}: unknown string format "${rule.format}"; register it with FormatRegistry`,
      );
    default:
      return describeExpected(schema);
  }
}

/** Checks a parsed value against the schema's rules; returns what was expected if it fails. */
function violation(variable: string, schema: TSchema, value: unknown): string | undefined {
  const errors = [...Value.Errors(schema, value)];
  if (errors.length === 0) return undefined;
  if (typeof schema.expected === 'string') return schema.expected;
  return [...new Set(errors.map((error) => describeRule(variable, schema, error)))].join(' and ');
}

function freeze<T>(value: T): T {
  if (Array.isArray(value)) Object.freeze(value);
  return value;
}

/**
 * Reads the variables named by `schema` from `variables` (default `process.env`), trims each,
 * coerces it by its schema type and checks the schema's rules. An absent or empty variable
 * takes its `default`, or is `undefined` when `Type.Optional`, or else is missing. Variables
 * the schema does not name are ignored. Returns a frozen value.
 *
 * Throws `ConfigError` listing every missing or invalid variable at once (secret values
 * shown as "(redacted)"). Throws `TypeError` for a bug in the schema itself: a type the
 * environment cannot express, an unknown string format, or a default that breaks its rules.
 */
export function loadConfig<T extends TObject>(
  schema: T,
  variables: Readonly<Record<string, string | undefined>> = process.env,
): Readonly<Static<T>> {
  const result: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [variable, property] of Object.entries(schema.properties)) {
    const read = readerFor(variable, property);
    const raw = variables[variable];
    const text = raw?.trim() ?? '';
    if (text === '') {
      if (property.default !== undefined) {
        const value: unknown = Value.Clone(property.default);
        if (violation(variable, property, value) !== undefined) {
          throw new TypeError(`${variable}: the default does not satisfy its own schema`);
        }
        result[variable] = freeze(value);
      } else if (KindGuard.IsOptional(property)) {
        result[variable] = undefined;
      } else {
        problems.push({ variable, given: undefined, expected: describeExpected(property) });
      }
      continue;
    }
    const given = property.secret === true ? REDACTED : raw;
    const parsed = read(text);
    if (parsed === undefined) {
      problems.push({ variable, given, expected: describeExpected(property) });
      continue;
    }
    const expected = violation(variable, property, parsed.value);
    if (expected !== undefined) {
      problems.push({ variable, given, expected });
      continue;
    }
    result[variable] = freeze(parsed.value);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(result) as Readonly<Static<T>>;
}

function formatDefault(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(',') : String(value);
}

/**
 * Lists the variables of a config schema, in order, with their default as it would be
 * written in the environment, description, whether secret or required, and what is expected;
 * for checking `.env.example` and the docs against the schemas. Never fails.
 */
export function describeConfig(schema: TObject): ConfigVariable[] {
  return Object.entries(schema.properties).map(([variable, property]) => ({
    variable,
    default: formatDefault(property.default),
    description: typeof property.description === 'string' ? property.description : undefined,
    secret: property.secret === true,
    required: property.default === undefined && !KindGuard.IsOptional(property),
    expected: describeExpected(property),
  }));
}
