/**
 * Producer text on an operator's terminal. Error messages, names and metadata come from
 * any job (and, with a wrong `--url`, from any server): every CLI output path puts them
 * through `terminalSafe`, so no escape sequence, hyperlink, bell or cursor move a
 * producer wrote ever reaches the terminal (docs/security.md).
 */

// C0 controls (ESC, BEL, CR, BS, …), DEL and the C1 controls (8-bit CSI, OSC, NEL, …)
// drive terminals; U+2028/U+2029 break lines in some; the bidi embedding, override and
// isolate controls reorder what is shown. The LRM/RLM marks and RTL text are harmless.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

function escaped(char: string): string {
  // A tab only moves the cursor to the next stop, but that breaks a table's columns.
  if (char === '\t') return ' ';
  // JSON's own escape: the text stays readable, and printed JSON stays valid and equal.
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every character that can drive a terminal shown as a `\uXXXX` escape, and
 * tabs as spaces, so a table cell stays one cell on one line. `newlines: true` keeps line
 * breaks, for text printed as a block (JSON). Never fails.
 */
export function terminalSafe(text: string, options: { newlines?: boolean } = {}): string {
  const keep = options.newlines === true;
  return text.replace(UNSAFE, (char) => (keep && char === '\n' ? char : escaped(char)));
}
