export type { DestinationSender, DestinationSenderOptions } from './destination-sender.ts';
export { createDestinationSender } from './destination-sender.ts';
export type { DestinationMessage } from './payloads.ts';
export { dedupKeyOf, deliveryIdOf, webhookSignature } from './payloads.ts';
