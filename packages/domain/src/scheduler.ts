/**
 * The scheduler record and the field rules of docs/api.md, defined once: the api's HTTP
 * schemas, the queue message schema and the stores all use these.
 */
import type { Static } from '@sinclair/typebox';
import { FormatRegistry, Type } from '@sinclair/typebox';

export const STATUSES = ['pending', 'running', 'completed', 'failed'] as const;
export type Status = (typeof STATUSES)[number];

/** Statuses that end a run. At equal timestamps they win over `running` and `pending`. */
export const TERMINAL_STATUSES: ReadonlySet<Status> = new Set(['completed', 'failed']);

/** Tie order at equal timestamps: terminal > running > pending. */
export const STATUS_RANK: Readonly<Record<Status, number>> = Object.freeze({
  pending: 0,
  running: 1,
  completed: 2,
  failed: 2,
});

export const MAX_EXECUTION_TIME_MS = 7 * 24 * 60 * 60 * 1000;
export const MAX_ERROR_MESSAGE_LENGTH = 10_000;
export const MAX_METADATA_BYTES = 16 * 1024;
export const MAX_METADATA_DEPTH = 8;
export const MAX_RUN_ID_LENGTH = 128;
/** How far in the future a timestamp may be unless configured (`MAX_CLOCK_SKEW_SECONDS`). */
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 300;

const EMAIL_FORMAT = 'email';
const TIMESTAMP_FORMAT = 'iso-timestamp';

