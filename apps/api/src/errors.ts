/**
 * The one error handler: every non-2xx answer has the error shape of docs/api.md, domain
 * error codes map to statuses in one table, and anything unknown is a 500 that says
 * nothing about internals (the log has the cause, with the request id).
 */
import { STATUS_CODES } from 'node:http';
import type { ErrorCode, ErrorResponse } from '@schedmon/domain';
import { DomainError, ValidationError } from '@schedmon/domain';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The error shape (docs/api.md), defined once in the domain's HTTP contract. */
export type ErrorBody = ErrorResponse;

const STATUS_OF_CODE: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  VALUE_UNSTORABLE: 400,
  ENGINE_UNAVAILABLE: 503,
  QUEUE_REFUSED: 503,
  NOTIFIER_FAILED: 503,
  DESTINATION_FAILED: 503,
};

// Codes whose own message is for the log only (engine text, account ids, table names).
const PUBLIC_MESSAGE_OF_CODE: Partial<Record<ErrorCode, string>> = {
  VALUE_UNSTORABLE: 'A value in the request cannot be stored',
  ENGINE_UNAVAILABLE: 'Service temporarily unavailable, retry later',
  QUEUE_REFUSED: 'Service temporarily unavailable, retry later',
  NOTIFIER_FAILED: 'Service temporarily unavailable, retry later',
  DESTINATION_FAILED: 'Service temporarily unavailable, retry later',
};

/** An error the api raises itself with a status and a message meant for the caller. */
export class HttpError extends Error {
  readonly statusCode: number;

  constructor(statusCode: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
  }
}

// Fastify's own errors whose message is fit for the caller, by code.
const FASTIFY_MESSAGES: Record<string, (error: FastifyError) => string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => 'Request body is too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (error) =>
    `Unsupported content type: ${error.message.replace(/^Unsupported Media Type:?\s*/i, '') || 'send application/json'}`,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => 'Content-Length does not match the body',
  FST_ERR_CTP_EMPTY_JSON_BODY: () => 'Body cannot be empty when content-type is application/json',
  FST_ERR_CTP_INVALID_JSON_BODY: () => 'Malformed JSON in request body',
  FST_ERR_CTP_MALFORMED_BODY: () => 'Malformed JSON in request body',
  FST_ERR_BAD_URL: () => 'Malformed URL',
  FST_ERR_ASYNC_CONSTRAINT: () => 'Request could not be routed',
};

export function errorBody(
  request: FastifyRequest,
  statusCode: number,
  message: string | string[],
): ErrorBody {
  return {
    statusCode,
    timestamp: new Date().toISOString(),
    path: request.url.split('?')[0] ?? request.url,
    method: request.method,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message,
  };
}

function describe(error: FastifyError): { statusCode: number; message: string | string[] } {
  if (error instanceof ValidationError) return { statusCode: 400, message: [...error.problems] };
  if (error instanceof DomainError) {
    const statusCode = STATUS_OF_CODE[error.code];
    return { statusCode, message: PUBLIC_MESSAGE_OF_CODE[error.code] ?? error.message };
  }
  if (error instanceof HttpError) return { statusCode: error.statusCode, message: error.message };
  if (error.code === 'FST_ERR_VALIDATION' && error.validation) {
    return {
      statusCode: 400,
      message: error.validation.map((problem) => {
        const field =
          problem.instancePath.replace(/^\//, '').replaceAll('/', '.') ||
          error.validationContext ||
          'body';
        return `${field} ${problem.message ?? 'is invalid'}`;
      }),
    };
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return { statusCode: 400, message: 'Malformed JSON in request body' };
  }
  const known = error.code ? FASTIFY_MESSAGES[error.code] : undefined;
  if (known && error.statusCode) return { statusCode: error.statusCode, message: known(error) };
  if (error.statusCode === 429) return { statusCode: 429, message: error.message };
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { statusCode: error.statusCode, message: error.message };
  }
  return { statusCode: 500, message: 'Internal server error' };
}

/** The error shape of `error` as the handler would answer it, for a part of an answer. */
export function errorBodyOf(request: FastifyRequest, error: unknown): ErrorBody {
  const { statusCode, message } = describe(error as FastifyError);
  if (statusCode >= 500) request.log.error({ err: error }, 'part of a request failed');
  return errorBody(request, statusCode, message);
}

/** Installs the error and not-found handlers. */
export function installErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { statusCode, message } = describe(error);
    if (statusCode >= 500) request.log.error({ err: error }, 'request failed');
    else
      request.log.info({ statusCode, code: error.code, reason: error.message }, 'request refused');
    if (statusCode === 503) reply.header('retry-after', '5');
    return reply.code(statusCode).send(errorBody(request, statusCode, message));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(
        errorBody(request, 404, `Route ${request.method} ${request.url.split('?')[0]} not found`),
      ),
  );
}
