#!/usr/bin/env bash
# Builds, once, the local Kubernetes control plane the cluster tests run:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok,
# and the Argo Rollouts controller and kubectl plugin, from the versions pinned
# in tools/cluster/go.mod and tools/kwok/go.mod. Rebuilt only when those
# modules (or this script) change.
set -euo pipefail
cd "$(dirname "$0")/.."

MODULE="$PWD/tools/cluster"
KWOK_MODULE="$PWD/tools/kwok"
BIN="$PWD/.tools/bin"
STAMP="$PWD/.tools/cluster-tools.stamp"
BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok rollouts-controller kubectl-argo-rollouts)

log() { printf 'build-cluster-tools: %s\n' "$*" >&2; }

fingerprint() {
  cat "$MODULE/go.mod" "$MODULE/go.sum" "$MODULE/etcd/main.go" "$KWOK_MODULE/go.mod" "$KWOK_MODULE/go.sum" "$0" | sha256sum | cut -d' ' -f1
}

all_built() {
  local name
  for name in "${BINARIES[@]}"; do [ -x "$BIN/$name" ] || return 1; done
}

wanted=$(fingerprint)
if all_built && [ "$(cat "$STAMP" 2>/dev/null)" = "$wanted" ]; then exit 0; fi

module_version() { go -C "$MODULE" list -m -f '{{.Version}}' "$1"; }
k8s=$(module_version k8s.io/kubernetes)
rollouts=$(module_version github.com/argoproj/argo-rollouts)
k8s_minor=$(echo "$k8s" | cut -d. -f2)

# So that /version and `kubectl version` report the pinned release, not v0.0.0.
ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$k8s -X $pkg.gitMajor=1 -X $pkg.gitMinor=$k8s_minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
ldflags+=" -X github.com/argoproj/argo-rollouts/utils/version.version=${rollouts#v}"
ldflags+=" -X github.com/argoproj/argo-rollouts/utils/version.gitTag=$rollouts"
# The release commit, where the module proxy records it; the plugin then reports the plain tag.
info="$(go env GOMODCACHE)/cache/download/github.com/argoproj/argo-rollouts/@v/$rollouts.info"
rollouts_commit=$(sed -n 's/.*"Hash":"\([0-9a-f]\{40\}\)".*/\1/p' "$info" 2>/dev/null || true)
ldflags+=" -X github.com/argoproj/argo-rollouts/utils/version.gitCommit=$rollouts_commit"
ldflags+=" -X github.com/argoproj/argo-rollouts/utils/version.gitTreeState=clean"

log "building Kubernetes $k8s, etcd, kwok and Argo Rollouts $rollouts (first time only: about 7 min on 2 cores, under a minute with a warm Go build cache)"
mkdir -p "$BIN"
start=$SECONDS
# CGO off as upstream releases build them: static binaries, no C toolchain needed.
CGO_ENABLED=0 go -C "$MODULE" build -o "$BIN/" -ldflags "$ldflags" \
  ./etcd \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kubectl \
  github.com/argoproj/argo-rollouts/cmd/kubectl-argo-rollouts

# The Rollouts controller hard-codes 0.0.0.0 for its metrics and healthz
# listeners. It is built from a copy of its module source that binds them to
# loopback, swapped in by a replace directive in a copy of go.mod (-modfile).
patched="$PWD/.tools/rollouts-controller-build"
rm -rf "$patched" && mkdir -p "$patched"
cp -r "$(go -C "$MODULE" list -m -f '{{.Dir}}' github.com/argoproj/argo-rollouts)" "$patched/src"
chmod -R u+w "$patched/src"
grep -q '"0.0.0.0:%d"' "$patched/src/controller/controller.go" ||
  { log "the Rollouts controller no longer listens on 0.0.0.0:%d; update this patch"; exit 1; }
sed -i 's/"0\.0\.0\.0:%d"/"127.0.0.1:%d"/' "$patched/src/controller/controller.go"
cp "$MODULE/go.mod" "$MODULE/go.sum" "$patched/"
go mod edit -replace "github.com/argoproj/argo-rollouts=$patched/src" "$patched/go.mod"
CGO_ENABLED=0 go -C "$MODULE" build -modfile "$patched/go.mod" -o "$BIN/" \
  -ldflags "$ldflags -X github.com/argoproj/argo-rollouts/utils/version.gitTreeState=dirty" \
  github.com/argoproj/argo-rollouts/cmd/rollouts-controller
CGO_ENABLED=0 go -C "$KWOK_MODULE" build -o "$BIN/" sigs.k8s.io/kwok/cmd/kwok
echo "$wanted" >"$STAMP"
log "built in $((SECONDS - start)) s: ${BINARIES[*]}"
