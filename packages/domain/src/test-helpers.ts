/**
 * Fixtures and checks shared by this package's unit tests; the package's code never imports
 * this file.
 */
import { DEFAULT_MESSAGE_LIMITS, validateMessage } from '@schedmon/fake-slack';
import { expect } from 'vitest';
import type { SlackMessage } from './ports.ts';
import type { SchedulerRecord, Status } from './scheduler.ts';
import {
  DEFAULT_ALERT_AFTER_FAILURES,
  DEFAULT_GRACE_SECONDS,
  DEFAULT_RECOVER_AFTER_SUCCESSES,
} from './scheduler.ts';
import type { TableRow } from './table-rows.ts';

// ---------------------------------------------------------------------------------------
// Instants

// Every test instant is written in UTC with a `Z`, so no expectation depends on the host's
// time zone.
export const at = (iso: string): number => {
  if (!iso.endsWith('Z')) throw new Error(`test instants must be UTC: ${iso}`);
  return Date.parse(iso);
};
export const iso = (ms: number): string => new Date(ms).toISOString();

// ---------------------------------------------------------------------------------------
// Slack messages

export const ZONE = 'Asia/Jakarta';
export const LABELS = { businessDateLabel: '15 Jan 2026', timeLabel: '02:00', zoneLabel: 'WIB' };
export const HOSTILE =
  '<!channel> <!here> @channel @here <@U123> <!subteam^S1|ops> <http://evil|click> &lt;';

/** A record's schedule, pause and archive fields as a plain registration leaves them. */
export const UNSET_SETTINGS = {
  schedule: null,
  timezone: null,
  grace_seconds: DEFAULT_GRACE_SECONDS,
  max_runtime_seconds: null,
  min_runtime_seconds: null,
  alert_after_failures: DEFAULT_ALERT_AFTER_FAILURES,
  recover_after_successes: DEFAULT_RECOVER_AFTER_SUCCESSES,
  tags: [],
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
} satisfies Partial<SchedulerRecord>;

export function record(id: string, overrides: Partial<SchedulerRecord> = {}): SchedulerRecord {
  return {
    scheduler_id: id,
    service_name: 'Service',
    job_name: id,
    status: 'pending',
    timestamp: '2026-01-14T17:00:00.000Z',
    execution_time_ms: null,
    error_message: null,
    metadata: null,
    last_heartbeat: null,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-14T17:00:00.000Z',
    owner_email: null,
    alert_user_id: null,
    ...UNSET_SETTINGS,
    ...overrides,
  };
}

export function row(
  scheduler: SchedulerRecord,
  status: Status = scheduler.status,
  stale: TableRow['stale'] = null,
  paused = false,
): TableRow {
  return { scheduler, status, stale, paused };
}

export const STALE = { minutesSilent: 14, lastActivity: '2026-01-14T18:46:00.000Z' };

/** `n` schedulers with 255-char names and 10,000-char errors, statuses in turn. */
export function bigTable(n: number): TableRow[] {
  const statuses: Status[] = ['completed', 'running', 'pending', 'failed'];
  return Array.from({ length: n }, (_, i) => {
    const status = statuses[i % 4] ?? 'pending';
    const id = `scheduler-${String(i).padStart(5, '0')}`;
    return row(
      record(id, {
        service_name: `Service ${i % 7} ${'s'.repeat(245)}`.slice(0, 255),
        job_name: `${id} ${'j'.repeat(250)}`.slice(0, 255),
        status,
        execution_time_ms: status === 'completed' ? 1_000 + i : null,
        error_message:
          status === 'failed' ? `boom ${i} ${'e'.repeat(10_000)}`.slice(0, 10_000) : null,
      }),
      status,
      status === 'running' && i % 8 === 1 ? STALE : null,
    );
  });
}

export function expectValid(messages: readonly SlackMessage[]): void {
  for (const message of messages) {
    const refusal = validateMessage(
      { text: message.text, blocks: message.blocks },
      DEFAULT_MESSAGE_LIMITS,
    );
    expect(refusal).toBeUndefined();
  }
}

export type TextObject = { type: string; text: string };

export function headerOf(message: SlackMessage): string {
  const block = message.blocks[0] as { type: string; text: TextObject };
  expect(block.type).toBe('header');
  return block.text.text;
}

export function sectionTexts(message: SlackMessage): string[] {
  return message.blocks
    .filter((block) => block.type === 'section' && block.text !== undefined)
    .map((block) => (block.text as TextObject).text);
}

/** Every Slack control sequence (`<…`) in the message's JSON. */
export function controlSequences(value: unknown): string[] {
  return JSON.stringify(value).match(/<[!@#]?[^>]*>?/g) ?? [];
}
