/**
 * What the cron app keeps per night in the state table (docs/eod.md): where
 * tonight's table messages are, and which once-per-night steps are done, so a restart, a
 * catch-up or a second replica never posts a second table, edit or summary.
 */
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';

/**
 * One board's night: the key of everything the EOD schedule keeps for it. The weekly
 * report's night is the Monday its week began on.
 */
export type Night = { board: string; businessDate: string };

/** A once-per-night step of the EOD schedule (or once per week: `weekly-report`). */
export type EodMarker =
  /** One edit slot: its index, or `at-<instant>` for an edit outside the slots. */
  | { kind: 'update'; slot: string }
  | { kind: 'final' }
  | { kind: 'summary' }
  | { kind: 'sweep' }
  /** The weekly report of the week beginning on the night's date, posted (docs/web.md). */
  | { kind: 'weekly-report' };

/** Tonight's table messages as stored, in order. */
export const EodTableRefsSchema = Type.Object({
  refs: Type.Array(Type.Object({ channel: Type.String(), ts: Type.String() })),
  /** When they were last saved (ISO). */
  saved_at: Type.String(),
});
export type EodTableRefs = Static<typeof EodTableRefsSchema>;

/** A done step, as stored. */
const EodMarkerRecordSchema = Type.Object({ done_at: Type.String() });
export type EodMarkerRecord = Static<typeof EodMarkerRecordSchema>;

/** The cron leadership lease, as stored: who holds it (until the item's expiry). */
const LeaseRecordSchema = Type.Object({ owner: Type.String() });
export type LeaseRecord = Static<typeof LeaseRecordSchema>;
