# One image per app: `docker build --build-arg APP=worker .` (api by default; APP=local
# gives the image that runs `packages/local/src/provision.ts`).
# The apps run as bundles (`pnpm bundle`, docs/performance.md): one ES module per app with
# the workspace code inlined, so Node never loads its TypeScript parser (~20 MB per
# process). The image also holds the workspace with the app's production dependencies
# (Swagger UI's files, and the TypeScript ops commands such as `dlq-replay`). Not
# `pnpm deploy`: it copies workspace packages into node_modules, where Node refuses to
# strip types; a filtered `--prod` install keeps them as links to packages/.

# The workspace sources, shared by the two stages below.
FROM node:24-slim AS source
WORKDIR /repo
RUN npm install --global pnpm@10
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
COPY patches ./patches
COPY apps ./apps
COPY packages ./packages
COPY infra ./infra

# The app's production dependencies, as the running image holds them.
FROM source AS deps
ARG APP=api
RUN pnpm install --frozen-lockfile --prod --filter "@schedmon/${APP}..."

# The bundle, built from its own full install (esbuild is a dev dependency). Its own
# stage: a full install over the --prod one would have pnpm purge node_modules, which it
# refuses to do without a terminal.
FROM source AS bundle
ARG APP=api
RUN pnpm install --frozen-lockfile --filter "@schedmon/${APP}..." --filter "@schedmon/local" \
  && mkdir -p /out \
  && if [ "${APP}" != "local" ]; then \
       node packages/local/src/bundle.ts "${APP}" && cp "apps/${APP}/dist/main.mjs" /out/; \
     fi

FROM node:24-slim
ARG APP=api
# The production runtime settings: keep in step with PRODUCTION_RUNTIME_ENV
# (packages/resources/src/runtime-env.ts); a test compares them. The worker's own
# NODE_OPTIONS (a larger semi-space) come from compose and k8s.
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-semi-space-size=2 --max-old-space-size=256" \
    MALLOC_ARENA_MAX=2 \
    MALLOC_TRIM_THRESHOLD_=131072 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    APP=${APP}
# The apps listen on loopback unless told otherwise; a container is reached on its own
# interface (docs/configuration.md).
ENV HOST=0.0.0.0
WORKDIR /repo
COPY --from=deps --chown=node:node /repo ./
COPY --from=bundle --chown=node:node /out ./apps/${APP}/dist
USER node
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD node -e "const p=process.env.APP==='api'?(process.env.PORT||3000):(process.env.METRICS_PORT||3001);fetch('http://127.0.0.1:'+p+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["sh", "-c", "exec node apps/${APP}/dist/main.mjs"]
