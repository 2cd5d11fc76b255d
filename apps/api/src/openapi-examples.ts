/**
 * Examples of the OpenAPI document, by operationId: `plugins/openapi.ts` puts them into the
 * document, and `test/openapi.test.ts` checks each against the schema it illustrates, so
 * an example that no longer fits its route fails a test instead of misleading a reader.
 */

/** The examples of one operation. */
export type OperationExamples = {
  /** A value per path or query parameter (the path ones also make the error examples' `path`). */
  parameters?: Record<string, unknown>;
  /** The request body. */
  request?: unknown;
  /** Answers by status: every success, and any error whose body is not the error shape. */
  responses: Record<number, unknown>;
  /** The `message` of an error example, by status, where the generic one would say less. */
  errorMessages?: Record<number, string | string[]>;
};

const ID = 'service-a-eod';
const STATUS_EVENT_ID = '0194c3f2-9a1e-7b3c-8d4e-5f6a7b8c9d0e';
const HEARTBEAT_EVENT_ID = '0194c3f3-0b2f-7c4d-9e5f-6a7b8c9d0e1f';

const record = {
  scheduler_id: ID,
  service_name: 'Service A',
  job_name: 'EOD Processing',
  status: 'completed',
  timestamp: '2026-01-15T00:58:41.007Z',
  execution_time_ms: 981_234,
  error_message: null,
  metadata: { rows: 120_000 },
  last_heartbeat: '2026-01-15T00:58:41.007Z',
  created_at: '2025-11-02T09:15:00.000Z',
  updated_at: '2025-11-02T09:15:00.000Z',
  owner_email: 'team-a@example.com',
  alert_user_id: 'S0123ABCD',
  schedule: '30 0 * * *',
  timezone: 'Asia/Jakarta',
  grace_seconds: 600,
  max_runtime_seconds: 3600,
  min_runtime_seconds: null,
  alert_after_failures: 1,
  recover_after_successes: 1,
  tags: ['eod', 'finance'],
  paused_at: null,
  paused_until: null,
  pause_reason: null,
  archived_at: null,
  next_expected_at: '2026-01-15T17:30:00.000Z',
  due_at: '2026-01-15T17:40:00.000Z',
  due_kind: 'missed',
  run_started_at: null,
  last_run_started_at: '2026-01-14T17:30:02.000Z',
  deadline_fired_at: null,
  deadline_fired_kind: null,
  deadline_unknown_at: null,
};

const paused = {
  ...record,
  paused_at: '2026-01-15T01:00:00.000Z',
  paused_until: '2026-01-16T00:00:00.000Z',
  pause_reason: 'Bank holiday: no EOD run tonight',
};

const statusBody = {
  scheduler_id: ID,
  service_name: 'Service A',
  job_name: 'EOD Processing',
  status: 'completed',
  timestamp: '2026-01-15T00:58:41.007Z',
  execution_time_ms: 981_234,
  metadata: { rows: 120_000 },
  run_id: 'run-2026-01-15',
};

const INCIDENT_ID = `${ID}#dl-3f9a1c0e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39`;

const incident = {
  incident_id: INCIDENT_ID,
  scheduler_id: ID,
  kind: 'missed',
  state: 'open',
  opened_at: '2026-01-15T17:40:00.000Z',
  updated_at: '2026-01-15T17:40:00.000Z',
  resolved_at: null,
  events: 1,
  acknowledged_by: null,
  acknowledged_at: null,
  service_name: 'Service A',
  job_name: 'EOD Processing',
  slack: { channel: 'C0EOD', ts: '1768498800.000100' },
};

const acknowledged = {
  ...incident,
  state: 'acknowledged',
  updated_at: '2026-01-15T17:46:12.000Z',
  acknowledged_by: 'ops-bot',
  acknowledged_at: '2026-01-15T17:46:12.000Z',
};

