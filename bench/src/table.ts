import type { Row } from './bench.ts';

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
