/** The worker's metrics (docs/queue.md; docs/runbook.md → metrics). */
import type { SchedulerEvent } from '@schedmon/domain';
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
    help: 'Seconds from the event timestamp (basis=event) or the api acceptance (basis=accepted) to its processing',
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
  const alerts = new Counter({
    name: 'schedmon_alerts_total',
    help: 'Failure alerts by outcome (sent, retry, failed, expired, uncertain, duplicate)',
    labelNames: ['outcome'],
    registers: [registry],
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
    processed(event: SchedulerEvent, outcome: string, nowMs: number, acceptedAt: string | null) {
      processed.inc({ type: event.type, outcome });
      lag.observe({ basis: 'event' }, Math.max(0, nowMs - Date.parse(event.timestamp)) / 1000);
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
    alert(outcome: string) {
      alerts.inc({ outcome });
    },
  };
}
