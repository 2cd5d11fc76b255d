/**
 * Boards (docs/boards.md): one team's living EOD table, in its own channel, zone and
 * window, with the schedulers its selectors name. Pure: which boards a scheduler is in,
 * the EOD settings a board's night runs on, its quiet dates, and where a member's
 * incidents go.
 *
 * Without any stored board, the `default` board (built from `EOD_*` and
 * `SLACK_CHANNEL_ID`) holds every scheduler, so an installation without boards behaves
 * as before. With boards, the default board holds the schedulers in no other board (and
 * those its own selectors name, when a board `default` is stored to override it), and
 * its night runs only while it has members.
 */
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { Destination, DestinationView } from './destinations.ts';
import {
  canonicalOf,
  DestinationListSchema,
  DestinationSchema,
  DestinationViewSchema,
  destinationProblems,
  destinationView,
  MAX_INCIDENT_DESTINATIONS,
} from './destinations.ts';
import type { EodConfig } from './eod.ts';
import { currentOrNextWindow, eodConfigProblems } from './eod.ts';
import type { Registration, SchedulerRecord } from './scheduler.ts';
import { AlertUserIdSchema, SchedulerIdSchema, TagSchema, TimestampSchema } from './scheduler.ts';
import { addDays, isZone, wallDate } from './zoned-time.ts';

/** The id of the board built from the environment; a stored board of that id replaces it. */
export const DEFAULT_BOARD_ID = 'default';
/** The default board's title (the table's header before boards existed). */
export const DEFAULT_BOARD_TITLE = 'EOD Process Status';

const MAX_SELECTORS = 200;
const MAX_QUIET_DATES = 400;

export const BoardIdSchema = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: SchedulerIdSchema.pattern,
  description: 'Unique id of the board, e.g. payments',
});

const SelectorSchema = Type.String({
  minLength: 1,
  maxLength: 256,
  pattern: '^(?:[A-Za-z0-9][A-Za-z0-9._:-]*)?\\*?$',
  'x-problem': 'use a scheduler id, or an id prefix ending in * (`*` only as a suffix)',
});
// A service name as registered (exact match); one line, no control characters.
const ServiceSelectorSchema = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: '^(?=.*\\S)[^\\u0000-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF]*$',
  'x-problem': 'it needs a visible character, and no control characters',
});

export const BoardMembersSchema = Type.Object(
  {
    scheduler_ids: Type.Optional(
      Type.Array(SelectorSchema, { maxItems: MAX_SELECTORS, uniqueItems: true }),
    ),
    services: Type.Optional(
      Type.Array(ServiceSelectorSchema, { maxItems: MAX_SELECTORS, uniqueItems: true }),
    ),
    tags: Type.Optional(Type.Array(TagSchema, { maxItems: MAX_SELECTORS, uniqueItems: true })),
  },
  {
    additionalProperties: false,
    description: 'A scheduler is a member when any selector matches it',
  },
);

const WallTimeSchema = Type.String({
  pattern: '^(?:[01]\\d|2[0-3]):[0-5]\\d$',
  'x-problem': 'use a 24-hour HH:MM time',
});
const DateSchema = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}$',
  'x-problem': 'use a YYYY-MM-DD date',
});

