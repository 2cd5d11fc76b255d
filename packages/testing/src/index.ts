// The browser's types, so a package's browser tests need no playwright-core of their own.
export type { Browser, BrowserContext, Page } from 'playwright-core';
export {
  type AccessibilityViolation,
  hasHorizontalScroll,
  launchChromium,
  seriousAccessibilityViolations,
} from './browser.ts';
export { chromiumPath } from './chromium.ts';
export { CONTAINER_IMAGES, startContainerEngines } from './containers.ts';
export { type DynamoProxy, type DynamoProxyOptions, startDynamoProxy } from './dynamo-proxy.ts';
export {
  type EngineName,
  startTestEnvironment,
  TEST_REGION,
  type TestEnvironment,
  uniqueResourceNames,
  useTestEnvironment,
} from './environment.ts';
export { windowAroundNow } from './eod-window.ts';
export { countResources, describeLeaks, findLeaks, type ResourceCounts } from './leaks.ts';
