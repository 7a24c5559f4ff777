#!/usr/bin/env bash
# Rolls the search engine back to its previous revision and appends one audit
# line (scripts/audit-log.md). Exit codes: 0 rolled back (or dry run done),
# 1 a kubectl call failed, 2 refused to act (nothing was changed).
set -euo pipefail
# Failures inside $(...) stop the script too, not only the substitution.
shopt -s inherit_errexit

readonly TOOL=rollback
readonly ENGINE_LABEL=app.kubernetes.io/name=search-engine
readonly ROLLOUT_REVISION=rollout.argoproj.io/revision
readonly DEPLOYMENT_REVISION=deployment.kubernetes.io/revision

usage() {
  cat <<'EOF'
Usage: scripts/rollback.sh --context CTX --namespace NS [options]

Rolls the search engine back to its previous revision: aborts the canary,
then restores the previous pod template.

Required (the current kubectl context is never assumed):
  --context CTX          kubeconfig context of the cluster
  --namespace NS         namespace of the engine, e.g. search-prod

Options:
  --workload KIND        rollout (Argo Rollouts, default) or deployments
                         (Deployments NAME-stable and NAME-canary)
  --name NAME            the engine's name (default: search-engine)
  --dry-run              print every kubectl command, run only the read-only
                         ones, change nothing (needs no confirmation)
  --audit-log FILE       default: ${SEARCH_OPS_AUDIT_LOG:-$HOME/.search-ops/audit.log}
  --yes                  do not ask for confirmation (required without a TTY)
  --help                 this text

Environment:
  SEARCH_OPS_ACTOR                   who acts (default: $(id -un)@$(hostname))
  SEARCH_OPS_ROLLBACK_WAIT_SECONDS   how long to wait for the controller to
                                     record the new revision (default: 30)

Exit codes: 0 done, 1 a kubectl call failed, 2 refused (nothing changed).
EOF
}

die_usage() {
  printf 'rollback.sh: %s\n' "$1" >&2
  exit 2
}

CTX=''
NS=''
WORKLOAD=rollout
NAME=search-engine
DRY_RUN=false
AUDIT_LOG=${SEARCH_OPS_AUDIT_LOG:-$HOME/.search-ops/audit.log}
YES=false
WAIT_SECONDS=${SEARCH_OPS_ROLLBACK_WAIT_SECONDS:-30}

# Value of a flag given as `--flag VALUE`; a following flag is not a value.
flag_value() {
  if [ $# -lt 2 ] || [ -z "$2" ] || [[ $2 == -* ]]; then
    die_usage "$1 needs a value"
  fi
  printf '%s' "$2"
}

while [ $# -gt 0 ]; do
  case $1 in
    --context) CTX=$(flag_value "$@"); shift 2 ;;
    --namespace) NS=$(flag_value "$@"); shift 2 ;;
    --workload) WORKLOAD=$(flag_value "$@"); shift 2 ;;
    --name) NAME=$(flag_value "$@"); shift 2 ;;
    --audit-log) AUDIT_LOG=$(flag_value "$@"); shift 2 ;;
    --context=* | --namespace=* | --workload=* | --name=* | --audit-log=*)
      set -- "${1%%=*}" "${1#*=}" "${@:2}"
      ;;
    --dry-run) DRY_RUN=true; shift ;;
    --yes) YES=true; shift ;;
    --help | -h) usage; exit 0 ;;
    *) die_usage "unknown flag '$1' (see --help)" ;;
  esac
done

# Both are required: a rollback in the wrong cluster is an outage of its own.
[ -n "$CTX" ] || die_usage 'missing required flag --context CTX; refusing to act on an implicit kubectl context'
[ -n "$NS" ] || die_usage 'missing required flag --namespace NS; refusing to act on an implicit namespace'
case $WORKLOAD in
  rollout | deployments) ;;
  *) die_usage "'--workload' ($WORKLOAD) must be rollout or deployments" ;;
