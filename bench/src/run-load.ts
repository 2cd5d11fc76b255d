// The glue to the load generator (load.ts), which runs as its own process.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { LoadOptions } from './load.ts';

const execFileAsync = promisify(execFile);

/** The parts of autocannon's result the benches read. */
export type LoadResult = {
  requests: { average: number; total: number };
  /** Requests answered 2xx (for the api: accepted writes). */
  '2xx': number;
  latency: { p50: number; p99: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
};

/** Runs load.ts with `options` until its duration is over; rejects if it fails. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { stdout } = await execFileAsync(
    process.execPath,
    [fileURLToPath(new URL('./load.ts', import.meta.url)), JSON.stringify(options)],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as LoadResult;
}
