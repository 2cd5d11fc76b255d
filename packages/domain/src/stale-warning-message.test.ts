import { describe, expect, it } from 'vitest';
import { renderStaleWarning } from './stale-warning-message.ts';
import { controlSequences, expectValid, HOSTILE, record, ZONE } from './test-helpers.ts';

describe('renderStaleWarning', () => {
  it('names the scheduler, its last activity in the zone, the minutes since, and mentions', () => {
    const message = renderStaleWarning({
      scheduler: record('svc-b-sync', {
        service_name: 'Service B',
        job_name: `Data Sync ${HOSTILE}`,
        alert_user_id: 'U0OPS',
      }),
      lastActivity: '2026-01-14T18:46:00Z',
      minutesSilent: 14.9,
      timeZone: ZONE,
      zoneLabel: 'WIB',
    });
    expectValid([message]);
    expect(message.text).toContain('Service B › Data Sync &lt;!channel&gt;');
    expect(message.text).toContain('(svc-b-sync) — no heartbeat since 01:46 WIB (14 min ago)');
    expect(message.text).toContain('cc <@U0OPS>');
    expect(JSON.stringify(message.blocks)).toContain('`svc-b-sync`');
    expect(new Set(controlSequences(message))).toEqual(new Set(['<@U0OPS>']));
  });

  it('mentions nobody without an alert id', () => {
    const message = renderStaleWarning({
      scheduler: record('x'),
      lastActivity: '2026-01-14T18:46:00Z',
      minutesSilent: 11,
      timeZone: ZONE,
      zoneLabel: 'WIB',
    });
    expect(controlSequences(message)).toEqual([]);
  });
});
