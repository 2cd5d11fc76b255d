import { createHash, createHmac } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { FinalizeHandler, FinalizeHandlerArguments, MetadataBearer } from '@smithy/types';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Sha256 } from './sha256.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

afterEach(() => {
  vi.useRealTimers();
});

describe('Sha256', () => {
  it('gives the SHA-256 of strings and bytes, again after more is added', async () => {
    const hash = new Sha256();
    hash.update('abc');
    expect(hex(await hash.digest())).toBe(createHash('sha256').update('abc').digest('hex'));
    hash.update(new Uint8Array([1, 2, 3]).subarray(1));
    expect(hex(await hash.digest())).toBe(
      createHash('sha256')
        .update('abc')
        .update(Buffer.from([2, 3]))
        .digest('hex'),
    );
    hash.reset();
    expect(hex(await hash.digest())).toBe(createHash('sha256').digest('hex'));
  });

  it('gives the HMAC for a string key, a byte key (cached or not) and an empty key', async () => {
    const bytes = new Uint8Array(40).map((_, index) => index * 7);
    // A view into a larger buffer: only its own bytes are the key.
    const view = new Uint8Array(Buffer.concat([Buffer.from([9, 9]), Buffer.from(bytes)])).subarray(
      2,
    );
    for (const key of [
      'secret',
      bytes,
      view,
      bytes.buffer,
      new Uint8Array(0),
      new Uint8Array([0xff]),
    ]) {
      for (let round = 0; round < 2; round += 1) {
        const hmac = new Sha256(key);
        hmac.update('message');
        hmac.update(new Uint8Array([0, 1]));
        const expected = createHmac(
          'sha256',
          typeof key === 'string' ? key : Buffer.from(key as ArrayBuffer),
        )
          .update('message')
          .update(Buffer.from([0, 1]))
          .digest('hex');
        expect(hex(await hmac.digest())).toBe(expected);
      }
    }
  });

  it('takes an empty string as no secret, as the SDK’s hash does', async () => {
    const hash = new Sha256('');
    hash.update('x');
    expect(hex(await hash.digest())).toBe(createHash('sha256').update('x').digest('hex'));
  });

  it('tells two byte keys apart, and refuses more input after an HMAC’s digest', async () => {
    const a = new Sha256(new Uint8Array([1, 2, 3]));
    const b = new Sha256(new Uint8Array([1, 2, 4]));
    a.update('x');
    b.update('x');
    expect(hex(await a.digest())).not.toBe(hex(await b.digest()));
    expect(() => a.update('y')).toThrow(/finished/);
    await expect(a.digest()).rejects.toThrow(/finished/);
    a.reset();
    a.update('x');
    expect(hex(await a.digest())).toBe(
      createHmac('sha256', Buffer.from([1, 2, 3]))
        .update('x')
        .digest('hex'),
    );
  });

  it('gives the right HMAC for many byte keys, past the cache’s size and back', async () => {
    const keys = Array.from({ length: 80 }, (_, index) => Buffer.from([index, 255 - index, 7]));
    for (const round of [1, 2]) {
      for (const key of keys) {
        const hash = new Sha256(key);
        hash.update(`round ${round}`);
        expect(hex(await hash.digest())).toBe(
          createHmac('sha256', key).update(`round ${round}`).digest('hex'),
        );
      }
    }
  });

  it('signs a request exactly as the SDK’s own hash does', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-02T01:02:03.000Z') });
    const authorization = async (sha256?: typeof Sha256) => {
      const client = new DynamoDBClient({
        region: 'ap-southeast-1',
        endpoint: 'http://127.0.0.1:1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG' },
        ...(sha256 ? { sha256 } : {}),
      });
      let signed: string | undefined;
      // The retry middleware gives every call a random id, which is signed: fixed here.
      client.middlewareStack.addRelativeTo(
        (next: FinalizeHandler<object, MetadataBearer>) =>
          async (args: FinalizeHandlerArguments<object>) => {
            (args.request as { headers: Record<string, string> }).headers['amz-sdk-invocation-id'] =
              'fixed';
            return next(args);
          },
        { relation: 'after', toMiddleware: 'retryMiddleware', name: 'fixInvocationId' },
      );
      client.middlewareStack.add(
        () => async (args) => {
          signed = (args.request as { headers: Record<string, string> }).headers.authorization;
          throw new Error('stop before sending');
        },
        { step: 'deserialize', name: 'captureAuthorization' },
      );
      await client
        .send(new GetItemCommand({ TableName: 't', Key: { id: { S: 'ü' } } }))
        .catch(() => undefined);
      client.destroy();
      return signed;
    };
    const theirs = await authorization();
    expect(theirs).toMatch(/Signature=[0-9a-f]{64}$/);
    expect(await authorization(Sha256)).toBe(theirs);
  });
});
