/**
 * The schedmon client: a typed HTTP client of the api. The direct-SQS producer is the
 * `@schedmon/client/queue` export, so HTTP-only users never load the AWS SDK.
 */
export {
  type CallOptions,
  type ClientOptions,
  createSchedmonClient,
  type HeartbeatOptions,
  type HistoryOptions,
  type ListFilter,
  type SchedmonClient,
  type StatusUpdate,
} from './http-client.ts';
export {
  type ClientErrorCode,
  type ErrorReporter,
  type Returned,
  SchedmonClientError,
  type SchedmonResult,
} from './result.ts';
export type { HeartbeatAccepted, StatusAccepted, StatusBody } from './routes.ts';
