export {
  ConfigError,
  type ConfigProblem,
  type ConfigVariable,
  commonConfig,
  describeConfig,
  env,
  eodConfigOf,
  eodScheduleConfig,
  loadConfig,
  slackConfig,
  type VariableOptions,
} from './config.ts';
export { handleShutdown, type Lifecycle, type Stoppable } from './lifecycle.ts';
export { createLogger, type Logger, type LoggerSettings, REDACTED_PATHS } from './logger.ts';
export {
  createMetricsRegistry,
  type OpsServer,
  type OpsServerOptions,
  startOpsServer,
} from './ops-server.ts';
export { createAppLogger, loadConfigOrExit } from './start.ts';
