// The OpenAPI document as tools and readers need it: every operation named, summarised,
// with a success and a 4xx answer, and examples; and every example accepted by the very
// TypeBox schema the route validates or serializes with, so no example can mislead.
import { compileValidator } from '@schedmon/domain';
import type { TSchema } from '@sinclair/typebox';
import type { RouteOptions } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_EXAMPLES } from '../src/openapi-examples.ts';
import { ErrorResponseSchema } from '../src/schemas.ts';
import { makeApp } from './helpers.ts';

type Media = { schema?: unknown; example?: unknown };
type Operation = {
  operationId?: string;
  summary?: string;
  tags?: string[];
  parameters?: { name: string; in: string; example?: unknown }[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { description: string; content?: Record<string, Media> }>;
};
type Document = {
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
};
type RouteSchemas = {
  body?: TSchema;
  querystring?: TSchema;
  params?: TSchema;
  response?: Record<string, TSchema>;
};

let document: Document;
/** The schemas each route was registered with, by `METHOD /openapi/{path}`. */
const routeSchemas = new Map<string, RouteSchemas>();

beforeAll(async () => {
  const { app } = makeApp();
  // Added before the plugins load, so every route registered afterwards passes by here.
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    // The api compiles every schema with TypeBox (plugins/validation.ts): they are TSchemas.
    const schemas = (route.schema ?? {}) as RouteSchemas;
    for (const method of methods) routeSchemas.set(`${method} ${path}`, schemas);
  });
  const response = await app.inject({ method: 'GET', url: '/openapi.json' });
  expect(response.statusCode).toBe(200);
  document = response.json() as Document;
  await app.close();
});

const operations = () =>
  Object.entries(document.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, operation]) => ({
      name: `${method.toUpperCase()} ${path}`,
      method,
      path,
      operation,
    })),
  );

/** Every problem `schema` finds in `value`; none when the value fits. */
function problemsOf(schema: TSchema, value: unknown): string[] {
  const validator = compileValidator(schema);
  if (validator.check(value)) return [];
  const problems = validator.problems(value);
  return problems.length > 0 ? problems : ['refused'];
}

/** The route schema a document example illustrates: undefined when there is none. */
function responseSchemaOf(route: RouteSchemas, status: number, type: string): TSchema | undefined {
  const declared = route.response?.[status] as
    | (TSchema & { content?: Record<string, { schema: TSchema }> })
    | undefined;
  // An answer declared per content type (`/metrics` is text) carries its schema inside.
  if (declared?.content) return declared.content[type]?.schema;
  if (declared) return declared;
  // Error answers the document adds for every route of a kind (plugins/openapi.ts).
  return status >= 400 ? ErrorResponseSchema : undefined;
}

/** Each example of one operation, with the route schema it must fit. */
function examplesOf(name: string, operation: Operation, route: RouteSchemas) {
  const checks: { where: string; schema: TSchema | undefined; value: unknown }[] = [];
  for (const parameter of operation.parameters ?? []) {
    if (parameter.example === undefined) continue;
    const container = parameter.in === 'path' ? route.params : route.querystring;
    const schema = (container as { properties?: Record<string, TSchema> } | undefined)
      ?.properties?.[parameter.name];
    checks.push({ where: `${name} parameter ${parameter.name}`, schema, value: parameter.example });
  }
  for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
    checks.push({ where: `${name} request ${type}`, schema: route.body, value: media.example });
  }
  for (const [status, response] of Object.entries(operation.responses)) {
    for (const [type, media] of Object.entries(response.content ?? {})) {
      checks.push({
        where: `${name} ${status} ${type}`,
        schema: responseSchemaOf(route, Number(status), type),
        value: media.example,
      });
    }
  }
  return checks;
}

