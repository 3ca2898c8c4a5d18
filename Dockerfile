# syntax=docker/dockerfile:1.7
# One image per service, from this single parameterised Dockerfile:
#   docker build --build-arg APP=chat-service -t troupe/chat-service .            (production, target "runtime")
#   docker build --build-arg APP=chat-service --target dev -t troupe/chat-service . (Tilt live update)
# APP is the workspace folder under apps/ (its package is @troupe/<APP>).
#
# Stages: prune (turbo prune: only APP's workspaces + a pruned lockfile) -> build (npm ci, tsc via turbo) ->
# deps (production node_modules only) -> runtime (node:20-alpine, non-root, tini as PID 1, no HEALTHCHECK:
# Kubernetes probes /healthz). The runtime writes nowhere but /tmp, so it runs with a read-only root filesystem.

ARG NODE_IMAGE=node:20-alpine
# Same turbo as the root package.json (deploy/test checks it).
ARG TURBO_VERSION=2.11.9

FROM ${NODE_IMAGE} AS base
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false TURBO_TELEMETRY_DISABLED=1
WORKDIR /repo

# --- prune: the subset of the monorepo APP depends on ---------------------------------------------------------
FROM base AS prune
ARG APP
ARG TURBO_VERSION
RUN test -n "${APP}" || (echo "build with --build-arg APP=<chat-service|agent-memory-service|tool-service>" && false)
RUN npm install --global "turbo@${TURBO_VERSION}"
COPY . .
# out/json: package.json files + pruned package-lock.json (install layer, cached until deps change);
# out/full: their sources.
RUN turbo prune "@troupe/${APP}" --docker --out-dir out

# --- build: all dependencies, compile APP and the packages it uses (tsc -p tsconfig.build.json -> dist/) --------
FROM base AS build
ARG APP
COPY --from=prune /repo/out/json/ ./
RUN --mount=type=cache,target=/var/cache/npm npm ci --no-audit --no-fund --cache /var/cache/npm
COPY --from=prune /repo/out/full/ ./
# Root files the workspaces' tsconfigs extend (turbo prune copies workspaces only).
COPY tsconfig.base.json ./
RUN npx turbo run build "--filter=@troupe/${APP}..."

# --- dev: Tilt live update target; sources synced into /repo, tsx restarts the server on change ----------------
FROM build AS dev
ARG APP
ENV APP_DIR=/repo/apps/${APP} NODE_ENV=development
RUN chown -R node:node /repo
USER 1000:1000
WORKDIR /repo/apps/${APP}
# tsx (a root devDependency) directly, not through npx: tsx is PID 1 and relays SIGTERM to the server.
CMD ["/repo/node_modules/.bin/tsx", "watch", "--conditions=troupe-source", "--import", "./src/instrumentation.ts", "src/server.ts"]

# --- deps: production dependencies only, plus the compiled workspaces -----------------------------------------
FROM build AS deps
RUN npm prune --omit=dev --no-audit --no-fund \
  && rm -rf node_modules/.cache .turbo apps/*/.turbo packages/*/.turbo apps/*/test packages/*/test \
  && find apps packages -name '*.tsbuildinfo' -delete

# --- runtime ----------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG APP
# tini as PID 1: forwards SIGTERM to node (the services drain on SIGTERM themselves) and reaps zombies.
# 0.19.x, fuzzy-pinned so it follows the base image's Alpine release.
RUN apk add --no-cache "tini~=0.19"
ENV NODE_ENV=production HOST=0.0.0.0
COPY --from=deps --chown=root:root /repo /repo
WORKDIR /repo/apps/${APP}
# The node user (uid/gid 1000) of the base image; files stay root-owned and read-only for it.
USER 1000:1000
# Extra Node flags go through NODE_OPTIONS (the Helm chart's app.nodeOptions).
ENTRYPOINT ["/sbin/tini", "--"]
# The OpenTelemetry bootstrap (dist/instrumentation.js) is loaded before the app; it exports only when
# OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_TRACES_EXPORTER say so (docs/observability.md). Loading it again through
# NODE_OPTIONS is harmless (one module URL, started once).
CMD ["node", "--enable-source-maps", "--import", "./dist/instrumentation.js", "dist/server.js"]