/** What a board is made of: the body of `PUT /api/v1/boards/{id}` and an entry of a boards file. */
export const BoardInputSchema = Type.Object(
  {
    board_id: Type.Optional(BoardIdSchema),
    title: Type.String({
      minLength: 1,
      maxLength: 150,
      // No bidirectional controls either: a header that reads backwards is a spoof.
      pattern:
        '^(?=.*\\S)[^\\u0000-\\u001F\\u007F-\\u009F\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\uD800-\\uDFFF]*$',
      'x-problem': 'it needs a visible character, and no control or bidirectional characters',
      description: "The table's header, e.g. Payments EOD",
    }),
    slack_channel_id: Type.String({
      pattern: '^[CGD][A-Z0-9]{2,}$',
      maxLength: 64,
      'x-problem': 'use a Slack channel id such as C0123ABCD',
      description: 'The channel of the table, the summary and the members’ incidents',
    }),
    timezone: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[A-Za-z0-9_+/-]+$',
      description: 'IANA zone of the window and of every time shown, e.g. Europe/London',
    }),
    window_start: WallTimeSchema,
    window_end: WallTimeSchema,
    update_every_minutes: Type.Optional(Type.Integer({ minimum: 15, maximum: 180, default: 60 })),
    members: BoardMembersSchema,
    mention: Type.Optional(
      Type.Union([AlertUserIdSchema, Type.Null()], {
        description: 'User (U…) or group (S…) pinged by the summary and by members’ incidents',
      }),
    ),
    quiet_dates: Type.Optional(
      Type.Array(DateSchema, {
        maxItems: MAX_QUIET_DATES,
        uniqueItems: true,
        description: 'Dates (board zone) with no table and no incidents: holidays',
      }),
    ),
    destinations: Type.Optional(DestinationListSchema),
  },
  { additionalProperties: false },
);
export type BoardInput = Static<typeof BoardInputSchema>;

/** A board as stored and returned. */
export const BoardSchema = Type.Object({
  board_id: BoardIdSchema,
  title: Type.String(),
  slack_channel_id: Type.String(),
  timezone: Type.String(),
  window_start: Type.String(),
  window_end: Type.String(),
  update_every_minutes: Type.Integer(),
  members: Type.Object({
    scheduler_ids: Type.Array(Type.String()),
    services: Type.Array(Type.String()),
    tags: Type.Array(Type.String()),
  }),
  mention: Type.Union([Type.String(), Type.Null()]),
  quiet_dates: Type.Array(Type.String()),
  /** With their secrets: the api shows `BoardViewSchema` instead. Absent: none. */
  destinations: Type.Optional(Type.Array(DestinationSchema)),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
});
export type Board = Static<typeof BoardSchema>;

/** A board as the api returns it: its destinations by fingerprint, never their secrets. */
export const BoardViewSchema = Type.Composite([
  Type.Omit(BoardSchema, ['destinations']),
  Type.Object({ destinations: Type.Array(DestinationViewSchema) }),
]);
export type BoardView = Static<typeof BoardViewSchema>;

/** A board (or its settings) with its destinations shown as the api shows them. */
export function boardView<T extends { destinations?: Destination[] | undefined }>(
  board: T,
  digest: (text: string) => string,
): Omit<T, 'destinations'> & { destinations: DestinationView[] } {
  const { destinations, ...rest } = board;
  return {
    ...rest,
    destinations: (destinations ?? []).map((destination) => destinationView(destination, digest)),
  };
}

/** The fields of a board that say what it does (not when it was stored). */
export type BoardSettings = Omit<Board, 'created_at' | 'updated_at'>;

/**
 * What a board input means beyond its shape (`BoardInputSchema` checked first): a zone
 * this host knows, a window of two different times its edits fit in, real calendar
 * dates, at least one selector, the id of the path, and destinations that make sense
 * (`destinationProblems`). Empty when it is fine.
 */
export function boardProblems(
  input: BoardInput,
  boardId: string,
  options: { allowPrivateUrls: boolean },
): string[] {
  const problems: string[] = [];
  if (input.board_id !== undefined && input.board_id !== boardId) {
    problems.push(`board_id '${input.board_id}' does not match the board's id '${boardId}'`);
  }
  if (!isZone(input.timezone)) {
    problems.push(`timezone '${input.timezone}' is not an IANA time zone (e.g. Asia/Jakarta)`);
  } else {
    const config = eodConfigOfBoard(settingsOf(boardId, input), SETTINGS_PROBE);
    for (const problem of eodConfigProblems(config)) {
      // Only the board's own settings; the shared ones are the environment's.
      if (/^(windowStart|windowEnd|updateEveryMinutes)/.test(problem)) {
        problems.push(
          problem
            .replaceAll('windowStart', 'window_start')
            .replaceAll('windowEnd', 'window_end')
            .replaceAll('updateEveryMinutes', 'update_every_minutes'),
        );
      }
    }
  }
  for (const date of input.quiet_dates ?? []) {
    if (!isCalendarDate(date)) problems.push(`quiet_dates: '${date}' is not a calendar date`);
  }
  const { scheduler_ids = [], services = [], tags = [] } = input.members;
  if (scheduler_ids.length + services.length + tags.length === 0) {
    problems.push('members needs at least one of scheduler_ids, services or tags');
  }
  problems.push(
    ...destinationProblems(input.destinations ?? [], {
      allowPrivate: options.allowPrivateUrls,
      field: 'destinations',
    }),
  );
  return problems;
}