describe('the OpenAPI document', () => {
  it('has operations', () => {
    expect(operations().length).toBeGreaterThan(5);
  });

  it('names and summarises every operation, with a success and a 4xx answer', () => {
    const missing: string[] = [];
    for (const { name, operation } of operations()) {
      if (!/^[a-z][A-Za-z0-9]+$/.test(operation.operationId ?? ''))
        missing.push(`${name} operationId`);
      if (!operation.summary) missing.push(`${name} summary`);
      const statuses = Object.keys(operation.responses);
      if (!statuses.some((status) => /^2\d\d$/.test(status))) missing.push(`${name} 2xx answer`);
      if (!statuses.some((status) => /^4\d\d$/.test(status))) missing.push(`${name} 4xx answer`);
      for (const [status, response] of Object.entries(operation.responses)) {
        if (response.description === 'Default Response')
          missing.push(`${name} ${status} description`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('gives every operation examples: its body and every answer with content', () => {
    const missing: string[] = [];
    for (const { name, operation } of operations()) {
      if (!OPERATION_EXAMPLES[operation.operationId ?? '']) {
        missing.push(`${name}: no entry in src/openapi-examples.ts`);
      }
      const [, success] =
        Object.entries(operation.responses).find(([status]) => /^2\d\d$/.test(status)) ?? [];
      if (!success?.content) missing.push(`${name}: a success answer without a schema`);
      for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
        if (media.example === undefined) missing.push(`${name} request ${type} example`);
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          if (media.example === undefined) missing.push(`${name} ${status} ${type} example`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('has no examples for operations, answers or parameters it does not have', () => {
    const stale: string[] = [];
    const byId = new Map(operations().map((entry) => [entry.operation.operationId, entry]));
    for (const [operationId, examples] of Object.entries(OPERATION_EXAMPLES)) {
      const operation = byId.get(operationId)?.operation;
      if (!operation) {
        stale.push(`${operationId}: no such operation`);
        continue;
      }
      const statuses = Object.keys(operation.responses);
      for (const status of Object.keys({ ...examples.responses, ...examples.errorMessages })) {
        if (!statuses.includes(status)) stale.push(`${operationId}: no ${status} answer`);
      }
      const parameters = (operation.parameters ?? []).map((parameter) => parameter.name);
      for (const parameter of Object.keys(examples.parameters ?? {})) {
        if (!parameters.includes(parameter))
          stale.push(`${operationId}: no parameter ${parameter}`);
      }
      if ((examples.request !== undefined) !== (operation.requestBody !== undefined)) {
        stale.push(`${operationId}: a request example where there is no body, or none for it`);
      }
    }
    expect(stale).toEqual([]);
  });

  it('describes every tag its operations use', () => {
    const described = new Map(document.tags?.map((tag) => [tag.name, tag.description]));
    for (const { name, operation } of operations()) {
      for (const tag of operation.tags ?? []) {
        expect(described.get(tag), `${name} tag ${tag}`).toBeTruthy();
      }
    }
  });

  it('has every example accepted by the schema of its route', () => {
    const failures: string[] = [];
    let checked = 0;
    for (const { name, method, path, operation } of operations()) {
      const route = routeSchemas.get(`${method.toUpperCase()} ${path}`);
      expect(route, `${name}: the route behind it`).toBeDefined();
      for (const check of examplesOf(name, operation, route ?? {})) {
        if (check.value === undefined) continue;
        if (!check.schema) {
          failures.push(`${check.where}: an example without a schema to check it against`);
          continue;
        }
        checked += 1;
        const problems = problemsOf(check.schema, check.value);
        if (problems.length > 0) failures.push(`${check.where}: ${problems.join('; ')}`);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(operations().length);
  });

  it('refuses a wrong example (the check above can fail)', () => {
    const { name, method, path, operation } =
      operations().find((entry) => entry.operation.operationId === 'registerScheduler') ?? {};
    expect(operation).toBeDefined();
    const route = routeSchemas.get(`${method?.toUpperCase()} ${path}`) ?? {};
    const checks = examplesOf(name ?? '', operation ?? { responses: {} }, route);
    const request = checks.find((check) => check.where.includes('request'));
    const answer = checks.find((check) => check.where.includes(' 201 '));
    const error = checks.find((check) => check.where.includes(' 401 '));
    expect(request?.schema && answer?.schema && error?.schema).toBeTruthy();
    const wrong = (value: unknown, change: Record<string, unknown>) => ({
      ...(value as object),
      ...change,
    });
    expect(
      problemsOf(request?.schema as TSchema, wrong(request?.value, { owner_email: 'nobody' })),
    ).not.toEqual([]);
    expect(
      problemsOf(request?.schema as TSchema, wrong(request?.value, { unknown_field: 1 })),
    ).not.toEqual([]);
    expect(
      problemsOf(answer?.schema as TSchema, wrong(answer?.value, { status: 'sleeping' })),
    ).not.toEqual([]);
    expect(
      problemsOf(error?.schema as TSchema, wrong(error?.value, { statusCode: '401' })),
    ).not.toEqual([]);
  });
});
