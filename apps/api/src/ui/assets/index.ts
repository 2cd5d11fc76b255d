/**
 * The dashboard's assets, built once at start: the stylesheet and the script, each with
 * a content hash in its name so browsers may keep them forever (docs/web.md → Assets).
 * Everything is served from here: no CDN, no remote font.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { dashboardClient } from './client.ts';
import { STYLES } from './styles.ts';

export type Asset = {
  /** The path it is served at, `/ui/assets/app.<hash>.css`. */
  path: string;
  contentType: string;
  body: Buffer;
  gzipped: Buffer;
};

function assetOf(name: string, extension: string, contentType: string, text: string): Asset {
  const body = Buffer.from(text, 'utf8');
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return {
    path: `/ui/assets/${name}.${hash}.${extension}`,
    contentType,
    body,
    gzipped: gzipSync(body, { level: 9 }),
  };
}

/** The stylesheet and the script: what every page links. */
export function buildAssets(): { css: Asset; js: Asset } {
  return {
    css: assetOf('app', 'css', 'text/css; charset=utf-8', STYLES.trim()),
    js: assetOf(
      'app',
      'js',
      'text/javascript; charset=utf-8',
      `"use strict";(${dashboardClient.toString()})();`,
    ),
  };
}