// What the api says of a path id it refuses (one that starts with a dash, say).
const BAD_ID = { 400: ['id has characters that are not allowed (^[A-Za-z0-9][A-Za-z0-9._:-]*$)'] };

const component = (message: string) => ({
  status: 'up',
  message,
  lastChecked: '2026-01-15T01:00:00.000Z',
});

const boardInput = {
  title: 'Payments EOD',
  slack_channel_id: 'C0PAYMENTS',
  timezone: 'Asia/Jakarta',
  window_start: '00:00',
  window_end: '06:00',
  update_every_minutes: 60,
  members: { scheduler_ids: ['payments-*', 'ledger-eod'], services: ['Ledger'], tags: ['eod'] },
  mention: 'S0PAYOPS',
  quiet_dates: ['2026-12-25'],
  destinations: [
    { type: 'pagerduty', routing_key: 'R0UTINGKEY0PAYMENTS0000000000000' },
    {
      type: 'webhook',
      url: 'https://hooks.example.com/schedmon',
      secret: 'whsec-4f0c2b8e9d1a7c3e',
    },
  ],
};

const destinationViews = [
  { type: 'pagerduty', fingerprint: 'pagerduty:3f9a1c0b7e22' },
  { type: 'webhook', fingerprint: 'webhook:a81d44c09e5f', origin: 'https://hooks.example.com' },
];

const board = {
  board_id: 'payments',
  ...boardInput,
  destinations: destinationViews,
  created_at: '2025-11-02T09:15:00.000Z',
  updated_at: '2026-01-15T01:00:00.000Z',
};

const schedulerDestinations = {
  scheduler_id: ID,
  destinations: [{ type: 'opsgenie', fingerprint: 'opsgenie:77b0e1d2c3a4', region: 'eu' }],
  updated_at: '2026-01-15T01:00:00.000Z',
};
const NO_OWN_DESTINATIONS = `Scheduler ${ID} has no destinations of its own (its boards' apply)`;
const ADMIN_DESTINATIONS = 'API key reader may not change destinations: it needs the admin scope';

const ADMIN_ONLY = 'API key reader may not change boards: it needs the admin scope';

