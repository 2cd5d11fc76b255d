// The first step of `pnpm test`: makes sure the system's Chromium the browser tests drive
// is there, installing Debian's `chromium` when it is missing and this is root with
// apt-get; otherwise exits 1 saying what to install. Never a silent skip.
import { spawnSync } from 'node:child_process';
import { chromiumPlan, readChromiumHost } from './chromium.ts';

const PREFIX = 'ensure-chromium:';

function fail(message: string): never {
  process.stderr.write(`${PREFIX} ${message}\n`);
  process.exit(1);
}

const plan = chromiumPlan(readChromiumHost());
if (plan.action === 'fail') fail(plan.message);
if (plan.action === 'install') {
  process.stdout.write(
    `${PREFIX} no Chromium found; installing Debian's "chromium" package (apt-get update, apt-get install -y chromium)\n`,
  );
  for (const [command, ...args] of plan.commands) {
    if (command === undefined) continue;
    const result = spawnSync(command, args, {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (result.status !== 0) {
      fail(
        `"${[command, ...args].join(' ')}" failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`}); install Chromium by hand or set CHROMIUM_PATH`,
      );
    }
  }
  const after = chromiumPlan(readChromiumHost());
  if (after.action !== 'use') {
    fail(
      'apt-get installed "chromium" but no chromium binary is on the PATH or at /usr/bin/chromium; set CHROMIUM_PATH',
    );
  }
  process.stdout.write(`${PREFIX} installed ${after.path}\n`);
}
