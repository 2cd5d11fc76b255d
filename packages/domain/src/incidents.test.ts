import { describe, expect, it } from 'vitest';
import type { IncidentPolicy, IncidentSignal, IncidentTracker } from './incidents.ts';
import { NO_INCIDENT, nextIncidentState } from './incidents.ts';

const ID = 'service-a-eod';
const policy = (extra: Partial<IncidentPolicy> = {}): IncidentPolicy => ({
  alert_after_failures: 1,
  recover_after_successes: 1,
  min_runtime_seconds: null,
  quiet: false,
  ...extra,
});
const at = (hhmm: string) => `2026-01-14T${hhmm}:00.000Z`;
const failed = (hhmm: string, n = 1): IncidentSignal => ({
  type: 'failed',
  at: at(hhmm),
  event_id: `f${n}`,
  error_message: 'disk full',
});
const completed = (hhmm: string, n = 1, duration_ms: number | null = 60_000): IncidentSignal => ({
  type: 'completed',
  at: at(hhmm),
  event_id: `c${n}`,
  duration_ms,
});
const deadline = (kind: 'missed' | 'overrun' | 'stale', hhmm: string): IncidentSignal => ({
  type: 'deadline',
  kind,
  at: at(hhmm),
  event_id: `d-${kind}-${hhmm}`,
  expected_at: kind === 'missed' ? at('18:00') : null,
});

/** Runs the signals in order; returns every effect as `type kind state` and the tracker. */
function run(signals: IncidentSignal[], settings = policy()) {
  let tracker: IncidentTracker = NO_INCIDENT;
  const effects: string[] = [];
  for (const signal of signals) {
    const step = nextIncidentState(tracker, ID, signal, settings);
    tracker = step.tracker;
    for (const effect of step.effects) {
      const reason = effect.type === 'follow_up' ? ` ${effect.reason.type}` : '';
      effects.push(`${effect.type} ${effect.incident.kind} ${effect.incident.state}${reason}`);
    }
  }
  return { effects, tracker };
}

