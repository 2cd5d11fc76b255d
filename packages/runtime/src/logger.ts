import type { Logger, LoggerOptions } from 'pino';
import { pino } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

/** Paths pino blanks in every log line: secrets never reach a log (docs/configuration.md). */
export const REDACTED_PATHS = [
  'apiKey',
  'api_key',
  'token',
  'password',
  'secret',
  '*.apiKey',
  '*.token',
  '*.password',
  '*.secret',
  // Destinations (docs/destinations.md): never logged on purpose; redacted if one slips in.
  'routing_key',
  '*.routing_key',
  '*.api_key',
  'destination.url',
  '*.destination.url',
  'req.headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers["x-slack-signature"]',
  'headers["x-api-key"]',
  'headers.authorization',
  'config.API_KEYS',
  'config.SLACK_BOT_TOKEN',
  'config.SLACK_SIGNING_SECRET',
  'config.METRICS_API_KEY',
  'API_KEYS',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'METRICS_API_KEY',
];

export type LoggerSettings = {
  /** The app's name, on every line as `name`. */
  name: string;
  level: string;
  /** Human-readable lines (pino-pretty) instead of JSON; for a developer's terminal. */
  pretty: boolean;
  version?: string;
};

/**
 * The one root logger of an app: JSON lines (or pretty ones in development) with secrets
 * redacted. Children add context: `logger.child({ request_id })`.
 */
export function createLogger(
  settings: LoggerSettings,
  destination?: NodeJS.WritableStream,
): Logger {
  const options: LoggerOptions = {
    name: settings.name,
    level: settings.level,
    base: { app: settings.name, ...(settings.version ? { version: settings.version } : {}) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (destination) return pino(options, destination);
  if (settings.pretty) {
    // In this thread, not as a pino transport: no worker thread to start (and to hold
    // memory), it works the same in the bundled apps, and `sync` loses no line at exit.
    return pino(
      options,
      pretty({ ignore: 'pid,hostname,app,version', translateTime: 'SYS:HH:MM:ss.l', sync: true }),
    );
  }
  return pino(options);
}
