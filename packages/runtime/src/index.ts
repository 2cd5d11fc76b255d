export {
  ConfigError,
  type ConfigProblem,
  type ConfigVariable,
  describeConfig,
  env,
  loadConfig,
  type VariableOptions,
} from './env-schema.ts';
export { handleShutdown, type Lifecycle, type Stoppable } from './lifecycle.ts';
export { createLogger, type Logger, type LoggerSettings, REDACTED_PATHS } from './logger.ts';
export {
  createMetricsRegistry,
  type OpsServer,
  type OpsServerOptions,
  startOpsServer,
} from './ops-server.ts';
export { createAppLogger, loadConfigOrExit } from './start.ts';
export {
  commonConfig,
  DEFAULT_PORTS,
  deadlineSettingsOf,
  destinationConfig,
  eodConfigOf,
  eodScheduleConfig,
  eventIntakeConfig,
  slackConfig,
  uiLinkConfig,
  watchdogConfig,
} from './variables.ts';
