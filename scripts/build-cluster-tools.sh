#!/usr/bin/env bash
# Builds, once, the local Kubernetes control plane the cluster tests run:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok,
# and the Argo Rollouts controller and kubectl plugin, from the versions pinned
# in tools/cluster/go.mod. Rebuilt only when that module (or this script) changes.
set -euo pipefail
cd "$(dirname "$0")/.."

MODULE="$PWD/tools/cluster"
BIN="$PWD/.tools/bin"
STAMP="$PWD/.tools/cluster-tools.stamp"
BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok rollouts-controller kubectl-argo-rollouts)

log() { printf 'build-cluster-tools: %s\n' "$*" >&2; }

fingerprint() {
  cat "$MODULE/go.mod" "$MODULE/go.sum" "$MODULE/etcd/main.go" "$0" | sha256sum | cut -d' ' -f1
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

log "building Kubernetes $k8s, etcd, kwok and Argo Rollouts $rollouts (first time only: 20-40 min on 2 cores)"
mkdir -p "$BIN"
start=$SECONDS
# CGO off as upstream releases build them: static binaries, no C toolchain needed.
CGO_ENABLED=0 go -C "$MODULE" build -o "$BIN/" -ldflags "$ldflags" \
  ./etcd \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kubectl \
  sigs.k8s.io/kwok/cmd/kwok \
  github.com/argoproj/argo-rollouts/cmd/kubectl-argo-rollouts

# The Rollouts controller hard-codes 0.0.0.0 for its metrics and healthz
# listeners; a Go build overlay binds them to loopback without forking the module.
overlay="$PWD/.tools/rollouts-overlay"
mkdir -p "$overlay"
source_file="$(go -C "$MODULE" list -m -f '{{.Dir}}' github.com/argoproj/argo-rollouts)/controller/controller.go"
grep -q '"0.0.0.0:%d"' "$source_file" || { log "the Rollouts controller no longer listens on 0.0.0.0:%d; update the overlay"; exit 1; }
sed 's/"0\.0\.0\.0:%d"/"127.0.0.1:%d"/' "$source_file" >"$overlay/controller.go"
printf '{"Replace":{"%s":"%s"}}\n' "$source_file" "$overlay/controller.go" >"$overlay/overlay.json"
CGO_ENABLED=0 go -C "$MODULE" build -o "$BIN/" -ldflags "$ldflags" -overlay "$overlay/overlay.json" \
  github.com/argoproj/argo-rollouts/cmd/rollouts-controller
echo "$wanted" >"$STAMP"
log "built in $((SECONDS - start)) s: ${BINARIES[*]}"
