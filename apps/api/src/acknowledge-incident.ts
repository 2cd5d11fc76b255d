/**
 * Acknowledging an incident (incidents.md → In Slack), the same for the api's route and
 * the Slack button: the acknowledged signal goes through `applyIncidentSignal`, so the
 * transition and the messages it owes (the "acknowledged by" reply in the thread, the
 * root message redrawn) are written in one compare-and-set, and the worker's retry loop
 * delivers them. Acknowledging twice queues them once.
 */
import type { Clock, IncidentRecord, IncidentStore, SchedulerStore } from '@schedmon/domain';
import { applyIncidentSignal, formatTimestamp, signalInputOf } from '@schedmon/domain';

export type AcknowledgeIncidentDeps = {
  incidents: IncidentStore;
  schedulers: SchedulerStore;
  clock: Clock;
};

export type AcknowledgeIncidentResult =
  /** Acknowledged now (`changed`), or before: the incident as stored now. */
  | { outcome: 'acknowledged'; incident: IncidentRecord; changed: boolean }
  | { outcome: 'not_found' }
  /** Its scheduler has no record (never the case: an archived scheduler keeps it). */
  | { outcome: 'no_scheduler'; schedulerId: string }
  | { outcome: 'resolved'; incident: IncidentRecord }
  /** Not its scheduler's open incident (another one is, or the read lags the box). */
  | { outcome: 'not_open'; incident: IncidentRecord };

/**
 * Acknowledges the incident `incidentId` as `by` (a Slack user id, or `api:<key name>`)
 * at the clock's now. A resolved incident, or one that is no longer its scheduler's open
 * incident, changes nothing.
 *
 * Failure: `EngineUnavailableError` from the stores (nothing, or only the outbox pointer,
 * written: acknowledge again); an Error when the box kept changing under it.
 */
export async function acknowledgeIncident(
  deps: AcknowledgeIncidentDeps,
  input: { incidentId: string; by: string },
): Promise<AcknowledgeIncidentResult> {
  const nowMs = deps.clock.now().getTime();
  const now = formatTimestamp(nowMs);
  const incident = await deps.incidents.incident(input.incidentId, now);
  if (!incident) return { outcome: 'not_found' };
  if (incident.state === 'resolved') return { outcome: 'resolved', incident };
  if (incident.state === 'acknowledged')
    return { outcome: 'acknowledged', incident, changed: false };
  const record = await deps.schedulers.get(incident.scheduler_id);
  if (!record) return { outcome: 'no_scheduler', schedulerId: incident.scheduler_id };
  const { effects } = await applyIncidentSignal(
    // An acknowledgement clears the reminder and never sets one: only an opening does.
    { store: deps.incidents, clock: deps.clock, remindAfterMs: null },
    // An acknowledgement is never too old, and a pause does not hide it.
    signalInputOf(
      record,
      { type: 'acknowledged', at: now, user_id: input.by, incident_id: incident.incident_id },
      nowMs,
      Number.POSITIVE_INFINITY,
    ),
  );
  const after = (await deps.incidents.incident(input.incidentId, now)) ?? incident;
  if (after.state === 'acknowledged') {
    return { outcome: 'acknowledged', incident: after, changed: effects.length > 0 };
  }
  if (after.state === 'resolved') return { outcome: 'resolved', incident: after };
  return { outcome: 'not_open', incident: after };
}
