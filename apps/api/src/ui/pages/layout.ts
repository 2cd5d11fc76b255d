/** The frame of every dashboard page: head, navigation, who is signed in, sign-out. */
import type { Html } from '../html.ts';
import { html } from '../html.ts';

export type Section = 'boards' | 'incidents' | 'reports' | 'scheduler' | 'login' | 'error';

export type Frame = {
  /** Paths of the stylesheet and the script. */
  assets: { css: string; js: string };
  /** The signed-in key's name; absent on the sign-in page. */
  who?: string | undefined;
};

const NAV: readonly { section: Section; href: string; label: string }[] = [
  { section: 'boards', href: '/ui/boards', label: 'Boards' },
  { section: 'incidents', href: '/ui/incidents', label: 'Incidents' },
  { section: 'reports', href: '/ui/reports', label: 'Reports' },
];

/** A whole page: `title` names it in the tab, `body` is the content of `<main>`. */
export function pageOf(
  frame: Frame,
  page: { title: string; section: Section; body: Html },
): string {
  const nav =
    frame.who === undefined
      ? html``
      : html`<nav aria-label="Sections"><ul>${NAV.map(
          (item) =>
            html`<li><a href="${item.href}"${item.section === page.section ? html` aria-current="page"` : ''}>${item.label}</a></li>`,
        )}</ul></nav>
<div class="who"><span>Signed in as <strong>${frame.who}</strong></span>
<form class="inline" method="post" action="/ui/logout"><button type="submit">Sign out</button></form></div>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${page.title} &middot; schedmon</title>
<link rel="stylesheet" href="${frame.assets.css}">
<script src="${frame.assets.js}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="/ui/boards">schedmon</a>${nav}</header>
<main id="main">
${page.body}
</main>
</body>
</html>
`.html;
}
