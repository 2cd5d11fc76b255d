/**
 * The EOD actions of the cron app (docs/eod.md): post tonight's table, edit
 * it in place, the final edit and summary, and the history sweep. Each is
 * idempotent per business date and slot through the `EodRunStore`, so a restart, a catch-up
 * or a second replica never posts a second table, edit or summary.
 */
import type {
  AcknowledgementStore,
  Clock,
  EodConfig,
  EodMarker,
  EodRunStore,
  EodSlot,
  HistoryStore,
  IncidentStore,
  MessageRef,
  Notifier,
  SchedulerStore,
  SlackMessage,
  TableRow,
} from '@schedmon/domain';
import {
  formatBusinessDate,
  formatTimestamp,
  formatWallTime,
  renderFinalSummary,
  renderStatusTable,
  slotOf,
  tonightRows,
  windowFor,
  zoneAbbreviation,
} from '@schedmon/domain';
import type { Logger } from '@schedmon/runtime';

export const ACTIONS = ['post', 'update', 'final', 'sweep'] as const;
export type Action = (typeof ACTIONS)[number];

export type ActionDeps = {
  schedulers: SchedulerStore;
  history: HistoryStore;
  eodRuns: EodRunStore;
  acknowledgements: AcknowledgementStore;
  notifier: Notifier;
  clock: Clock;
  eod: EodConfig;
  logger: Logger;
  /** Tonight's incidents in the table and the summary; without it they show none. */
  incidents?: IncidentStore;
};

export type ActionResult = { action: Action; businessDate: string; done: string };

const DAY_SECONDS = 86_400;
// Markers outlive the night comfortably, then the table's TTL (or the sweep) drops them.
const MARKER_DAYS = 8;

const expiresAt = (nowMs: number) => Math.floor(nowMs / 1000) + MARKER_DAYS * DAY_SECONDS;

async function tableRows(deps: ActionDeps, atMs: number): Promise<TableRow[]> {
  return tonightRows(await deps.schedulers.list(), atMs, deps.eod);
}

/** Incidents listed at most, newest first: the open ones and tonight's resolved ones. */
const INCIDENTS_SHOWN = 500;

async function labels(deps: ActionDeps, businessDate: string, atMs: number) {
  return {
    businessDateLabel: formatBusinessDate(businessDate),
    timeLabel: formatWallTime(atMs, deps.eod.timeZone),
    zoneLabel: zoneAbbreviation(atMs, deps.eod.timeZone),
    incidents: await tonightIncidents(deps, businessDate, atMs),
  };
}

/** Incidents still open, and those opened since tonight's window began. */
async function tonightIncidents(deps: ActionDeps, businessDate: string, atMs: number) {
  if (!deps.incidents) return [];
  const since = formatTimestamp(windowFor(businessDate, deps.eod).start);
  const { incidents } = await deps.incidents.incidents(
    { limit: INCIDENTS_SHOWN },
    formatTimestamp(atMs),
  );
  return incidents.filter(
    (incident) => incident.state !== 'resolved' || incident.opened_at >= since,
  );
}

function readRefs(deps: ActionDeps, businessDate: string, now: string) {
  return deps.eodRuns.tableRefs(businessDate, now);
}

async function saveRefs(deps: ActionDeps, businessDate: string, refs: MessageRef[], nowMs: number) {
  await deps.eodRuns.saveTableRefs(businessDate, refs, formatTimestamp(nowMs), expiresAt(nowMs));
}

/** Runs `work` once per (business date, step): the step is marked done after it succeeds. */
async function once(
  deps: ActionDeps,
  businessDate: string,
  marker: EodMarker,
  nowMs: number,
  work: () => Promise<void>,
): Promise<boolean> {
  const now = formatTimestamp(nowMs);
  if (await deps.eodRuns.isDone(businessDate, marker, now)) return false;
  await work();
  await deps.eodRuns.markDone(businessDate, marker, now, expiresAt(nowMs));
  return true;
}

/** Posts each message of the table; the refs are saved after every post, so none is lost. */
async function postTable(
  deps: ActionDeps,
  businessDate: string,
  messages: SlackMessage[],
  nowMs: number,
) {
  const refs: MessageRef[] = [];
  for (const message of messages) {
    refs.push(await deps.notifier.post(message));
    await saveRefs(deps, businessDate, refs, nowMs);
  }
  return refs;
}

/**
 * Edits tonight's table in place (posting it when there is none yet: catch-up), adding
 * messages when the table grew and padding when it shrank, so every stored message stays
 * part of it.
 */
