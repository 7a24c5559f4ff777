#!/usr/bin/env bash
# Installs every tool the tests need, once: Debian packages, and Go-built tools
# cached in .tools/bin. Idempotent; a second run only checks versions.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS="$PWD/.tools"
BIN="$TOOLS/bin"
HELM_VERSION=v4.3.2
FERRETDB_VERSION=v1.24.2
# Debian's promtool lacks Kubernetes service discovery; this one checks prometheus.yml.
PROMETHEUS_VERSION=v0.316.0
APT_PACKAGES=(prometheus prometheus-alertmanager redis-server docker-compose shellcheck)

mkdir -p "$BIN"
log() { printf 'bootstrap: %s\n' "$*" >&2; }

install_debian_packages() {
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=''
  [ "$(id -u)" -ne 0 ] && sudo='sudo'
  $sudo apt-get update -qq
  # The packages' own services are not wanted: the tests start what they need on loopback.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Builds a Go tool into .tools/bin unless the stamp says this version is there.
go_tool() {
  local name=$1 version=$2 package=$3 ldflags=${4:-}
  local stamp="$TOOLS/$name.version"
  if [ -x "$BIN/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then return 0; fi
  log "building $name $version with Go (first time only)"
  GOBIN="$BIN" GOFLAGS=-mod=mod go install -ldflags "$ldflags" "$package@$version"
  echo "$version" >"$stamp"
}

# FerretDB (a MongoDB wire-protocol server over SQLite) panics at start unless
# build/version/version.txt exists, and the published module lacks it: build
# from a copy of the module source with that file, through a replace directive.
ferretdb() {
  local stamp="$TOOLS/ferretdb.version" module="$TOOLS/ferretdb-build"
  if [ -x "$BIN/ferretdb" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$FERRETDB_VERSION" ]; then return 0; fi
  log "building ferretdb $FERRETDB_VERSION with Go (first time only)"
  rm -rf "$module" && mkdir -p "$module"
  (
    cd "$module"
    go mod init search-ops/ferretdb-build >/dev/null 2>&1
    go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" >download.json
    cp -r "$(sed -n 's/^\t"Dir": "\(.*\)",$/\1/p' download.json)" src
    chmod -R u+w src
    echo "$FERRETDB_VERSION" >src/build/version/version.txt
    go mod edit -require="github.com/FerretDB/FerretDB@$FERRETDB_VERSION" -replace=github.com/FerretDB/FerretDB=./src
    cat >tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/FerretDB/FerretDB/cmd/ferretdb"
GO
    go mod tidy >/dev/null 2>&1
    go build -o "$BIN/ferretdb" github.com/FerretDB/FerretDB/cmd/ferretdb
  )
  echo "$FERRETDB_VERSION" >"$stamp"
}

# Upstream promtool, installed as promtool-upstream beside Debian's promtool.
promtool_upstream() {
  local stamp="$TOOLS/promtool-upstream.version"
  if [ -x "$BIN/promtool-upstream" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$PROMETHEUS_VERSION" ]; then return 0; fi
  log "building upstream promtool $PROMETHEUS_VERSION with Go (first time only, several minutes)"
  local gobin="$TOOLS/promtool-build"
  GOBIN="$gobin" GOFLAGS=-mod=mod go install "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION"
  mv "$gobin/promtool" "$BIN/promtool-upstream"
  echo "$PROMETHEUS_VERSION" >"$stamp"
}

install_debian_packages
ferretdb
bash scripts/build-mongo-tools.sh
promtool_upstream
go_tool helm "$HELM_VERSION" helm.sh/helm/v4/cmd/helm "-X helm.sh/helm/v4/internal/version.version=$HELM_VERSION"
# The local control plane of the cluster tests (scripts/local-cluster.sh).
bash scripts/build-cluster-tools.sh
log "ready: helm $("$BIN/helm" version --short), $("$BIN/ferretdb" --version 2>&1 | head -1), kube-apiserver $("$BIN/kube-apiserver" --version | cut -d' ' -f2)"
