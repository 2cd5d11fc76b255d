/**
 * /api/v1/boards (docs/boards.md, docs/api.md → Boards): the stored boards, one board,
 * storing one (created or replaced) and deleting one. Boards are about the whole
 * installation, not about schedulers: every route needs the `admin` scope. A board's
 * destinations are stored with their secrets and shown by fingerprint only.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { BoardStore, Clock } from '@schedmon/domain';
import {
  BoardIdSchema,
  BoardInputSchema,
  BoardViewSchema,
  boardOf,
  boardProblems,
  boardView,
  formatTimestamp,
  ValidationError,
} from '@schedmon/domain';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireAdmin } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { errors, security } from '../plugins/openapi.ts';

export type BoardRoutesDeps = {
  clock: Clock;
  boards: BoardStore;
  /** SHA-256 in hex: destinations are shown by fingerprint. */
  digest: (text: string) => string;
  /** Webhook destinations may name private addresses (DESTINATION_ALLOW_PRIVATE_URLS). */
  allowPrivateUrls: boolean;
};

const BoardParamsSchema = Type.Object({ id: BoardIdSchema });

/** The stored boards, by id; the `default` board built from the environment is not one. */
const BoardListSchema = Type.Object({ boards: Type.Array(BoardViewSchema) });

function notFound(id: string) {
  return new HttpError(404, `Board ${id} not found`);
}

const byId = (a: { board_id: string }, b: { board_id: string }) =>
  a.board_id < b.board_id ? -1 : a.board_id > b.board_id ? 1 : 0;

// The scope is checked before the body and the path are: a key without `admin` learns
// nothing of the board schema from a 400.
const needsAdmin = (what: string) => ({
  preValidation: async (request: FastifyRequest) => requireAdmin(request.apiKey, what),
});

export async function boardRoutes(app: FastifyInstance, deps: BoardRoutesDeps) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const now = () => formatTimestamp(deps.clock.now().getTime());

  api.get(
    '/boards',
    {
      ...needsAdmin('read boards'),
      schema: {
        operationId: 'listBoards',
        summary:
          'List the stored boards by id (the default board from the environment is not stored)',
        tags: ['boards'],
        security,
        response: { 200: BoardListSchema, ...errors(400, 401, 403, 429, 503) },
      },
    },
    async () => {
      const boards = await deps.boards.list(now());
      return { boards: [...boards].sort(byId).map((board) => boardView(board, deps.digest)) };
    },
  );

  api.get(
    '/boards/:id',
    {
      ...needsAdmin('read boards'),
      schema: {
        operationId: 'getBoard',
        summary: 'One stored board',
        tags: ['boards'],
        security,
        params: BoardParamsSchema,
        response: { 200: BoardViewSchema, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const board = await deps.boards.get(id, now());
      if (!board) throw notFound(id);
      return boardView(board, deps.digest);
    },
  );

  api.put(
    '/boards/:id',
    {
      ...needsAdmin('change boards'),
      schema: {
        operationId: 'putBoard',
        summary:
          'Store a board: 201 when it is new, 200 when it replaces the board of that id (created_at kept)',
        tags: ['boards'],
        security,
        params: BoardParamsSchema,
        body: BoardInputSchema,
        response: {
          200: BoardViewSchema,
          201: BoardViewSchema,
          ...errors(400, 401, 403, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const problems = boardProblems(request.body, id, { allowPrivateUrls: deps.allowPrivateUrls });
      if (problems.length > 0) throw new ValidationError(problems);
      const at = now();
      const existing = await deps.boards.get(id, at);
      const board = boardOf(id, request.body, at, existing);
      const outcome = await deps.boards.put(board, at);
      return reply.code(outcome === 'created' ? 201 : 200).send(boardView(board, deps.digest));
    },
  );

  api.delete(
    '/boards/:id',
    {
      ...needsAdmin('change boards'),
      schema: {
        operationId: 'deleteBoard',
        summary:
          'Delete a board: its members go back to the default board unless another board names them',
        tags: ['boards'],
        security,
        params: BoardParamsSchema,
        response: { 200: BoardViewSchema, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const at = now();
      const board = await deps.boards.get(id, at);
      if (!board || !(await deps.boards.delete(id, at))) throw notFound(id);
      return boardView(board, deps.digest);
    },
  );
}
