#!/usr/bin/env bash
# THE ROBUSTNESS COMMAND: the API under hostile input, faults and load, bounded (as CI runs it) or
# long (--long). Brings the local cloud up if it is not running (and stops it again afterwards).
#
#   bash localstack/robustness.sh [--long] [part ...]
#
# Parts (all by default, in this order):
#   api-schema  schemathesis against docs/openapi.json and the served API   (localstack/api-schema.sh)
#   fuzz        cargo fuzz of every parser of untrusted input               (localstack/fuzz.sh)
#   attacks     the security and fault-injection integration tests          (tests/tests/security/,
#               faults.rs, faults_under_traffic.rs)
#   load        wrk against the main read and write routes, zero errors     (bench/load.sh)
#   secrets     no secret, password or token in any log of the run          (localstack/scan-secrets.py)
# Bounded: a few examples per operation, 20 s per fuzz target, 5 s per load route. Long: 100
# examples per operation, 300 s per fuzz target, 30 s per load route. docs/robustness.md has the
# figures of both and what each part tried.
set -euo pipefail
# shellcheck source=localstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LONG=0
if [[ ${1:-} == --long ]]; then LONG=1; shift; fi
PARTS=("$@")
((${#PARTS[@]})) || PARTS=(api-schema fuzz attacks load secrets)
for part in "${PARTS[@]}"; do
  case "$part" in api-schema | fuzz | attacks | load | secrets) ;; *) die "unknown part '$part' (api-schema fuzz attacks load secrets)" ;; esac
done

T0="$(now)"
needs_stack=0
for part in "${PARTS[@]}"; do [[ $part == fuzz || $part == secrets ]] || needs_stack=1; done
if ((needs_stack)); then
  if bg_running local-cloud; then
    log "Reusing the running local cloud."
  else
    bash "$LOCALSTACK_DIR/install.sh"
    trap 'echo; bash "$LOCALSTACK_DIR/down.sh"' EXIT
    LOCAL_PG_MODE=local bash "$LOCALSTACK_DIR/up.sh"
  fi
  set -a
  # shellcheck disable=SC1091
  source "$LOCAL_DIR/stack.env"
  set +a
fi

declare -A RESULT
run_part() { # name command...
  local name="$1" t rc=0
  shift
  echo
  log "== robustness: $name ($(((LONG)) && echo long || echo bounded))"
  t="$(now)"
  (cd "$ROOT_DIR" && "$@") || rc=$?
  RESULT[$name]="$([[ $rc == 0 ]] && echo passed || echo "FAILED (exit $rc)") in $(elapsed_since "$t")"
  log "== $name: ${RESULT[$name]}"
}

for part in "${PARTS[@]}"; do
  case "$part" in
    api-schema)
      if ((LONG)); then run_part api-schema bash "$LOCALSTACK_DIR/api-schema.sh" --long
      else run_part api-schema bash "$LOCALSTACK_DIR/api-schema.sh"; fi ;;
    fuzz) run_part fuzz bash "$LOCALSTACK_DIR/fuzz.sh" "$(((LONG)) && echo 300 || echo 20)" ;;
    attacks)
      run_part attacks cargo test -p integration-tests --test security --test faults --test faults_under_traffic -- --nocapture ;;
    load)
      if ((LONG)); then run_part load bash "$ROOT_DIR/bench/load.sh" 30 8
      else run_part load bash "$ROOT_DIR/bench/load.sh" 5 8; fi ;;
    secrets) run_part secrets python3 "$LOCALSTACK_DIR/scan-secrets.py" ;;
  esac
done

echo
rc=0
for part in "${PARTS[@]}"; do
  printf '  %-11s %s\n' "$part" "${RESULT[$part]}"
  [[ ${RESULT[$part]} == passed* ]] || rc=1
done
log "robustness.sh: $([[ $rc == 0 ]] && echo PASSED || echo FAILED) in $(elapsed_since "$T0")"
exit "$rc"