// ISO 8601 date-time with an explicit offset or Z (a time without a zone is ambiguous).
const ISO_TIMESTAMP_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$';
const ISO_TIMESTAMP = new RegExp(ISO_TIMESTAMP_PATTERN);
// Linear-time: the domain is dot-separated labels that contain no dot, so there is only
// one way to split it and no input can make the engine backtrack (docs/security.md).
const EMAIL = /^[^\s@<>()",;:]+@[^\s@<>()",;:.]+(?:\.[^\s@<>()",;:.]+)+$/;
const MAX_EMAIL_LENGTH = 320;

/** Whether `value` is an email address; the length is checked before the pattern runs. */
function isEmailAddress(value: string): boolean {
  return value.length <= MAX_EMAIL_LENGTH && EMAIL.test(value);
}

/** Parses an ISO 8601 timestamp with offset to epoch ms, or undefined when it is not one. */
export function parseTimestamp(value: string): number | undefined {
  if (!ISO_TIMESTAMP.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The stored form of an instant: UTC with milliseconds (`2026-01-15T00:42:10.120Z`). */
export function formatTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

if (!FormatRegistry.Has(EMAIL_FORMAT)) FormatRegistry.Set(EMAIL_FORMAT, isEmailAddress);
if (!FormatRegistry.Has(TIMESTAMP_FORMAT)) {
  FormatRegistry.Set(TIMESTAMP_FORMAT, (value) => parseTimestamp(value) !== undefined);
}

// Text patterns refuse lone surrogates and mean the same with or without RegExp's `u`
// flag (TypeBox runs them without, most JSON Schema validators with). Each alternative
// starts with a different code unit, which keeps the match linear.
const SURROGATES = '\\uD800-\\uDFFF';
const SURROGATE_PAIR = '[\\uD800-\\uDBFF][\\uDC00-\\uDFFF]';

export const SchedulerIdSchema = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$',
  description: 'Unique id of the scheduled job, e.g. service-a-eod-process',
});

/** One line of text: at least one visible character, no control characters, `max` long. */
const lineOfText = (max: number) =>
  Type.String({
    minLength: 1,
    maxLength: max,
    // No C0/C1 control characters and no lone surrogates (not valid Unicode, so no store
    // or terminal can take them).
    pattern: `^(?=.*\\S)(?:[^\\u0000-\\u001F\\u007F-\\u009F${SURROGATES}]|${SURROGATE_PAIR})*$`,
    'x-problem': 'it needs a visible character, and no control characters or lone surrogates',
  });

/** A display name: 1–255 characters, not only spaces, no control characters; stored trimmed. */
export const NameSchema = lineOfText(255);

export const StatusSchema = Type.Union(
  STATUSES.map((status) => Type.Literal(status)),
  { description: 'pending | running | completed | failed' },
);

export const TimestampSchema = Type.String({
  format: TIMESTAMP_FORMAT,
  // The pattern too, so validators of the published JSON Schema enforce the shape.
  pattern: ISO_TIMESTAMP_PATTERN,
  description: 'ISO 8601 with offset or Z',
});

export const OwnerEmailSchema = Type.String({ format: EMAIL_FORMAT, maxLength: MAX_EMAIL_LENGTH });
export const AlertUserIdSchema = Type.String({
  pattern: '^[UWS][A-Z0-9]{2,}$',
  maxLength: 64,
  description: 'Slack user (U…/W…) or user group (S…) id to mention on alerts',
});
export const ExecutionTimeMsSchema = Type.Integer({ minimum: 0, maximum: MAX_EXECUTION_TIME_MS });
export const ErrorMessageSchema = Type.String({
  maxLength: MAX_ERROR_MESSAGE_LENGTH,
  // No C0/C1 control characters but tab, line feed and carriage return (Windows stack
  // traces end lines with CRLF): the text reaches terminals and Slack.
  pattern: `^(?:[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F${SURROGATES}]|${SURROGATE_PAIR})*$`,
  'x-problem': 'no control characters but tab and line breaks, and no lone surrogates',
});
export const MetadataSchema = Type.Record(Type.String(), Type.Unknown(), {
  description: `JSON object, ≤ ${MAX_METADATA_BYTES} bytes serialized, nesting depth ≤ ${MAX_METADATA_DEPTH}`,
});
export const RunIdSchema = Type.String({ minLength: 1, maxLength: MAX_RUN_ID_LENGTH });

// ---------------------------------------------------------------------------------------
// Expected schedule (docs/schedules.md): stored and returned; the watchdog evaluates it.

export const DEFAULT_GRACE_SECONDS = 600;
export const DEFAULT_ALERT_AFTER_FAILURES = 1;
export const DEFAULT_RECOVER_AFTER_SUCCESSES = 1;
const MAX_TAGS = 20;
const MAX_PAUSE_REASON_LENGTH = 500;

const ScheduleSchema = Type.String({
  minLength: 1,
  maxLength: 128,
  description:
    'When the job is expected to start: a 5-field cron expression, @hourly, @daily, @weekly, @monthly, or "every <n>m" / "every <n>h"',
});
const TimeZoneSchema = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_+/-]+$',
  description: 'IANA time zone the schedule is read in, e.g. Asia/Jakarta',
});
const GraceSecondsSchema = Type.Integer({ minimum: 60, maximum: 86_400 });
const MaxRuntimeSecondsSchema = Type.Integer({ minimum: 60, maximum: 604_800 });
const MinRuntimeSecondsSchema = Type.Integer({ minimum: 1, maximum: 604_800 });
const RunThresholdSchema = Type.Integer({ minimum: 1, maximum: 100 });
export const TagSchema = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[a-z0-9-]+$',
  'x-problem': 'use lower-case letters, digits and dashes',
});
export const TagsSchema = Type.Array(TagSchema, { maxItems: MAX_TAGS, uniqueItems: true });

/** A pause's reason: like a name, but up to 500 characters. */
export const PauseReasonSchema = lineOfText(MAX_PAUSE_REASON_LENGTH);

