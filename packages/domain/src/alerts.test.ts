import { describe, expect, it } from 'vitest';
import type { AlertRecord } from './alerts.ts';
import { alertKey, newAlert } from './alerts.ts';
import { at, iso } from './test-helpers.ts';

const T0 = at('2026-01-15T18:45:00.000Z');

const pending = (failedAt = iso(T0)): AlertRecord =>
  newAlert(
    {
      schedulerId: 'job-a',
      eventId: 'e1',
      message: { text: 'failed', blocks: [] },
      input: {
        scheduler: {
          scheduler_id: 'job-a',
          service_name: 'S',
          job_name: 'J',
          timestamp: failedAt,
          execution_time_ms: null,
          error_message: null,
          alert_user_id: null,
        },
        eventId: 'e1',
        timeZone: 'Asia/Jakarta',
        zoneLabel: 'WIB',
      },
      failedAt,
    },
    iso(T0),
  );

describe('alert records', () => {
  it('keys an alert by scheduler and event', () => {
    expect(alertKey('job-a', 'e1')).toBe('job-a#e1');
    expect(alertKey('job-a', 'e1')).not.toBe(alertKey('job-b', 'e1'));
  });

  it('starts pending, due at once, with no attempt yet', () => {
    expect(pending()).toMatchObject({
      state: 'pending',
      attempts: 0,
      created_at: iso(T0),
      next_attempt_at: iso(T0),
    });
  });
});
