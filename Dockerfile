# One image per app: `docker build --build-arg APP=worker .` (api by default; APP=local
# gives the image that runs `packages/local/src/provision.ts`).
# Node 24 runs the TypeScript sources directly (type stripping), so there is no compile
# step; the image holds the workspace with production dependencies only. Not `pnpm deploy`:
# it copies the workspace packages into node_modules, where Node refuses to strip types
# (ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING); a filtered `--prod` install keeps them
# as links to packages/, which Node runs.
FROM node:24-slim AS build
WORKDIR /repo
RUN npm install --global pnpm@10
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
COPY apps ./apps
COPY packages ./packages
COPY infra ./infra
ARG APP=api
RUN pnpm install --frozen-lockfile --prod --filter "@schedmon/${APP}..."

FROM node:24-slim
ARG APP=api
ENV NODE_ENV=production APP=${APP}
WORKDIR /repo
COPY --from=build --chown=node:node /repo ./
USER node
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD node -e "const p=process.env.APP==='api'?(process.env.PORT||3000):(process.env.METRICS_PORT||3001);fetch('http://127.0.0.1:'+p+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["sh", "-c", "exec node apps/${APP}/src/main.ts"]
