import { describe, expect, it } from 'vitest';
import {
  ACKNOWLEDGE_ACTION_ID,
  acknowledgeButtonValue,
  parseAcknowledgeButtonValue,
  renderFailureAlert,
} from './failure-alert-message.ts';
import type { SlackMessage } from './ports.ts';
import type { TextObject } from './test-helpers.ts';
import { controlSequences, expectValid, HOSTILE, record, ZONE } from './test-helpers.ts';

describe('renderFailureAlert', () => {
  const failed = record('svc-d-backup', {
    service_name: 'Service D',
    job_name: 'Backup',
    status: 'failed',
    timestamp: '2026-01-14T18:42:00Z',
    execution_time_ms: 15_000,
    error_message: 'disk full',
  });

  const buttonsOf = (message: SlackMessage) =>
    message.blocks
      .filter((block) => block.type === 'actions')
      .flatMap((block) => block.elements as Record<string, unknown>[]);

  it('names the service, job, id, time in the zone, execution time and error', () => {
    const message = renderFailureAlert({
      scheduler: failed,
      eventId: 'evt-1',
      timeZone: ZONE,
      zoneLabel: 'WIB',
    });
    expectValid([message]);
    const json = JSON.stringify(message.blocks);
    for (const part of ['Service D', 'Backup', 'svc-d-backup', '15 Jan 2026 01:42 WIB', '15.0 s']) {
      expect(json).toContain(part);
    }
    expect(json).toContain('```disk full```');
    expect(message.text).toBe(
      '❌ Job failed: Service D › Backup (svc-d-backup) at 15 Jan 2026 01:42 WIB: disk full',
    );
    expect(controlSequences(message)).toEqual([]);
  });

  it.each([
    ['U123ABC', '<@U123ABC>'],
    ['W0A1', '<@W0A1>'],
    ['S0ABC', '<!subteam^S0ABC>'],
  ])('mentions %s as %s, and nothing else', (alertUserId, mention) => {
    const message = renderFailureAlert({
      scheduler: { ...failed, alert_user_id: alertUserId, error_message: HOSTILE },
      eventId: 'evt-1',
      timeZone: ZONE,
      zoneLabel: 'WIB',
    });
    expect(message.text).toContain(mention);
    expect(JSON.stringify(message.blocks)).toContain(mention);
    expect(new Set(controlSequences(message))).toEqual(new Set([mention]));
  });

  it('mentions nobody without a valid alert id', () => {
    for (const alertUserId of [null, 'here', '<!channel>', 'u123']) {
      const message = renderFailureAlert({
        scheduler: { ...failed, alert_user_id: alertUserId, job_name: HOSTILE },
        eventId: 'evt-1',
        timeZone: ZONE,
        zoneLabel: 'WIB',
      });
      expect(controlSequences(message)).toEqual([]);
    }
  });

  it('carries the scheduler and event ids in the Acknowledge button', () => {
    const message = renderFailureAlert({
      scheduler: failed,
      eventId: 'evt-42',
      timeZone: ZONE,
      zoneLabel: 'WIB',
    });
    const [button] = buttonsOf(message);
    expect(button).toMatchObject({ type: 'button', action_id: ACKNOWLEDGE_ACTION_ID });
    expect(ACKNOWLEDGE_ACTION_ID).toBe('acknowledge_failure');
    const value = button?.value as string;
    expect(value.length).toBeLessThanOrEqual(2_000);
    expect(parseAcknowledgeButtonValue(value)).toEqual({
      scheduler_id: 'svc-d-backup',
      event_id: 'evt-42',
    });
  });

  it('shows who acknowledged and when, without the button', () => {
    const message = renderFailureAlert({
      scheduler: { ...failed, alert_user_id: 'S0OPS' },
      eventId: 'evt-1',
      timeZone: ZONE,
      zoneLabel: 'WIB',
      acknowledgement: { userId: 'U999', at: '2026-01-14T18:55:00Z' },
    });
    expectValid([message]);
    expect(buttonsOf(message)).toEqual([]);
    const last = message.blocks.at(-1) as { type: string; elements: TextObject[] };
    expect(last.type).toBe('context');
    expect(last.elements[0]?.text).toBe('✅ Acknowledged by <@U999> at 01:55 WIB');
    expect(message.text).toContain('Acknowledged by <@U999> at 01:55 WIB');
  });

  it('cuts a 10,000-char error to an excerpt and stays within limits', () => {
    const message = renderFailureAlert({
      scheduler: {
        ...failed,
        service_name: 's'.repeat(255),
        job_name: '&'.repeat(255),
        scheduler_id: 'i'.repeat(255),
        error_message: `line 1\nline 2\n${'<>&'.repeat(4_000)}`,
      },
      eventId: 'e'.repeat(128),
      timeZone: ZONE,
      zoneLabel: 'WIB',
    });
    expectValid([message]);
    const error = JSON.stringify(message.blocks).match(/```([^`]*)```/)?.[1] ?? '';
    expect(error.length).toBeLessThanOrEqual(1_200);
    expect(error).toContain('line 1\\nline 2');
    expect(error.endsWith('…')).toBe(true);
  });

  it('reads back only its own button values', () => {
    expect(parseAcknowledgeButtonValue('nope')).toBeUndefined();
    expect(parseAcknowledgeButtonValue('{"scheduler_id":"a"}')).toBeUndefined();
    expect(parseAcknowledgeButtonValue('null')).toBeUndefined();
    expect(() =>
      acknowledgeButtonValue({ scheduler_id: 'x'.repeat(2_000), event_id: 'e' }),
    ).toThrow(RangeError);
  });
});
