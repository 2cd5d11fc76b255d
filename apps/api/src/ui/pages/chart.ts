/**
 * The duration chart of a scheduler's last runs, drawn on the server as SVG (docs/web.md →
 * Decisions: no chart library; the chart is readable without the script, and each point
 * carries its run in a `<title>` that browsers and screen readers show). One point per run
 * with a duration, oldest left; failed runs are marked apart.
 */
import type { Html } from '../html.ts';
import { html } from '../html.ts';
import { duration, when } from './format.ts';

export type ChartPoint = {
  /** When the run started (ISO), or ended when its start is unknown. */
  at: string;
  durationMs: number;
  failed: boolean;
};

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** Scale tops that read as round durations; beyond a day, whole days. */
const TOPS = [
  1,
  2,
  5,
  10,
  20,
  50,
  100,
  200,
  500,
  ...[1, 2, 5, 10, 15, 20, 30].map((s) => s * SECOND),
  ...[1, 2, 5, 10, 15, 20, 30].map((m) => m * MINUTE),
  ...[1, 2, 3, 6, 12, 24].map((h) => h * HOUR),
];

/** The smallest round duration at least `max`. */
function niceTop(max: number): number {
  return TOPS.find((top) => top >= max) ?? Math.ceil(max / (24 * HOUR)) * 24 * HOUR;
}

export function durationChart(points: readonly ChartPoint[], zone: string, caption: string): Html {
  if (points.length === 0) {
    return html`<p>No finished runs with a duration yet.</p>`;
  }
  const top = niceTop(Math.max(...points.map((point) => point.durationMs)));
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const x = (index: number) =>
    PAD.left + (points.length === 1 ? innerW / 2 : (index * innerW) / (points.length - 1));
  const y = (ms: number) => PAD.top + innerH - (ms / top) * innerH;
  const coords = points.map((point, index) => ({ point, cx: x(index), cy: y(point.durationMs) }));
  const path = coords
    .map(({ cx, cy }, index) => `${index === 0 ? 'M' : 'L'}${cx.toFixed(1)},${cy.toFixed(1)}`)
    .join(' ');
  const ticks = [0, top / 2, top];
  return html`<figure class="chart">
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="chart-title" data-points="${points.length}">
<title id="chart-title">${caption}</title>
${ticks.map(
  (
    tick,
  ) => html`<line class="axis" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}"></line>
<text class="label" x="${PAD.left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${duration(tick)}</text>`,
)}
<path class="line" d="${path}"></path>
${coords.map(
  ({ point, cx, cy }) =>
    html`<circle class="point${point.failed ? ' failed' : ''}" cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="${point.failed ? 5 : 4}"><title>${when(point.at, zone)}: ${duration(point.durationMs)}${point.failed ? ', failed' : ''}</title></circle>`,
)}
<text class="label" x="${PAD.left}" y="${HEIGHT - 8}">${when(points[0]?.at, zone)}</text>
<text class="label" x="${WIDTH - PAD.right}" y="${HEIGHT - 8}" text-anchor="end">${when(points.at(-1)?.at, zone)}</text>
</svg>
<figcaption>${caption}. Failed runs are the larger red points.</figcaption>
</figure>`;
}
