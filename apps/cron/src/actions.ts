/**
 * The EOD actions of the cron app (docs/eod.md → Schedule): post tonight's table, edit
 * it in place, the final edit and summary, stale warnings, and the history sweep. Each is
 * idempotent per business date and slot through the state table, so a restart, a catch-up
 * or a second replica never posts a second table, edit or summary.
 */
import type {
  Clock,
  EodConfig,
  EodSlot,
  HistoryStore,
  MessageRef,
  Notifier,
  SchedulerStore,
  SlackMessage,
  StateStore,
  TableRow,
} from '@schedmon/domain';
import {
  acknowledgementPartition,
  formatBusinessDate,
  formatTimestamp,
  formatWallTime,
  isInWindow,
  renderFinalSummary,
  renderStaleWarning,
  renderStatusTable,
  slotOf,
  tonightRows,
  windowFor,
  zoneAbbreviation,
} from '@schedmon/domain';
import type { Logger } from '@schedmon/runtime';

export const ACTIONS = ['post', 'update', 'final', 'stale-check', 'sweep'] as const;
export type Action = (typeof ACTIONS)[number];

export type ActionDeps = {
  schedulers: SchedulerStore;
  history: HistoryStore;
  state: StateStore;
  notifier: Notifier;
  clock: Clock;
  eod: EodConfig;
  logger: Logger;
};

export type ActionResult = { action: Action; businessDate: string; done: string };

const DAY_SECONDS = 86_400;
// Markers outlive the night comfortably, then the table's TTL (or the sweep) drops them.
const MARKER_DAYS = 8;

const partition = (businessDate: string) => `eod#${businessDate}`;
const expiresAt = (nowMs: number) => Math.floor(nowMs / 1000) + MARKER_DAYS * DAY_SECONDS;

type TableRefs = { refs: MessageRef[] };

async function tableRows(deps: ActionDeps, atMs: number): Promise<TableRow[]> {
  return tonightRows(await deps.schedulers.list(), atMs, deps.eod);
}

function labels(deps: ActionDeps, businessDate: string, atMs: number) {
  return {
    businessDateLabel: formatBusinessDate(businessDate),
    timeLabel: formatWallTime(atMs, deps.eod.timeZone),
    zoneLabel: zoneAbbreviation(atMs, deps.eod.timeZone),
  };
}

async function readRefs(deps: ActionDeps, businessDate: string, now: string) {
  const item = await deps.state.get(partition(businessDate), 'table', now);
  return (item?.data as TableRefs | undefined)?.refs;
}

async function saveRefs(deps: ActionDeps, businessDate: string, refs: MessageRef[], nowMs: number) {
  await deps.state.put({
    pk: partition(businessDate),
    sk: 'table',
    data: { refs, saved_at: formatTimestamp(nowMs) },
    expires_at: expiresAt(nowMs),
  });
}

/** Runs `work` once per (business date, key): a marker is written after it succeeds. */
async function once(
  deps: ActionDeps,
  businessDate: string,
  key: string,
  nowMs: number,
  work: () => Promise<void>,
): Promise<boolean> {
  const now = formatTimestamp(nowMs);
  if (await deps.state.get(partition(businessDate), key, now)) return false;
  await work();
  await deps.state.put({
    pk: partition(businessDate),
    sk: key,
    data: { done_at: now },
    expires_at: expiresAt(nowMs),
  });
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
    ...labels(deps, businessDate, atMs),
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

async function acknowledgements(deps: ActionDeps, businessDate: string, now: string) {
  const items = await deps.state.list(acknowledgementPartition(businessDate), now);
  return items.map((item) => ({
    scheduler_id: String(item.data.scheduler_id ?? ''),
    // The key is `alertKey(scheduler, event)`; before it was, it was the event id alone.
    event_id: String(item.data.event_id ?? item.sk),
    user_id: String(item.data.user_id ?? ''),
    at: String(item.data.at ?? ''),
  }));
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
        ...labels(deps, businessDate, atMs),
      });
      await postTable(deps, businessDate, messages, atMs);
      return result(`posted ${messages.length} message(s)`);
    }
    case 'update': {
      const key = `update#${slot.kind === 'update' ? slot.index : `at-${now}`}`;
      const ran = await once(deps, businessDate, key, atMs, async () => {
        await editTable(deps, businessDate, atMs, false);
      });
      return result(ran ? 'table updated' : 'slot already updated');
    }
    case 'final': {
      const edited = await once(deps, businessDate, 'final', atMs, async () => {
        await editTable(deps, businessDate, atMs, true);
      });
      const summarized = await once(deps, businessDate, 'summary', atMs, async () => {
        const rows = await tableRows(deps, atMs);
        await deps.notifier.post(
          renderFinalSummary({
            rows,
            timeZone: deps.eod.timeZone,
            ...labels(deps, businessDate, atMs),
            acknowledgements: await acknowledgements(deps, businessDate, now),
          }),
        );
      });
      return result(
        `${edited ? 'final edit' : 'final edit already done'}; ${summarized ? 'summary posted' : 'summary already posted'}`,
      );
    }
    case 'stale-check': {
      if (!isInWindow(atMs, deps.eod)) return result('outside the window');
      let warned = 0;
      for (const row of await tableRows(deps, atMs)) {
        if (!row.stale) continue;
        // One warning per episode: new activity starts a new episode with a new key.
        const key = `stale#${row.scheduler.scheduler_id}#${row.stale.lastActivity}`;
        const ran = await once(deps, businessDate, key, atMs, async () => {
          await deps.notifier.post(
            renderStaleWarning({
              scheduler: row.scheduler,
              lastActivity: row.stale?.lastActivity ?? now,
              minutesSilent: row.stale?.minutesSilent ?? 0,
              timeZone: deps.eod.timeZone,
              zoneLabel: zoneAbbreviation(atMs, deps.eod.timeZone),
            }),
          );
        });
        if (ran) warned += 1;
      }
      return result(`${warned} stale warning(s)`);
    }
    case 'sweep': {
      const deleted = await deps.history.deleteExpired(now);
      return result(`${deleted} expired history row(s) deleted`);
    }
  }
}

/**
 * What the schedule does at `atMs` (a tick): the action of the current slot, catching up
 * a missed post or final, stale checks inside the window every `staleCheckEveryMinutes`,
 * and the daily sweep outside it. Every step is idempotent, so ticking twice is harmless.
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
    await once(deps, slot.businessDate, 'sweep', atMs, async () => {
      results.push(await runAction(deps, 'sweep', atMs));
    });
  }
  if (isInWindow(atMs, deps.eod)) {
    const window = windowFor(slot.businessDate, deps.eod);
    const minutesIn = Math.floor((atMs - window.start) / 60_000);
    if (minutesIn % deps.eod.staleCheckEveryMinutes === 0) {
      results.push(await runAction(deps, 'stale-check', atMs));
    }
  }
  return results;
}
