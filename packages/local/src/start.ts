// `pnpm start [--workers N] [--crons M]` (the root script runs this file on the
// repository's Node 24). The flags win over WORKER_REPLICAS and CRON_REPLICAS.
import { parseArgs } from 'node:util';
import { createAppLogger, loadConfigOrExit } from '@schedmon/runtime';
import { launch, PortInUseError, PortRangeError } from './launcher.ts';
import { launcherConfigSchema, MAX_REPLICAS } from './launcher-config.ts';

const USAGE = `usage: pnpm start [--workers 1..${MAX_REPLICAS}] [--crons 1..${MAX_REPLICAS}]`;

/** The replica counts given on the command line, as the variables they override. */
function replicaVariables(args: string[]): Record<string, string> {
  const fail = (problem: string): never => {
    process.stderr.write(`pnpm start: ${problem}; ${USAGE}\n`);
    process.exit(2);
  };
  let values: { workers?: string; crons?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { workers: { type: 'string' }, crons: { type: 'string' } },
    }));
  } catch (error) {
    return fail((error as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  const variables: Record<string, string> = {};
  for (const [flag, variable] of [
    ['workers', 'WORKER_REPLICAS'],
    ['crons', 'CRON_REPLICAS'],
  ] as const) {
    const given = values[flag];
    if (given === undefined) continue;
    const count = /^\d+$/.test(given) ? Number(given) : Number.NaN;
    if (!(count >= 1 && count <= MAX_REPLICAS)) {
      fail(`--${flag} ${JSON.stringify(given)} is not a whole number from 1 to ${MAX_REPLICAS}`);
    }
    variables[variable] = String(count);
  }
  return variables;
}

// npm wants `--` before a script's own flags and pnpm does not: both forms work.
const args = process.argv.slice(2);
const config = loadConfigOrExit('pnpm start', launcherConfigSchema, {
  ...process.env,
  ...replicaVariables(args[0] === '--' ? args.slice(1) : args),
});
const logger = createAppLogger('local', config);

const system = await launch(config, logger).catch((error: unknown) => {
  if (!(error instanceof PortInUseError || error instanceof PortRangeError)) throw error;
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
  Object.fromEntries(system.replicas.map((replica) => [replica.name, replica.health])),
  'schedmon is starting; Ctrl-C stops everything',
);
process.exitCode = await system.stopped;
