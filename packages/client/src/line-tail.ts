/**
 * The last lines of a stream, kept while the stream is passed on untouched: `schedmon run`
 * reports the tail of a failed command's stderr without holding all of it in memory.
 */
import { StringDecoder } from 'node:string_decoder';

export type LineTail = {
  /** Takes the next chunk of the stream (UTF-8, split anywhere). */
  push(chunk: Buffer | string): void;
  /** The last `maxLines` lines, the unfinished last line included, without empty trailing lines. */
  lines(): string[];
};

/**
 * Keeps the last `maxLines` lines, each cut to `maxLineChars` (a binary blob or a
 * minified bundle on stderr must not fill the error message). Never fails.
 */
export function createLineTail(maxLines: number, maxLineChars = 500): LineTail {
  const decoder = new StringDecoder('utf8');
  const kept: string[] = [];
  let partial = '';
  const cut = (line: string) =>
    line.length > maxLineChars ? `${line.slice(0, maxLineChars - 1)}…` : line;
  const keep = (line: string) => {
    kept.push(cut(line.replace(/\r$/, '')));
    if (kept.length > maxLines) kept.shift();
  };
  return {
    push(chunk) {
      const text = partial + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
      const parts = text.split('\n');
      // Bounded, and one character longer than a line may be, so `cut` still marks it.
      partial = (parts.pop() ?? '').slice(0, maxLineChars + 1);
      for (const line of parts) keep(line);
    },
    lines() {
      const last = partial + decoder.end();
      partial = last;
      const all = [...kept, ...(last === '' ? [] : [cut(last)])];
      while (all.length > 0 && (all.at(-1) ?? '').trim() === '') all.pop();
      return all.slice(-maxLines);
    },
  };
}