// Terminal escape sequences a job's output carries (colours, cursor moves, hyperlinks):
// CSI `ESC [ params intermediates final` and OSC `ESC ] … BEL|ST`. Each part's characters
// are disjoint from the next one's, so matching is linear.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const ESCAPE_SEQUENCE = /\u001B\[[0-?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)?/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const REFUSED_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/**
 * Any text as an `error_message` the api accepts: escape sequences and the control
 * characters it refuses removed, lone surrogates replaced, at most the allowed length
 * (the end kept: that is where the error is). For producers that forward a job's output,
 * such as `schedmon run` with its stderr tail. Never fails.
 */
export function toErrorMessage(text: string): string {
  const clean = text.replace(ESCAPE_SEQUENCE, '').replace(REFUSED_CONTROL, '');
  const cut =
    clean.length > MAX_ERROR_MESSAGE_LENGTH
      ? `…${clean.slice(clean.length - MAX_ERROR_MESSAGE_LENGTH + 1)}`
      : clean;
  return cut.toWellFormed();
}

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) =>
  Type.Union([schema, Type.Null()]);

/** The current record of a scheduler, as stored and as the api returns it. */
export const SchedulerRecordSchema = Type.Object(
  {
    scheduler_id: SchedulerIdSchema,
    service_name: Type.String(),
    job_name: Type.String(),
    status: StatusSchema,
    timestamp: Type.String({ description: 'Time of the status, UTC' }),
    execution_time_ms: Type.Union([Type.Integer(), Type.Null()]),
    error_message: Nullable(Type.String()),
    metadata: Type.Union([MetadataSchema, Type.Null()]),
    last_heartbeat: Nullable(Type.String()),
    created_at: Type.String(),
    updated_at: Type.String(),
    owner_email: Nullable(Type.String()),
    alert_user_id: Nullable(Type.String()),
    schedule: Nullable(Type.String()),
    timezone: Nullable(Type.String()),
    grace_seconds: Type.Integer(),
    max_runtime_seconds: Type.Union([Type.Integer(), Type.Null()]),
    min_runtime_seconds: Type.Union([Type.Integer(), Type.Null()]),
    alert_after_failures: Type.Integer(),
    recover_after_successes: Type.Integer(),
    tags: Type.Array(Type.String()),
    paused_at: Nullable(
      Type.String({
        description:
          'When the last pause began; null when never paused. A resume ends it (paused_until)',
      }),
    ),
    paused_until: Nullable(
      Type.String({
        description: 'When the last pause ends or ended (a resume sets it); null: until resumed',
      }),
    ),
    pause_reason: Nullable(Type.String()),
    archived_at: Nullable(
      Type.String({ description: 'When it was archived (DELETE); null when active' }),
    ),
    next_expected_at: Nullable(
      Type.String({ description: 'The next expected start, when the schedule gives one' }),
    ),
    due_at: Nullable(
      Type.String({
        description:
          'The next deadline the watchdog checks (a bound: it may be earlier than the real one)',
      }),
    ),
    due_kind: Type.Union(
      [Type.Literal('missed'), Type.Literal('overrun'), Type.Literal('stale'), Type.Null()],
      { description: 'What the deadline would be: missed, overrun or stale' },
    ),
    run_started_at: Nullable(
      Type.String({
        description: 'While running: when the run began (its first running event); null otherwise',
      }),
    ),
    last_run_started_at: Nullable(
      Type.String({
        description: 'When the last finished run began, if it reported running; else null',
      }),
    ),
    deadline_fired_at: Nullable(
      Type.String({
        description: 'The due_at of the last deadline that came due: later ones come after it',
      }),
    ),
    deadline_fired_kind: Type.Union(
      [Type.Literal('missed'), Type.Literal('overrun'), Type.Literal('stale'), Type.Null()],
      { description: 'The kind of the last deadline that came due' },
    ),
    deadline_unknown_at: Nullable(
      Type.String({
        description:
          'The due_at of the last deadline that fell while schedmon itself was not watching (recorded, not paged)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type SchedulerRecord = Static<typeof SchedulerRecordSchema>;

/** What registration carries (docs/api.md). */
export const RegistrationSchema = Type.Object(
  {
    scheduler_id: SchedulerIdSchema,
    service_name: NameSchema,
    job_name: NameSchema,
    owner_email: Type.Optional(OwnerEmailSchema),
    alert_user_id: Type.Optional(AlertUserIdSchema),
    schedule: Type.Optional(ScheduleSchema),
    timezone: Type.Optional(TimeZoneSchema),
    grace_seconds: Type.Optional(GraceSecondsSchema),
    max_runtime_seconds: Type.Optional(MaxRuntimeSecondsSchema),
    min_runtime_seconds: Type.Optional(MinRuntimeSecondsSchema),
    alert_after_failures: Type.Optional(RunThresholdSchema),
    recover_after_successes: Type.Optional(RunThresholdSchema),
    tags: Type.Optional(TagsSchema),
  },
  { additionalProperties: false },
);
export type Registration = Static<typeof RegistrationSchema>;

/** The optional fields a registration sets, and clears when it omits them. */
export const REGISTRATION_SETTINGS = [
  'owner_email',
  'alert_user_id',
  'schedule',
  'timezone',
  'grace_seconds',
  'max_runtime_seconds',
  'min_runtime_seconds',
  'alert_after_failures',
  'recover_after_successes',
  'tags',
] as const satisfies readonly (keyof Registration)[];

/**
 * Whether a scheduler's pause covers the instant `at` (UTC ISO): from `paused_at` until
 * `paused_until` (exclusive) or, without one, until resumed. A paused scheduler's events
 * are recorded but open no alerts; the worker asks about the event's own time, so a
 * failure from before the pause still alerts however late it is applied.
 */
export function isPaused(
  record: Pick<SchedulerRecord, 'paused_at' | 'paused_until'>,
  at: string,
): boolean {
  if (record.paused_at === null || record.paused_at > at) return false;
  return record.paused_until === null || record.paused_until > at;
}

/** Whether a scheduler is archived: out of lists, tables, alerts and deadlines. */
export function isArchived(record: Pick<SchedulerRecord, 'archived_at'>): boolean {
  return record.archived_at !== null;
}

/**
 * The smallest magnitude DynamoDB stores as a number (1E-130): smaller ones are refused by
 * the engine, not rounded. (Its largest, just under 1E126, is past 2^53, so no number that
 * passes the integer rule below reaches it.)
 */
const DYNAMO_MIN_MAGNITUDE = 1e-130;

/**
 * One problem with metadata, or undefined: size, depth, and numbers that cannot be stored
 * exactly (docs/api.md) are not expressible in JSON Schema. The size is
 * checked first, so the walk below never sees more than 16 KiB of JSON.
 */
export function metadataProblem(metadata: unknown): string | undefined {
  let serialized: string;
  try {
    serialized = JSON.stringify(metadata);
  } catch {
    return 'metadata must be JSON';
  }
  if (new TextEncoder().encode(serialized).length > MAX_METADATA_BYTES) {
    return `metadata must be at most ${MAX_METADATA_BYTES} bytes serialized`;
  }
  return valueProblem(metadata, 'metadata', 0);
}

/** The first problem in one metadata value at `path`, `depth` objects deep. */
function valueProblem(value: unknown, path: string, depth: number): string | undefined {
  if (typeof value === 'number') return numberProblem(value, path);
  if (typeof value === 'string') {
    return value.isWellFormed() ? undefined : `${path} must be valid Unicode (a lone surrogate)`;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth + 1 > MAX_METADATA_DEPTH) {
    return `metadata must be nested at most ${MAX_METADATA_DEPTH} levels deep`;
  }
  const entries = Array.isArray(value)
    ? value.map((item, index) => [`${path}[${index}]`, item] as const)
    : Object.entries(value).map(([key, item]) => [`${path}.${key}`, item] as const);
  for (const [childPath, child] of entries) {
    if (!childPath.isWellFormed()) return `${path} has a key that is not valid Unicode`;
    const problem = valueProblem(child, childPath, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/** Numbers a JSON reader gets back as they were sent, and DynamoDB stores at all. */
function numberProblem(value: number, path: string): string | undefined {
  const magnitude = Math.abs(value);
  const storable =
    Number.isFinite(value) &&
    (Number.isInteger(value) ? Number.isSafeInteger(value) : magnitude >= DYNAMO_MIN_MAGNITUDE);
  if (storable) return undefined;
  return `${path} must be a number that can be stored exactly: finite, an integer within ±2^53 (send larger ones as strings), magnitude at least 1e-130`;
}

/** A new scheduler's record: `pending` since `now` (docs/api.md). */
export function newSchedulerRecord(registration: Registration, now: string): SchedulerRecord {
  return {
    scheduler_id: registration.scheduler_id,
    service_name: registration.service_name.trim(),
    job_name: registration.job_name.trim(),
    status: 'pending',
    timestamp: now,
    execution_time_ms: null,
    error_message: null,
    metadata: null,
    last_heartbeat: null,
    created_at: now,
    updated_at: now,
    ...registrationSettings(registration),
    paused_at: null,
    paused_until: null,
    pause_reason: null,
    archived_at: null,
    next_expected_at: null,
    due_at: null,
    due_kind: null,
    run_started_at: null,
    last_run_started_at: null,
    deadline_fired_at: null,
    deadline_fired_kind: null,
    deadline_unknown_at: null,
  };
}

/** The settings a registration gives a record, with the defaults of what it omits. */
export function registrationSettings(registration: Registration) {
  return {
    owner_email: registration.owner_email ?? null,
    alert_user_id: registration.alert_user_id ?? null,
    schedule: registration.schedule ?? null,
    timezone: registration.timezone ?? null,
    grace_seconds: registration.grace_seconds ?? DEFAULT_GRACE_SECONDS,
    max_runtime_seconds: registration.max_runtime_seconds ?? null,
    min_runtime_seconds: registration.min_runtime_seconds ?? null,
    alert_after_failures: registration.alert_after_failures ?? DEFAULT_ALERT_AFTER_FAILURES,
    recover_after_successes:
      registration.recover_after_successes ?? DEFAULT_RECOVER_AFTER_SUCCESSES,
    tags: registration.tags ? [...registration.tags] : [],
  } satisfies Partial<SchedulerRecord>;
}

/** What a list filter keeps (docs/api.md): archived schedulers only when asked for. */
export function matchesFilter(
  record: SchedulerRecord,
  filter: {
    status?: Status | undefined;
    service_name?: string | undefined;
    tag?: string | undefined;
    archived?: boolean | undefined;
  },
): boolean {
  if ((filter.archived ?? false) !== isArchived(record)) return false;
  if (filter.status !== undefined && record.status !== filter.status) return false;
  if (filter.service_name !== undefined && record.service_name !== filter.service_name) {
    return false;
  }
  return filter.tag === undefined || record.tags.includes(filter.tag);
}

/** A registered record with a registration's names and settings applied (restored if archived). */
export function recordWithRegistration(
  record: SchedulerRecord,
  registration: Registration,
  now: string,
): SchedulerRecord {
  return {
    ...record,
    service_name: registration.service_name.trim(),
    job_name: registration.job_name.trim(),
    ...registrationSettings(registration),
    archived_at: null,
    updated_at: now,
  };
}

/** Sort by service name, then job name, then id: plain code-unit order, locale-free. */
export function compareSchedulers(a: SchedulerRecord, b: SchedulerRecord): number {
  const keyA = [a.service_name, a.job_name, a.scheduler_id];
  const keyB = [b.service_name, b.job_name, b.scheduler_id];
  for (let i = 0; i < keyA.length; i += 1) {
    const left = keyA[i] ?? '';
    const right = keyB[i] ?? '';
    if (left !== right) return left < right ? -1 : 1;
  }
  return 0;
}
