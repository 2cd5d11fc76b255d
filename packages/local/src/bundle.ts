/**
 * The production form of an app: one ES module, `apps/<app>/dist/main.mjs`, with the
 * workspace packages and their dependencies inlined (esbuild). Production runs it with
 * `productionRuntimeEnv(app)`; development, tests and `pnpm start` run the TypeScript sources.
 *
 * Why: Node's type stripping keeps its TypeScript parser (~20 MB) resident in every
 * process that loads a `.ts` file, and P5 asks for ≤ 150 MB RSS per app
 * (docs/performance.md). Identifiers are kept, so stack traces name real functions.
 *
 * `node packages/local/src/bundle.ts [api|worker|cron …]` (`pnpm bundle`) builds the
 * given apps, all three by default.
 */
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { AppName as App } from './apps.ts';
import { APPS } from './apps.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Packages left out of the bundle, resolved from `apps/<app>/node_modules` at run time:
 * they read files next to their own code (Swagger UI serves its static assets).
 */
const EXTERNAL: Readonly<Record<App, string[]>> = {
  api: ['@fastify/swagger-ui'],
  worker: [],
  cron: [],
};

export function bundlePath(app: App): string {
  return `${root}apps/${app}/dist/main.mjs`;
}

/**
 * Bundles one app (to `bundlePath(app)` unless `outfile` names another file, so tests
 * that bundle at once never write the same file); resolves to the file written and its size.
 */
export async function bundleApp(
  app: App,
  options: { outfile?: string } = {},
): Promise<{ file: string; bytes: number }> {
  const file = options.outfile ?? bundlePath(app);
  await build({
    entryPoints: [`${root}apps/${app}/src/main.ts`],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    external: EXTERNAL[app],
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
    // Inlined CommonJS dependencies call `require`, which an ES module lacks.
    banner: {
      js: "import { createRequire as __schedmonRequire } from 'node:module'; const require = __schedmonRequire(import.meta.url);",
    },
  });
  return { file, bytes: (await stat(file)).size };
}

if (import.meta.main) {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(APPS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    process.stderr.write(`usage: bundle [${APPS.join('|')} …] (unknown: ${unknown.join(', ')})\n`);
    process.exit(2);
  }
  for (const app of (asked.length > 0 ? asked : APPS) as App[]) {
    const { file, bytes } = await bundleApp(app);
    process.stdout.write(`${app}: ${file} (${(bytes / 1024 / 1024).toFixed(1)} MB)\n`);
  }
}
