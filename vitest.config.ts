import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

// One root config runs every package's tests: each workspace folder is a project named
// after its package, so `vitest run --project @schedmon/domain` runs one of them.
// Paths start from this file's folder: each package's `test` script runs from its own.
const repository = import.meta.dirname;
const workspaceDirs = ['apps', 'packages'].flatMap((group) =>
  readdirSync(join(repository, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(repository, group, entry.name)),
);
workspaceDirs.push(join(repository, 'infra'));

// The longest scenario (R10: 3 worker and 3 cron processes, the cron leader and a worker
// killed while 100 deadlines come due, about 3 minutes) runs in `pnpm test:reliability`,
// which sets SCHEDMON_RELIABILITY, and not in every `pnpm test`; to run it alone, set the
// variable too (docs/performance.md → Reliability suite).
const reliabilityOnly: Record<string, string[]> = process.env.SCHEDMON_RELIABILITY
  ? {}
  : { [join(repository, 'apps', 'worker')]: ['test/r10.test.ts'] };

const projects = workspaceDirs
  .filter((dir) => {
    try {
      readFileSync(join(dir, 'package.json'));
      return true;
    } catch {
      return false;
    }
  })
  .filter((dir) => dir !== join(repository, 'packages', 'domain'))
  .map((dir) => ({
    extends: true as const,
    test: {
      name: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name as string,
      root: dir,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      exclude: [...configDefaults.exclude, ...(reliabilityOnly[dir] ?? [])],
    },
  }));

// The time rules must not depend on the host's time zone: the domain's tests run twice,
// pinned to UTC and to a zone with DST and a negative offset.
const timeZoneProjects = ['UTC', 'America/New_York'].map((zone) => ({
  extends: true as const,
  test: {
    name: `@schedmon/domain TZ=${zone}`,
    root: join(repository, 'packages/domain'),
    include: ['src/**/*.test.ts'],
    env: { TZ: zone },
  },
}));

// The EOD schedule must not depend on the host's zone either: the cron night simulations
// run again on a host in the EOD zone itself.
timeZoneProjects.push({
  extends: true as const,
  test: {
    name: '@schedmon/cron TZ=Asia/Jakarta',
    root: join(repository, 'apps/cron'),
    include: ['test/night.test.ts'],
    env: { TZ: 'Asia/Jakarta' },
  },
});

export default defineConfig({
  test: {
    projects: [...projects, ...timeZoneProjects],
    setupFiles: [join(repository, 'packages/testing/src/leak-check-setup.ts')],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', join(repository, 'packages/testing/src/summary-reporter.ts')],
  },
});
