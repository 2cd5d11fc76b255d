/**
 * Checked by tsc, never run (`pnpm lint`, `pnpm typecheck`): for every route of `ROUTES`,
 * the body the client sends, the answer it reads and its query parameters are the same
 * types as those openapi-typescript made of docs/openapi.json (`openapi.gen.ts`), each
 * assignable to the other. The operation is found from the route's own method and path,
 * so a new route is checked without a change here. A mismatch fails the compile with a
 * message naming the route and what differs; `pnpm generate` rewrites the generated types
 * when the api's document changed.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { paths } from './openapi.gen.ts';
import type { ROUTES } from './routes.ts';

type Routes = typeof ROUTES;
type RouteName = keyof Routes & string;

/** True when each of `A` and `B` is assignable to the other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** The document's operation of a route, by its path template and method. */
type OperationOf<Name extends RouteName> = Routes[Name]['path'] extends keyof paths
  ? Lowercase<Routes[Name]['method']> extends keyof paths[Routes[Name]['path']]
    ? NonNullable<paths[Routes[Name]['path']][Lowercase<Routes[Name]['method']>]>
    : never
  : never;

type JsonOf<Content> = Content extends { 'application/json': infer Json } ? Json : never;

/**
 * The document's request body (undefined when it takes none). A body the api also takes
 * as `null` is one it lets the caller leave out (a heartbeat's): that is optionality, not
 * shape, so the null is left out of the comparison.
 */
type DocumentBody<Operation> = Operation extends { requestBody?: infer Body }
  ? [NonNullable<Body>] extends [never]
    ? undefined
    : NonNullable<Body> extends { content: infer Content }
      ? Exclude<JsonOf<Content>, null>
      : never
  : undefined;

/** The document's success answer at `status`. */
type DocumentAnswer<Operation, Status extends number> = Operation extends {
  responses: infer Responses;
}
  ? Status extends keyof Responses
    ? Responses[Status] extends { content: infer Content }
      ? JsonOf<Content>
      : never
    : never
  : never;

/** The document's query parameter names. */
type DocumentQuery<Operation> = Operation extends { parameters: { query?: infer Query } }
  ? [NonNullable<Query>] extends [never]
    ? never
    : keyof NonNullable<Query>
  : never;

type ClientBody<Name extends RouteName> = Routes[Name] extends { body: infer Body extends TSchema }
  ? Static<Body>
  : undefined;
type ClientAnswer<Name extends RouteName> = Static<Routes[Name]['response']>;
type ClientQuery<Name extends RouteName> = Routes[Name] extends {
  query: readonly (infer Query)[];
}
  ? Query
  : never;

/** What differs between the client's route `Name` and the document, as messages. */
type Mismatch<Name extends RouteName> = [OperationOf<Name>] extends [never]
  ? `${Name}: ${Routes[Name]['method']} ${Routes[Name]['path']} is not in docs/openapi.json`
  :
      | (Same<ClientBody<Name>, DocumentBody<OperationOf<Name>>> extends true
          ? never
          : `${Name}: the request body differs from docs/openapi.json`)
      | (Same<
          ClientAnswer<Name>,
          DocumentAnswer<OperationOf<Name>, Routes[Name]['success']>
        > extends true
          ? never
          : `${Name}: the ${Routes[Name]['success']} answer differs from docs/openapi.json`)
      | (Same<ClientQuery<Name>, DocumentQuery<OperationOf<Name>>> extends true
          ? never
          : `${Name}: the query parameters differ from docs/openapi.json`);

type Mismatches = { [Name in RouteName]: Mismatch<Name> }[RouteName];

/** Compiles only while nothing differs; else tsc names each mismatch in its error. */
type Expect<Found extends 'no mismatch'> = Found;
export type OpenApiTypesAgree = Expect<[Mismatches] extends [never] ? 'no mismatch' : Mismatches>;