describe('nextIncidentState', () => {
  it('opens a failed incident on the first failure, follows up the second, resolves on a success', () => {
    const { effects, tracker } = run([failed('18:10'), failed('18:20', 2), completed('18:40')]);
    expect(effects).toEqual([
      'open failed open',
      'follow_up failed open repeated',
      'resolve failed resolved',
    ]);
    expect(tracker).toMatchObject({
      consecutive_failures: 0,
      consecutive_successes: 1,
      open: null,
    });
  });

  it('opens nothing for the first two failures with alert_after_failures 3, pages once at the third', () => {
    const settings = policy({ alert_after_failures: 3, recover_after_successes: 2 });
    const steps = run([failed('18:00', 1), failed('18:10', 2)], settings);
    expect(steps.effects).toEqual([]);
    const { effects, tracker } = run(
      [failed('18:00', 1), failed('18:10', 2), failed('18:20', 3), completed('18:30', 1)],
      settings,
    );
    expect(effects).toEqual(['open failed open']);
    expect(tracker.open?.state).toBe('open');
    const recovered = run(
      [
        failed('18:00', 1),
        failed('18:10', 2),
        failed('18:20', 3),
        completed('18:30', 1),
        completed('18:40', 2),
      ],
      settings,
    );
    expect(recovered.effects).toEqual(['open failed open', 'resolve failed resolved']);
  });

  it('resets the failure count on a success, so non-consecutive failures never page', () => {
    const settings = policy({ alert_after_failures: 2 });
    const { effects } = run(
      [failed('18:00', 1), completed('18:10', 1), failed('18:20', 2), completed('18:30', 2)],
      settings,
    );
    expect(effects).toEqual([]);
  });

  it('follows a missed start with how late it started, and resolves when the late run completes', () => {
    const late = run([
      deadline('missed', '18:10'),
      { type: 'running', at: at('18:47'), event_id: 'r1' },
      completed('19:05'),
    ]);
    expect(late.effects).toEqual([
      'open missed open',
      'follow_up missed open started_late',
      'resolve missed resolved',
    ]);
    let tracker: IncidentTracker = NO_INCIDENT;
    tracker = nextIncidentState(tracker, ID, deadline('missed', '18:10'), policy()).tracker;
    const started = nextIncidentState(
      tracker,
      ID,
      { type: 'running', at: at('18:47'), event_id: 'r1' },
      policy(),
    );
    expect(started.effects[0]).toMatchObject({
      reason: { type: 'started_late', late_ms: 37 * 60_000 },
    });
  });

  it('escalates an overrun to failed in the same incident (a follow-up, not a new page)', () => {
    const { effects, tracker } = run([deadline('overrun', '19:00'), failed('19:20')]);
    expect(effects).toEqual(['open overrun open', 'follow_up failed open escalated']);
    expect(tracker.open).toMatchObject({
      kind: 'failed',
      events: 2,
      incident_id: `${ID}#d-overrun-19:00`,
    });
  });

  it('keeps the worse kind when a lesser problem joins', () => {
    const { effects, tracker } = run([failed('18:10'), deadline('stale', '18:40')]);
    expect(effects).toEqual(['open failed open', 'follow_up failed open repeated']);
    expect(tracker.open?.kind).toBe('failed');
  });

  it('ends a stale incident when the job speaks again: a heartbeat or a status', () => {
    expect(
      run([deadline('stale', '18:30'), { type: 'heartbeat', at: at('18:35') }]).effects,
    ).toEqual(['open stale open', 'resolve stale resolved']);
    expect(
      run([deadline('stale', '18:30'), { type: 'running', at: at('18:35'), event_id: 'r2' }])
        .effects,
    ).toEqual(['open stale open', 'resolve stale resolved']);
  });

  it('records how long an incident lasted', () => {
    let tracker: IncidentTracker = NO_INCIDENT;
    tracker = nextIncidentState(tracker, ID, failed('18:10'), policy()).tracker;
    const step = nextIncidentState(tracker, ID, completed('19:41'), policy());
    expect(step.effects[0]).toMatchObject({
      type: 'resolve',
      duration_ms: 91 * 60_000,
      incident: { resolved_at: at('19:41'), opened_at: at('18:10') },
    });
  });

  it('treats a completed run shorter than min_runtime_seconds as too fast, not as a success', () => {
    const settings = policy({ min_runtime_seconds: 300 });
    const { effects, tracker } = run([completed('18:05', 1, 20_000)], settings);
    expect(effects).toEqual(['open too_fast open']);
    expect(tracker.consecutive_successes).toBe(0);
    expect(
      run([completed('18:05', 1, 20_000), completed('18:30', 2, 600_000)], settings).effects,
    ).toEqual(['open too_fast open', 'resolve too_fast resolved']);
    // Without a duration the run cannot be judged too fast.
    expect(run([completed('18:05', 1, null)], settings).effects).toEqual([]);
  });

  it('opens nothing and posts nothing while quiet (paused, archived), but still resolves', () => {
    const quiet = policy({ quiet: true });
    expect(run([failed('18:10'), deadline('missed', '18:20')], quiet).effects).toEqual([]);
    let tracker: IncidentTracker = NO_INCIDENT;
    tracker = nextIncidentState(tracker, ID, failed('18:10'), policy()).tracker;
    expect(nextIncidentState(tracker, ID, failed('18:20', 2), quiet).effects).toEqual([]);
    expect(nextIncidentState(tracker, ID, completed('18:30'), quiet).effects[0]?.type).toBe(
      'resolve',
    );
  });

  it('marks an acknowledgement once, with who and when', () => {
    const ack: IncidentSignal = {
      type: 'acknowledged',
      at: at('18:15'),
      user_id: 'U0ONCALL',
      incident_id: `${ID}#f1`,
    };
    const { effects, tracker } = run([failed('18:10'), ack, ack]);
    expect(effects).toEqual(['open failed open', 'follow_up failed acknowledged acknowledged']);
    expect(tracker.open).toMatchObject({
      acknowledged_by: 'U0ONCALL',
      acknowledged_at: at('18:15'),
    });
    expect(run([ack]).effects).toEqual([]);
    // A click on another (older, resolved) incident's message does not acknowledge this one.
    expect(run([failed('18:10'), { ...ack, incident_id: `${ID}#older` }]).effects).toEqual([
      'open failed open',
    ]);
  });

  it('takes each signal once, and ignores a run signal older than the newest taken', () => {
    // Redelivered after resolving: not a new incident under the same id.
    expect(run([failed('18:10'), completed('18:40'), failed('18:10')]).effects).toEqual([
      'open failed open',
      'resolve failed resolved',
    ]);
    // One failure delivered twice does not count twice.
    expect(
      run([failed('18:10'), failed('18:10')], policy({ alert_after_failures: 2 })).effects,
    ).toEqual([]);
    // A failure from before the newest completion, delivered after it: the run it ended is over.
    expect(run([completed('19:00'), failed('18:00')]).effects).toEqual([]);
    // A deadline delivered again is one problem.
    expect(run([deadline('missed', '18:10'), deadline('missed', '18:10')]).effects).toEqual([
      'open missed open',
    ]);
  });

  it('says a missed job started late once, and a pending status ends a stale incident', () => {
    const runs = run([
      deadline('missed', '18:10'),
      { type: 'running', at: at('18:47'), event_id: 'r1' },
      { type: 'running', at: at('18:50'), event_id: 'r2' },
    ]);
    expect(runs.effects).toEqual(['open missed open', 'follow_up missed open started_late']);
    expect(
      run([deadline('stale', '18:30'), { type: 'pending', at: at('18:35'), event_id: 'p1' }])
        .effects,
    ).toEqual(['open stale open', 'resolve stale resolved']);
  });

  it('names an incident by its scheduler and the signal that opened it', () => {
    const { tracker } = run([deadline('missed', '18:10')]);
    expect(tracker.open?.incident_id).toBe(`${ID}#d-missed-18:10`);
  });
});

describe('signals delivered again, late', () => {
  it('lets only a sign of life from after the silence end a stale incident', () => {
    const heartbeat = (hhmm: string): IncidentSignal => ({ type: 'heartbeat', at: at(hhmm) });
    // The 18:15 stale deadline counted from the 18:00 heartbeat; that heartbeat delivered
    // again ends nothing, a later one does.
    expect(run([deadline('stale', '18:15'), heartbeat('18:00')]).effects).toEqual([
      'open stale open',
    ]);
    expect(run([deadline('stale', '18:15'), heartbeat('18:16')]).effects).toEqual([
      'open stale open',
      'resolve stale resolved',
    ]);
  });
});

describe('a silence found after an escalation', () => {
  it('ends only with a sign of life from after the silence was found', () => {
    const running: IncidentSignal = { type: 'running', at: at('18:20'), event_id: 'r1' };
    const heartbeat = (hhmm: string): IncidentSignal => ({ type: 'heartbeat', at: at(hhmm) });
    // Missed at 18:10, started late at 18:20, silent: stale at 18:45 escalates it.
    const signals = [deadline('missed', '18:10'), running, deadline('stale', '18:45')];
    expect(run([...signals, heartbeat('18:30')]).effects).toEqual([
      'open missed open',
      'follow_up missed open started_late',
      'follow_up stale open escalated',
    ]);
    expect(run([...signals, heartbeat('18:46')]).effects.at(-1)).toBe('resolve stale resolved');
  });
});
