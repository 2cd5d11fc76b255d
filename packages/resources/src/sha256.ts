/**
 * The SHA-256 the SDK signs requests with (its `sha256` option), the same digests as its
 * own, cheaper. Signature V4 makes four per request: two hashes and two HMACs, one of
 * them keyed by the day's signing key, which the SDK hands over as bytes. Node turns a
 * byte key into a key object on every `createHmac`, which costs about five times the
 * HMAC itself; here each byte key becomes a `KeyObject` once (docs/performance.md →
 * What a call costs).
 */
import type { Hash, Hmac, KeyObject } from 'node:crypto';
import { createHash, createHmac, createSecretKey } from 'node:crypto';

type SourceData = string | ArrayBuffer | ArrayBufferView;

/**
 * The byte keys seen lately: a signing key changes once a day per region and service, so
 * a handful are live at once. Past this many the cache starts again, so a process that
 * runs for years never grows it.
 */
const MAX_KEYS = 32;
const keyObjects = new Map<string, KeyObject>();

function bytesOf(data: ArrayBuffer | ArrayBufferView): Buffer {
  return ArrayBuffer.isView(data)
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    : Buffer.from(data);
}

/** A string key as it is (Node takes those cheaply), a byte key as a cached `KeyObject`. */
function keyOf(secret: SourceData): string | KeyObject {
  if (typeof secret === 'string') return secret;
  const bytes = bytesOf(secret);
  // An empty key is a valid HMAC key that `createSecretKey` refuses.
  if (bytes.byteLength === 0) return '';
  const id = bytes.toString('latin1');
  let key = keyObjects.get(id);
  if (!key) {
    if (keyObjects.size >= MAX_KEYS) keyObjects.clear();
    key = createSecretKey(Buffer.from(bytes));
    keyObjects.set(id, key);
  }
  return key;
}

/** `@smithy/types`' `Checksum`: a SHA-256 hash, or with a secret its HMAC. */
export class Sha256 {
  private readonly key: string | KeyObject | undefined;
  private hash: Hash | Hmac;
  private finished = false;

  constructor(secret?: SourceData) {
    // As the SDK's: an empty string is no secret (a plain hash), empty bytes are one.
    this.key = secret ? keyOf(secret) : undefined;
    this.hash = this.start();
  }

  update(data: SourceData): void {
    if (this.finished) throw new Error('Attempted to update an already finished hash.');
    this.hash.update(typeof data === 'string' ? data : bytesOf(data));
  }

  /**
   * An HMAC is finished by its digest, and a second digest throws (Node's would be empty:
   * a signature of nothing); a plain hash may go on (as the SDK's does).
   */
  async digest(): Promise<Uint8Array> {
    let bytes: Buffer;
    if (this.key === undefined) {
      bytes = (this.hash as Hash).copy().digest();
    } else {
      if (this.finished) throw new Error('Attempted to digest an already finished HMAC.');
      this.finished = true;
      bytes = this.hash.digest();
    }
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  reset(): void {
    this.hash = this.start();
    this.finished = false;
  }

  private start(): Hash | Hmac {
    return this.key === undefined ? createHash('sha256') : createHmac('sha256', this.key);
  }
}
