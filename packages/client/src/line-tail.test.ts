import { describe, expect, it } from 'vitest';
import { createLineTail } from './line-tail.ts';

describe('createLineTail', () => {
  it('keeps the last lines of a stream split anywhere, the unfinished last line included', () => {
    const tail = createLineTail(3);
    for (const chunk of ['one\ntw', 'o\r\nthree\n', 'four\nfi', 've']) tail.push(chunk);
    expect(tail.lines()).toEqual(['three', 'four', 'five']);
  });

  it('decodes UTF-8 split between chunks and drops empty trailing lines', () => {
    const tail = createLineTail(5);
    const bytes = Buffer.from('héllo wörld\n\n\n');
    tail.push(bytes.subarray(0, 2));
    tail.push(bytes.subarray(2));
    expect(tail.lines()).toEqual(['héllo wörld']);
  });

  it('cuts long lines, also one that arrives in many pieces', () => {
    const tail = createLineTail(2, 10);
    tail.push('x'.repeat(25));
    tail.push('y'.repeat(25));
    tail.push('\nshort\n');
    expect(tail.lines()).toEqual(['xxxxxxxxx…', 'short']);
  });
});
