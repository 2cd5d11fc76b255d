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
 * CPU a process has used so far (user + system, all its threads), in µs, from
 * /proc/<pid>/stat (Linux); NaN where it is unreadable. Fields 14 and 15 are utime and
 * stime; the command name (field 2) may hold spaces, so fields are counted after its `)`.
 */
export async function cpuMicros(pid: number | undefined): Promise<number> {
  if (!pid) return Number.NaN;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After `)`, the fields start at 3 (state): utime is field 14, stime field 15.
  const ticks = Number(fields[14 - 3]) + Number(fields[15 - 3]);
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
