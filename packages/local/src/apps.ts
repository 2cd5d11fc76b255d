/** The three apps of schedmon, in the order they start. */
export const APPS = ['api', 'worker', 'cron'] as const;
export type AppName = (typeof APPS)[number];
