import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  OPENAPI_DOCUMENT_PATH,
  OPENAPI_TYPES_PATH,
  renderOpenApiDocument,
  renderOpenApiTypes,
} from '../src/openapi-document.ts';

const committed = (path: string) => readFile(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('published OpenAPI document and client types', () => {
  it(`${OPENAPI_DOCUMENT_PATH} is the api’s /openapi.json (run \`pnpm generate\`)`, async () => {
    expect(
      await committed(OPENAPI_DOCUMENT_PATH),
      `${OPENAPI_DOCUMENT_PATH} is out of date: run \`pnpm generate\``,
    ).toBe(await renderOpenApiDocument());
  });

  it(`${OPENAPI_TYPES_PATH} is what openapi-typescript makes of it (run \`pnpm generate\`)`, async () => {
    const document = await committed(OPENAPI_DOCUMENT_PATH);
    expect(
      await committed(OPENAPI_TYPES_PATH),
      `${OPENAPI_TYPES_PATH} is out of date: run \`pnpm generate\``,
    ).toBe(await renderOpenApiTypes(document));
  });
});
