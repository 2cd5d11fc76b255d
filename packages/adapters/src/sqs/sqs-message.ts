/**
 * The SQS rules a message must meet, checked before it is sent so that a message SQS
 * would refuse for good fails as a `ValidationError` (the caller's mistake) instead of
 * as a refusal from the queue. Also the FIFO ids and the sizes SQS counts.
 */
import { createHash } from 'node:crypto';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { MessageAttributes } from '@schedmon/domain';

/** SQS's limit on one message, body and attributes (also the queues' MaximumMessageSize). */
export const MAX_MESSAGE_BYTES = 256 * 1024;
/** SQS's limit on all entries of one `SendMessageBatch` together. */
export const MAX_BATCH_BYTES = 256 * 1024;
/** SQS's limit on entries per batch call. */
export const MAX_BATCH_ENTRIES = 10;
/** SQS's limit on message attributes per message. */
export const MAX_ATTRIBUTES = 10;
/** SQS's limit on `MessageGroupId` and `MessageDeduplicationId`. */
const MAX_FIFO_ID_LENGTH = 128;

// The characters SQS accepts in a body and in attribute values (XML 1.0 characters).
const INVALID_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const INVALID_CHARACTERS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const FIFO_ID = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/;

/** The attributes as SQS String attributes. */
export function toSqsAttributes(
  attributes: MessageAttributes,
): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      { DataType: 'String', StringValue: value },
    ]),
  );
}

/** Bytes SQS counts for a message: the body, and each attribute's name, type and value. */
export function messageBytes(
  body: string,
  attributes: Record<string, MessageAttributeValue>,
): number {
  let bytes = Buffer.byteLength(body);
  for (const [name, value] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    bytes += Buffer.byteLength(value.StringValue ?? '') + (value.BinaryValue?.byteLength ?? 0);
  }
  return bytes;
}

/** Why SQS would refuse a body, or undefined. */
export function bodyProblem(body: string): string | undefined {
  return INVALID_CHARACTER.test(body)
    ? 'the message contains characters SQS does not accept (e.g. U+FFFE, U+FFFF)'
    : undefined;
}

/** Why SQS would refuse these attributes: one readable problem per attribute. */
export function attributeProblems(attributes: MessageAttributes): string[] {
  const problems: string[] = [];
  const names = Object.keys(attributes);
  if (names.length > MAX_ATTRIBUTES) {
    problems.push(`at most ${MAX_ATTRIBUTES} message attributes (got ${names.length})`);
  }
  for (const [name, value] of Object.entries(attributes)) {
    const reserved = /^(aws|amazon)\./i.test(name);
    if (!ATTRIBUTE_NAME.test(name) || reserved || name.includes('..') || /^\.|\.$/.test(name)) {
      problems.push(
        `attribute name ${JSON.stringify(name)} must be 1–256 of A–Z a–z 0–9 _ - . ` +
          '(no leading, trailing or double dot, no AWS. or Amazon. prefix)',
      );
    }
    if (typeof value !== 'string' || value.length === 0) {
      problems.push(`attribute ${name} must be a non-empty string`);
    } else if (INVALID_CHARACTER.test(value)) {
      problems.push(`attribute ${name} contains characters SQS does not accept`);
    }
  }
  return problems;
}

/** Replaces characters SQS refuses with U+FFFD, and an empty text with `-`. */
export function sanitizeAttributeValue(text: string): string {
  const clean = text.replace(INVALID_CHARACTERS, '\uFFFD');
  return clean.length === 0 ? '-' : clean;
}

/** The longest prefix of `text` within `maxBytes` of UTF-8, marked with `…` when cut. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const marker = '…';
  const budget = maxBytes - Buffer.byteLength(marker);
  let kept = '';
  let used = 0;
  // By code point, so a surrogate pair is never split into two invalid halves.
  for (const character of text) {
    const bytes = Buffer.byteLength(character);
    if (used + bytes > budget) break;
    kept += character;
    used += bytes;
  }
  return kept + marker;
}

/**
 * A valid FIFO id (`MessageGroupId`, `MessageDeduplicationId`) standing for `value`:
 * itself when SQS accepts it, else a prefix plus its SHA-256, so distinct values (e.g. a
 * scheduler id of up to 255 characters) keep distinct ids of at most 128 characters.
 */
export function fifoId(value: string): string {
  if (FIFO_ID.test(value)) return value;
  const digest = createHash('sha256').update(value).digest('hex');
  const prefix = value.replace(/[^A-Za-z0-9._:-]/g, '_').slice(0, MAX_FIFO_ID_LENGTH - 65);
  return `${prefix}~${digest}`;
}
