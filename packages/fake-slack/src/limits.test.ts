import { describe, expect, it } from 'vitest';
import { DEFAULT_MESSAGE_LIMITS, validateMessage } from './limits.ts';

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const header = (text: string) => ({ type: 'header', text: { type: 'plain_text', text } });
const cell = (text: string) => ({ type: 'raw_text', text });
const table = (rows: number) => ({
  type: 'table',
  rows: Array.from({ length: rows }, (_, i) => [cell(`row ${i}`)]),
});

describe('validateMessage', () => {
  it('accepts a message at every limit', () => {
    const blocks = [
      header('h'.repeat(150)),
      section('s'.repeat(3_000)),
      {
        type: 'section',
        fields: Array.from({ length: 10 }, () => ({ type: 'mrkdwn', text: 'f'.repeat(200) })),
      },
      {
        type: 'context',
        elements: Array.from({ length: 10 }, () => ({ type: 'mrkdwn', text: 'c' })),
      },
      table(100),
      ...Array.from({ length: 45 }, () => ({ type: 'divider' })),
    ];
    expect(blocks).toHaveLength(50);
    expect(validateMessage({ text: 't'.repeat(40_000), blocks })).toBeUndefined();
  });

  it('accepts plain text, and attachments alone', () => {
    expect(validateMessage({ text: 'hello' })).toBeUndefined();
    expect(validateMessage({ attachments: [{ text: 'x' }] })).toBeUndefined();
  });

  it('answers no_text for a message with nothing to show', () => {
    expect(validateMessage({})).toEqual({ error: 'no_text' });
    expect(validateMessage({ text: '', blocks: [] })).toEqual({ error: 'no_text' });
  });

  it('answers invalid_blocks_format when blocks is not an array', () => {
    expect(validateMessage({ blocks: '[{' })).toEqual({ error: 'invalid_blocks_format' });
    expect(validateMessage({ blocks: { type: 'divider' } })).toEqual({
      error: 'invalid_blocks_format',
    });
  });

  it('refuses 51 blocks naming /blocks', () => {
    const blocks = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(validateMessage({ blocks })).toEqual({
      error: 'invalid_blocks',
      errors: ['must be less than 51 items [json-pointer:/blocks]'],
    });
  });

  it('refuses an over-long section text, header, field and too many fields or elements', () => {
    const blocks = [
      section('ok'),
      section('s'.repeat(3_001)),
      header('h'.repeat(151)),
      {
        type: 'section',
        fields: [
          ...Array.from({ length: 10 }, () => ({ type: 'mrkdwn', text: 'f' })),
          { type: 'mrkdwn', text: 'f'.repeat(2_001) },
        ],
      },
      {
        type: 'context',
        elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })),
      },
      { text: 'no type' },
    ];
    expect(validateMessage({ blocks })).toEqual({
      error: 'invalid_blocks',
      errors: [
        'must be less than 3001 characters [json-pointer:/blocks/1/text/text]',
        'must be less than 151 characters [json-pointer:/blocks/2/text/text]',
        'must be less than 11 items [json-pointer:/blocks/3/fields]',
        'must be less than 2001 characters [json-pointer:/blocks/3/fields/10/text]',
        'must be less than 11 items [json-pointer:/blocks/4/elements]',
        'missing required field: type [json-pointer:/blocks/5]',
      ],
    });
  });

  it('refuses a table of 101 rows', () => {
    expect(validateMessage({ blocks: [table(101)] })).toEqual({
      error: 'invalid_blocks',
      errors: ['must be less than 101 items [json-pointer:/blocks/0/rows]'],
    });
  });

  it('accepts a table of 20 cells a row and 20 column settings', () => {
    const wide = {
      type: 'table',
      column_settings: Array.from({ length: 20 }, () => ({ is_wrapped: true })),
      rows: [Array.from({ length: 20 }, (_, i) => cell(`c${i}`))],
    };
    expect(validateMessage({ blocks: [wide] })).toBeUndefined();
  });

  it('refuses a table row of 21 cells and 21 column settings, naming each', () => {
    const wide = {
      type: 'table',
      column_settings: Array.from({ length: 21 }, () => ({ is_wrapped: true })),
      rows: [
        [cell('ok')],
        Array.from({ length: 21 }, (_, i) => cell(`c${i}`)),
        Array.from({ length: 20 }, (_, i) => cell(`c${i}`)),
      ],
    };
    expect(validateMessage({ blocks: [section('s'), wide] })).toEqual({
      error: 'invalid_blocks',
      errors: [
        'must be less than 21 items [json-pointer:/blocks/1/rows/1]',
        'must be less than 21 items [json-pointer:/blocks/1/column_settings]',
      ],
    });
  });

  it('refuses a second table the way Slack does', () => {
    expect(validateMessage({ blocks: [table(1), table(1)] })).toEqual({
      error: 'invalid_attachments',
      errors: ['only_one_table_allowed'],
    });
  });

  it('answers msg_too_long for text over 40,000 chars', () => {
    expect(validateMessage({ text: 't'.repeat(40_001) })).toEqual({ error: 'msg_too_long' });
  });

  it('answers msg_too_long when the blocks hold over 12,000 chars of text in total', () => {
    const atLimit = Array.from({ length: 4 }, () => section('s'.repeat(3_000)));
    expect(validateMessage({ blocks: atLimit })).toBeUndefined();
    const cells = { type: 'table', rows: [[cell('x')]] };
    expect(validateMessage({ blocks: [...atLimit, cells] })).toEqual({ error: 'msg_too_long' });
  });

  it('uses overridden limits', () => {
    const limits = { ...DEFAULT_MESSAGE_LIMITS, maxBlocks: 2 };
    const blocks = Array.from({ length: 3 }, () => ({ type: 'divider' }));
    expect(validateMessage({ blocks }, limits)).toEqual({
      error: 'invalid_blocks',
      errors: ['must be less than 3 items [json-pointer:/blocks]'],
    });
  });
});
