/**
 * HTML built by tagged templates: every interpolated value is escaped unless it is
 * already `Html` (built here), so producer text can never become markup (docs/web.md →
 * Escaping). Attribute values are quoted by the templates, and escaping covers quotes.
 */

/** Markup known to be safe: only `html` makes it. */
export type Html = { readonly html: string };

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

// Controls other than tab and newline are dropped: they have no business in a page and
// some (NUL, the C1 range) are parse errors in HTML.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching controls is the point
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Text as HTML text or a quoted attribute value. */
function escapeHtml(text: string): string {
  return text.replace(CONTROLS, '').replace(/[&<>"'`]/g, (char) => ENTITIES[char] ?? char);
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (typeof value === 'object') return (value as Html).html;
  return escapeHtml(String(value));
}

/** A template whose values are escaped (arrays are concatenated, null/false/undefined vanish). */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0] ?? '';
  for (let index = 0; index < values.length; index += 1) {
    out += render(values[index]) + (strings[index + 1] ?? '');
  }
  return { html: out };
}
