/**
 * The OpenAPI document: its header, the security scheme, the tags, the documented error
 * answers every route shares, and the examples of `openapi-examples.ts`. The routes' own
 * TypeBox schemas make the rest. docs/development.md says how it is linted and published.
 */
import { STATUS_CODES } from 'node:http';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { IDEMPOTENCY_TTL_HOURS } from '@schedmon/domain';
import type { FastifyInstance } from 'fastify';
import type { OperationExamples } from '../openapi-examples.ts';
import { OPERATION_EXAMPLES } from '../openapi-examples.ts';
import { ErrorResponseSchema } from '../schemas.ts';

/** Every `/api/v1` route is authenticated by `x-api-key`. */
export const security = [{ apiKey: [] }];

/** The documented error answers of a route, by status code, in the one error shape. */
export const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((code) => [code, ErrorResponseSchema]));

type Media = { schema?: unknown; example?: unknown };
type Response = {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, Media>;
};
type Parameter = { name: string; in: string; example?: unknown };
type Operation = {
  operationId?: string;
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, Response>;
};
type Document = { paths?: Record<string, Record<string, Operation>> };

/** Who the error examples are about. */
type Subject = { id: string; access: 'read' | 'write'; hasBody: boolean };

/** What an error status means on this api, and what its example says. */
const ERROR_STATUSES: Record<
  number,
  { description: string; message: string | string[] | ((subject: Subject) => string | string[]) }
> = {
  400: {
    description:
      'The request is invalid: a malformed URL, or a body or parameter the schema refuses (`message` then lists every problem, one sentence each, naming the field)',
    message: ({ hasBody }) => (hasBody ? ['body must be an object'] : 'Malformed URL'),
  },
  401: {
    description: 'The `x-api-key` header is missing or names no known key',
    message: 'Missing API key in x-api-key header',
  },
  403: {
    description:
      'The key’s scopes do not allow this operation on this scheduler (boards need the admin scope)',
    message: ({ id, access }) => `API key reader may not ${access} scheduler ${id}`,
  },
  404: {
    description:
      'No such scheduler, or it is archived (writes only); no such incident; or no such board, where the request names one',
    message: ({ id }) => `Scheduler ${id} not found`,
  },
  409: {
    description: 'The request conflicts with the current state: an incident already resolved',
    message: 'The request conflicts with the current state',
  },
  413: {
    description:
      'The body is larger than the route accepts: `BODY_LIMIT_BYTES` (64 KiB by default), `BATCH_BODY_LIMIT_BYTES` for a batch',
    message: 'Request body is too large',
  },
  415: {
    description: 'The body is not `application/json`',
    message: 'Unsupported content type: text/plain',
  },
  422: {
    description: 'The `Idempotency-Key` was already used for a different request',
    message: ({ id }) =>
      `Idempotency-Key was already used for a different request to scheduler ${id} within ${IDEMPOTENCY_TTL_HOURS} h; send a new key for a new event`,
  },
  429: {
    description:
      'Over the key’s rate limit, or too many requests without a valid key from this address: retry after `Retry-After` seconds',
    message: 'Rate limit of 100 requests per minute exceeded, retry in 42 s',
  },
  500: {
    description: 'An unexpected error; the log has its cause under the request id',
    message: 'Internal server error',
  },
  503: {
    description: 'DynamoDB or the queue cannot be reached: nothing was written, retry later',
    message: 'Service temporarily unavailable, retry later',
  },
};

const RETRY_AFTER = {
  description: 'Seconds to wait before retrying',
  schema: { type: 'integer', minimum: 0 },
};

/** The error shape as plain JSON Schema, for the error answers added here. */
const { $id: _id, ...errorSchema } = JSON.parse(JSON.stringify(ErrorResponseSchema)) as Record<
  string,
  unknown
>;

/** The example of the error answer `status` of `method path`. */
function errorExample(
  status: number,
  method: string,
  path: string,
  operation: Operation,
  examples: OperationExamples | undefined,
) {
  // As the request's URL has it: an incident id's `#` is sent as `%23`.
  const concretePath = path.replace(/\{([^}]+)\}/g, (_match, name: string) =>
    String(examples?.parameters?.[name] ?? name).replaceAll('#', '%23'),
  );
  const subject: Subject = {
    id: String(examples?.parameters?.id ?? 'service-a-eod'),
    access: method === 'get' ? 'read' : 'write',
    hasBody: operation.requestBody !== undefined,
  };
  const generic = ERROR_STATUSES[status]?.message;
  return {
    statusCode: status,
    timestamp: '2026-01-15T01:00:00.000Z',
    path: concretePath,
    method: method.toUpperCase(),
    error: STATUS_CODES[status] ?? 'Error',
    message:
      examples?.errorMessages?.[status] ??
      (typeof generic === 'function' ? generic(subject) : generic) ??
      STATUS_CODES[status] ??
      'Error',
  };
}

