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
  /**
   * Characters of every `text` string inside the blocks, and of every rich-text link's
   * `url`, summed over the whole message.
   */
  maxBlocksTextChars: number;
  /** Characters of a rich-text `link` element's `url`. */
  maxLinkUrlChars: number;
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
  // Slack documents 3,000 for a button's url; its link element names no limit, so the
  // fake holds links to the same (a link Slack would cut or refuse must not pass here).
  maxLinkUrlChars: 3_000,
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
 * `invalid_blocks` with one `errors` entry per violated block limit or malformed table cell,
 * or `invalid_attachments` / `only_one_table_allowed` for a second table, which is how Slack
 * reports that one.
 *
 * A table cell must be what Slack's table block documents: `raw_text` with a non-empty
 * `text`, or a `rich_text` block whose `elements` are `rich_text_section`, `_list`,
 * `_preformatted` or `_quote` holding rich-text elements (`text` with its `text`, `link`
 * with a `url` of at most `maxLinkUrlChars`, `emoji`, `user`, `usergroup`, `channel`,
 * `broadcast`, `date` with its `timestamp` and `format`, `color`, each with its required
 * field).
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
      const rowPointer = `${pointer}/rows/${index}`;
      checkItems(errors, cells, rowPointer, limits.maxTableCells);
      if (!Array.isArray(cells)) return;
      cells.forEach((cell: unknown, column) => {
        errors.push(...cellErrors(cell, `${rowPointer}/${column}`, limits));
      });
    });
  }
  const settings = `${pointer}/column_settings`;
  checkItems(errors, block.column_settings, settings, limits.maxTableColumnSettings);
  return errors;
}

/** A table cell: `raw_text` or `rich_text`, as Slack's table block documents. */
function cellErrors(cell: unknown, pointer: string, limits: Readonly<MessageLimits>): string[] {
  if (!isObject(cell) || typeof cell.type !== 'string') {
    return [`missing required field: type [json-pointer:${pointer}]`];
  }
  switch (cell.type) {
    case 'raw_text':
      return requiredText(cell, 'text', pointer);
    case 'rich_text':
      return richTextErrors(cell, pointer, limits);
    default:
      return [`must be raw_text or rich_text [json-pointer:${pointer}/type]`];
  }
}

/** Containers of a `rich_text` block's `elements`; a list holds sections. */
const RICH_TEXT_CONTAINERS = new Set([
  'rich_text_section',
  'rich_text_list',
  'rich_text_preformatted',
  'rich_text_quote',
]);

/** The field each rich-text element cannot do without. */
const RICH_TEXT_REQUIRED: Readonly<Record<string, string>> = {
  text: 'text',
  link: 'url',
  emoji: 'name',
  user: 'user_id',
  usergroup: 'usergroup_id',
  channel: 'channel_id',
  broadcast: 'range',
  date: 'timestamp',
  color: 'value',
};

function richTextErrors(
  block: Record<string, unknown>,
  pointer: string,
  limits: Readonly<MessageLimits>,
): string[] {
  const errors = requiredArray(block, pointer);
  if (errors.length > 0) return errors;
  (block.elements as unknown[]).forEach((container, index) => {
    const at = `${pointer}/elements/${index}`;
    if (!isObject(container) || typeof container.type !== 'string') {
      errors.push(`missing required field: type [json-pointer:${at}]`);
    } else if (!RICH_TEXT_CONTAINERS.has(container.type)) {
      errors.push(`must be a rich text container [json-pointer:${at}/type]`);
    } else if (container.type === 'rich_text_list') {
      errors.push(...requiredArray(container, at));
      if (Array.isArray(container.elements)) {
        container.elements.forEach((section: unknown, item) => {
          const sectionAt = `${at}/elements/${item}`;
          if (!isObject(section) || section.type !== 'rich_text_section') {
            errors.push(`must be a rich_text_section [json-pointer:${sectionAt}]`);
          } else errors.push(...inlineErrors(section, sectionAt, limits));
        });
      }
    } else errors.push(...inlineErrors(container, at, limits));
  });
  return errors;
}

/** The rich-text elements of a section, preformatted or quote. */
function inlineErrors(
  container: Record<string, unknown>,
  pointer: string,
  limits: Readonly<MessageLimits>,
): string[] {
  const errors = requiredArray(container, pointer);
  if (errors.length > 0) return errors;
  (container.elements as unknown[]).forEach((element, index) => {
    const at = `${pointer}/elements/${index}`;
    const required = isObject(element) ? RICH_TEXT_REQUIRED[String(element.type)] : undefined;
    if (!isObject(element) || required === undefined) {
      errors.push(`must be a rich text element [json-pointer:${at}/type]`);
      return;
    }
    if (element.type === 'date') {
      if (typeof element.timestamp !== 'number') {
        errors.push(`missing required field: timestamp [json-pointer:${at}]`);
      }
      errors.push(...requiredText(element, 'format', at));
      return;
    }
    errors.push(...requiredText(element, required, at));
    if (element.type !== 'link') return;
    if (element.text !== undefined && typeof element.text !== 'string') {
      errors.push(`must be a string [json-pointer:${at}/text]`);
    }
    const { url } = element;
    if (typeof url === 'string' && url.length > limits.maxLinkUrlChars) {
      errors.push(
        `must be less than ${limits.maxLinkUrlChars + 1} characters [json-pointer:${at}/url]`,
      );
    }
  });
  return errors;
}

/** `object[field]` is a non-empty string. */
function requiredText(object: Record<string, unknown>, field: string, pointer: string): string[] {
  const value = object[field];
  if (typeof value !== 'string')
    return [`missing required field: ${field} [json-pointer:${pointer}]`];
  if (value.length === 0)
    return [`must be more than 0 characters [json-pointer:${pointer}/${field}]`];
  return [];
}

/** `object.elements` is a non-empty array. */
function requiredArray(object: Record<string, unknown>, pointer: string): string[] {
  if (!Array.isArray(object.elements)) {
    return [`missing required field: elements [json-pointer:${pointer}]`];
  }
  if (object.elements.length === 0) {
    return [`must be more than 0 items [json-pointer:${pointer}/elements]`];
  }
  return [];
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
 * Sums every string stored under a `text` key anywhere in the value (text objects, table
 * cells and rich-text elements all keep their visible text there) and every rich-text
 * link's `url`: a message of many links is as long as its addresses, whatever it shows.
 */
function textLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + textLength(item), 0);
  if (!isObject(value)) return 0;
  let sum = 0;
  for (const [key, child] of Object.entries(value)) {
    const counted = key === 'text' || (key === 'url' && value.type === 'link');
    sum += counted && typeof child === 'string' ? child.length : textLength(child);
  }
  return sum;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