async function editTable(deps: ActionDeps, businessDate: string, atMs: number, final: boolean) {
  const now = formatTimestamp(atMs);
  const rows = await tableRows(deps, atMs);
  const refs = (await readRefs(deps, businessDate, now)) ?? [];
  const messages = renderStatusTable({
    rows,
    timeZone: deps.eod.timeZone,
    ...(await labels(deps, businessDate, atMs)),
    final,
    minMessages: refs.length,
  });
  if (refs.length === 0) return postTable(deps, businessDate, messages, atMs);
  const updated = [...refs];
  for (const [index, message] of messages.entries()) {
    const ref = refs[index];
    if (ref) await deps.notifier.update(ref, message);
    else {
      updated.push(await deps.notifier.post(message));
      await saveRefs(deps, businessDate, updated, atMs);
    }
  }
  return updated;
}

/**
 * Runs one action as of `atMs` for the night that instant belongs to.
 * `force` (ops' `once post`) posts a fresh table even if tonight already has one.
 * Failure: store errors (`EngineUnavailableError`) and Slack errors (`NotifierError`)
 * reject; nothing is marked done, so the next tick or slot tries again.
 */
export async function runAction(
  deps: ActionDeps,
  action: Action,
  atMs: number,
  options: { force?: boolean } = {},
): Promise<ActionResult> {
  const slot: EodSlot = slotOf(atMs, deps.eod);
  const businessDate = slot.businessDate;
  const now = formatTimestamp(atMs);
  const result = (done: string): ActionResult => ({ action, businessDate, done });

  switch (action) {
    case 'post': {
      const existing = await readRefs(deps, businessDate, now);
      if (existing?.length && !options.force) return result('table already posted');
      const rows = await tableRows(deps, atMs);
      const messages = renderStatusTable({
        rows,
        timeZone: deps.eod.timeZone,
        ...(await labels(deps, businessDate, atMs)),
      });
      await postTable(deps, businessDate, messages, atMs);
      return result(`posted ${messages.length} message(s)`);
    }
    case 'update': {
      const marker: EodMarker = {
        kind: 'update',
        slot: slot.kind === 'update' ? String(slot.index) : `at-${now}`,
      };
      const ran = await once(deps, businessDate, marker, atMs, async () => {
        await editTable(deps, businessDate, atMs, false);
      });
      return result(ran ? 'table updated' : 'slot already updated');
    }
    case 'final': {
      const edited = await once(deps, businessDate, { kind: 'final' }, atMs, async () => {
        await editTable(deps, businessDate, atMs, true);
      });
      const summarized = await once(deps, businessDate, { kind: 'summary' }, atMs, async () => {
        const rows = await tableRows(deps, atMs);
        await deps.notifier.post(
          renderFinalSummary({
            rows,
            timeZone: deps.eod.timeZone,
            ...(await labels(deps, businessDate, atMs)),
            acknowledgements: await deps.acknowledgements.list(businessDate, now),
            at: now,
          }),
        );
      });
      return result(
        `${edited ? 'final edit' : 'final edit already done'}; ${summarized ? 'summary posted' : 'summary already posted'}`,
      );
    }
    case 'sweep': {
      const deleted = await deps.history.deleteExpired(now);
      return result(`${deleted} expired history row(s) deleted`);
    }
  }
}

/**
 * What the schedule does at `atMs` (a tick): the action of the current slot, catching up
 * a missed post or final, and the daily sweep outside it (silent running jobs are the
 * watchdog's: a `stale` deadline). Every step is idempotent, so ticking twice is harmless.
 */
export async function tick(deps: ActionDeps, atMs: number): Promise<ActionResult[]> {
  const slot = slotOf(atMs, deps.eod);
  const results: ActionResult[] = [];
  const now = formatTimestamp(atMs);
  if (slot.kind === 'post' || slot.kind === 'update') {
    // Catch-up: a table that was never posted tonight is posted now.
    if (!(await readRefs(deps, slot.businessDate, now))?.length) {
      results.push(await runAction(deps, 'post', atMs));
    } else if (slot.kind === 'update') {
      results.push(await runAction(deps, 'update', atMs));
    }
  } else if (slot.kind === 'final') {
    results.push(await runAction(deps, 'final', atMs));
  } else {
    // Outside the window: the daily sweep, once per night.
    await once(deps, slot.businessDate, { kind: 'sweep' }, atMs, async () => {
      results.push(await runAction(deps, 'sweep', atMs));
    });
  }
  return results;
}
