# Every image of the platform, from the repository root; one build stage compiles all of them:
#   docker build --target gateway      -t bedrock-mcp/gateway .
#   docker build --target agent-worker -t bedrock-mcp/agent-worker .
#   docker build --target mcp-pool     -t bedrock-mcp/mcp-pool .
#   docker build --target web          -t bedrock-mcp/web .
#   docker build --target mcp-pool-python -t bedrock-mcp/mcp-pool:python .   # + python3, uv/uvx
# No `# syntax=` line (BuildKit would pull a frontend image for it), and the uv image is named only
# by the last target: the classic builder (DOCKER_BUILDKIT=0, docker-compose v1) builds every stage
# up to the target, BuildKit only the ones the target uses; both work. The code runs on Node 20+;
# images use a current LTS (the AWS SDK will soon require Node 22).
ARG NODE_VERSION=24
# Only mcp-pool-python uses it. Pin a version (e.g. ghcr.io/astral-sh/uv:0.9) for reproducible builds.
ARG UV_IMAGE=ghcr.io/astral-sh/uv:latest

# Layers: on Docker's vfs storage driver (where no overlay filesystem is available) every
# instruction, even ENV or USER, copies the whole file system so far. So: few instructions after
# `npm ci` in the build stage, and each runtime image gets conf/ and then its application in one
# COPY each, last.

# ---- build: every workspace the services use, with dev dependencies, compiled once. Beside it,
# /deps/<service> holds each Node service's runtime tree: its production dependencies (no
# TypeScript, no test tooling; installed from the npm cache the first install filled), then the
# dist/, lua/ and demo/ folders of the workspaces it has. The toolchain is only the
# fallback for native modules without a prebuilt binary (sqlite3, under the pool's preset MCP
# servers, whose install scripts run) and stays out of every runtime image.
FROM node:${NODE_VERSION}-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/common/package.json packages/common/
COPY packages/turns/package.json packages/turns/
COPY packages/config-store/package.json packages/config-store/
COPY packages/pool-client/package.json packages/pool-client/
COPY packages/voice/package.json packages/voice/
COPY services/gateway/package.json services/gateway/
COPY services/agent-worker/package.json services/agent-worker/
COPY services/mcp-pool/package.json services/mcp-pool/
COPY services/web/package.json services/web/
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/* \
    && npm ci --no-audit --no-fund --ignore-scripts --include-workspace-root \
      -w packages/contracts -w packages/common -w packages/turns -w packages/config-store -w packages/pool-client -w packages/voice \
      -w services/gateway -w services/agent-worker -w services/mcp-pool -w services/web \
    && production() { \
      service=$1; scripts=$2; shift 2; \
      mkdir -p "/deps/$service" && cp package.json package-lock.json "/deps/$service/"; \
      for workspace in "$@"; do mkdir -p "/deps/$service/$workspace" && cp "$workspace/package.json" "/deps/$service/$workspace/"; done; \
      (cd "/deps/$service" && npm ci --omit=dev --prefer-offline --no-audit --no-fund --include-workspace-root=false $scripts $(printf -- '-w %s ' "$@")); \
    } \
    && production gateway --ignore-scripts packages/contracts packages/common packages/turns packages/config-store packages/pool-client packages/voice services/gateway \
    && production agent-worker --ignore-scripts packages/contracts packages/common packages/turns packages/config-store packages/pool-client services/agent-worker \
    && production mcp-pool --foreground-scripts packages/contracts packages/common packages/config-store services/mcp-pool \
    && npm cache clean --force
COPY packages packages
COPY services services
# The web app without source maps: Vite's maps embed the app's TypeScript sources.
RUN npx tsc -b services/gateway services/agent-worker services/mcp-pool \
    && npm run build -w services/web -- --sourcemap false \
    && for app in /deps/*; do \
      for manifest in $(cd "$app" && find packages services -mindepth 2 -maxdepth 2 -name package.json); do \
        workspace=$(dirname "$manifest"); \
        for folder in dist lua demo; do [ ! -d "$workspace/$folder" ] || cp -r "$workspace/$folder" "$app/$workspace/"; done; \
      done; \
    done

# ---- what every runtime image starts from
FROM node:${NODE_VERSION}-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app

# ---- web: the React chat UI, built by Vite and served under /chat by server.mjs, which also
# proxies the gateway's public paths (/v1, /auth, /ws, /docs) to GATEWAY_URL (run time). It uses
# only Node built-ins, so the image carries no node_modules at all.
FROM runtime AS web
ENV WEB_HOST=0.0.0.0 \
    WEB_PORT=3000
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.WEB_PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "services/web/server.mjs"]
USER 1000:1000
COPY --from=build /app/services/web/server.mjs /app/services/web/package.json services/web/
COPY --from=build /app/services/web/dist services/web/dist

FROM runtime AS gateway
ENV MCP_SERVICE_HOST=0.0.0.0 \
    MCP_SERVICE_PORT=7002
EXPOSE 7002
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.MCP_SERVICE_PORT || 7002) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# A young generation twice V8's default: with thousands of open streams, each waiting stream's
# state dies young instead of being promoted (README, benchmarks).
CMD ["node", "--max-semi-space-size=32", "services/gateway/dist/main.js"]
# Numeric uid of the image's `node` user, so Kubernetes can verify runAsNonRoot.
USER 1000:1000
COPY conf conf
COPY --from=build /deps/gateway ./

FROM runtime AS agent-worker
ENV AGENT_WORKER_HOST=0.0.0.0 \
    AGENT_WORKER_PORT=7004
EXPOSE 7004
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.AGENT_WORKER_PORT || 7004) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "services/agent-worker/dist/main.js"]
USER 1000:1000
COPY conf conf
COPY --from=build /deps/agent-worker ./

# The pool plus what common stdio MCP servers need: node/npx (npx-launched servers download into
# $HOME/.npm at first use); the preset servers (filesystem, sequential-thinking, sqlite,
# everything) are dependencies of services/mcp-pool and on PATH; services/mcp-pool/demo holds the
# db_sqlite preset's launcher. tini reaps orphaned grandchildren of MCP servers (node as PID 1
# would leave them as zombies); bubblewrap sandboxes every stdio MCP server (MCP_SANDBOX);
# util-linux (prlimit, for the per-server limits) is part of every Debian base. Users'
# workspaces: a volume mounts on /app/data/workspaces; a new named volume inherits its owner.
FROM runtime AS mcp-pool
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini bubblewrap util-linux \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /app/data/workspaces && chown -R 1000:1000 /app/data
ENV MCP_POOL_HOST=0.0.0.0 \
    MCP_POOL_PORT=7003 \
    USER_WORKSPACES_DIR=/app/data/workspaces \
    PATH=/app/services/mcp-pool/node_modules/.bin:/app/node_modules/.bin:$PATH \
    NPM_CONFIG_UPDATE_NOTIFIER=false
EXPOSE 7003
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.MCP_POOL_PORT || 7003) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "services/mcp-pool/dist/main.js"]
USER 1000:1000
COPY conf conf
COPY --from=build /deps/mcp-pool ./

# ---- mcp-pool-python: the pool plus python3 and uv/uvx for `uvx some-mcp-server` commands. Last
# in the file, so building any other target never pulls the uv image.
FROM ${UV_IMAGE} AS uv

FROM mcp-pool AS mcp-pool-python
USER root
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=uv /uv /uvx /usr/local/bin/
# uvx uses the system python rather than downloading one at run time.
ENV UV_PYTHON_PREFERENCE=only-system
USER 1000:1000
