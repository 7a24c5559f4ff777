#!/usr/bin/env bash
# A throwaway Kubernetes control plane on 127.0.0.1, for tests and drills:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok with
# one fake node (pods are marked Running; nothing runs them). Optionally the
# Argo Rollouts controller. Built by scripts/build-cluster-tools.sh.
#
#   scripts/local-cluster.sh start [DIR] [--rollouts] [--audit-policy FILE]
#   scripts/local-cluster.sh stop [DIR]
#
# DIR (default .tools/cluster) holds the CA, kubeconfig, logs and PIDs.
# `start` stops what it started if any step fails; `stop` kills by PID only.
set -euo pipefail
shopt -s inherit_errexit

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/.tools/bin"
CRDS="${SEARCH_OPS_CRDS:-$ROOT/../shared/crds}"
readonly CONTEXT=search-ops-local
readonly NODE=kwok-node-0
readonly SERVICE_CIDR=10.96.0.0/16
readonly POD_CIDR=10.244.0.0/16

log() { printf 'local-cluster: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

usage() {
  sed -n '7,11p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Starts a program in its own session, logging to DIR/logs/NAME.log; PID in DIR/pids.
spawn() {
  local name=$1
  shift
  setsid "$@" >"$DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$DIR/pids/$name.pid"
}

# Waits until a command succeeds, or fails naming what did not become ready.
wait_until() {
  local what=$1 seconds=$2 name=$3
  shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ -n "$name" ] && ! kill -0 "$(cat "$DIR/pids/$name.pid")" 2>/dev/null; then
      tail -n 20 "$DIR/logs/$name.log" >&2 || true
      die "$name exited before $what"
    fi
    [ $SECONDS -lt $deadline ] || { [ -z "$name" ] || tail -n 20 "$DIR/logs/$name.log" >&2; die "timed out after ${seconds}s waiting for $what"; }
    sleep 0.5
  done
}

stop_all() {
  local pidfile pid
  [ -d "$DIR/pids" ] || return 0
  for pidfile in "$DIR"/pids/*.pid; do
    [ -e "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    # Negative PID: the whole session that spawn() started.
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  for _ in $(seq 1 50); do
    local alive=false
    for pidfile in "$DIR"/pids/*.pid; do
      [ -e "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && alive=true
    done
    $alive || break
    sleep 0.2
  done
  for pidfile in "$DIR"/pids/*.pid; do
    [ -e "$pidfile" ] || continue
    kill -KILL -- "-$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

make_certificates() {
  local pki="$DIR/pki"
  mkdir -p "$pki"
  local key_options=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${key_options[@]}" -keyout "$pki/ca.key" -out "$pki/ca.crt" -days 2 \
    -subj "/CN=search-ops-local-ca" 2>/dev/null
  issue() {
    local name=$1 subject=$2 extensions=$3
    openssl req "${key_options[@]}" -keyout "$pki/$name.key" -out "$pki/$name.csr" -subj "$subject" 2>/dev/null
    openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
      -out "$pki/$name.crt" -days 2 -extfile <(printf '%s\n' "$extensions") 2>/dev/null
  }
  issue apiserver "/CN=kube-apiserver" \
    "subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.96.0.1,DNS:kubernetes.default.svc
extendedKeyUsage=serverAuth"
  issue admin "/O=system:masters/CN=search-ops-admin" "extendedKeyUsage=clientAuth"
  # Service-account tokens are signed with their own key.
  openssl ecparam -name prime256v1 -genkey -noout -out "$pki/service-account.key"
  openssl ec -in "$pki/service-account.key" -pubout -out "$pki/service-account.pub" 2>/dev/null
  chmod 600 "$pki"/*.key
}

write_kubeconfig() {
  local pki="$DIR/pki"
  cat >"$DIR/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: $CONTEXT
    cluster:
      server: https://127.0.0.1:$API_PORT
      certificate-authority: $pki/ca.crt
users:
  - name: search-ops-admin
    user:
      client-certificate: $pki/admin.crt
      client-key: $pki/admin.key
contexts:
  - name: $CONTEXT
    context:
      cluster: $CONTEXT
      user: search-ops-admin
current-context: $CONTEXT
EOF
  chmod 600 "$DIR/kubeconfig"
}

kubectl_local() { "$BIN/kubectl" --kubeconfig "$DIR/kubeconfig" "$@"; }

start_etcd() {
  local peer
  peer=$(free_port)
  spawn etcd "$BIN/etcd" --name search-ops --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "search-ops=http://127.0.0.1:$peer" \
    --unsafe-no-fsync --log-level warn
  wait_until "etcd to be healthy" 30 etcd curl -sf "http://127.0.0.1:$ETCD_PORT/health"
}

start_apiserver() {
  local pki="$DIR/pki" audit=()
  if [ -n "$AUDIT_POLICY" ]; then
    audit=(--audit-policy-file "$AUDIT_POLICY" --audit-log-path "$DIR/logs/audit.jsonl")
  fi
  spawn kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$pki/service-account.pub" \
    --service-account-signing-key-file "$pki/service-account.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --authorization-mode RBAC --allow-privileged=false --profiling=false \
    "${audit[@]}"
  wait_until "the API server to be ready" 90 kube-apiserver kubectl_local get --raw /readyz
}

start_controllers() {
  local pki="$DIR/pki" kubeconfig="$DIR/kubeconfig"
  local auth=(--kubeconfig "$kubeconfig" --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig"
    --bind-address 127.0.0.1 --leader-elect=false --profiling=false)
  spawn kube-controller-manager "$BIN/kube-controller-manager" "${auth[@]}" --secure-port "$(free_port)" \
    --service-account-private-key-file "$pki/service-account.key" --root-ca-file "$pki/ca.crt" \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --use-service-account-credentials=false
  spawn kube-scheduler "$BIN/kube-scheduler" "${auth[@]}" --secure-port "$(free_port)"
  # A node Lease, as a kubelet keeps: kwok's status-only heartbeat comes every 20-45 s,
  # too seldom for the node lifecycle controller, which then marks every pod unready.
  spawn kwok "$BIN/kwok" --kubeconfig "$kubeconfig" --server-address "127.0.0.1:$(free_port)" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --cidr "$POD_CIDR" --node-ip 127.0.0.1 \
    --node-lease-duration-seconds 40
}

# One fake node, large enough for every environment's pods, in one zone.
add_fake_node() {
  kubectl_local apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $NODE
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: $NODE
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    topology.kubernetes.io/zone: zone-a
    type: kwok
status:
  allocatable: { cpu: "64", memory: 256Gi, pods: "250" }
  capacity: { cpu: "64", memory: 256Gi, pods: "250" }
EOF
  wait_until "node $NODE to be Ready" 60 kwok kubectl_local wait --for=condition=Ready "node/$NODE" --timeout=2s
  # The default ServiceAccount appears once the controller manager runs.
  wait_until "the controller manager to create ServiceAccounts" 60 kube-controller-manager \
    kubectl_local get serviceaccount default --namespace default
}

apply_crds() {
  [ -d "$CRDS" ] || die "no CRD folder at $CRDS (set SEARCH_OPS_CRDS)"
  kubectl_local apply --server-side --field-manager search-ops-tests -f "$CRDS/argo-rollouts-v1.9.1" \
    -f "$CRDS/prometheus-operator-v0.93.0" -f "$CRDS/argo-cd-v3.5.1" >/dev/null
  # A CRD has no conditions at all for a moment, which `kubectl wait` treats as an error.
  wait_until "the CRDs to be established" 60 kube-apiserver \
    kubectl_local wait --for=condition=Established crd --all --timeout=5s
}

start_rollouts_controller() {
  spawn rollouts-controller "$BIN/rollouts-controller" --kubeconfig "$DIR/kubeconfig" \
    --metricsport "$(free_port)" --healthzPort "$ROLLOUTS_HEALTH_PORT" --leader-elect=false --loglevel info
  wait_until "the Argo Rollouts controller to be healthy" 60 rollouts-controller \
    curl -sf "http://127.0.0.1:$ROLLOUTS_HEALTH_PORT/healthz"
}

start() {
  local rollouts=false
  AUDIT_POLICY=''
  while [ $# -gt 0 ]; do
    case $1 in
      --rollouts) rollouts=true; shift ;;
      --audit-policy) AUDIT_POLICY=$(realpath "$2"); shift 2 ;;
      *) die "unknown option '$1'" ;;
    esac
  done
  for tool in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok rollouts-controller; do
    [ -x "$BIN/$tool" ] || die "$BIN/$tool is missing: run scripts/build-cluster-tools.sh"
  done
  [ ! -e "$DIR/pids" ] || [ -z "$(ls -A "$DIR/pids")" ] || die "$DIR already has a running cluster: stop it first"
  rm -rf "$DIR" && mkdir -p "$DIR/logs" "$DIR/pids"
  READY=false
  trap 'if ! $READY; then log "start failed; stopping what was started (logs in $DIR/logs)"; stop_all; fi' EXIT
  local began=$SECONDS
  ETCD_PORT=$(free_port)
  API_PORT=$(free_port)
  ROLLOUTS_HEALTH_PORT=$(free_port)
  make_certificates
  write_kubeconfig
  start_etcd
  start_apiserver
  start_controllers
  add_fake_node
  apply_crds
  if $rollouts; then start_rollouts_controller; fi
  READY=true
  log "ready in $((SECONDS - began)) s: KUBECONFIG=$DIR/kubeconfig (context $CONTEXT)"
}

command=${1:-}
[ -n "$command" ] || usage
shift
DIR=.tools/cluster
if [ $# -gt 0 ] && [[ $1 != --* ]]; then
  DIR=$1
  shift
fi
mkdir -p "$DIR"
DIR=$(realpath "$DIR")

case $command in
  start) start "$@" ;;
  stop) stop_all ;;
  *) usage ;;
esac
