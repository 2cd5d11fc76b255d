// The dashboard on the in-memory fakes: an app with the UI on, signing in, and seeding
// schedulers and incidents as the worker would leave them.
import type { HistoryStore, IncidentStore, SchedulerStore, StatusEvent } from '@schedmon/domain';
import {
  applyIncidentSignal,
  buildStatusMessage,
  DEFAULT_EOD_CONFIG,
  historyRowOf,
  incidentIdOf,
  toEvent,
} from '@schedmon/domain';
import type { AppDeps } from '../../src/app.ts';
import type { makeApp } from '../helpers.ts';

export const ORIGIN = 'http://localhost:80';
const UI_SECRET = 'a-test-secret-of-at-least-32-characters!';

export function uiOptions(overrides: Partial<NonNullable<AppDeps['ui']>> = {}) {
  return {
    ui: {
      eod: DEFAULT_EOD_CONFIG,
      refreshMs: 5_000,
      sessionSecret: UI_SECRET,
      sessionTtlMs: 3_600_000,
      ...overrides,
    },
  };
}

type App = ReturnType<typeof makeApp>['app'];

/** Signs in with `key` and returns the `Cookie` header of the session. */
export async function signIn(app: App, key: string): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/ui/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
    payload: new URLSearchParams({ key, next: '/ui/boards' }).toString(),
  });
  if (response.statusCode !== 303)
    throw new Error(`sign-in: ${response.statusCode} ${response.body}`);
  const cookie = String(response.headers['set-cookie']).split(';')[0];
  if (!cookie) throw new Error('sign-in set no cookie');
  return cookie;
}

let sequence = 0;

/** A status event applied to the record and written to history, as the worker does. */
export async function applyStatus(
  stores: { schedulers: SchedulerStore; history: HistoryStore },
  fields: {
    id: string;
    status: StatusEvent['status'];
    at: string;
    error?: string;
    ms?: number;
    service?: string;
    job?: string;
  },
) {
  sequence += 1;
  const message = buildStatusMessage(
    {
      scheduler_id: fields.id,
      service_name: fields.service ?? 'Service A',
      job_name: fields.job ?? 'EOD Processing',
      status: fields.status,
      timestamp: fields.at,
      event_id: `ev-${String(sequence).padStart(6, '0')}`,
      ...(fields.error === undefined ? {} : { error_message: fields.error }),
      ...(fields.ms === undefined ? {} : { execution_time_ms: fields.ms }),
    },
    { now: Date.parse(fields.at), random: () => Buffer.alloc(16) },
  );
  const event = toEvent(message, message.event_id) as StatusEvent;
  await stores.schedulers.applyStatus(event, fields.at);
  await stores.history.putAll([historyRowOf(event, 30)]);
  return event;
}

/** Opens a failed incident for `schedulerId`, as the worker would on a failure signal. */
export async function openIncident(
  fixture: { incidents: IncidentStore; clock: { now(): Date } },
  schedulerId: string,
  fields: { eventId: string; at: string; error?: string },
) {
  await applyIncidentSignal(
    { store: fixture.incidents, clock: fixture.clock, remindAfterMs: 3_600_000 },
    {
      schedulerId,
      signal: {
        type: 'failed',
        at: fields.at,
        event_id: fields.eventId,
        error_message: fields.error ?? 'disk full',
      },
      policy: {
        alert_after_failures: 1,
        recover_after_successes: 1,
        min_runtime_seconds: null,
        quiet: false,
      },
      context: {
        scheduler: {
          scheduler_id: schedulerId,
          service_name: 'Service A',
          job_name: 'EOD Processing',
          alert_user_id: null,
        },
        opening: {
          at: fields.at,
          expected_at: null,
          grace_seconds: 600,
          error_message: fields.error ?? 'disk full',
          execution_time_ms: null,
          min_runtime_seconds: null,
          max_runtime_seconds: null,
          started_at: null,
          last_signal_at: null,
          failures_in_row: null,
        },
      },
    },
  );
  return incidentIdOf(schedulerId, fields.eventId);
}
