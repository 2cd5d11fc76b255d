// The signature check docs/destinations.md tells receivers to copy, run as written
// against what the sender signs: the snippet cannot drift from the signing.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { webhookSignature } from '../src/destinations/index.ts';

const doc = readFileSync(new URL('../../../docs/destinations.md', import.meta.url), 'utf8');
const snippet = /TypeScript \(Node\):\n\n```ts\n([\s\S]*?)```/.exec(doc)?.[1];
const dir = mkdtempSync(join(tmpdir(), 'schedmon-doc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the webhook signature snippet of docs/destinations.md', () => {
  it('verifies what the sender signs, and nothing else', async () => {
    expect(snippet).toBeDefined();
    const file = join(dir, 'verify.ts');
    writeFileSync(file, snippet ?? '');
    const { verifySchedmonSignature } = (await import(pathToFileURL(file).href)) as {
      verifySchedmonSignature: (
        header: string | undefined,
        body: string,
        secret: string,
      ) => boolean;
    };
    const body = JSON.stringify({ id: 'dlv_1', type: 'incident.opened', note: 'ünïcode ✓' });
    const now = Math.floor(Date.now() / 1000);
    const header = webhookSignature('whsec-0123456789abcdef', body, now);
    expect(verifySchedmonSignature(header, body, 'whsec-0123456789abcdef')).toBe(true);
    expect(verifySchedmonSignature(header, `${body} `, 'whsec-0123456789abcdef')).toBe(false);
    expect(verifySchedmonSignature(header, body, 'whsec-other-secret00')).toBe(false);
    expect(verifySchedmonSignature(undefined, body, 'whsec-0123456789abcdef')).toBe(false);
    const stale = webhookSignature('whsec-0123456789abcdef', body, now - 301);
    expect(verifySchedmonSignature(stale, body, 'whsec-0123456789abcdef')).toBe(false);
    // A rotated secret: two v1 values, either verifies.
    const rotated = `${header},v1=${'0'.repeat(64)}`;
    expect(verifySchedmonSignature(rotated, body, 'whsec-0123456789abcdef')).toBe(true);
    expect(verifySchedmonSignature(`t=${now},v1=zz`, body, 'whsec-0123456789abcdef')).toBe(false);
  });
});
