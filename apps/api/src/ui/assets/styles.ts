/**
 * The dashboard's one stylesheet (docs/web.md): system fonts, no remote anything, readable
 * at 375 px (tables of rows become cards), colours with WCAG AA contrast in both schemes.
 */
export const STYLES = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa;
  --link: #0550ae; --bad: #a40e26; --bad-bg: #ffebe9; --warn: #7d4e00; --warn-bg: #fff8c5;
  --ok: #116329; --ok-bg: #dafbe1; --focus: #0969da;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9da7b3; --line: #30363d; --panel: #161b22;
    --link: #79b8ff; --bad: #ffa198; --bad-bg: #3b1219; --warn: #e3b341; --warn-bg: #2e2410;
    --ok: #7ee787; --ok-bg: #0f2d1a; --focus: #79b8ff;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  overflow-wrap: anywhere;
}
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible {
  outline: 3px solid var(--focus); outline-offset: 2px;
}
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 8px; top: 8px; background: var(--bg); padding: 4px 8px; z-index: 2; }
.visually-hidden {
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap;
}
header.top {
  display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center;
  padding: 10px 16px; border-bottom: 1px solid var(--line); background: var(--panel);
}
header.top .brand { font-weight: 700; color: var(--fg); text-decoration: none; }
header.top nav ul { display: flex; flex-wrap: wrap; gap: 4px 14px; list-style: none; margin: 0; padding: 0; }
header.top nav a[aria-current="page"] { font-weight: 700; color: var(--fg); }
header.top .who { margin-left: auto; display: flex; gap: 8px; align-items: center; color: var(--muted); }
main { padding: 16px; max-width: 1200px; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: 0 0 8px; }
h2 { font-size: 1.2rem; margin: 24px 0 4px; }
.muted, .when { color: var(--muted); }
.counts { margin: 4px 0 8px; }
.live { color: var(--muted); font-size: 0.9rem; }
.notice { padding: 8px 12px; border: 1px solid var(--line); background: var(--warn-bg); color: var(--fg); }
.error-box { padding: 8px 12px; border: 1px solid var(--bad); background: var(--bad-bg); color: var(--fg); }
button, .button {
  font: inherit; padding: 5px 12px; border: 1px solid var(--line); border-radius: 6px;
  background: var(--panel); color: var(--fg); cursor: pointer; text-decoration: none;
  display: inline-block;
}
button.primary { background: var(--link); color: var(--bg); border-color: var(--link); }
form.inline { display: inline; margin: 0; }
form.filters { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: end; margin: 8px 0 12px; }
form.filters label { display: flex; flex-direction: column; font-size: 0.9rem; color: var(--muted); }
input, select {
  font: inherit; padding: 5px 8px; border: 1px solid var(--muted); border-radius: 6px;
  background: var(--bg); color: var(--fg); max-width: 100%;
}
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { font-size: 0.85rem; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.problem td { background: var(--bad-bg); }
tr.warn td { background: var(--warn-bg); }
.state-open { color: var(--bad); font-weight: 600; }
.state-acknowledged { color: var(--warn); font-weight: 600; }
.state-resolved { color: var(--ok); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.pager { display: flex; gap: 12px; margin: 8px 0; }
figure.chart { margin: 8px 0; }
figure.chart svg { width: 100%; height: auto; max-height: 260px; display: block; }
figure.chart .axis { stroke: var(--line); }
figure.chart .label { fill: var(--muted); font-size: 11px; }
figure.chart .line { fill: none; stroke: var(--link); stroke-width: 1.5; }
figure.chart .point { fill: var(--link); }
figure.chart .point.failed { fill: var(--bad); }
figure.chart figcaption { color: var(--muted); font-size: 0.9rem; }
.login { max-width: 420px; margin: 40px auto; }
.login label { display: block; margin: 12px 0 4px; }
.login input { width: 100%; }
.login button { margin-top: 12px; }
@media (max-width: 640px) {
  main { padding: 10px; }
  table.cards thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: 100%; }
  table.cards tr { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 8px; }
  table.cards td { border: 0; padding: 3px 8px; }
  table.cards td::before { content: attr(data-label) ": "; color: var(--muted); font-size: 0.85rem; }
  table.cards td.num { text-align: left; }
  .scroll { overflow-x: auto; }
}
`;
