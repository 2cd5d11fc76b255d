/**
 * What each destination is sent for each transition (docs/destinations.md → What the
 * receiver sees): a PagerDuty Events API v2 event, an Opsgenie Alert API call, a
 * webhook body and its signature. Built from the incident as the transition left it and
 * what it opened with; nothing here sends anything.
 */
import { createHash, createHmac } from 'node:crypto';
import type {
  Destination,
  Incident,
  IncidentContext,
  IncidentKind,
  Transition,
} from '@schedmon/domain';
import { incidentKindLabel, truncate } from '@schedmon/domain';

/** One transition of one incident for one destination. */
export type DestinationMessage = {
  destination: Destination;
  transition: Transition;
  /** The incident as the transition left it. */
  incident: Incident;
  scheduler: IncidentContext['scheduler'];
  opening: IncidentContext['opening'];
  /** The stable id of this transition to this destination (`deliveryIdOf`). */
  deliveryId: string;
  /** When the transition happened. */
  createdAt: string;
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The id a destination deduplicates this delivery by: the same for every attempt of one
 * transition to one destination of one incident, and for nothing else.
 */
export function deliveryIdOf(incidentId: string, destination: number, transition: Transition) {
  return `dlv_${sha256(`${incidentId}\u0000${destination}\u0000${transition}`).slice(0, 32)}`;
}

/** PagerDuty's `dedup_key` (≤ 255 characters): the incident id, or its digest when longer. */
export function dedupKeyOf(incidentId: string): string {
  return incidentId.length <= 255 ? incidentId : `sha256:${sha256(incidentId)}`;
}

/** PagerDuty severity by kind: a job that failed or never started wakes someone. */
const SEVERITY: Record<IncidentKind, 'critical' | 'error' | 'warning'> = {
  failed: 'critical',
  missed: 'critical',
  overrun: 'error',
  stale: 'error',
  too_fast: 'warning',
};
/** Opsgenie priority by the same severity. */
const PRIORITY = { critical: 'P1', error: 'P2', warning: 'P3' } as const;

/** `Failed: Payments › EOD settlement`, and the first line of the error when there is one. */
function headline(message: DestinationMessage): string {
  const { incident, scheduler, opening } = message;
  const what = `${incidentKindLabel(incident.kind)}: ${scheduler.service_name} › ${scheduler.job_name}`;
  const error = opening.error_message?.split('\n', 1)[0]?.trim();
  return error ? `${what}: ${error}` : what;
}

/** Details every destination gets, as strings (Opsgenie takes string values only). */
function detailsOf(message: DestinationMessage): Record<string, string> {
  const { incident, opening } = message;
  const details: Record<string, string> = {
    incident_id: incident.incident_id,
    scheduler_id: incident.scheduler_id,
    kind: incident.kind,
    opened_at: incident.opened_at,
  };
  if (opening.expected_at) details.expected_at = opening.expected_at;
  if (opening.error_message) details.error_message = truncate(opening.error_message, 2_000);
  if (opening.execution_time_ms !== null) {
    details.execution_time_ms = String(opening.execution_time_ms);
  }
  if (opening.started_at) details.started_at = opening.started_at;
  return details;
}

/** The PagerDuty Events API v2 event of a transition. */
export function pagerDutyEventOf(
  message: DestinationMessage & { destination: { type: 'pagerduty' } },
) {
  const { incident, scheduler } = message;
  const common = {
    routing_key: message.destination.routing_key,
    dedup_key: dedupKeyOf(incident.incident_id),
    client: 'schedmon',
  };
  if (message.transition === 'acknowledged') return { ...common, event_action: 'acknowledge' };
  if (message.transition === 'resolved') return { ...common, event_action: 'resolve' };
  return {
    ...common,
    event_action: 'trigger',
    payload: {
      summary: truncate(headline(message), 1_024),
      source: scheduler.scheduler_id,
      severity: SEVERITY[incident.kind],
      timestamp: incident.opened_at,
      component: truncate(scheduler.service_name, 255),
      group: truncate(scheduler.job_name, 255),
      class: incident.kind,
      custom_details: detailsOf(message),
    },
  };
}

/** The Opsgenie Alert API call of a transition: its path (after `/v2/alerts`) and body. */
export function opsgenieCallOf(
  message: DestinationMessage & { destination: { type: 'opsgenie' } },
): {
  path: string;
  body: Record<string, unknown>;
} {
  const { incident, scheduler } = message;
  const alias = incident.incident_id;
  const byAlias = (action: string) =>
    `/${encodeURIComponent(alias)}/${action}?identifierType=alias`;
  if (message.transition === 'acknowledged') {
    const by = incident.acknowledged_by ?? 'someone';
    return {
      path: byAlias('acknowledge'),
      body: {
        user: truncate(by, 100),
        source: 'schedmon',
        note: truncate(`Acknowledged in schedmon by ${by}`, 25_000),
      },
    };
  }
  if (message.transition === 'resolved') {
    return {
      path: byAlias('close'),
      body: {
        source: 'schedmon',
        note: `Recovered at ${incident.resolved_at ?? incident.updated_at}`,
      },
    };
  }
  const severity = SEVERITY[incident.kind];
  const details = detailsOf(message);
  return {
    path: '',
    body: {
      message: truncate(headline(message), 130),
      alias,
      description: truncate(
        Object.entries(details)
          .map(([key, value]) => `${key}: ${value}`)
          .join('\n'),
        15_000,
      ),
      tags: ['schedmon', incident.kind],
      details,
      entity: truncate(scheduler.service_name, 512),
      source: 'schedmon',
      priority: PRIORITY[severity],
    },
  };
}

/** The webhook event type of a transition. */
const WEBHOOK_TYPE: Record<Transition, string> = {
  opened: 'incident.opened',
  acknowledged: 'incident.acknowledged',
  resolved: 'incident.resolved',
};

/** The JSON body of a webhook delivery. */
export function webhookBodyOf(message: DestinationMessage): string {
  const { incident, scheduler, opening } = message;
  return JSON.stringify({
    id: message.deliveryId,
    type: WEBHOOK_TYPE[message.transition],
    created_at: message.createdAt,
    incident: {
      incident_id: incident.incident_id,
      scheduler_id: incident.scheduler_id,
      service_name: scheduler.service_name,
      job_name: scheduler.job_name,
      kind: incident.kind,
      state: incident.state,
      opened_at: incident.opened_at,
      updated_at: incident.updated_at,
      resolved_at: incident.resolved_at,
      acknowledged_by: incident.acknowledged_by,
      acknowledged_at: incident.acknowledged_at,
      events: incident.events,
      expected_at: opening.expected_at,
      error_message: opening.error_message === null ? null : truncate(opening.error_message, 2_000),
    },
  });
}

/** The `Schedmon-Signature` header of a body: HMAC-SHA256 over `<unix seconds>.<body>`. */
export function webhookSignature(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}
