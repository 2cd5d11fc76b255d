// `pnpm env:example`: rewrites the repository's .env.example from the config schemas.
import { writeFile } from 'node:fs/promises';
import { renderEnvExample } from './env-example.ts';

await writeFile(new URL('../../.env.example', import.meta.url), renderEnvExample());
