// `pnpm cron once <action> [--at <ISO instant>]`: the cron app's one-shot command with the
// same configuration and defaults as `pnpm start` — the embedded DynamoDB engine on
// DYNAMODB_LOCAL_PORT unless DYNAMODB_ENDPOINT is set — so ops can re-post tonight's table
// next to a running `pnpm start`.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfigOrExit } from '@schedmon/runtime';
import { launcherConfigSchema } from './launcher-config.ts';

const config = loadConfigOrExit('pnpm cron', launcherConfigSchema);
const main = fileURLToPath(new URL('../../../apps/cron/src/main.ts', import.meta.url));
const child = spawn(process.execPath, [main, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: {
    ...process.env,
    NODE_ENV: config.NODE_ENV,
    DYNAMODB_ENDPOINT: config.DYNAMODB_ENDPOINT ?? `http://127.0.0.1:${config.DYNAMODB_LOCAL_PORT}`,
  },
});
child.once('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
