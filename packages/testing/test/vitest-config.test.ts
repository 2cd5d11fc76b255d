// Each package's own `test` script (`pnpm --filter <package> test`) runs the root vitest
// config from the package's folder, so the config must find the workspace from where it
// lives, not from the current directory.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const vitest = join(root, 'node_modules/vitest/vitest.mjs');

type Manifest = { name: string; scripts?: { test?: string } };

const packageDirs = ['apps', 'packages']
  .flatMap((group) => readdirSync(join(root, group)).map((name) => join(root, group, name)))
  .concat(join(root, 'infra'))
  .filter((dir) => readdirSync(dir).includes('package.json'));

const manifestOf = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

/** The arguments of a `vitest run …` script, quotes removed. */
const vitestArguments = (script: string) =>
  (script.match(/'[^']*'|\S+/g) ?? []).slice(2).map((word) => word.replace(/^'|'$/g, ''));

describe('each package’s test script', () => {
  it('points vitest at the repository root and at the package’s own project', () => {
    for (const dir of packageDirs) {
      const { name, scripts } = manifestOf(dir);
      if (!scripts?.test) continue;
      expect(scripts.test, name).toMatch(/^vitest run /);
      const args = vitestArguments(scripts.test);
      const option = (flag: string) => args[args.indexOf(flag) + 1] ?? '';
      expect(resolve(dir, option('--root')), name).toBe(resolve(root));
      expect(option('--project').replace(/\*$/, ''), name).toBe(name);
    }
  });

  it('finds the package’s tests when run from the package’s folder', async () => {
    const dir = join(root, 'packages/domain');
    const script = manifestOf(dir).scripts?.test ?? '';
    // `list --filesOnly` loads the same config and projects as `run`, and runs nothing.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [vitest, 'list', '--filesOnly', ...vitestArguments(script)],
      { cwd: dir },
    );
    expect(stdout).toMatch(/\[@schedmon\/domain TZ=UTC\] packages\/domain\/src\/eod\.test\.ts/);
    expect(stdout).toMatch(
      /\[@schedmon\/domain TZ=America\/New_York\] packages\/domain\/src\/eod\.test\.ts/,
    );
  });
});
