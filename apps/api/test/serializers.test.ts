// One response serializer per schema object (sharedSerializers), built by Fastify's own
// factory: the same function for every route and status code that shares a schema, and
// the same output as Fastify's default gives.

import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ErrorResponseSchema } from '../src/schemas.ts';
import { sharedSerializers } from '../src/serializers.ts';

const route = (schema: unknown, url: string, httpStatus: string) => ({
  schema,
  url,
  method: 'GET',
  httpStatus,
});

describe('sharedSerializers', () => {
  it('gives every route and status code that shares a schema object one serializer', () => {
    const compile = sharedSerializers({}, {});
    const first = compile(route(ErrorResponseSchema, '/a', '400'));
    expect(compile(route(ErrorResponseSchema, '/b', '404'))).toBe(first);
    expect(compile(route(ErrorResponseSchema, '/a', '503'))).toBe(first);
    const other = { type: 'object', properties: { ok: { type: 'boolean' } } };
    expect(compile(route(other, '/a', '200'))).not.toBe(first);
    // A copy of a schema is another object: compiled on its own, never confused with it.
    expect(compile(route(structuredClone(other), '/a', '200'))).not.toBe(
      compile(route(other, '/a', '200')),
    );
  });

  it('serializes as Fastify’s default serializer does, hostile documents included', () => {
    const shared = sharedSerializers({}, {});
    const fastify = SerializerSelector()({}, {});
    const base = {
      statusCode: 400,
      timestamp: '2026-12-04T00:00:00.000Z',
      path: '/x',
      method: 'GET',
    };
    const documents: unknown[] = [
      { ...base, error: 'Bad Request', message: 'No scheduler' },
      {
        ...base,
        error: '</script>\u2028"\\\u0000🚀',
        message: ['a', '\u001b[31m', ''],
        extra: 'dropped',
      },
      { ...base, statusCode: 1e21, error: 'x'.repeat(100_000), message: [] },
      { ...base, error: 'missing message' },
      {},
    ];
    const outcome = (serialize: (document: unknown) => string, document: unknown) => {
      try {
        return serialize(document);
      } catch (error) {
        return `threw ${(error as Error).message}`;
      }
    };
    for (const document of documents) {
      expect(outcome(shared(route(ErrorResponseSchema, '/x', '400')), document)).toBe(
        outcome(fastify(route(ErrorResponseSchema, '/x', '400')), document),
      );
    }
    expect(outcome(shared(route(ErrorResponseSchema, '/x', '400')), {})).toMatch(/^threw /);
  });

  it('keeps the contexts apart: a factory call of its own compiles its own', () => {
    const one = sharedSerializers({}, {});
    const two = sharedSerializers({}, {});
    expect(one(route(ErrorResponseSchema, '/a', '400'))).not.toBe(
      two(route(ErrorResponseSchema, '/a', '400')),
    );
  });

  it('serves every route of an app, scopes with shared schemas of their own included, from one serializer per schema', async () => {
    const served = new Map<string, Set<unknown>>();
    const app = Fastify({
      schemaController: {
        compilersFactory: {
          buildSerializer: (externalSchemas, options) => {
            const compile = sharedSerializers(externalSchemas, options);
            return (route) => {
              const serializer = compile(route);
              const scope = route.url.startsWith('/scoped') ? 'scope' : 'root';
              served.set(scope, (served.get(scope) ?? new Set()).add(serializer));
              return serializer;
            };
          },
        },
      },
    });
    const failing =
      (statusCode: number) =>
      async (_request: unknown, reply: { code(n: number): { send(body: unknown): unknown } }) =>
        reply.code(statusCode).send({
          statusCode,
          timestamp: 't',
          path: '/p',
          method: 'GET',
          error: 'Nope',
          message: 'no',
          leaked: 'secret',
        });
    const errors = { 400: ErrorResponseSchema, 404: ErrorResponseSchema, 503: ErrorResponseSchema };
    for (const url of ['/a', '/b', '/c'])
      app.get(url, { schema: { response: errors } }, failing(404));
    await app.register(async (scope) => {
      scope.addSchema({ $id: 'Thing', type: 'object', properties: { name: { type: 'string' } } });
      const thing = { 200: { $ref: 'Thing#' }, ...errors };
      scope.get('/scoped', { schema: { response: thing } }, async () => ({ name: 'n', hidden: 1 }));
      scope.get('/scoped-error', { schema: { response: thing } }, failing(503));
    });
    await app.ready();
    // The 18 error answers of the root's 3 routes (GET and HEAD each) share one serializer.
    // In a scope that adds schemas Fastify builds a compiler per route, so sharing there
    // is per route (the api adds none): 2 schemas on 4 routes.
    expect(served.get('root')?.size).toBe(1);
    expect(served.get('scope')?.size).toBe(8);
    const answer = await app.inject('/b');
    expect(answer.statusCode).toBe(404);
    expect(answer.json()).toEqual({
      statusCode: 404,
      timestamp: 't',
      path: '/p',
      method: 'GET',
      error: 'Nope',
      message: 'no',
    });
    expect((await app.inject('/scoped')).json()).toEqual({ name: 'n' });
    expect((await app.inject('/scoped-error')).json()).not.toHaveProperty('leaked');
    await app.close();
  });
});
