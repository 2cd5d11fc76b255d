// `pnpm generate`: rewrites the files generated from the code: .env.example (from the
// config schemas) and the queue message JSON Schema (from the domain's TypeBox schema).
import { mkdir, writeFile } from 'node:fs/promises';
import { renderEnvExample } from './env-example.ts';
import { QUEUE_SCHEMA_PATH, renderQueueSchema } from './queue-schema.ts';

const root = new URL('../../', import.meta.url);
await writeFile(new URL('.env.example', root), renderEnvExample());
await mkdir(new URL('docs/schemas/', root), { recursive: true });
await writeFile(new URL(QUEUE_SCHEMA_PATH, root), renderQueueSchema());
