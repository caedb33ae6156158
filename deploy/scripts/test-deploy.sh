#!/usr/bin/env bash
# `npm run test:deploy`: docker-compose.yml for real. Starts a Docker daemon if none answers (and
# stops it afterwards), makes stand-in base images where no registry is reachable
# (base-images.sh), builds the app images, then runs tests/docker (vitest.docker.config.ts), which
# brings the stack up, talks to it and takes it down. Skips, saying why, only where Docker cannot
# be installed. Everything it starts goes again on exit, also on failure; the images stay (cache).
set -euo pipefail
cd "$(dirname "$0")/../.."

started=$SECONDS
log() { printf '[test:deploy] %s\n' "$*"; }
skip() { log "SKIPPED: $*"; exit 0; }

if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null || ! { command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1; }; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing docker.io docker-compose debootstrap caddy"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io docker-compose debootstrap caddy >/dev/null
  else
    skip "Docker cannot be installed here (needs root and apt-get: docker.io, docker-compose, debootstrap)"
  fi
fi

workdir=$(mktemp -d)
dockerd_pid=""
created_env=0
cleanup() {
  local status=$?
  if [ "$created_env" = 1 ]; then rm -f .env; fi
  if [ -n "$dockerd_pid" ]; then
    log "stopping the Docker daemon this run started (pid $dockerd_pid)"
    kill "$dockerd_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
  fi
  rm -rf "$workdir"
  log "took $((SECONDS - started)) s"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! docker info >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || skip "no Docker daemon answers and starting one needs root"
  log "starting dockerd (vfs storage driver)"
  nice -n 10 dockerd --storage-driver=vfs --pidfile "$workdir/dockerd.pid" >"$workdir/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { tail -n 30 "$workdir/dockerd.log" >&2; exit 1; }
fi

if docker compose version >/dev/null 2>&1; then compose="docker compose"; else compose="docker-compose"; fi
log "compose: $($compose version --short 2>/dev/null || $compose version | head -n 1)"

bash deploy/scripts/base-images.sh

# Compose needs a .env (env_file); an empty one stands for a fresh clone's defaults.
if [ ! -e .env ]; then : >.env; created_env=1; fi

build_started=$SECONDS
log "building the images (classic builder, nice -n 10)"
# v1 builds with the classic builder itself; v2 is told to, so both skip the uv image (Dockerfile).
DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0 nice -n 10 $compose -p bmcp-deploy-test build >"$workdir/build.log" 2>&1 \
  || { tail -n 60 "$workdir/build.log" >&2; exit 1; }
log "images built in $((SECONDS - build_started)) s"

DEPLOY_COMPOSE="$compose" npx vitest run --config vitest.docker.config.ts
