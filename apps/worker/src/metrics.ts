/** The worker's metrics (docs/queue.md; docs/runbook.md → metrics). */
import type { QueueEvent } from '@schedmon/domain';
import type { Registry } from 'prom-client';
import { Counter, Gauge, Histogram } from 'prom-client';

export function createWorkerMetrics(
  registry: Registry,
  queueDepth: () => Promise<{
    main: { visible: number; inFlight: number };
    deadLetter: { visible: number };
  }>,
) {
  const processed = new Counter({
    name: 'schedmon_events_processed_total',
    help: 'Events processed by type and outcome (applied, late, duplicate, poison, retried)',
    labelNames: ['type', 'outcome'],
    registers: [registry],
  });
  const lag = new Histogram({
    name: 'schedmon_processing_lag_seconds',
    help: 'Seconds from the event timestamp (basis=event), the api acceptance (basis=accepted) or a deadline coming due (basis=deadline) to its processing',
    labelNames: ['basis'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers: [registry],
  });
  const parked = new Counter({
    name: 'schedmon_messages_parked_total',
    help: 'Messages moved to the dead-letter queue, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const incidentMessages = new Counter({
    name: 'schedmon_incident_messages_total',
    help: 'Incident messages to Slack by outcome (sent, retry, refused, expired, uncertain, skipped, reminder, dropped)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const incidents = new Counter({
    name: 'schedmon_incident_transitions_total',
    help: 'Incident transitions by type (open, follow_up, resolve) and kind',
    labelNames: ['type', 'kind'],
    registers: [registry],
  });
  const deliveries = new Counter({
    name: 'schedmon_destination_deliveries_total',
    help: 'Delivery attempts to PagerDuty, Opsgenie and webhooks by destination type and outcome (delivered, retry, refused, expired, shed)',
    labelNames: ['destination', 'outcome'],
    registers: [registry],
  });
  let oldestUndeliveredMs = 0;
  new Gauge({
    name: 'schedmon_destination_oldest_undelivered_seconds',
    help: 'Age of the oldest incident transition a destination has not taken yet, as of the last retry pass (0: none)',
    registers: [registry],
    collect() {
      this.set(oldestUndeliveredMs / 1000);
    },
  });
  new Gauge({
    name: 'schedmon_queue_depth',
    help: 'Approximate messages in the event queue (visible, in_flight) and the DLQ (dlq)',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      try {
        const depth = await queueDepth();
        this.set({ queue: 'visible' }, depth.main.visible);
        this.set({ queue: 'in_flight' }, depth.main.inFlight);
        this.set({ queue: 'dlq' }, depth.deadLetter.visible);
      } catch {
        // An unreachable queue shows in /health/ready; the scrape must still succeed.
      }
    },
  });
  return {
    processed(event: QueueEvent, outcome: string, nowMs: number) {
      processed.inc({ type: event.type, outcome });
      // A deadline's timestamp is when it came due: its lag is the deadline lag.
      const basis = event.type === 'deadline' ? 'deadline' : 'event';
      lag.observe({ basis }, Math.max(0, nowMs - Date.parse(event.timestamp)) / 1000);
      const acceptedAt = event.type === 'deadline' ? null : event.accepted_at;
      if (acceptedAt)
        lag.observe({ basis: 'accepted' }, Math.max(0, nowMs - Date.parse(acceptedAt)) / 1000);
    },
    poison(reason: string) {
      processed.inc({ type: 'unknown', outcome: 'poison' });
      parked.inc({ reason });
    },
    retried(count: number) {
      processed.inc({ type: 'unknown', outcome: 'retried' }, count);
    },
    incidentMessage(outcome: string, count = 1) {
      incidentMessages.inc({ outcome }, count);
    },
    incidentTransition(type: string, kind: string) {
      incidents.inc({ type, kind });
    },
    destinationDelivery(destination: string, outcome: string) {
      deliveries.inc({ destination, outcome });
    },
    oldestUndelivered(ageMs: number | undefined) {
      oldestUndeliveredMs = ageMs ?? 0;
    },
  };
}
