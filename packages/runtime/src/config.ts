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

/** Variables every app reads; spread into the app's `Type.Object({ ...commonConfig, … })`. */
export const commonConfig = Object.freeze({
  NODE_ENV: env.oneOf(['development', 'test', 'production'], {
    default: 'development',
    description: 'Runtime environment; development turns on pretty logs',
  }),
  APP_VERSION: env.string({
    default: '0.1.0',
    description: 'Version reported in logs and /health',
  }),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace'], {
    default: 'info',
    description: 'Lowest log level written',
  }),
  LOG_PRETTY: Type.Optional(
    env.boolean({ description: 'Human-readable logs; unset means pretty only in development' }),
  ),
  AWS_REGION: env.string({
    default: 'ap-southeast-1',
    description: 'AWS region for DynamoDB and SQS',
  }),
  DYNAMODB_ENDPOINT: Type.Optional(
    env.url({ description: 'DynamoDB endpoint for a local engine; unset means AWS' }),
  ),
  DYNAMODB_TABLE_SCHEDULERS: env.string({
    default: 'schedulers',
    description: 'Table holding the current state of each scheduler',
  }),
  DYNAMODB_TABLE_STATUS_HISTORY: env.string({
    default: 'scheduler_status_history',
    description: 'Table holding every status change, kept HISTORY_RETENTION_DAYS',
  }),
  DYNAMODB_TABLE_STATE: env.string({
    default: 'scheduler_monitor_state',
    description: 'Table holding leases, EOD message references and alert markers',
  }),
  SQS_ENDPOINT: Type.Optional(
    env.url({ description: 'SQS endpoint for a local engine; unset means AWS' }),
  ),
  SQS_QUEUE_URL: env.url({ description: 'URL of the queue of scheduler events' }),
  SQS_DLQ_URL: Type.Optional(
    env.url({ description: 'URL of the dead-letter queue; unset means not inspected' }),
  ),
  HISTORY_RETENTION_DAYS: env.integer({
    default: 30,
    minimum: 1,
    maximum: 3650,
    description: 'Days status history is kept and returned',
  }),
  SHUTDOWN_TIMEOUT_MS: env.integer({
    default: 10_000,
    minimum: 1,
    description: 'Milliseconds allowed for a graceful stop before exiting',
  }),
  HOST: env.string({
    default: '127.0.0.1',
    description:
      'Address the api and the worker/cron health ports listen on; 0.0.0.0 for all interfaces',
  }),
});

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

/** Slack settings of the apps that post (worker and cron); unset token or channel means the log. */
export const slackConfig = Object.freeze({
  SLACK_BOT_TOKEN: Type.Optional(
    env.secret(
      env.string({ description: 'Slack bot token (xoxb-…); unset means messages go to the log' }),
    ),
  ),
  SLACK_CHANNEL_ID: Type.Optional(
    env.string({ description: 'Channel the EOD table and the alerts are posted to' }),
  ),
  SLACK_ENABLED: env.boolean({
    default: true,
    description: 'false sends Slack messages to the log even when a token is set',
  }),
  SLACK_API_URL: Type.Optional(
    env.url({ description: 'Slack-compatible Web API base URL (tests); unset means Slack' }),
  ),
  EOD_TIMEZONE: env.timeZone({
    default: 'Asia/Jakarta',
    description: 'IANA time zone of the EOD window and of times shown in Slack',
  }),
});

/** The EOD window and its rhythm (eod-slack.md → Schedule), for the apps that render it. */
export const eodScheduleConfig = Object.freeze({
  EOD_WINDOW_START: env.time({
    default: '00:00',
    description: 'Wall time the EOD window starts (table posted)',
  }),
  EOD_WINDOW_END: env.time({
    default: '06:00',
    description: 'Wall time the EOD window ends (final edit and summary)',
  }),
  EOD_UPDATE_EVERY_MINUTES: env.integer({
    default: 60,
    minimum: 1,
    maximum: 1_440,
    description: 'Minutes between in-place edits of the table inside the window',
  }),
  STALE_CHECK_EVERY_MINUTES: env.integer({
    default: 5,
    minimum: 1,
    maximum: 1_440,
    description: 'Minutes between stale-heartbeat checks inside the window',
  }),
  HEARTBEAT_TIMEOUT_MINUTES: env.integer({
    default: 10,
    minimum: 1,
    maximum: 1_440,
    description: 'A running job silent longer than this is stale',
  }),
  EOD_LOOKBACK_HOURS: env.integer({
    default: 6,
    minimum: 0,
    maximum: 18,
    description: 'A status this long before the window start still counts as tonight',
  }),
});

type EodVariables = {
  EOD_TIMEZONE: string;
  EOD_WINDOW_START: string;
  EOD_WINDOW_END: string;
  EOD_UPDATE_EVERY_MINUTES: number;
  STALE_CHECK_EVERY_MINUTES: number;
  HEARTBEAT_TIMEOUT_MINUTES: number;
  EOD_LOOKBACK_HOURS: number;
};

/** The EOD rules' view of the configuration. */
export function eodConfigOf(config: EodVariables) {
  return {
    timeZone: config.EOD_TIMEZONE,
    windowStart: config.EOD_WINDOW_START,
    windowEnd: config.EOD_WINDOW_END,
    updateEveryMinutes: config.EOD_UPDATE_EVERY_MINUTES,
    staleCheckEveryMinutes: config.STALE_CHECK_EVERY_MINUTES,
    heartbeatTimeoutMinutes: config.HEARTBEAT_TIMEOUT_MINUTES,
    lookbackHours: config.EOD_LOOKBACK_HOURS,
  };
}
