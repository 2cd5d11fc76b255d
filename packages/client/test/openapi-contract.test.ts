// The client's routes against the api's OpenAPI document: every call's method and
// path template exists, with the same body fields (required and accepted), query
// parameters and success answer. The document is the committed docs/openapi.json, which
// infra's drift test keeps equal to what the api serves.
import { readFileSync } from 'node:fs';
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

beforeAll(() => {
  document = JSON.parse(
    readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8'),
  ) as OpenApi;
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
