#!/usr/bin/env bash
# Builds mongodump and mongorestore (MongoDB Database Tools) into .tools/bin,
# once: a second run only checks the version stamp. Called by bootstrap.sh.
#
# The tools' release tags (100.x.y) are not Go semver, so the module is named by
# the pseudo-version of the 100.11.0 tag commit. The Go module proxy reachable
# here serves that commit (newer tags were refused); it builds with Go 1.26.
# Built without upstream's tags "gssapi" (Kerberos via cgo, would need
# libkrb5-dev) and "failpoints" (test hooks): pure Go, CGO_ENABLED=0. TLS and
# SCRAM/PLAIN auth are pure Go in the driver and stay available.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS="$PWD/.tools"
BIN="$TOOLS/bin"
MONGO_TOOLS_VERSION=100.11.0
MONGO_TOOLS_MODULE_VERSION=v0.0.0-20250131183507-b8a566a7f38f
MONGO_TOOLS_COMMIT=b8a566a7f38f
STAMP_TEXT="$MONGO_TOOLS_VERSION $MONGO_TOOLS_MODULE_VERSION"

log() { printf 'bootstrap: %s\n' "$*" >&2; }

stamp="$TOOLS/mongo-tools.version"
if [ -x "$BIN/mongodump" ] && [ -x "$BIN/mongorestore" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$STAMP_TEXT" ]; then
  exit 0
fi

log "building mongodump and mongorestore $MONGO_TOOLS_VERSION with Go (first time only, about two minutes)"
mkdir -p "$BIN"
module="$TOOLS/mongo-tools-build"
rm -rf "$module" && mkdir -p "$module"
(
  cd "$module"
  # `go install pkg@version` asks the proxy for the module's version list
  # (deprecation check), which is refused; a wrapper module needs no list.
  go mod init search-ops/mongo-tools-build >/dev/null 2>&1
  go mod edit -require="github.com/mongodb/mongo-tools@$MONGO_TOOLS_MODULE_VERSION"
  cat >tools.go <<'GO'
//go:build tools

package tools

import (
	_ "github.com/mongodb/mongo-tools/mongodump/main"
	_ "github.com/mongodb/mongo-tools/mongorestore/main"
)
GO
  if ! go mod tidy >tidy.log 2>&1; then
    cat tidy.log >&2
    exit 1
  fi
  ldflags="-X main.VersionStr=$MONGO_TOOLS_VERSION -X main.GitCommit=$MONGO_TOOLS_COMMIT"
  # Both main packages live in folders named "main": build each to its own name,
  # beside the final one, then move into place so a failed build leaves no half.
  for tool in mongodump mongorestore; do
    CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$BIN/.$tool.new" "github.com/mongodb/mongo-tools/$tool/main"
  done
  for tool in mongodump mongorestore; do
    mv -f "$BIN/.$tool.new" "$BIN/$tool"
  done
)
echo "$STAMP_TEXT" >"$stamp"
log "ready: $("$BIN/mongodump" --version 2>&1 | head -1), $("$BIN/mongorestore" --version 2>&1 | head -1)"
