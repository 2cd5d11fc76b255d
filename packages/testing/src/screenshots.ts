// `pnpm screenshots`: starts the local stack (as `pnpm start` does) on free ports with
// its data in a temporary directory, seeds it with demo data through the api, signs in to
// the dashboard in the system's Chromium and refreshes docs/screenshots/*.png, at 1280 and
// at 375 px wide. Everything it started is stopped at the end, on failure and on Ctrl-C.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningSystem } from '@schedmon/local';
import { findFreePort, launch, launcherConfigSchema, waitFor } from '@schedmon/local';
import { createAppLogger, loadConfig } from '@schedmon/runtime';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.ts';
import { seedDemoData } from './demo-data.ts';

const DEV_KEY = 'local-dev-key';
const OUTPUT = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const VIEWPORTS = [
  { suffix: '', width: 1280, height: 800 },
  { suffix: '-375', width: 375, height: 800 },
] as const;

function say(line: string) {
  process.stdout.write(`screenshots: ${line}\n`);
}

let system: RunningSystem | undefined;
let browser: Browser | undefined;
let dataDir: string | undefined;
let cleaning: Promise<void> | undefined;

/** Stops whatever was started; safe to call twice (a signal during the normal end). */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await browser?.close().catch(() => undefined);
    await system?.stop('screenshots done');
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping`);
    void cleanUp().finally(() => process.exit(130));
  });
}

/** Starts the stack on free ports, the engines' data in a temporary directory. */
async function startStack(): Promise<string> {
  dataDir = await mkdtemp(join(tmpdir(), 'schedmon-screenshots-'));
  const ports = {
    api: await findFreePort(),
    worker: await findFreePort(),
    cron: await findFreePort(),
  };
  // Only what the stack needs: no Slack token, keys or endpoints from this shell, so the
  // demo failures page nobody and land in the temporary engines.
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    API_KEYS: DEV_KEY,
    PORT: String(ports.api),
    WORKER_METRICS_PORT: String(ports.worker),
    CRON_METRICS_PORT: String(ports.cron),
    DYNAMODB_LOCAL_PORT: '0',
    SQS_LOCAL_PORT: '0',
    DATA_DIR: dataDir,
    SHUTDOWN_TIMEOUT_MS: '5000',
  };
  const config = loadConfig(launcherConfigSchema, env);
  const running = await launch(config, createAppLogger('screenshots', config), env);
  system = running;
  const base = `http://127.0.0.1:${ports.api}`;
  // An app that exits on its own stops the stack: say so at once rather than time out.
  let stopped = false;
  void running.stopped.then(() => {
    stopped = true;
  });
  const ready = async (url: string) => {
    if (stopped) return 'stopped' as const;
    return (await fetch(url)).ok ? ('ready' as const) : undefined;
  };
  for (const [url, what] of [
    [`${base}/health/ready`, 'the api to be ready'],
    [`http://127.0.0.1:${ports.worker}/health`, 'the worker to be healthy'],
  ] as const) {
    if ((await waitFor(() => ready(url), what, 30_000)) === 'stopped') {
      throw new Error('the stack stopped before it was ready (see the log above)');
    }
  }
  return base;
}

/** Opens `path`. Failure: throws when the dashboard does not answer it with a page. */
async function open(page: Page, base: string, path: string): Promise<void> {
  const response = await page.goto(`${base}${path}`, { waitUntil: 'load' });
  if (response === null || !response.ok()) {
    throw new Error(
      `GET ${path} answered ${response?.status() ?? 'nothing'}: does the api serve the dashboard (/ui) yet?`,
    );
  }
}

/** Signs in through the form of /ui/login, as a user does. Failure: throws if refused. */
async function signIn(page: Page): Promise<void> {
  await page.locator('#key').fill(DEV_KEY);
  await Promise.all([
    page.waitForURL((url) => url.pathname !== '/ui/login', { timeout: 10_000 }),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]).catch(async (error: unknown) => {
    const said = await page
      .getByRole('alert')
      .allTextContents()
      .catch(() => []);
    throw new Error(
      `signing in with ${DEV_KEY} did not leave /ui/login${said.length > 0 ? `: ${said.join(' ')}` : ''}`,
      { cause: error },
    );
  });
}

/**
 * The pages' status marks are emoji; a machine without an emoji font draws them as empty
 * boxes. Debian's font is installed when it is missing and this runs as root with apt-get.
 */
function ensureEmojiFont(): void {
  const fonts = spawnSync('fc-list', [':charset=1f7e1'], { encoding: 'utf8' });
  if (fonts.status === 0 && fonts.stdout.trim() !== '') return;
  if (process.getuid?.() !== 0 || spawnSync('apt-get', ['--version']).status !== 0) {
    say('no emoji font: the status marks will show as boxes (install fonts-noto-color-emoji)');
    return;
  }
  say('installing fonts-noto-color-emoji (apt-get), so the status marks render');
  const installed = spawnSync('apt-get', ['install', '-y', '-qq', 'fonts-noto-color-emoji'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (installed.status !== 0) say('could not install it: the status marks will show as boxes');
}

async function main(): Promise<void> {
  say('starting the local stack');
  const base = await startStack();
  say('seeding boards, schedulers, runs and incidents');
  const demo = await seedDemoData(base, DEV_KEY);
  const pages = [
    { name: 'boards', path: '/ui/boards' },
    { name: 'scheduler', path: `/ui/schedulers/${encodeURIComponent(demo.schedulerWithHistory)}` },
    { name: 'incidents', path: '/ui/incidents' },
    { name: 'reports', path: `/ui/reports?board=${demo.boardIds[0]}&days=7` },
  ];

  ensureEmojiFont();
  browser = await launchChromium();
  // Every shot is taken before any file is written: a failure keeps the previous set whole.
  const shots = new Map<string, Buffer>();
  for (const viewport of VIEWPORTS) {
    const context = await browser.newContext({
      viewport: { width: viewport.width, height: viewport.height },
      colorScheme: 'light',
      reducedMotion: 'reduce',
      locale: 'en-GB',
      timezoneId: 'UTC',
    });
    const page = await context.newPage();
    await open(page, base, '/ui/login');
    shots.set(`login${viewport.suffix}.png`, await page.screenshot({ fullPage: true }));
    await signIn(page);
    for (const { name, path } of pages) {
      await open(page, base, path);
      shots.set(
        `${name}${viewport.suffix}.png`,
        await page.screenshot({ fullPage: true, animations: 'disabled' }),
      );
    }
    await context.close();
  }

  await mkdir(OUTPUT, { recursive: true });
  for (const [file, png] of shots) await writeFile(join(OUTPUT, file), png);
  say(`wrote ${[...shots.keys()].map((file) => `docs/screenshots/${file}`).join(', ')}`);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`screenshots: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  say('stopping the local stack');
  await cleanUp();
}
