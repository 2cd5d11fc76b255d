export { classifySlackError } from './classify-slack-error.ts';
export type { NotifierConfig, NotifierTuning } from './create-notifier.ts';
export { createNotifier } from './create-notifier.ts';
export type { LogNotifierOptions } from './log-notifier.ts';
export { createLogNotifier } from './log-notifier.ts';
export type { NotifierLogger } from './notifier-logger.ts';
export type { SlackNotifierOptions } from './slack-notifier.ts';
export { createSlackNotifier } from './slack-notifier.ts';