// Shared settings do not matter to the board's own checks; these pass every check.
const SETTINGS_PROBE: EodConfig = {
  timeZone: 'UTC',
  windowStart: '00:00',
  windowEnd: '06:00',
  updateEveryMinutes: 60,
  heartbeatTimeoutMinutes: 10,
  lookbackHours: 0,
};

function isCalendarDate(date: string): boolean {
  try {
    return addDays(date, 0) === date;
  } catch {
    return false;
  }
}

/** A board input's settings, with defaults filled in and lists sorted. */
export function settingsOf(boardId: string, input: BoardInput): BoardSettings {
  return {
    board_id: boardId,
    title: input.title.trim(),
    slack_channel_id: input.slack_channel_id,
    timezone: input.timezone,
    window_start: input.window_start,
    window_end: input.window_end,
    update_every_minutes: input.update_every_minutes ?? 60,
    members: {
      scheduler_ids: [...(input.members.scheduler_ids ?? [])],
      services: [...(input.members.services ?? [])],
      tags: [...(input.members.tags ?? [])],
    },
    mention: input.mention ?? null,
    quiet_dates: [...(input.quiet_dates ?? [])].sort(),
    ...(input.destinations && input.destinations.length > 0
      ? { destinations: [...input.destinations] }
      : {}),
  };
}

/** The board stored for `input` at `now`, keeping `created_at` of the board it replaces. */
export function boardOf(boardId: string, input: BoardInput, now: string, existing?: Board): Board {
  return {
    ...settingsOf(boardId, input),
    created_at: existing?.created_at ?? now,
    updated_at: now,
  };
}

/** A board's settings as the api shows them (`boardView`). */
export type BoardSettingsView = Omit<BoardSettings, 'destinations'> & {
  destinations: readonly DestinationView[];
};

/** Whether two boards do the same (a boards file applied twice changes nothing). */
export function sameSettings(a: BoardSettingsView, b: BoardSettingsView): boolean {
  return JSON.stringify(settingsOnly(a)) === JSON.stringify(settingsOnly(b));
}

function settingsOnly(board: BoardSettingsView) {
  return {
    board_id: board.board_id,
    title: board.title,
    slack_channel_id: board.slack_channel_id,
    timezone: board.timezone,
    window_start: board.window_start,
    window_end: board.window_end,
    update_every_minutes: board.update_every_minutes,
    members: {
      scheduler_ids: board.members.scheduler_ids,
      services: board.members.services,
      tags: board.members.tags,
    },
    mention: board.mention,
    quiet_dates: board.quiet_dates,
    destinations: board.destinations.map((destination) => destination.fingerprint),
  };
}

/** The `default` board of an installation: the `EOD_*` settings and `SLACK_CHANNEL_ID`. */
export function defaultBoardOf(eod: EodConfig, channel: string | undefined): BoardSettings {
  return {
    board_id: DEFAULT_BOARD_ID,
    title: DEFAULT_BOARD_TITLE,
    slack_channel_id: channel ?? '',
    timezone: eod.timeZone,
    window_start: eod.windowStart,
    window_end: eod.windowEnd,
    update_every_minutes: eod.updateEveryMinutes,
    members: { scheduler_ids: [], services: [], tags: [] },
    mention: null,
    quiet_dates: [],
  };
}

