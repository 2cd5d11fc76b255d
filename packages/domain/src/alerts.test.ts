import { describe, expect, it } from 'vitest';
import type { AlertRecord } from './alerts.ts';
import {
  alertKey,
  claimAlert,
  expireAlert,
  giveUpAlert,
  newAlert,
  nextAlertStep,
  overridesSettled,
  recordAlertSent,
  scheduleAlertRetry,
} from './alerts.ts';
import { at, iso } from './test-helpers.ts';

const T0 = at('2026-01-15T18:45:00.000Z');
const MINUTE = 60_000;
const OPTIONS = { maxAgeMs: 60 * MINUTE, leaseMs: MINUTE, owner: 'w1' };

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

const claimed = () => claimAlert(pending(), T0, { owner: 'w1', leaseMs: MINUTE }).alert;

describe('alert transitions', () => {
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

  it('claims a due pending alert for its lease, asking for the post', () => {
    const step = nextAlertStep(pending(), T0, OPTIONS);
    expect(step).toEqual({
      kind: 'transition',
      transition: {
        alert: { ...pending(), state: 'posting', owner: 'w1', lease_until: iso(T0 + MINUTE) },
        effects: [{ type: 'post', message: pending().message }],
      },
    });
  });

  it('waits for an alert not due yet and for a live claim', () => {
    const later = { ...pending(), next_attempt_at: iso(T0 + 1) };
    expect(nextAlertStep(later, T0, OPTIONS)).toEqual({ kind: 'wait', result: 'not_due' });
    expect(nextAlertStep(claimed(), T0 + MINUTE - 1, OPTIONS)).toEqual({
      kind: 'wait',
      result: 'in_progress',
    });
  });

  it('declares a claim whose lease ran out uncertain, never re-posted', () => {
    const step = nextAlertStep(claimed(), T0 + MINUTE, OPTIONS);
    expect(step.kind).toBe('transition');
    if (step.kind !== 'transition') return;
    expect(step.transition.outcome).toBe('uncertain');
    expect(step.transition.effects).toEqual([{ type: 'unschedule' }]);
    expect(step.transition.alert).not.toHaveProperty('lease_until');
    expect(step.transition.alert).not.toHaveProperty('owner');
  });

  it('expires a pending alert past the max age, counted from the failure', () => {
    const old = pending(iso(T0 - 10 * MINUTE));
    expect(nextAlertStep(old, T0 + 50 * MINUTE - 1, OPTIONS).kind).toBe('transition');
    const step = nextAlertStep(old, T0 + 50 * MINUTE, OPTIONS);
    expect(step).toEqual({
      kind: 'transition',
      transition: expireAlert(old, iso(T0 + 50 * MINUTE)),
    });
    // An unreadable failure time counts from the creation.
    const unreadable = pending('not a time');
    expect(nextAlertStep(unreadable, T0 + 60 * MINUTE, OPTIONS)).toMatchObject({
      transition: { outcome: 'expired' },
    });
  });

  it('does nothing more with a final alert', () => {
    const sent = recordAlertSent(claimed(), { channel: 'C', ts: '1' }, iso(T0)).alert;
    expect(nextAlertStep(sent, T0, OPTIONS)).toEqual({ kind: 'final' });
  });

  it('records sent, a retry, a refusal and an unexpected error', () => {
    const ref = { channel: 'C', ts: '1' };
    expect(recordAlertSent(claimed(), ref, iso(T0))).toEqual({
      alert: { ...pending(), state: 'sent', ref, finished_at: iso(T0) },
      effects: [{ type: 'unschedule' }],
      outcome: 'sent',
    });
    expect(scheduleAlertRetry(claimed(), T0, 5_000, '503')).toEqual({
      alert: {
        ...pending(),
        attempts: 1,
        next_attempt_at: iso(T0 + 5_000),
        last_error: '503',
      },
      effects: [{ type: 'reschedule', at: iso(T0 + 5_000) }],
      outcome: 'retry',
    });
    expect(giveUpAlert(claimed(), { refused: true, reason: 'channel_not_found' }, iso(T0))).toEqual(
      {
        alert: {
          ...pending(),
          state: 'failed',
          attempts: 1,
          last_error: 'channel_not_found',
          finished_at: iso(T0),
        },
        effects: [{ type: 'unschedule' }],
        outcome: 'failed',
      },
    );
    expect(giveUpAlert(claimed(), { refused: false, reason: 'unexpected' }, iso(T0)).outcome).toBe(
      'uncertain',
    );
  });

  it('lets only a late sent replace an alert another worker settled', () => {
    const sent = recordAlertSent(claimed(), { channel: 'C', ts: '1' }, iso(T0)).alert;
    const uncertain = { ...pending(), state: 'uncertain' as const };
    expect(overridesSettled(uncertain, sent)).toBe(true);
    expect(overridesSettled({ ...pending(), state: 'failed' }, sent)).toBe(false);
    expect(overridesSettled(uncertain, { ...pending(), state: 'pending' })).toBe(false);
    expect(overridesSettled(undefined, sent)).toBe(false);
  });
});
