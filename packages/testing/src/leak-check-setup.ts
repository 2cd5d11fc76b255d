// Loaded by the root vitest config before every test file: a test or a file that leaves a
// timer, a listening server or a child process behind fails.
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { ResourceCounts } from './leaks.ts';
import { countResources, findLeaks } from './leaks.ts';

let fileBaseline: ResourceCounts;
let testBaseline: ResourceCounts;

beforeAll(() => {
  fileBaseline = countResources();
});

beforeEach(() => {
  testBaseline = countResources();
});

afterEach(async () => {
  const leaks = await findLeaks(testBaseline);
  if (leaks.length > 0) {
    throw new Error(
      `This test left resources behind: ${leaks.join(', ')}. Close them in the test.`,
    );
  }
});

afterAll(async () => {
  const leaks = await findLeaks(fileBaseline);
  if (leaks.length > 0) {
    throw new Error(
      `This test file left resources behind: ${leaks.join(', ')}. Stop them in afterAll.`,
    );
  }
});