/** The EOD settings a board's night runs on: its own window and zone, the rest shared. */
export function eodConfigOfBoard(
  board: Pick<BoardSettings, 'timezone' | 'window_start' | 'window_end' | 'update_every_minutes'>,
  shared: EodConfig,
): EodConfig {
  return {
    ...shared,
    timeZone: board.timezone,
    windowStart: board.window_start,
    windowEnd: board.window_end,
    updateEveryMinutes: board.update_every_minutes,
  };
}

/** What a board's selectors look at. */
type Selectable = Pick<SchedulerRecord, 'scheduler_id' | 'service_name' | 'tags'>;

/** Whether one of the board's own selectors names the scheduler. */
export function selects(board: BoardSettings, record: Selectable): boolean {
  const { scheduler_ids, services, tags } = board.members;
  return (
    scheduler_ids.some((selector) =>
      selector.endsWith('*')
        ? record.scheduler_id.startsWith(selector.slice(0, -1))
        : record.scheduler_id === selector,
    ) ||
    services.includes(record.service_name) ||
    tags.some((tag) => record.tags.includes(tag))
  );
}

/**
 * Every board of an installation: the stored ones, and the default board unless a stored
 * board `default` replaces it. The default board comes first.
 */
export function allBoards(stored: readonly Board[], fallback: BoardSettings): BoardSettings[] {
  const own = stored.find((board) => board.board_id === DEFAULT_BOARD_ID);
  return [own ?? fallback, ...stored.filter((board) => board.board_id !== DEFAULT_BOARD_ID)];
}

/**
 * The boards a scheduler is in (from `allBoards`): those whose selectors name it, and the
 * default board when no other board does.
 */
export function boardsOf(record: Selectable, boards: readonly BoardSettings[]) {
  const named = boards.filter((board) => selects(board, record));
  const others = named.filter((board) => board.board_id !== DEFAULT_BOARD_ID);
  if (others.length > 0) return named;
  const fallback = boards.find((board) => board.board_id === DEFAULT_BOARD_ID);
  return fallback ? [fallback] : [];
}

/**
 * A registration with a `schedule` and no `timezone` reads its schedule in its board's
 * zone (incidents.md): the zone of the `stored` boards that name it (a stored `default`
 * board only when no other one does). The zone is written into the registration, so the
 * record says which zone it is read in; registering again picks up a board's new zone.
 * Unchanged: a registration with its own zone or without a schedule, one in no stored
 * board (its zone is `EOD_TIMEZONE`), and one whose boards disagree on the zone (no board
 * wins by its name: it keeps `EOD_TIMEZONE` and should say its own).
 */
export function withBoardZone(
  registration: Registration,
  stored: readonly BoardSettings[],
): Registration {
  if (registration.schedule === undefined || registration.timezone !== undefined) {
    return registration;
  }
  // `boardsOf` gives the naming boards, and the default board only when none names it.
  const boards = boardsOf(
    {
      scheduler_id: registration.scheduler_id,
      service_name: registration.service_name.trim(),
      tags: registration.tags ?? [],
    },
    stored,
  );
  const named = boards.filter((board) => board.board_id !== DEFAULT_BOARD_ID);
  const zones = new Set((named.length > 0 ? named : boards).map((board) => board.timezone));
  const [zone] = zones;
  return zones.size === 1 && zone !== undefined
    ? { ...registration, timezone: zone }
    : registration;
}

/** The members of `board` among `records` (`boardsOf`). */
export function membersOf(
  board: BoardSettings,
  records: readonly SchedulerRecord[],
  boards: readonly BoardSettings[],
): SchedulerRecord[] {
  if (board.board_id !== DEFAULT_BOARD_ID) return records.filter((r) => selects(board, r));
  return records.filter((record) =>
    boardsOf(record, boards).some((b) => b.board_id === DEFAULT_BOARD_ID),
  );
}

