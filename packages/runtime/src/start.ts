import type { Static, TObject } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { ConfigError, loadConfig } from './env-schema.ts';
import type { Logger } from './logger.ts';
import { createLogger } from './logger.ts';
import { commonConfig } from './variables.ts';

/**
 * Loads an app's configuration at start, or stops the process with the one message that
 * lists every problem (docs/configuration.md). A bug in the schema itself is
 * thrown, not reported as a user's mistake.
 */
export function loadConfigOrExit<T extends TObject>(
  appName: string,
  schema: T,
  variables: Readonly<Record<string, string | undefined>> = process.env,
): Readonly<Static<T>> {
  try {
    return loadConfig(schema, variables);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${appName}: ${error.message}\n`);
    process.exit(1);
  }
}

const { NODE_ENV, LOG_LEVEL, LOG_PRETTY, APP_VERSION } = commonConfig;
// The common variables the logger is built from.
const loggingVariables = Type.Object({ NODE_ENV, LOG_LEVEL, LOG_PRETTY, APP_VERSION });

/** The app's root logger from the common variables: pretty by default in development. */
export function createAppLogger(appName: string, config: Static<typeof loggingVariables>): Logger {
  return createLogger({
    name: appName,
    level: config.LOG_LEVEL,
    pretty: config.LOG_PRETTY ?? config.NODE_ENV === 'development',
    version: config.APP_VERSION,
  });
}
