/**
 * The web dashboard under `/ui` (docs/web.md): server-rendered pages, one script for live
 * updates over Server-Sent Events, sign-in with an API key into a signed session cookie.
 * Every page checks the session's key scopes as the api does; state-changing requests
 * (sign-in, sign-out, Acknowledge) also check `Origin`.
 */

import rateLimit from '@fastify/rate-limit';
import type {
  BoardSettings,
  Clock,
  EodConfig,
  HistoryStore,
  IncidentRecord,
  IncidentStore,
  SchedulerRecord,
  SchedulerStore,
} from '@schedmon/domain';
import {
  addDays,
  BoardIdSchema,
  boardsOf,
  formatTimestamp,
  INCIDENT_KINDS,
  instantOf,
  membersOf,
  SchedulerIdSchema,
  UI_PATHS,
} from '@schedmon/domain';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Gauge } from 'prom-client';
import { acknowledgeIncident } from '../acknowledge-incident.ts';
import type { ApiKey } from '../auth.ts';
import { authenticate, hasAnyAccess, isAllowed, isLoopbackAddress } from '../auth.ts';
import type { AuthFailureLimiter } from '../auth-failures.ts';
import { clientKey } from '../auth-failures.ts';
import { errorBodyOf, HttpError } from '../errors.ts';
import { findIncidents } from '../incident-pages.ts';
import { IncidentIdSchema } from '../routes/incidents.ts';
import type { Asset } from './assets/index.ts';
import { buildAssets } from './assets/index.ts';
import type { Html } from './html.ts';
import { html } from './html.ts';
import type { LiveSnapshot, LiveState } from './live-state.ts';
import { boardsBody, boardsFragment, visibleBoards } from './pages/boards.ts';
import { incidentBody, incidentsBody, queryOf } from './pages/incidents.ts';
import type { Frame, Section } from './pages/layout.ts';
import { pageOf } from './pages/layout.ts';
import { errorBody, loginBody } from './pages/login.ts';
import type { ReportPages } from './pages/reports.ts';
import { schedulerBody } from './pages/scheduler.ts';
import type { Sessions } from './session.ts';
import { cookieValue, SESSION_COOKIE } from './session.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The key of the dashboard session, on `/ui` routes past sign-in. */
    uiKey?: ApiKey;
  }
}

export type UiDeps = {
  clock: Clock;
  keys: readonly ApiKey[];
  schedulers: SchedulerStore;
  history: HistoryStore;
  incidents: IncidentStore;
  /** The shared EOD settings (the default board's window and zone among them). */
  eod: EodConfig;
  live: LiveState;
  sessions: Sessions;
  /** Sign-in attempts with a wrong key count as the api's auth failures. */
  failures: AuthFailureLimiter;
  /** `UI_PUBLIC_URL`: its origin is accepted in `Origin`, and https makes cookies Secure. */
  publicUrl?: string | undefined;
  /** The Reports pages and their CSV. */
  reports: ReportPages;
  /** Counts the open live streams. */
  streams: Pick<Gauge, 'inc' | 'dec'>;
  /** Requests per minute per signed-in key, or per address before sign-in (default 600). */
  rateLimitPerMinute?: number | undefined;
};

const HISTORY_PAGE = 25;
/** Live pages one api process serves at most (each is a socket and a subscription). */
const MAX_STREAMS = 2_000;
/** A stream whose reader has this much unsent is closed: it reconnects when it reads again. */
const MAX_STREAM_BACKLOG_BYTES = 1_048_576;
const PING_MS = 15_000;
/** Marks a same-site reload already tried for a link from another site. */
const HOP_COOKIE = 'schedmon_hop';
const SCHEDULER_INCIDENTS = 10;
const RESOLVED_PAGE = 50;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

// A history cursor is a row's sort key, `<UTC timestamp>#<event id>`, all ASCII.
const HistoryCursorSchema = Type.String({
  maxLength: 200,
  pattern: '^[0-9T:.Z-]{20,30}#[!-~]{1,128}$',
});
const DateSchema = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

/** `next`/`return` of a form: a dashboard path, never another site (`//x`, `/\\x`). */
function safeReturn(value: unknown, fallback: string): string {
  return typeof value === 'string' &&
    value.startsWith('/ui/') &&
    /^[!-[\]-~]+$/.test(value) &&
    value.length <= 2_000
    ? value
    : fallback;
}

