/**
 * The commands that change a scheduler: `schedmon pause <id> [--until] [--reason]`,
 * `schedmon resume <id>` and `schedmon archive <id>`. Each prints one line about the
 * record the api answered, terminal-safe (names and reasons are producer text).
 */
import type { SchedulerRecord } from '@schedmon/domain';
import type { SchedmonClient } from './http-client.ts';
import type { SchedmonResult } from './result.ts';
import { terminalSafe } from './terminal-text.ts';

type ManageIo = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

/** What to do to the scheduler. */
type Change =
  | { action: 'pause'; until?: string | undefined; reason?: string | undefined }
  | { action: 'resume' }
  | { action: 'archive' };

/** The line printed for the record after `change`. */
function describeChange(change: Change, record: SchedulerRecord): string {
  const id = record.scheduler_id;
  switch (change.action) {
    case 'pause': {
      const until = record.paused_until === null ? 'until resumed' : `until ${record.paused_until}`;
      const reason = record.pause_reason === null ? '' : ` (${record.pause_reason})`;
      return `⏸ Paused ${id} ${until}${reason}`;
    }
    case 'resume':
      return `Resumed ${id}`;
    case 'archive':
      return `Archived ${id}${record.archived_at === null ? '' : ` at ${record.archived_at}`}: out of tables, lists and alerts, history kept; register it again to restore it`;
  }
}

/**
 * Applies `change` to one scheduler and prints the outcome; resolves the exit code: 0, or 1
 * when the api refused or could not be reached (its message on stderr).
 */
export async function changeScheduler(
  client: SchedmonClient,
  schedulerId: string,
  change: Change,
  io: ManageIo,
): Promise<number> {
  let result: SchedmonResult<SchedulerRecord>;
  if (change.action === 'pause') {
    result = await client.pause(schedulerId, {
      ...(change.until === undefined ? {} : { until: change.until }),
      ...(change.reason === undefined ? {} : { reason: change.reason }),
    });
  } else if (change.action === 'resume') result = await client.resume(schedulerId);
  else result = await client.archive(schedulerId);
  if (!result.ok) {
    io.stderr.write(`schedmon: ${terminalSafe(result.error.message)}\n`);
    return 1;
  }
  io.stdout.write(`${terminalSafe(describeChange(change, result.value))}\n`);
  return 0;
}
