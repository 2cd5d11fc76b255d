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

describe('validateMessage: table cells (raw_text or rich_text)', () => {
  const link = (url: unknown, text?: unknown) => ({
    type: 'link',
    url,
    ...(text === undefined ? {} : { text }),
  });
  const rich = (...elements: unknown[]) => ({
    type: 'rich_text',
    elements: [{ type: 'rich_text_section', elements }],
  });
  const tableOf = (...cells: unknown[]) => ({ type: 'table', rows: [cells] });

  it('accepts raw_text and rich_text cells of every documented element', () => {
    const cells = [
      cell('plain'),
      rich(link('https://schedmon.example.com/ui/schedulers/a', 'EOD Process')),
      rich(link('https://schedmon.example.com/ui')),
      rich(
        { type: 'text', text: 'bold', style: { bold: true } },
        { type: 'emoji', name: 'white_check_mark' },
        { type: 'user', user_id: 'U1' },
        { type: 'usergroup', usergroup_id: 'S1' },
        { type: 'channel', channel_id: 'C1' },
        { type: 'broadcast', range: 'here' },
        { type: 'date', timestamp: 1_768_500_000, format: '{time}' },
        { type: 'color', value: '#36a64f' },
      ),
      {
        type: 'rich_text',
        elements: [
          {
            type: 'rich_text_list',
            style: 'bullet',
            elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: 'item' }] }],
          },
          { type: 'rich_text_preformatted', elements: [{ type: 'text', text: 'code' }] },
          { type: 'rich_text_quote', elements: [{ type: 'text', text: 'quote' }] },
        ],
      },
    ];
    expect(validateMessage({ blocks: [tableOf(...cells)] })).toBeUndefined();
  });

  it('accepts a link url of 3,000 chars and refuses one of 3,001, naming it', () => {
    const url = (length: number) => `https://x.example/${'a'.repeat(length - 18)}`;
    expect(validateMessage({ blocks: [tableOf(rich(link(url(3_000), 'ok')))] })).toBeUndefined();
    expect(validateMessage({ blocks: [tableOf(cell('a'), rich(link(url(3_001), 'ok')))] })).toEqual(
      {
        error: 'invalid_blocks',
        errors: [
          'must be less than 3001 characters [json-pointer:/blocks/0/rows/0/1/elements/0/elements/0/url]',
        ],
      },
    );
  });

  it('refuses malformed cells, naming each', () => {
    const blocks = [
      section('s'),
      tableOf(
        'text',
        { text: 'no type' },
        { type: 'mrkdwn', text: 'x' },
        { type: 'raw_text' },
        cell(''),
        { type: 'rich_text' },
        { type: 'rich_text', elements: [] },
        { type: 'rich_text', elements: [{ type: 'section', elements: [] }] },
        rich(),
        rich(link(undefined, 'no url')),
        rich(link('', 'empty url')),
        rich(link('https://x.example', 42)),
        rich({ type: 'text' }, { type: 'image', url: 'https://x.example/a.png' }),
        { type: 'rich_text', elements: [{ type: 'rich_text_list', elements: [cell('x')] }] },
        rich({ type: 'date', timestamp: '1768500000' }),
      ),
    ];
    const at = (column: number, rest = '') => `[json-pointer:/blocks/1/rows/0/${column}${rest}]`;
    expect(validateMessage({ blocks })).toEqual({
      error: 'invalid_blocks',
      errors: [
        `missing required field: type ${at(0)}`,
        `missing required field: type ${at(1)}`,
        `must be raw_text or rich_text ${at(2, '/type')}`,
        `missing required field: text ${at(3)}`,
        `must be more than 0 characters ${at(4, '/text')}`,
        `missing required field: elements ${at(5)}`,
        `must be more than 0 items ${at(6, '/elements')}`,
        `must be a rich text container ${at(7, '/elements/0/type')}`,
        `must be more than 0 items ${at(8, '/elements/0/elements')}`,
        `missing required field: url ${at(9, '/elements/0/elements/0')}`,
        `must be more than 0 characters ${at(10, '/elements/0/elements/0/url')}`,
        `must be a string ${at(11, '/elements/0/elements/0/text')}`,
        `missing required field: text ${at(12, '/elements/0/elements/0')}`,
        `must be a rich text element ${at(12, '/elements/0/elements/1/type')}`,
        `must be a rich_text_section ${at(13, '/elements/0/elements/0')}`,
        `missing required field: timestamp ${at(14, '/elements/0/elements/0')}`,
        `missing required field: format ${at(14, '/elements/0/elements/0')}`,
      ],
    });
  });

  it('counts a link’s url toward the 12,000 chars of the blocks’ text', () => {
    const url = `https://x.example/${'u'.repeat(2_982)}`;
    expect(url).toHaveLength(3_000);
    // 3 sections of 3,000 and a link of 3,000 chars of url and 1 of text: 12,001.
    const sections = Array.from({ length: 3 }, () => section('s'.repeat(3_000)));
    const linked = (text: string) => [...sections, tableOf(rich(link(url, text)))];
    expect(validateMessage({ blocks: linked('') })).toBeUndefined();
    expect(validateMessage({ blocks: linked('x') })).toEqual({ error: 'msg_too_long' });
  });
});
