export type {
  FakeServer,
  FakeServerOptions,
  Fault,
  HeldRequest,
  RecordedRequest,
  RecordedResponse,
} from './fake-server.ts';
export type {
  FakeOpsgenie,
  FakeOpsgenieOptions,
  OpsgenieAction,
  OpsgenieAlert,
} from './opsgenie.ts';
export { startFakeOpsgenie } from './opsgenie.ts';
export type {
  FakePagerDuty,
  FakePagerDutyOptions,
  PagerDutyAction,
  PagerDutyAlert,
} from './pagerduty.ts';
export { startFakePagerDuty } from './pagerduty.ts';
export type {
  WebhookDelivery,
  WebhookReceiver,
  WebhookReceiverOptions,
} from './webhook-receiver.ts';
export { startWebhookReceiver, verifySchedmonSignature } from './webhook-receiver.ts';
