export {
  createDynamoEngine,
  createSqsEngine,
  type Engine,
  type EngineOptions,
  type LocalEngines,
  type LocalEnginesOptions,
  startLocalEngines,
} from './engines.ts';
export { APPS, type AppName, launch, type RunningSystem } from './launcher.ts';
export { type LauncherConfig, launcherConfigSchema } from './launcher-config.ts';
export { findFreePort } from './ports.ts';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
