import { readFile } from 'node:fs/promises';

/** Heap and external memory from the process's own /metrics, to explain its RSS. */
export async function memoryBreakdown(url: string) {
  const text = await fetch(`${url}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  const read = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN) /
    1024 /
    1024;
  return {
    heapUsedMb: read('schedmon_nodejs_heap_size_used_bytes'),
    heapTotalMb: read('schedmon_nodejs_heap_size_total_bytes'),
    externalMb: read('schedmon_nodejs_external_memory_bytes'),
    rssNowMb: read('schedmon_process_resident_memory_bytes'),
  };
}

/**
 * Peak resident memory of a process, sampled from /proc every 250 ms (Linux). Returns the
 * function that stops sampling and gives the peak in MB (0 where /proc is unreadable).
 */
export function sampleRss(pid: number) {
  let peakKb = 0;
  const timer = setInterval(() => {
    readFile(`/proc/${pid}/status`, 'utf8').then(
      (status) => {
        const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
        peakKb = Math.max(peakKb, kb);
      },
      () => undefined,
    );
  }, 250);
  return () => {
    clearInterval(timer);
    return peakKb / 1024;
  };
}
