/**
 * The schedmon client: a typed HTTP client of the api. The direct-SQS producer is the
 * `@schedmon/client/queue` export, so HTTP-only users never load the AWS SDK.
 */
export {
  type AcknowledgeOptions,
  type BatchEventInput,
  type CallOptions,
  type ClientOptions,
  createSchedmonClient,
  type HeartbeatOptions,
  type HistoryOptions,
  type HistoryPageOptions,
  type IncidentFilter,
  type IncidentListPageOptions,
  type ListFilter,
  type ListPageOptions,
  type Page,
  type PauseOptions,
  type SchedmonClient,
  type StatusUpdate,
  type WriteOptions,
} from './http-client.ts';
export {
  type ClientErrorCode,
  type ErrorReporter,
  type Returned,
  SchedmonClientError,
  type SchedmonResult,
} from './result.ts';
export type {
  AcknowledgeBody,
  BatchAccepted,
  BatchEvent,
  BatchResult,
  HeartbeatAccepted,
  PauseBody,
  StatusAccepted,
  StatusBody,
} from './routes.ts';
