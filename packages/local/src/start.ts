// `pnpm start` (the root script runs this file on the repository's Node 24).
import { createAppLogger, loadConfigOrExit } from '@schedmon/runtime';
import { launch, PortInUseError } from './launcher.ts';
import { launcherConfigSchema } from './launcher-config.ts';

const config = loadConfigOrExit('pnpm start', launcherConfigSchema);
const logger = createAppLogger('local', config);

const system = await launch(config, logger).catch((error: unknown) => {
  if (!(error instanceof PortInUseError)) throw error;
  process.stderr.write(`pnpm start: ${error.message}\n`);
  process.exit(1);
});
if (!process.env.API_KEYS) {
  logger.info(`No API_KEYS set: use the development key "${config.API_KEYS}" in x-api-key`);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void system.stop(signal);
  });
}
logger.info(
  {
    api: `http://localhost:${config.PORT}`,
    worker: `http://localhost:${config.WORKER_METRICS_PORT}/health`,
    cron: `http://localhost:${config.CRON_METRICS_PORT}/health`,
  },
  'schedmon is starting; Ctrl-C stops everything',
);
process.exitCode = await system.stopped;
