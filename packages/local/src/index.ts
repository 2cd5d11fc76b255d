export {
  createDynamoEngine,
  createSqsEngine,
  type Engine,
  type EngineOptions,
  type LocalEngines,
  type LocalEnginesOptions,
  startLocalEngines,
} from './engines.ts';