const errorResponse = (status: number): Response => ({
  description: ERROR_STATUSES[status]?.description ?? STATUS_CODES[status] ?? 'Error',
  content: { 'application/json': { schema: structuredClone(errorSchema) } },
});

/**
 * Completes one operation: the error answers every route of its kind can give (a body
 * can be malformed, too large or not JSON; an authenticated route can be refused or rate
 * limited), descriptions, and the examples. Generic, so a new route needs only its examples.
 */
function completeOperation(method: string, path: string, operation: Operation) {
  const examples = operation.operationId ? OPERATION_EXAMPLES[operation.operationId] : undefined;
  const responses = operation.responses;
  const implied = [
    // The router answers a malformed URL with 400 before any route runs.
    400,
    ...(operation.requestBody ? [413, 415] : []),
    ...(operation.security?.length ? [401, 429] : []),
  ];
  for (const status of implied) responses[status] ??= errorResponse(status);
  // Without a security requirement of its own an operation is public; saying so keeps
  // tools from guessing.
  operation.security ??= [];

  for (const parameter of operation.parameters ?? []) {
    const value = examples?.parameters?.[parameter.name];
    if (value !== undefined) parameter.example = value;
  }
  if (examples?.request !== undefined) {
    for (const media of Object.values(operation.requestBody?.content ?? {})) {
      media.example = examples.request;
    }
  }
  for (const [code, response] of Object.entries(responses)) {
    const status = Number(code);
    if (response.description === 'Default Response') {
      response.description = STATUS_CODES[status] ?? code;
    }
    // Every error answer shares the error schema's description; say what this status means.
    const meaning = ERROR_STATUSES[status]?.description;
    if (meaning && response.description === ErrorResponseSchema.description) {
      response.description = meaning;
    }
    if (status === 429) response.headers = { 'Retry-After': RETRY_AFTER, ...response.headers };
    const example =
      examples?.responses[status] ??
      (status >= 400 ? errorExample(status, method, path, operation, examples) : undefined);
    if (example === undefined) continue;
    for (const media of Object.values(response.content ?? {})) media.example = example;
  }
}

function completeDocument<T>(document: T): T {
  for (const [path, operations] of Object.entries((document as Document).paths ?? {})) {
    for (const [method, operation] of Object.entries(operations)) {
      completeOperation(method, path, operation);
    }
  }
  return document;
}

/** Registers the document (`/openapi.json` is served by the app) and its UI at `/docs`. */
export function installOpenApi(app: FastifyInstance, version: string) {
  void app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'schedmon API',
        version,
        description:
          'Register scheduled jobs, report their status and heartbeats, read them back. ' +
          'Every non-2xx answer has the error shape; `/api/v1` needs an `x-api-key`.',
      },
      // The api serves its own document: paths are relative to wherever it was fetched from.
      servers: [{ url: '/', description: 'The api that serves this document' }],
      components: {
        securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } },
      },
      tags: [
        { name: 'schedulers', description: 'Scheduled jobs: registration, reads, pause, archive' },
        {
          name: 'events',
          description: 'Status events and heartbeats, queued for the worker (202)',
        },
        {
          name: 'incidents',
          description: 'Problem episodes of schedulers (failed, missed, overrun, stale, too fast)',
        },
        {
          name: 'boards',
          description:
            'Boards: one team’s EOD table, in its own channel, zone and window (the admin scope)',
        },
        {
          name: 'destinations',
          description:
            'PagerDuty, Opsgenie and webhook destinations of one scheduler’s incidents (the admin scope)',
        },
        { name: 'operations', description: 'Health and metrics' },
      ],
    },
    // Schemas with an `$id` that end up in components (the error shape nested in a batch
    // answer) keep their id as name rather than `def-N`.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
    transformObject: (document) =>
      completeDocument(
        'openapiObject' in document ? document.openapiObject : document.swaggerObject,
      ),
  });
  void app.register(swaggerUi, { routePrefix: '/docs' });
}
