import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

type Factory = ReturnType<typeof SerializerSelector>;
type Serializer = ReturnType<ReturnType<Factory>>;

/**
 * Fastify's own response serializers (fast-json-stringify, as its default factory builds
 * them), one per schema object instead of one per route and status code. Every route
 * documents the same error answers (`errors(…)`: one `ErrorResponseSchema` object for each
 * of its codes), and Fastify otherwise compiles and keeps a copy for each pair: 221
 * serializers in the api, about 2 MB of generated source alive in its heap
 * (docs/performance.md → The middleware chain built once, and the api's serializers).
 * A serializer depends only on its schema and on the context's shared schemas and
 * options, which are this factory's arguments (the compiler ignores the route, method,
 * status and content type it is also given), so one per schema object within a context
 * is the same code. In a scope that adds schemas (`addSchema`) Fastify calls the factory
 * again for every route, so sharing there is per route; the api adds none.
 */
export const sharedSerializers: Factory = (externalSchemas, options) => {
  const compile = SerializerSelector()(externalSchemas, options);
  const compiled = new WeakMap<object, Serializer>();
  return (route) => {
    const { schema } = route;
    if (typeof schema !== 'object' || schema === null) return compile(route);
    let serializer = compiled.get(schema);
    if (!serializer) {
      serializer = compile(route);
      compiled.set(schema, serializer);
    }
    return serializer;
  };
};
