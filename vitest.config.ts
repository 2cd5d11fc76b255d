import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// One root config runs every package's tests: each workspace folder is a project named
// after its package, so `vitest run --project @schedmon/domain` runs one of them.
const workspaceDirs = ['apps', 'packages'].flatMap((group) =>
  readdirSync(group, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(group, entry.name)),
);
workspaceDirs.push('infra');

const projects = workspaceDirs
  .filter((dir) => {
    try {
      readFileSync(join(dir, 'package.json'));
      return true;
    } catch {
      return false;
    }
  })
  .map((dir) => ({
    extends: true as const,
    test: {
      name: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name as string,
      root: dir,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    },
  }));

export default defineConfig({
  test: {
    projects,
    setupFiles: [join(import.meta.dirname, 'packages/testing/src/leak-check-setup.ts')],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', join(import.meta.dirname, 'packages/testing/src/summary-reporter.ts')],
  },
});