/**
 * Whether the night of `businessDate` is quiet on the board: a quiet date, so no table,
 * edits or summary.
 */
export function isQuietNight(board: BoardSettings, businessDate: string): boolean {
  return board.quiet_dates.includes(businessDate);
}

/**
 * Whether the instant is quiet on the board: inside one of its windows, when that
 * night's business date is a quiet date (a window past midnight belongs to the date it
 * opened on, so 02:00 after a quiet 24 Dec evening is quiet, and 02:00 on a quiet 25 Dec
 * inside the night of 24 Dec is not); outside any window, when its calendar date in the
 * board's zone is a quiet date.
 */
export function isQuietAt(board: BoardSettings, instantMs: number, shared: EodConfig): boolean {
  if (board.quiet_dates.length === 0) return false;
  const window = currentOrNextWindow(instantMs, eodConfigOfBoard(board, shared));
  if (window.start <= instantMs && instantMs < window.end) {
    return board.quiet_dates.includes(window.businessDate);
  }
  return board.quiet_dates.includes(wallDate(instantMs, board.timezone));
}

/** Channels one incident goes to at most: each costs a root, a thread and their edits. */
export const MAX_INCIDENT_ROUTES = 5;

/** Where one incident's messages go: a board's channel, mention and zone. */
export const IncidentRouteSchema = Type.Object({
  board_id: Type.String(),
  /** Null: the notifier's own channel (`SLACK_CHANNEL_ID`), the default board's. */
  channel: Type.Union([Type.String(), Type.Null()]),
  mention: Type.Union([Type.String(), Type.Null()]),
  time_zone: Type.String(),
});
export type IncidentRoute = Static<typeof IncidentRouteSchema>;

/**
 * Where a scheduler's incident opened at `instantMs` goes: one route per channel of its
 * boards that are not quiet then, at most `MAX_INCIDENT_ROUTES` (two boards in one
 * channel post there once, in the first board's zone, with the first mention either
 * names), and its destinations — its own list when it has one (`override`, even empty:
 * it replaces its boards'), else those of the same boards, each once, at most
 * `MAX_INCIDENT_DESTINATIONS`. `quiet` when every board of it is quiet: no incident
 * opens. Without stored boards, `routes` is undefined: the notifier's own channel and
 * the worker's zone, as before boards.
 */
export function incidentRoutesOf(
  record: SchedulerRecord,
  boards: readonly BoardSettings[],
  instantMs: number,
  shared: EodConfig,
  hasStoredBoards: boolean,
  override?: readonly Destination[],
): { routes: IncidentRoute[] | undefined; quiet: boolean; destinations: Destination[] } {
  const mine = boardsOf(record, boards);
  const awake = mine.filter((board) => !isQuietAt(board, instantMs, shared));
  const quiet = mine.length > 0 && awake.length === 0;
  const destinations = uniqueDestinations(
    override ?? awake.flatMap((board) => board.destinations ?? []),
  );
  if (!hasStoredBoards) return { routes: undefined, quiet, destinations };
  const routes: IncidentRoute[] = [];
  for (const board of awake) {
    const channel = board.slack_channel_id === '' ? null : board.slack_channel_id;
    const same = routes.find((route) => route.channel === channel);
    if (same) {
      // Two boards in one channel: one root, paging whichever board names someone.
      same.mention ??= board.mention;
      continue;
    }
    if (routes.length === MAX_INCIDENT_ROUTES) break;
    routes.push({
      board_id: board.board_id,
      channel,
      mention: board.mention,
      time_zone: board.timezone,
    });
  }
  return { routes, quiet, destinations };
}

/** Each destination once, in order, at most `MAX_INCIDENT_DESTINATIONS`. */
function uniqueDestinations(all: readonly Destination[]): Destination[] {
  const seen = new Set<string>();
  const unique: Destination[] = [];
  for (const destination of all) {
    const key = canonicalOf(destination);
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(destination);
  }
  return unique.slice(0, MAX_INCIDENT_DESTINATIONS);
}
