// The dashboard's whole payload of script and style (docs/web.md: ≤ 150 KB gzipped), as
// served: the bytes a browser downloads, measured.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildAssets } from './index.ts';

describe('the dashboard assets', () => {
  it('are at most 150 KB of JavaScript and CSS together, gzipped', () => {
    const { css, js } = buildAssets();
    const total = css.gzipped.length + js.gzipped.length;
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(150 * 1024);
    expect(gunzipSync(js.gzipped).equals(js.body)).toBe(true);
    expect(gunzipSync(css.gzipped).equals(css.body)).toBe(true);
  });

  it('name their content: the name changes with the bytes, so browsers may keep them forever', () => {
    const { css, js } = buildAssets();
    expect(css.path).toMatch(/^\/ui\/assets\/app\.[0-9a-f]{12}\.css$/);
    expect(js.path).toMatch(/^\/ui\/assets\/app\.[0-9a-f]{12}\.js$/);
    expect(buildAssets().js.path).toBe(js.path);
  });

  it('is a script the browser can parse, with no remote address in it', () => {
    const { css, js } = buildAssets();
    expect(() => new Function(js.body.toString('utf8'))).not.toThrow();
    for (const asset of [css, js]) expect(asset.body.toString('utf8')).not.toMatch(/https?:\/\//);
  });
});
