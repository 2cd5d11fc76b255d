export { APPS, type AppName } from './apps.ts';
export { bundleApp, bundlePath } from './bundle.ts';
export {
  createDynamoEngine,
  createSqsEngine,
  type Engine,
  type EngineOptions,
  type LocalEngines,
  type LocalEnginesOptions,
  startLocalEngines,
} from './engines.ts';
export { launch, type RunningSystem } from './launcher.ts';
export { type LauncherConfig, launcherConfigSchema } from './launcher-config.ts';
export { acceptsConnections, externalAddresses, findFreePort } from './ports.ts';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
export { waitFor } from './wait.ts';
