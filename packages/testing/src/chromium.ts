/**
 * Finding the browser the browser tests drive: the system's Chromium (Debian package
 * `chromium`), never a browser build of Playwright's own, which these machines cannot
 * download. `ensure-chromium.ts` installs it before `pnpm test`; the tests fail, never
 * skip, without it (the README's test command).
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where a Chromium is looked for after `CHROMIUM_PATH`: each PATH entry, then this. */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** What the host looks like to `chromiumPlan`, read by `readChromiumHost`. */
export type ChromiumHost = {
  /** `CHROMIUM_PATH`, when set: it alone is used, so a wrong one fails instead of hiding. */
  override: string | undefined;
  /** The directories of `PATH`, in order. */
  pathDirectories: readonly string[];
  /** Whether `path` is an executable file. */
  isExecutable: (path: string) => boolean;
  /** The user id, `undefined` where there is none (Windows). */
  uid: number | undefined;
};

/** What to do about Chromium: use the one found, install Debian's, or stop and say why. */
export type ChromiumPlan =
  | { action: 'use'; path: string }
  | { action: 'install'; commands: readonly (readonly string[])[] }
  | { action: 'fail'; message: string };

const INSTALL_HINT =
  'install Debian\'s "chromium" package (as root: apt-get update && apt-get install -y chromium), or set CHROMIUM_PATH to a Chromium or Chrome binary';

/** The first executable named `name` in the PATH directories, if any. */
function onPath(host: ChromiumHost, name: string): string | undefined {
  return host.pathDirectories
    .map((directory) => join(directory, name))
    .find((path) => host.isExecutable(path));
}

/** The Chromium binary of this host, or `undefined`; `CHROMIUM_PATH` wins when set. */
function findChromium(host: ChromiumHost): string | undefined {
  if (host.override !== undefined) {
    return host.isExecutable(host.override) ? host.override : undefined;
  }
  return (
    onPath(host, 'chromium') ?? (host.isExecutable(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : undefined)
  );
}

/**
 * Decides what `ensure-chromium.ts` does, without doing it: use the Chromium found; else,
 * as root with apt-get, install Debian's `chromium`; else fail with what to install.
 * A `CHROMIUM_PATH` that is not an executable fails at once: installing a browser would
 * not make the path the user gave right.
 */
export function chromiumPlan(host: ChromiumHost): ChromiumPlan {
  const found = findChromium(host);
  if (found !== undefined) return { action: 'use', path: found };
  if (host.override !== undefined) {
    return {
      action: 'fail',
      message: `CHROMIUM_PATH is ${host.override}, which is not an executable file: point it at a Chromium binary, or unset it to use Debian's "chromium" package`,
    };
  }
  const aptGet = onPath(host, 'apt-get');
  if (aptGet === undefined) {
    return {
      action: 'fail',
      message: `no Chromium found (chromium on the PATH, ${DEBIAN_CHROMIUM}) and no apt-get to install it: ${INSTALL_HINT}`,
    };
  }
  if (host.uid !== 0) {
    return {
      action: 'fail',
      message: `no Chromium found (chromium on the PATH, ${DEBIAN_CHROMIUM}) and installing it needs root: ${INSTALL_HINT}`,
    };
  }
  return {
    action: 'install',
    commands: [
      [aptGet, 'update', '-qq'],
      [aptGet, 'install', '-y', '-qq', 'chromium'],
    ],
  };
}

/** This process's host, as `chromiumPlan` sees it. */
export function readChromiumHost(env: NodeJS.ProcessEnv = process.env): ChromiumHost {
  const override = env.CHROMIUM_PATH?.trim();
  return {
    override: override === '' ? undefined : override,
    pathDirectories: (env.PATH ?? '').split(delimiter).filter((entry) => entry !== ''),
    isExecutable: (path) => {
      try {
        accessSync(path, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
    uid: process.getuid?.(),
  };
}

/**
 * The path of the Chromium binary the browser tests launch (`CHROMIUM_PATH`, `chromium`
 * on the PATH, `/usr/bin/chromium`). Failure: throws, naming what to install, when there
 * is none: a browser test must fail without a browser, never skip.
 */
export function chromiumPath(): string {
  const host = readChromiumHost();
  const plan = chromiumPlan(host);
  if (plan.action === 'use') return plan.path;
  throw new Error(
    plan.action === 'fail'
      ? plan.message
      : `no Chromium found: run "node packages/testing/src/ensure-chromium.ts" (the first step of pnpm test) or ${INSTALL_HINT}`,
  );
}
