import type { Row } from './bench.ts';
import type { LoadResult } from './run-load.ts';

/**
 * The two rows of a P1-style bar, each beside the bare route's figure of the same run:
 * the accepted rate (≥ 3000/s) and the p99 latency (≤ 50 ms).
 */
export function rateRows(
  bars: { rate: string; p99: string },
  rate: number,
  measured: LoadResult,
  baseline: LoadResult,
): Row[] {
  return [
    {
      bar: bars.rate,
      figure: rate.toFixed(0),
      baseline: baseline.requests.average.toFixed(0),
      ratio: (rate / baseline.requests.average).toFixed(2),
      target: '≥ 3000',
      met: rate >= 3000,
    },
    {
      bar: bars.p99,
      figure: String(measured.latency.p99),
      baseline: String(baseline.latency.p99),
      ratio: (measured.latency.p99 / Math.max(1, baseline.latency.p99)).toFixed(2),
      target: '≤ 50',
      met: measured.latency.p99 <= 50,
    },
  ];
}

/** A failing row counting the loads' failed requests (errors, timeouts, non-2xx); none if 0. */
export function failedRows(bar: string, ...results: LoadResult[]): Row[] {
  const failed = results.reduce(
    (sum, result) => sum + result.errors + result.timeouts + result.non2xx,
    0,
  );
  if (failed === 0) return [];
  return [{ bar, figure: String(failed), baseline: '', ratio: '', target: '0', met: false }];
}

const WIDTHS = [36, 10, 10, 7, 8, 4];

/** The rows as the fixed-width table `pnpm bench` prints, one line each with a header. */
export function renderTable(rows: readonly Row[]): string {
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(WIDTHS[i] ?? 8)).join(' │ ');
  const lines = [line(['bar', 'figure', 'baseline', 'ratio', 'target', 'met'])];
  for (const row of rows) {
    const met = row.met === null ? '' : row.met ? 'yes' : 'NO';
    lines.push(line([row.bar, row.figure, row.baseline, row.ratio, row.target, met]));
  }
  return lines.map((text) => `${text}\n`).join('');
}