export const OPERATION_EXAMPLES: Record<string, OperationExamples> = {
  registerScheduler: {
    request: {
      scheduler_id: ID,
      service_name: 'Service A',
      job_name: 'EOD Processing',
      owner_email: 'team-a@example.com',
      alert_user_id: 'S0123ABCD',
      schedule: '30 0 * * *',
      timezone: 'Asia/Jakarta',
      max_runtime_seconds: 3600,
      tags: ['eod', 'finance'],
    },
    responses: { 201: record },
    errorMessages: { 400: ['owner_email must be a valid email'] },
  },
  reportStatus: {
    parameters: { id: ID },
    request: statusBody,
    responses: {
      202: {
        event_id: STATUS_EVENT_ID,
        scheduler_id: ID,
        status: 'completed',
        timestamp: '2026-01-15T00:58:41.007Z',
        accepted_at: '2026-01-15T00:58:41.112Z',
      },
    },
    errorMessages: { 404: `Scheduler ${ID} not found. Please register first.` },
  },
  sendHeartbeat: {
    parameters: { id: ID },
    request: { scheduler_id: ID, timestamp: '2026-01-15T00:45:00.000Z' },
    responses: {
      202: {
        message: 'Heartbeat recorded',
        scheduler_id: ID,
        timestamp: '2026-01-15T00:45:00.000Z',
        event_id: HEARTBEAT_EVENT_ID,
      },
    },
    errorMessages: { 404: `Scheduler ${ID} not found. Please register first.` },
  },
  sendEvents: {
    request: {
      events: [
        { type: 'status', ...statusBody },
        { type: 'heartbeat', scheduler_id: 'service-b-sync' },
      ],
    },
    responses: {
      202: {
        accepted: 1,
        rejected: 1,
        results: [
          { index: 0, event_id: STATUS_EVENT_ID, scheduler_id: ID, type: 'status' },
          {
            index: 1,
            error: {
              statusCode: 404,
              timestamp: '2026-01-15T01:00:00.000Z',
              path: '/api/v1/events',
              method: 'POST',
              error: 'Not Found',
              message: 'Scheduler service-b-sync not found. Please register first.',
            },
          },
        ],
      },
    },
    errorMessages: { 400: ['events must have at most 100 items'] },
  },
  listSchedulers: {
    parameters: { status: 'completed', service_name: 'Service A', tag: 'eod', limit: 50 },
    responses: { 200: [record] },
    errorMessages: {
      400: ['status must be one of pending, running, completed, failed'],
      404: 'Board night-shift not found',
    },
  },
  getScheduler: {
    parameters: { id: ID },
    responses: { 200: record },
    errorMessages: BAD_ID,
  },
  getHistory: {
    parameters: {
      id: ID,
      limit: 50,
      from: '2026-01-14T00:00:00.000Z',
      to: '2026-01-15T23:59:59.999Z',
    },
    responses: {
      200: [
        {
          id: STATUS_EVENT_ID,
          scheduler_id: ID,
          type: 'status',
          status: 'completed',
          timestamp: '2026-01-15T00:58:41.007Z',
          execution_time_ms: 981_234,
          error_message: null,
          metadata: { rows: 120_000 },
          run_id: 'run-2026-01-15',
        },
        {
          id: HEARTBEAT_EVENT_ID,
          scheduler_id: ID,
          type: 'heartbeat',
          status: null,
          timestamp: '2026-01-15T00:45:00.000Z',
          execution_time_ms: null,
          error_message: null,
          metadata: null,
          run_id: null,
        },
      ],
    },
    errorMessages: { 400: ['limit must be at most 1000'] },
  },
  archiveScheduler: {
    parameters: { id: ID },
    responses: { 200: { ...record, archived_at: '2026-01-15T01:00:00.000Z' } },
    errorMessages: BAD_ID,
  },
  pauseScheduler: {
    parameters: { id: ID },
    request: { until: '2026-01-16T00:00:00.000Z', reason: 'Bank holiday: no EOD run tonight' },
    responses: { 200: paused },
  },
  resumeScheduler: {
    parameters: { id: ID },
    responses: { 200: record },
    errorMessages: BAD_ID,
  },
  listIncidents: {
    parameters: { state: 'open', kind: 'missed', scheduler_id: ID, limit: 50 },
    responses: { 200: { incidents: [incident] } },
    errorMessages: {
      400: ['limit must be at most 100'],
      403: `API key service-b may not read scheduler ${ID}`,
      404: 'Board night-shift not found',
    },
  },
  getIncident: {
    parameters: { id: INCIDENT_ID },
    responses: { 200: incident },
    errorMessages: {
      400: [
        'id has characters that are not allowed: an incident id is <scheduler_id>#<event id>, with # sent as %23',
      ],
      403: `API key reader may not read scheduler ${ID}`,
      404: `Incident ${INCIDENT_ID} not found`,
    },
  },
  listIncidentDeliveries: {
    parameters: { id: INCIDENT_ID },
    responses: {
      200: {
        deliveries: [
          {
            incident_id: INCIDENT_ID,
            destination: 'pagerduty:3f9a1c0b7e22',
            destination_type: 'pagerduty',
            transition: 'opened',
            delivery_id: 'dlv_5d41402abc4b2a76b9719d911017c592',
            attempt: 1,
            at: '2026-01-15T01:10:02.000Z',
            outcome: 'retry',
            status: 503,
            error: 'http 503',
            resent: false,
          },
          {
            incident_id: INCIDENT_ID,
            destination: 'pagerduty:3f9a1c0b7e22',
            destination_type: 'pagerduty',
            transition: 'opened',
            delivery_id: 'dlv_5d41402abc4b2a76b9719d911017c592',
            attempt: 2,
            at: '2026-01-15T01:10:14.000Z',
            outcome: 'delivered',
            status: 202,
            error: null,
            resent: false,
          },
        ],
      },
    },
    errorMessages: {
      403: `API key reader may not read scheduler ${ID}`,
      404: `Incident ${INCIDENT_ID} not found`,
    },
  },
  getSchedulerDestinations: {
    responses: { 200: schedulerDestinations },
    errorMessages: {
      403: 'API key reader may not read destinations: it needs the admin scope',
      404: NO_OWN_DESTINATIONS,
    },
  },
  putSchedulerDestinations: {
    request: {
      destinations: [
        { type: 'opsgenie', api_key: '0b2a6c1e-8f4d-4e7a-9c3b-5d6e7f8a9b0c', region: 'eu' },
      ],
    },
    responses: { 200: schedulerDestinations, 201: schedulerDestinations },
    errorMessages: {
      400: [
        'destinations.0.routing_key has characters that are not allowed: use the 32-character integration key of an Events API v2 integration',
      ],
      403: ADMIN_DESTINATIONS,
      404: `Scheduler ${ID} not found. Please register first.`,
    },
  },
  deleteSchedulerDestinations: {
    responses: { 200: schedulerDestinations },
    errorMessages: { 403: ADMIN_DESTINATIONS, 404: NO_OWN_DESTINATIONS },
  },
  acknowledgeIncident: {
    parameters: { id: INCIDENT_ID },
    request: { by: 'ops-bot' },
    responses: { 200: acknowledged },
    errorMessages: {
      403: `API key reader may not write scheduler ${ID}`,
      404: `Incident ${INCIDENT_ID} not found`,
      409: `Incident ${INCIDENT_ID} is resolved: only an open one can be acknowledged`,
    },
  },
  getHealth: {
    responses: { 200: { status: 'ok', version: '1.4.0', uptime: 86_400 } },
  },
  getReadiness: {
    responses: {
      200: {
        status: 'degraded',
        timestamp: '2026-01-15T01:00:00.000Z',
        components: {
          dynamodb: component('dynamodb reachable'),
          sqs: component('sqs reachable'),
          slack: { ...component('slack unreachable (ratelimited)'), status: 'down' },
        },
        version: '1.4.0',
        uptime: 86_400,
      },
      503: {
        status: 'unhealthy',
        timestamp: '2026-01-15T01:00:00.000Z',
        components: {
          dynamodb: { ...component('dynamodb unreachable (ECONNREFUSED)'), status: 'down' },
          sqs: component('sqs reachable'),
          slack: component('slack reachable'),
        },
        version: '1.4.0',
        uptime: 86_400,
      },
    },
  },
  listBoards: {
    responses: { 200: { boards: [board] } },
    errorMessages: { 403: 'API key reader may not read boards: it needs the admin scope' },
  },
  getBoard: {
    parameters: { id: 'payments' },
    responses: { 200: board },
    errorMessages: {
      403: 'API key reader may not read boards: it needs the admin scope',
      404: 'Board payments not found',
    },
  },
  putBoard: {
    parameters: { id: 'payments' },
    request: boardInput,
    responses: { 200: board, 201: { ...board, created_at: board.updated_at } },
    errorMessages: {
      400: [
        "timezone 'Mars/Olympus' is not an IANA time zone (e.g. Asia/Jakarta)",
        'update_every_minutes must be at least 15',
      ],
      403: ADMIN_ONLY,
    },
  },
  deleteBoard: {
    parameters: { id: 'payments' },
    responses: { 200: board },
    errorMessages: { 403: ADMIN_ONLY, 404: 'Board payments not found' },
  },
  getMetrics: {
    responses: {
      200: [
        '# HELP schedmon_events_enqueued_total Events accepted by the api and sent to the queue',
        '# TYPE schedmon_events_enqueued_total counter',
        'schedmon_events_enqueued_total{type="status"} 1024',
        '',
      ].join('\n'),
    },
  },
};
