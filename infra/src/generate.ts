// `pnpm generate`: rewrites the files generated from the code: .env.example (from the
// config schemas), the queue message JSON Schema (from the domain's TypeBox schema), the
// api's OpenAPI document and the client's TypeScript types made from that document, and
// the tables of docs/capacity.md (from the capacity model's inputs).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { CAPACITY_DOC_PATH, withCapacityTables } from './capacity.ts';
import { renderEnvExample } from './env-example.ts';
import {
  OPENAPI_DOCUMENT_PATH,
  OPENAPI_TYPES_PATH,
  renderOpenApiDocument,
  renderOpenApiTypes,
} from './openapi-document.ts';
import { QUEUE_SCHEMA_PATH, renderQueueSchema } from './queue-schema.ts';

const root = new URL('../../', import.meta.url);
await writeFile(new URL('.env.example', root), renderEnvExample());
await mkdir(new URL('docs/schemas/', root), { recursive: true });
await writeFile(new URL(QUEUE_SCHEMA_PATH, root), renderQueueSchema());
const openApiDocument = await renderOpenApiDocument();
await writeFile(new URL(OPENAPI_DOCUMENT_PATH, root), openApiDocument);
await writeFile(new URL(OPENAPI_TYPES_PATH, root), await renderOpenApiTypes(openApiDocument));
const capacity = new URL(CAPACITY_DOC_PATH, root);
await writeFile(capacity, withCapacityTables(await readFile(capacity, 'utf8')));
