import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc/<pid>/stat's times (100 on every Linux here). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * The fields of a /proc/<pid>/stat line after the command name (field 2, which may hold
 * spaces and parentheses): index 0 is field 3 (state).
 */
export const statFields = (stat: string) => stat.slice(stat.lastIndexOf(')') + 2).split(' ');
/** Indexes into `statFields`: the parent pid (field 4), utime and stime (fields 14, 15). */
export const PPID = 4 - 3;
const UTIME = 14 - 3;
const STIME = 15 - 3;

/**
 * CPU a process has used so far (user + system, all its threads), in µs, from
 * /proc/<pid>/stat (Linux); NaN where it is unreadable.
 */
export async function cpuMicros(pid: number | undefined): Promise<number> {
  if (!pid) return Number.NaN;
  const fields = statFields(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''));
  const ticks = Number(fields[UTIME]) + Number(fields[STIME]);
  return (ticks / TICKS_PER_SECOND) * 1_000_000;
}

/**
 * Starts counting a process's CPU; the returned function gives the µs used since, per
 * `events` (NaN when none or unreadable).
 */
export async function cpuMeter(pid: number | undefined) {
  const start = await cpuMicros(pid);
  return async (events: number) => {
    const used = (await cpuMicros(pid)) - start;
    return events > 0 ? used / events : Number.NaN;
  };
}
