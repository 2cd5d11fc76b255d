// The client's routes against the api's own OpenAPI document: every call's method and
// path template exists, with the same body fields (required and accepted), query
// parameters and success answer. The api runs on in-memory fakes: only its document counts.
import { buildApp } from '@schedmon/api';
import {
  createFakeClock,
  createMemoryHistoryStore,
  createMemoryIdempotencyStore,
  createMemoryQueue,
  createMemorySchedulerStore,
} from '@schedmon/domain/fakes';
import { createLogger } from '@schedmon/runtime';
import type { TSchema } from '@sinclair/typebox';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Route } from '../src/routes.ts';
import { ROUTES } from '../src/routes.ts';

type JsonSchema = {
  type?: string;
  required?: string[];
  properties?: Record<string, unknown>;
  items?: JsonSchema;
};
type Operation = {
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
};
type OpenApi = { paths: Record<string, Record<string, Operation>> };

let document: OpenApi;

beforeAll(async () => {
  const clock = createFakeClock('2026-01-15T01:00:00.000Z');
  const app = buildApp({
    logger: createLogger({ name: 'api', level: 'silent', pretty: false }),
    version: 'contract',
    clock,
    keys: [],
    schedulers: createMemorySchedulerStore(),
    history: createMemoryHistoryStore(),
    queue: createMemoryQueue({ clock }).producer,
    idempotency: createMemoryIdempotencyStore(),
    readiness: async () => ({ status: 'healthy', components: {} }),
    limits: {
      rateLimitPerMinute: 100,
      authFailuresPerMinute: 30,
      bodyLimitBytes: 65_536,
      batchBodyLimitBytes: 1_048_576,
      maxClockSkewMs: 300_000,
      knownSchedulerTtlMs: 30_000,
    },
  });
  const response = await app.inject({ method: 'GET', url: '/openapi.json' });
  document = response.json() as OpenApi;
  await app.close();
});

/** Required and accepted property names of an object schema (of the items, for arrays). */
function fieldsOf(schema: JsonSchema | TSchema) {
  const object =
    (schema as JsonSchema).type === 'array' ? ((schema as JsonSchema).items ?? {}) : schema;
  return {
    required: [...((object as JsonSchema).required ?? [])].sort(),
    accepted: Object.keys((object as JsonSchema).properties ?? {}).sort(),
  };
}

const routes = Object.entries(ROUTES) as [string, Route][];

describe('the client against the api’s /openapi.json', () => {
  it.each(routes)('%s: method, path and success status exist', (_name, route) => {
    const operation = document.paths[route.path]?.[route.method.toLowerCase()];
    expect(operation, `${route.method} ${route.path}`).toBeDefined();
    expect(Object.keys(operation?.responses ?? {})).toContain(String(route.success));
  });

  it.each(routes)('%s: the same body fields, required and accepted', (_name, route) => {
    const operation = document.paths[route.path]?.[route.method.toLowerCase()];
    const apiBody = operation?.requestBody?.content['application/json']?.schema;
    if (!route.body) {
      expect(apiBody).toBeUndefined();
      return;
    }
    expect(apiBody).toBeDefined();
    expect(fieldsOf(route.body)).toEqual(fieldsOf(apiBody ?? {}));
  });

  it.each(routes)('%s: the same query and path parameters', (_name, route) => {
    const parameters = document.paths[route.path]?.[route.method.toLowerCase()]?.parameters ?? [];
    const names = (where: string) =>
      parameters
        .filter((parameter) => parameter.in === where)
        .map((parameter) => parameter.name)
        .sort();
    expect(names('query')).toEqual([...(route.query ?? [])].sort());
    expect(names('path')).toEqual(route.path.includes('{id}') ? ['id'] : []);
  });

  it.each(routes)('%s: the same fields in the success answer', (_name, route) => {
    const answer =
      document.paths[route.path]?.[route.method.toLowerCase()]?.responses[String(route.success)]
        ?.content?.['application/json']?.schema;
    expect(answer).toBeDefined();
    expect(fieldsOf(route.response)).toEqual(fieldsOf(answer ?? {}));
  });

  it('covers every /api/v1 route the api serves', () => {
    const served = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    expect(served).toEqual(routes.map(([, route]) => `${route.method} ${route.path}`).sort());
  });
});
