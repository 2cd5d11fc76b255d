import { describe, expect, it } from 'vitest';
import { durationChart } from './chart.ts';

const point = (minute: number, durationMs: number, failed = false) => ({
  at: new Date(Date.UTC(2026, 0, 15, 0, minute)).toISOString(),
  durationMs,
  failed,
});

describe('the duration chart', () => {
  it('draws one point per run, failed ones apart, on a round scale', () => {
    const svg = durationChart(
      [point(0, 61_000), point(10, 95_000, true), point(20, 70_000)],
      'Asia/Jakarta',
      'Last runs',
    ).html;
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg.match(/class="point failed"/g)).toHaveLength(1);
    expect(svg).toContain('data-points="3"');
    // The top of the scale is 2 min, the next round duration above 1 min 35 s.
    expect(svg).toContain('>2 min<');
    expect(svg).toContain('<title>15 Jan 2026 07:10 WIB: 1 min 35 s, failed</title>');
  });

  it('draws a lone run in the middle, and says so when there is none', () => {
    expect(durationChart([point(0, 500)], 'UTC', 'x').html).toContain('cx="342.0"');
    expect(durationChart([], 'UTC', 'x').html).toContain('No finished runs');
  });

  it('escapes the caption', () => {
    expect(durationChart([point(0, 1)], 'UTC', '<b>').html).not.toContain('<b>');
  });
});