esac
[[ $NAME =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || die_usage "'--name' ($NAME) must be a Kubernetes object name"
[[ $WAIT_SECONDS =~ ^[0-9]+$ ]] || die_usage "SEARCH_OPS_ROLLBACK_WAIT_SECONDS ($WAIT_SECONDS) must be a whole number of seconds"
command -v kubectl >/dev/null || die_usage 'kubectl not found on PATH'

# Checked before acting: an unaudited rollback is not allowed.
if ! { mkdir -p "$(dirname "$AUDIT_LOG")" && touch "$AUDIT_LOG"; } 2>/dev/null; then
  die_usage "cannot write the audit log $AUDIT_LOG; pass --audit-log FILE"
fi

if [ "$DRY_RUN" = false ] && [ "$YES" = false ] && [ ! -t 0 ]; then
  die_usage 'stdin is not a terminal and --yes was not given; refusing to act without confirmation'
fi

# The `+ ` trace goes to the original stdout even from inside $(...).
exec 3>&1

# A shell word that reads back as itself: bare when safe, else single-quoted.
shell_word() {
  if [[ $1 =~ ^[-A-Za-z0-9_./:=@%+,]+$ ]]; then
    printf '%s' "$1"
  else
    printf "'%s'" "${1//\'/\'\\\'\'}"
  fi
}

trace() {
  local line='+ kubectl' arg
  for arg in "$@"; do line+=" $(shell_word "$arg")"; done
  printf '%s\n' "$line" >&3
}

# Flags go last: kubectl refuses flags placed before a plugin's name
# ("flags cannot be placed before plugin name"), and the plugin accepts them after.
kube_read() {
  trace "$@" --context "$CTX" --namespace "$NS"
  kubectl "$@" --context "$CTX" --namespace "$NS"
}

kube_write() {
  trace "$@" --context "$CTX" --namespace "$NS"
  [ "$DRY_RUN" = true ] && return 0
  kubectl "$@" --context "$CTX" --namespace "$NS"
}

json_string() {
  local s=$1 out='' c code i
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  if [[ $s == *[[:cntrl:]]* ]]; then
    for ((i = 0; i < ${#s}; i++)); do
      c=${s:i:1}
      if [[ $c == [[:cntrl:]] ]]; then
        printf -v code '%d' "'$c"
        printf -v c '\\u%04x' "$code"
      fi
      out+=$c
    done
    s=$out
  fi
  printf '"%s"' "$s"
}

FROM_REVISION=''
TO_REVISION=''
ARMED=false
AUDITED=false

audit() {
  local result=$1 actor line
  actor=${SEARCH_OPS_ACTOR:-$(id -un)@$(hostname)}
  line="{\"time\":$(json_string "$(date -u +%Y-%m-%dT%H:%M:%SZ)")"
  line+=",\"actor\":$(json_string "$actor")"
  line+=",\"tool\":\"$TOOL\",\"action\":\"rollback\""
  line+=",\"target\":{\"context\":$(json_string "$CTX"),\"namespace\":$(json_string "$NS")"
  line+=",\"workload\":$(json_string "$WORKLOAD"),\"name\":$(json_string "$NAME")}"
  line+=",\"from_revision\":$(json_string "$FROM_REVISION"),\"to_revision\":$(json_string "$TO_REVISION")"
  line+=",\"dry_run\":$DRY_RUN,\"result\":$(json_string "$result")}"
  # One printf, one write: concurrent tools appending never interleave lines.
  printf '%s\n' "$line" >>"$AUDIT_LOG"
  AUDITED=true
}

current_revision() {
  if [ "$WORKLOAD" = rollout ]; then
    kube_read get rollout "$NAME" -o "jsonpath={.metadata.annotations.${ROLLOUT_REVISION//./\\.}}"
  else
    kube_read get deployment "$NAME-canary" -o "jsonpath={.metadata.annotations.${DEPLOYMENT_REVISION//./\\.}}"
  fi
}

on_exit() {
  local status=$?
  if [ "$ARMED" = true ] && [ "$AUDITED" = false ] && [ "$status" -ne 0 ]; then
    # Best effort: record where the workload was left, if the cluster still answers.
    TO_REVISION=$(current_revision 2>/dev/null) || TO_REVISION=''
    audit failed
    printf 'rollback FAILED for %s/%s in %s/%s (exit %d); audit line appended to %s\n' \
      "$WORKLOAD" "$NAME" "$CTX" "$NS" "$status" "$AUDIT_LOG" >&2
  fi
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

confirm() {
  if [ "$DRY_RUN" = true ] || [ "$YES" = true ]; then return 0; fi
  local answer
  read -r -p "Roll back $WORKLOAD/$NAME (revision $FROM_REVISION) in context '$CTX', namespace '$NS'? [y/N] " answer || answer=''
  case $answer in
    y | Y | yes | YES) ;;
    # Declining changed nothing, so there is nothing to audit.
    *) ARMED=false; die_usage 'not confirmed; nothing changed' ;;
  esac
}

require_revision() {
  [[ $FROM_REVISION =~ ^[0-9]+$ ]] && return 0
  printf 'rollback.sh: %s has no revision annotation (got %s)\n' "$1" "'$FROM_REVISION'" >&2
  return 1
}

# The controller records the new revision asynchronously after an undo.
wait_for_new_revision() {
  local waited=0
  TO_REVISION=$(current_revision)
  while [ "$DRY_RUN" = false ] && [ "$TO_REVISION" = "$FROM_REVISION" ] && [ "$waited" -lt "$WAIT_SECONDS" ]; do
    sleep 1
    waited=$((waited + 1))
    TO_REVISION=$(current_revision)
  done
}

# Highest revision below the current one among the ReplicaSets this Rollout owns.
previous_replicaset() {
  local listing revision rs owner best_revision=-1 best_rs=''
  listing=$(kube_read get rs -l "$ENGINE_LABEL" -o "jsonpath={range .items[*]}{.metadata.annotations.${ROLLOUT_REVISION//./\\.}}{\"\\t\"}{.metadata.name}{\"\\t\"}{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}{\"\\n\"}{end}")
  while IFS=$'\t' read -r revision rs owner; do
    if ! [[ $revision =~ ^[0-9]+$ ]] || [ "$owner" != "Rollout/$NAME" ]; then continue; fi
    if [ "$revision" -lt "$FROM_REVISION" ] && [ "$revision" -gt "$best_revision" ]; then
      best_revision=$revision
      best_rs=$rs
    fi
  done <<<"$listing"
  [ -n "$best_rs" ] || { printf 'rollback.sh: no ReplicaSet of rollout %s has a revision below %s; nothing to roll back to\n' "$NAME" "$FROM_REVISION" >&2; return 1; }
  printf '%s\t%s' "$best_revision" "$best_rs"
}

# JSON Pointer escaping of one object key (RFC 6901).
json_pointer_token() {
  local token=${1//\~/\~0}
  printf '%s' "${token//\//\~1}"
}

# The keys of a flat JSON object of labels, one a line. Label keys and values
# cannot hold quotes, so a key is every "...": in the text.
label_keys() {
  grep -o '"[^"]*":' <<<"$1" | sed -e 's/^"//' -e 's/":$//' | sort -u || true
}

# Labels the controller injects into a ReplicaSet's template while it is stable
# or canary (stableMetadata and friends). They are not the Rollout's own: a
# template restored with them gets a new hash and goes through every canary
# step again instead of straight back to the stable ReplicaSet.
ephemeral_label_keys() {
  local metadata='{.spec.strategy.canary.stableMetadata.labels}{.spec.strategy.canary.canaryMetadata.labels}'
  metadata+='{.spec.strategy.blueGreen.activeMetadata.labels}{.spec.strategy.blueGreen.previewMetadata.labels}'
  label_keys "$(kube_read get rollout "$NAME" -o "jsonpath=$metadata")"
}

rollback_rollout() {
  FROM_REVISION=$(current_revision)
  require_revision "rollout $NAME"
  local plugin=false
  if kube_read argo rollouts version >/dev/null 2>&1; then plugin=true; fi
  # Everything read before the first change, so a lookup failure changes nothing.
  local previous restored rs answer template ephemeral present key patch
  previous=$(previous_replicaset)
  restored=${previous%%$'\t'*}
  rs=${previous#*$'\t'}
  # One read, so labels and template come from the same version: the labels line, then the template.
  answer=$(kube_read get rs "$rs" -o 'jsonpath={.spec.template.metadata.labels}{"\n"}{.spec.template}')
  present=$(label_keys "${answer%%$'\n'*}")
  template=${answer#*$'\n'}
  # The hash label belongs to the old ReplicaSet; Argo Rollouts sets a fresh one.
  template=$(printf '%s' "$template" | sed -E \
    -e 's/,[[:space:]]*"rollouts-pod-template-hash"[[:space:]]*:[[:space:]]*"[^"]*"//g' \
    -e 's/"rollouts-pod-template-hash"[[:space:]]*:[[:space:]]*"[^"]*"[[:space:]]*,?//g')
  ephemeral=$(ephemeral_label_keys)
  # Replace the whole template: a merge patch would keep labels added since.
  patch="[{\"op\":\"replace\",\"path\":\"/spec/template\",\"value\":$template}"
  while IFS= read -r key; do
    if [ -z "$key" ] || ! grep -qxF -- "$key" <<<"$present"; then continue; fi
    patch+=",{\"op\":\"remove\",\"path\":\"/spec/template/metadata/labels/$(json_pointer_token "$key")\"}"
  done <<<"$ephemeral"
  patch+=']'
  printf 'previous revision: %s (ReplicaSet %s)\n' "$restored" "$rs"
  confirm
  if [ "$plugin" = true ]; then
    kube_write argo rollouts abort "$NAME"
  else
    # --subresource needs kubectl 1.24 or newer.
    kube_write patch rollout "$NAME" --type merge --subresource status -p '{"status":{"abort":true}}'
  fi
  # Not the plugin's undo: it copies the controller's stable/canary labels back
  # into the template (Argo Rollouts v1.9.1), which turns a rollback into a new canary.
  kube_write patch rollout "$NAME" --type json -p "$patch"
  wait_for_new_revision
}

rollback_deployments() {
  FROM_REVISION=$(current_revision)
  require_revision "deployment $NAME-canary"
  confirm
  kube_write scale deployment "$NAME-canary" --replicas=0
  kube_write rollout undo "deployment/$NAME-canary"
  wait_for_new_revision
}

ARMED=true
"rollback_$WORKLOAD"

if [ "$DRY_RUN" = true ]; then
  audit dry-run
  printf 'dry run: would roll back %s/%s in %s/%s from revision %s; nothing changed\n' "$WORKLOAD" "$NAME" "$CTX" "$NS" "$FROM_REVISION"
elif [ "$TO_REVISION" = "$FROM_REVISION" ]; then
  audit success
  if [ "$WORKLOAD" = rollout ]; then watch="kubectl argo rollouts get rollout $NAME"; else watch="kubectl rollout status deployment/$NAME-canary"; fi
  printf 'rolled back %s/%s in %s/%s, but the revision is still %s after %ss: the controller has not caught up; watch it with %s\n' \
    "$WORKLOAD" "$NAME" "$CTX" "$NS" "$FROM_REVISION" "$WAIT_SECONDS" "$watch"
else
  audit success
  printf 'rolled back %s/%s in %s/%s from revision %s to %s\n' "$WORKLOAD" "$NAME" "$CTX" "$NS" "$FROM_REVISION" "$TO_REVISION"
fi
printf 'audit line appended to %s\n' "$AUDIT_LOG"