function formField(body: unknown, name: string): string | undefined {
  const value = (body as Record<string, unknown> | null | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

export async function uiRoutes(app: FastifyInstance, deps: UiDeps) {
  const assets = buildAssets();
  const byPath = new Map<string, Asset>([
    [assets.css.path, assets.css],
    [assets.js.path, assets.js],
  ]);
  const frame = (key: ApiKey | undefined): Frame => ({
    assets: { css: assets.css.path, js: assets.js.path },
    who: key?.name,
  });
  const publicOrigin = deps.publicUrl ? new URL(deps.publicUrl).origin : undefined;
  const secureCookies = publicOrigin?.startsWith('https:') === true;
  const nowMs = () => deps.clock.now().getTime();
  const now = () => formatTimestamp(nowMs());

  const send = (
    reply: FastifyReply,
    key: ApiKey | undefined,
    page: { title: string; section: Section; body: Html },
  ) => reply.type('text/html; charset=utf-8').send(pageOf(frame(key), page));

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 8_192 },
    (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );

  // Every page reads the stores, and a report reads history: one signed-in key (or one
  // address before sign-in) gets a budget per minute, as `/api/v1` does.
  await app.register(rateLimit, {
    max: deps.rateLimitPerMinute ?? 600,
    timeWindow: 60_000,
    keyGenerator: (request) => {
      const key = deps.sessions.read(
        cookieValue(request.headers.cookie, SESSION_COOKIE),
        deps.clock.now().getTime(),
      );
      // By key and address: a key shared by many screens gets a budget per screen.
      const address = clientKey(request.ip);
      return key === undefined ? `ip:${address}` : `key:${key.name}|${address}`;
    },
    errorResponseBuilder: (_request, context) =>
      new HttpError(
        429,
        `Too many requests: ${context.max} a minute; try again in ${Math.ceil(context.ttl / 1000)} s`,
      ),
  });

  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });

  app.setErrorHandler((error, request, reply) => {
    const body = errorBodyOf(request, error);
    if (body.statusCode === 503) reply.header('retry-after', '5');
    return send(reply.code(body.statusCode), request.uiKey, {
      title: body.error,
      section: 'error',
      body: errorBody(body.statusCode, body.message),
    });
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply.code(404), request.uiKey, {
      title: 'Not found',
      section: 'error',
      body: errorBody(404, `There is no page ${request.url.split('?')[0]}.`),
    }),
  );

  /** The session's key, or undefined: expired, forged, or a local key used from afar. */
  const sessionKey = (request: FastifyRequest): ApiKey | undefined => {
    const key = deps.sessions.read(cookieValue(request.headers.cookie, SESSION_COOKIE), nowMs());
    if (key?.loopbackOnly && !isLoopbackAddress(request.ip)) return undefined;
    return key;
  };

  /** Pages: the session's key, or a redirect to sign in and back. */
  const signedIn = async (request: FastifyRequest, reply: FastifyReply) => {
    const key = sessionKey(request);
    if (key === undefined) {
      // A link followed from another site (Slack) arrives without the SameSite=Strict
      // cookie: one same-site reload brings it along before sign-in is asked for.
      // Only for a page navigation, and once: a Lax marker cookie (sent on the second
      // cross-site arrival, which a Strict one is not) breaks any loop.
      const headers = request.headers;
      if (
        request.method === 'GET' &&
        headers['sec-fetch-site'] === 'cross-site' &&
        headers['sec-fetch-mode'] === 'navigate' &&
        headers['sec-fetch-dest'] === 'document' &&
        cookieValue(headers.cookie, HOP_COOKIE) === undefined
      ) {
        return reply
          .header('set-cookie', `${HOP_COOKIE}=1; Path=/ui; Max-Age=30; HttpOnly; SameSite=Lax`)
          .type('text/html; charset=utf-8')
          .send(
            html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=${request.url}"><title>schedmon</title></head><body><p><a href="${request.url}">Continue to schedmon</a></p></body></html>`
              .html,
          );
      }
      const next = safeReturn(request.url, '/ui/boards');
      return reply.redirect(`/ui/login?next=${encodeURIComponent(next)}`, 303);
    }
    request.uiKey = key;
  };
  /** Streams, CSV and checks: the session's key, or 401. */
  const signedInOr401 = async (request: FastifyRequest) => {
    const key = sessionKey(request);
    if (key === undefined) throw new HttpError(401, 'Not signed in, or the session ended');
    request.uiKey = key;
  };
  /** State changes come from these pages only: `Origin` must be this site's. */
  const sameOrigin = async (request: FastifyRequest) => {
    const origin = request.headers.origin;
    const own = `${request.protocol}://${request.host}`;
    if (origin === undefined || (origin !== own && origin !== publicOrigin)) {
      // Logged with both sides: behind a TLS proxy without TRUST_PROXY or UI_PUBLIC_URL
      // every form is refused, and this line says why (docs/runbook.md → The dashboard).
      request.log.warn(
        { origin: origin?.slice(0, 200) ?? null, expected: publicOrigin ?? own },
        'dashboard: a form from another origin refused',
      );
      throw new HttpError(403, 'This form must be sent from the schedmon dashboard itself');
    }
  };

  const keyOf = (request: FastifyRequest): ApiKey => {
    if (request.uiKey === undefined) throw new HttpError(401, 'Not signed in');
    return request.uiKey;
  };
  const readable = (key: ApiKey) => (schedulerId: string) => isAllowed(key, 'read', schedulerId);
  /** The boards the key may know of (`visibleBoards`). */
  const boardsFor = (key: ApiKey, snapshot: LiveSnapshot) =>
    visibleBoards(snapshot, readable(key), isAllowed(key, 'read'));
  const writable = (key: ApiKey) => (schedulerId: string) => isAllowed(key, 'write', schedulerId);

  /** The zone a scheduler's times show in: its first board's, else the default zone. */
  const zoneOf = (
    record: Pick<SchedulerRecord, 'scheduler_id' | 'service_name' | 'tags'>,
    boards: readonly BoardSettings[],
  ) => boardsOf(record, boards)[0]?.timezone ?? deps.eod.timeZone;

  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply.redirect('/ui/boards', 303),
  );

  app.get<{ Params: { file: string } }>(
    '/assets/:file',
    // Static and cached for good: never worth a request of the budget.
    { schema: { hide: true }, config: { rateLimit: false } },
    async (request, reply) => {
      const asset = byPath.get(`/ui/assets/${request.params.file}`);
      if (asset === undefined) throw new HttpError(404, 'No such asset');
      const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
      reply
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('vary', 'accept-encoding')
        .type(asset.contentType);
      if (gzip) reply.header('content-encoding', 'gzip');
      return reply.send(gzip ? asset.gzipped : asset.body);
    },
  );

  app.get<{ Querystring: { next?: string } }>(
    '/login',
    {
      schema: {
        hide: true,
        querystring: Type.Object({ next: Type.Optional(Type.String({ maxLength: 2_000 })) }),
      },
    },
    async (request, reply) => {
      const next = safeReturn(request.query.next, '/ui/boards');
      if (sessionKey(request) !== undefined) return reply.redirect(next, 303);
      return send(reply, undefined, {
        title: 'Sign in',
        section: 'login',
        body: loginBody({ next }),
      });
    },
  );

  app.post('/login', { schema: { hide: true }, preHandler: sameOrigin }, async (request, reply) => {
    const next = safeReturn(formField(request.body, 'next'), '/ui/boards');
    const given = formField(request.body, 'key')?.trim() ?? '';
    const client = clientKey(request.ip);
    const refuse = (statusCode: number, problem: string) =>
      send(reply.code(statusCode), undefined, {
        title: 'Sign in',
        section: 'login',
        body: loginBody({ next, problem }),
      });
    const blockedFor = deps.failures.blockedFor(client, nowMs());
    if (blockedFor > 0) {
      reply.header('retry-after', String(blockedFor));
      return refuse(429, `Too many wrong keys from this address: try again in ${blockedFor} s.`);
    }
    const key = given === '' || given.length > 512 ? undefined : authenticate(deps.keys, given);
    if (key === undefined || (key.loopbackOnly && !isLoopbackAddress(request.ip))) {
      deps.failures.record(client, nowMs());
      return refuse(401, 'That key is not one this api knows.');
    }
    if (!hasAnyAccess(key, 'read')) {
      return refuse(403, `The key ${key.name} has no read scope: the dashboard needs one.`);
    }
    reply.header(
      'set-cookie',
      `${SESSION_COOKIE}=${deps.sessions.issue(key, nowMs())}; Path=/ui; Max-Age=${deps.sessions.maxAgeSeconds}; HttpOnly; SameSite=Strict${secureCookies || request.protocol === 'https' ? '; Secure' : ''}`,
    );
    request.log.info({ key: key.name }, 'dashboard sign-in');
    return reply.redirect(next, 303);
  });

  app.post('/logout', { schema: { hide: true }, preHandler: sameOrigin }, async (_request, reply) =>
    reply
      .header('set-cookie', `${SESSION_COOKIE}=; Path=/ui; Max-Age=0; HttpOnly; SameSite=Strict`)
      .redirect('/ui/login', 303),
  );

  app.get('/session', { schema: { hide: true }, preHandler: signedInOr401 }, async (_r, reply) =>
    reply.code(204).send(),
  );

  /** The boards fragment of one snapshot for one key, rendered once per key and snapshot. */
  const fragments = new Map<string, string>();
  let fragmentsOf = 0;
  const fragmentFor = (key: ApiKey, snapshot: LiveSnapshot, atMs: number): string => {
    if (fragmentsOf !== snapshot.version) {
      fragments.clear();
      fragmentsOf = snapshot.version;
    }
    let fragment = fragments.get(key.name);
    if (fragment === undefined) {
      fragment = boardsFragment({
        snapshot,
        eod: deps.eod,
        nowMs: atMs,
        mayRead: readable(key),
        readsEverything: isAllowed(key, 'read'),
      }).html;
      fragments.set(key.name, fragment);
    }
    return fragment;
  };

  app.get('/boards', { schema: { hide: true }, preHandler: signedIn }, async (request, reply) => {
    const key = keyOf(request);
    const snapshot = await deps.live.current();
    return send(reply, key, {
      title: 'Boards',
      section: 'boards',
      body: boardsBody({
        snapshot,
        eod: deps.eod,
        nowMs: snapshot.readAt,
        mayRead: readable(key),
        readsEverything: isAllowed(key, 'read'),
      }),
    });
  });

  const streams = new Set<FastifyReply['raw']>();
  app.addHook('preClose', async () => {
    deps.live.stop();
    for (const stream of streams) if (!stream.writableEnded) stream.end();
  });

  app.get<{ Querystring: { view?: string } }>(
    '/events',
    {
      schema: {
        hide: true,
        querystring: Type.Object({ view: Type.Optional(Type.Literal('boards')) }),
      },
      preHandler: signedInOr401,
    },
    async (request, reply) => {
      const key = keyOf(request);
      if (streams.size >= MAX_STREAMS) {
        reply.header('retry-after', '30');
        throw new HttpError(429, 'Too many open live pages on this api process; retry later');
      }
      const cookie = cookieValue(request.headers.cookie, SESSION_COOKIE);
      reply.hijack();
      const stream = reply.raw;
      stream.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      });
      streams.add(stream);
      deps.streams.inc();
      let last = '';
      /** Writes unless the stream has ended; a reader that stopped reading is cut off. */
      const send = (text: string) => {
        if (stream.writableEnded || stream.destroyed) return;
        if (stream.writableLength > MAX_STREAM_BACKLOG_BYTES) {
          request.log.info('dashboard: a live page stopped reading; its stream is closed');
          stream.destroy();
          return;
        }
        stream.write(text);
      };
      const push = (snapshot: LiveSnapshot) => {
        const fragment = fragmentFor(key, snapshot, snapshot.readAt);
        if (fragment === last) return;
        last = fragment;
        // One `data:` line per line of the fragment: SSE ends an event at a blank line
        // and takes CR, LF and CRLF as line ends.
        send(`event: fragment\ndata: ${fragment.replace(/\r\n|\r|\n/g, '\ndata: ')}\n\n`);
      };
      send('retry: 3000\n\n');
      const unsubscribe = deps.live.subscribe(push);
      // A comment now and then keeps proxies from closing an idle stream; the session is
      // checked again each time, so a stream ends with its session.
      const ping = setInterval(() => {
        if (deps.sessions.read(cookie, nowMs()) === undefined) stream.end();
        else send(': ping\n\n');
      }, PING_MS);
      ping.unref();
      const close = () => {
        unsubscribe();
        clearInterval(ping);
        if (streams.delete(stream)) deps.streams.dec();
      };
      request.raw.once('close', close);
      stream.once('close', close);
      stream.on('error', close);
      deps.live.current().then(push, (error: unknown) => {
        request.log.warn({ err: error }, 'dashboard: no snapshot for a new stream');
      });
    },
  );

  app.get<{ Params: { id: string }; Querystring: { after?: string; before?: string } }>(
    '/schedulers/:id',
    {
      schema: {
        hide: true,
        params: Type.Object({ id: SchedulerIdSchema }),
        querystring: Type.Object({
          after: Type.Optional(HistoryCursorSchema),
          before: Type.Optional(HistoryCursorSchema),
        }),
      },
      preHandler: signedIn,
    },
    async (request, reply) => {
      const key = keyOf(request);
      const { id } = request.params;
      if (!isAllowed(key, 'read', id)) {
        throw new HttpError(403, `The key ${key.name} may not read scheduler ${id}.`);
      }
      const record = await deps.schedulers.get(id);
      if (record === undefined) throw new HttpError(404, `No scheduler ${id}.`);
      const snapshot = await deps.live.current();
      const zone = zoneOf(record, snapshot.boards);
      const { after, before } = request.query;
      const at = now();
      // One row more than a page says whether another page follows.
      const rows = await deps.history.query(id, {
        limit: HISTORY_PAGE + 1,
        now: at,
        ...(after !== undefined ? { after } : before !== undefined ? { before } : {}),
      });
      const goingBack = after === undefined && before !== undefined;
      const more = rows.length > HISTORY_PAGE;
      // Going back, the extra row is the one farthest from `before` (the newest): drop it.
      const page = goingBack ? rows.slice(more ? 1 : 0) : rows.slice(0, HISTORY_PAGE);
      const first = page[0];
      const last = page.at(-1);
      const olderQuery =
        last !== undefined && (goingBack || more)
          ? `?after=${encodeURIComponent(last.sk)}`
          : undefined;
      // An empty later page (its rows expired, or a cursor made up) leads to the newest.
      const newerQuery =
        first === undefined
          ? after !== undefined || goingBack
            ? ''
            : undefined
          : after !== undefined || (goingBack && more)
            ? `?before=${encodeURIComponent(first.sk)}`
            : undefined;
      const [incidents, chart] = await Promise.all([
        findIncidents(
          deps.incidents,
          {
            limit: SCHEDULER_INCIDENTS,
            matches: (incident) => incident.scheduler_id === id,
            selective: true,
          },
          at,
        ),
        deps.reports.chartOf(record, zone),
      ]);
      return send(reply, key, {
        title: `${record.service_name} › ${record.job_name}`,
        section: 'scheduler',
        body: schedulerBody({
          record,
          zone,
          history: page,
          olderQuery,
          newerQuery,
          incidents: incidents.incidents,
          chart,
          mayWrite: writable(key),
          nowMs: nowMs(),
        }),
      });
    },
  );

  type IncidentsQuery = { board?: string; kind?: string; date?: string; cursor?: string };
  app.get<{ Querystring: IncidentsQuery }>(
    '/incidents',
    {
      schema: {
        hide: true,
        querystring: Type.Object({
          board: Type.Optional(Type.Union([BoardIdSchema, Type.Literal('')])),
          kind: Type.Optional(
            Type.Union([...INCIDENT_KINDS.map((kind) => Type.Literal(kind)), Type.Literal('')]),
          ),
          date: Type.Optional(Type.Union([DateSchema, Type.Literal('')])),
          cursor: Type.Optional(Type.String({ maxLength: 1_000, pattern: '^[!-~]+$' })),
        }),
      },
      preHandler: signedIn,
    },
    async (request, reply) => {
      const key = keyOf(request);
      const { cursor } = request.query;
      const filter = {
        ...(request.query.board ? { board: request.query.board } : {}),
        ...(request.query.kind ? { kind: request.query.kind } : {}),
        ...(request.query.date ? { date: request.query.date } : {}),
      };
      const snapshot = await deps.live.current();
      const board =
        filter.board === undefined
          ? undefined
          : boardsFor(key, snapshot).find((candidate) => candidate.board_id === filter.board);
      if (filter.board !== undefined && board === undefined) {
        throw new HttpError(404, `No board ${filter.board}.`);
      }
      const zone = board?.timezone ?? deps.eod.timeZone;
      const members =
        board === undefined
          ? undefined
          : new Set(membersOf(board, snapshot.records, snapshot.boards).map((r) => r.scheduler_id));
      const day = filter.date === undefined ? undefined : dayBounds(filter.date, zone);
      const matches = (incident: IncidentRecord) =>
        isAllowed(key, 'read', incident.scheduler_id) &&
        (members === undefined || members.has(incident.scheduler_id)) &&
        (filter.kind === undefined || incident.kind === filter.kind) &&
        (day === undefined ||
          (Date.parse(incident.opened_at) >= day.from && Date.parse(incident.opened_at) < day.to));
      const resolved = await findIncidents(
        deps.incidents,
        {
          limit: RESOLVED_PAGE,
          ...(cursor === undefined ? {} : { before: cursor }),
          matches: (incident) => incident.state === 'resolved' && matches(incident),
          selective: true,
        },
        now(),
      );
      return send(reply, key, {
        title: 'Incidents',
        section: 'incidents',
        body: incidentsBody({
          filter,
          boardIds: boardsFor(key, snapshot).map((candidate) => candidate.board_id),
          unresolved: snapshot.incidents.filter(matches),
          resolved: resolved.incidents,
          olderQuery:
            resolved.next === undefined ? undefined : queryOf(filter, { cursor: resolved.next }),
          later: cursor !== undefined,
          zone,
          mayWrite: writable(key),
          returnTo: `/ui/incidents${queryOf(filter)}`,
        }),
      });
    },
  );

  app.get<{ Params: { id: string }; Querystring: { done?: string } }>(
    '/incidents/:id',
    {
      schema: {
        hide: true,
        params: Type.Object({ id: IncidentIdSchema }),
        querystring: Type.Object({ done: Type.Optional(Type.Literal('acknowledged')) }),
      },
      preHandler: signedIn,
    },
    async (request, reply) => {
      const key = keyOf(request);
      const incident = await deps.incidents.incident(request.params.id, now());
      if (incident === undefined || !isAllowed(key, 'read', incident.scheduler_id)) {
        throw new HttpError(404, `No incident ${request.params.id}.`);
      }
      const snapshot = await deps.live.current();
      return send(reply, key, {
        title: `${incident.service_name} › ${incident.job_name}`,
        section: 'incidents',
        body: incidentBody({
          incident,
          zone: zoneOf(
            snapshot.records.find((record) => record.scheduler_id === incident.scheduler_id) ?? {
              scheduler_id: incident.scheduler_id,
              service_name: incident.service_name,
              tags: [],
            },
            snapshot.boards,
          ),
          mayWrite: writable(key),
          flash:
            request.query.done === undefined
              ? undefined
              : 'Acknowledged. Slack shows it in the thread.',
        }),
      });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/incidents/:id/acknowledge',
    {
      schema: { hide: true, params: Type.Object({ id: IncidentIdSchema }) },
      preHandler: [signedIn, sameOrigin],
    },
    async (request, reply) => {
      const key = keyOf(request);
      const { id } = request.params;
      const schedulerId = id.slice(0, id.indexOf('#'));
      if (!isAllowed(key, 'read', schedulerId)) throw new HttpError(404, `No incident ${id}.`);
      if (!isAllowed(key, 'write', schedulerId)) {
        throw new HttpError(
          403,
          `The key ${key.name} may not acknowledge incidents of ${schedulerId}: it needs write.`,
        );
      }
      const result = await acknowledgeIncident(deps, { incidentId: id, by: `ui:${key.name}` });
      deps.live.invalidate();
      switch (result.outcome) {
        case 'acknowledged': {
          request.log.info(
            { incident: id, key: key.name, changed: result.changed },
            'dashboard acknowledge',
          );
          const back = safeReturn(formField(request.body, 'return'), UI_PATHS.incident(id));
          const target = back === UI_PATHS.incident(id) ? `${back}?done=acknowledged` : back;
          return reply.redirect(target, 303);
        }
        case 'not_found':
        case 'no_scheduler':
          throw new HttpError(404, `No incident ${id}.`);
        case 'resolved':
          throw new HttpError(
            409,
            'This incident is resolved: only an open one can be acknowledged.',
          );
        case 'not_open':
          throw new HttpError(409, 'This incident is no longer its scheduler’s open one.');
      }
    },
  );

  await deps.reports.register(app, {
    boardsFor,
    signedIn,
    signedInOr401,
    keyOf,
    send,
    snapshot: () => deps.live.current(),
  });
}

/** The instants of a calendar day in a zone: [from, to). */
function dayBounds(date: string, zone: string): { from: number; to: number } {
  return {
    from: instantOf({ date, time: '00:00' }, zone),
    to: instantOf({ date: addDays(date, 1), time: '00:00' }, zone),
  };
}
