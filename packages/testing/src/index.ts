export { CONTAINER_IMAGES, startContainerEngines } from './containers.ts';
export {
  type EngineName,
  startTestEnvironment,
  TEST_REGION,
  type TestEnvironment,
  uniqueResourceNames,
  useTestEnvironment,
} from './environment.ts';
export { countResources, describeLeaks, findLeaks, type ResourceCounts } from './leaks.ts';
