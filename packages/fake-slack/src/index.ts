export type {
  FakeSlackOptions,
  RateLimit,
  RateLimits,
  RecordedCall,
  RecordedResponse,
} from './fake-slack.ts';
export { FAKE_SLACK_IDENTITY, FakeSlack, startFakeSlack } from './fake-slack.ts';
export type { Fault } from './faults.ts';
export type { MessageContent, MessageLimits, MessageRefusal } from './limits.ts';
export { DEFAULT_MESSAGE_LIMITS, validateMessage } from './limits.ts';
export type { StoredEphemeral, StoredMessage } from './message-store.ts';
