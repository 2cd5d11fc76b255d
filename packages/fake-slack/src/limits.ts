/**
 * The size limits Slack enforces on a message, each overridable in `startFakeSlack({ limits })`.
 * Lengths are counted in UTF-16 code units (`string.length`), which is never less than the
 * characters Slack counts, so a message the fake accepts also fits in real Slack.
 */
export type MessageLimits = {
  /** Blocks in one message. */
  maxBlocks: number;
  /** Characters of a section block's `text.text`. */
  maxSectionTextChars: number;
  /** Items in a section block's `fields`. */
  maxSectionFields: number;
  /** Characters of each section field's `text`. */
  maxSectionFieldChars: number;
  /** Characters of a header block's `text.text`. */
  maxHeaderTextChars: number;
  /** Items in a context block's `elements`. */
  maxContextElements: number;
  /** `table` blocks in one message. */
  maxTableBlocks: number;
  /** Rows of one `table` block. */
  maxTableRows: number;
  /** Cells of one row of a `table` block. */
  maxTableCells: number;
  /** Items in a `table` block's `column_settings`. */
  maxTableColumnSettings: number;
  /** Characters of the top-level `text` (the notification fallback). */
  maxTextChars: number;
  /** Characters of every `text` string inside the blocks, summed over the whole message. */
  maxBlocksTextChars: number;
};

/** Slack's limits as the EOD Slack spec ("The status table message") lists them; the fake's defaults. */
export const DEFAULT_MESSAGE_LIMITS: Readonly<MessageLimits> = Object.freeze({
  maxBlocks: 50,
  maxSectionTextChars: 3_000,
  maxSectionFields: 10,
  maxSectionFieldChars: 2_000,
  maxHeaderTextChars: 150,
  maxContextElements: 10,
  maxTableBlocks: 1,
  maxTableRows: 100,
  maxTableCells: 20,
  maxTableColumnSettings: 20,
  maxTextChars: 40_000,
  maxBlocksTextChars: 12_000,
});

/**
 * Why Slack would refuse a message: its `error` code and, for `invalid_blocks` and
 * `invalid_attachments`, the human-readable `errors` Slack lists (each naming a JSON pointer).
 */
export type MessageRefusal = { error: string; errors?: string[] };

/** The content fields of `chat.postMessage` / `chat.update` / `chat.postEphemeral`, blocks already parsed from JSON. */
export type MessageContent = { text?: unknown; blocks?: unknown; attachments?: unknown };

/**
 * Checks a message against Slack's limits without any I/O.
 *
 * Returns `undefined` when Slack would accept it, else the refusal Slack answers with:
 * `no_text` (neither text, blocks nor attachments), `invalid_blocks_format` (blocks is not a
 * JSON array), `msg_too_long` (`text` or the blocks' summed text over the limit),
 * `invalid_blocks` with one `errors` entry per violated block limit, or `invalid_attachments`
 * / `only_one_table_allowed` for a second table, which is how Slack reports that one.
 */
export function validateMessage(
  message: MessageContent,
  limits: Readonly<MessageLimits> = DEFAULT_MESSAGE_LIMITS,
): MessageRefusal | undefined {
  const { blocks } = message;
  if (blocks !== undefined && !Array.isArray(blocks)) return { error: 'invalid_blocks_format' };
  const text = typeof message.text === 'string' ? message.text : '';
  const hasAttachments = Array.isArray(message.attachments) && message.attachments.length > 0;
  if (text.length === 0 && (blocks ?? []).length === 0 && !hasAttachments) {
    return { error: 'no_text' };
  }
  if (text.length > limits.maxTextChars) return { error: 'msg_too_long' };
  if (blocks === undefined) return undefined;

  const errors = blockErrors(blocks, limits);
  if (errors.length > 0) return { error: 'invalid_blocks', errors };
  const tables = blocks.filter((block) => isObject(block) && block.type === 'table').length;
  if (tables > limits.maxTableBlocks) {
    return { error: 'invalid_attachments', errors: ['only_one_table_allowed'] };
  }
  if (textLength(blocks) > limits.maxBlocksTextChars) return { error: 'msg_too_long' };
  return undefined;
}

function blockErrors(blocks: unknown[], limits: Readonly<MessageLimits>): string[] {
  const errors: string[] = [];
  if (blocks.length > limits.maxBlocks) errors.push(tooManyItems(limits.maxBlocks, '/blocks'));
  blocks.forEach((block, index) => {
    const pointer = `/blocks/${index}`;
    if (!isObject(block) || typeof block.type !== 'string') {
      errors.push(`missing required field: type [json-pointer:${pointer}]`);
      return;
    }
    switch (block.type) {
      case 'section':
        errors.push(...sectionErrors(block, pointer, limits));
        break;
      case 'header':
        checkText(errors, block.text, `${pointer}/text/text`, limits.maxHeaderTextChars);
        break;
      case 'context':
        checkItems(errors, block.elements, `${pointer}/elements`, limits.maxContextElements);
        break;
      case 'table':
        errors.push(...tableErrors(block, pointer, limits));
        break;
    }
  });
  return errors;
}

function sectionErrors(
  block: Record<string, unknown>,
  pointer: string,
  limits: Readonly<MessageLimits>,
): string[] {
  const errors: string[] = [];
  checkText(errors, block.text, `${pointer}/text/text`, limits.maxSectionTextChars);
  checkItems(errors, block.fields, `${pointer}/fields`, limits.maxSectionFields);
  if (Array.isArray(block.fields)) {
    block.fields.forEach((field: unknown, index) => {
      const fieldPointer = `${pointer}/fields/${index}/text`;
      checkText(errors, field, fieldPointer, limits.maxSectionFieldChars);
    });
  }
  return errors;
}

function tableErrors(
  block: Record<string, unknown>,
  pointer: string,
  limits: Readonly<MessageLimits>,
): string[] {
  const errors: string[] = [];
  checkItems(errors, block.rows, `${pointer}/rows`, limits.maxTableRows);
  if (Array.isArray(block.rows)) {
    block.rows.forEach((cells: unknown, index) => {
      checkItems(errors, cells, `${pointer}/rows/${index}`, limits.maxTableCells);
    });
  }
  const settings = `${pointer}/column_settings`;
  checkItems(errors, block.column_settings, settings, limits.maxTableColumnSettings);
  return errors;
}

/** `textObject` is a Block Kit text object (`{ type, text }`); its `text` is what is limited. */
function checkText(errors: string[], textObject: unknown, pointer: string, max: number): void {
  if (!isObject(textObject) || typeof textObject.text !== 'string') return;
  if (textObject.text.length > max) {
    errors.push(`must be less than ${max + 1} characters [json-pointer:${pointer}]`);
  }
}

function checkItems(errors: string[], items: unknown, pointer: string, max: number): void {
  if (Array.isArray(items) && items.length > max) errors.push(tooManyItems(max, pointer));
}

// Slack words its limits as an exclusive bound: "must be less than 51 items" for a limit of 50.
function tooManyItems(max: number, pointer: string): string {
  return `must be less than ${max + 1} items [json-pointer:${pointer}]`;
}

/**
 * Sums every string stored under a `text` key anywhere in the value: text objects, table
 * cells and rich-text elements all keep their visible text there.
 */
function textLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + textLength(item), 0);
  if (!isObject(value)) return 0;
  let sum = 0;
  for (const [key, child] of Object.entries(value)) {
    sum += key === 'text' && typeof child === 'string' ? child.length : textLength(child);
  }
  return sum;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
