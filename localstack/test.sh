#!/usr/bin/env bash
# THE TEST COMMAND: install what is missing, bring the local cloud up (project-local PostgreSQL,
# which the fault-injection tests stop and restart), run the workspace's unit and integration tests
# with .local/stack.env exported, lint template.yaml with `sam validate --lint`, and stop the stack
# again (unless it was already running before). Exit code: non-zero if any part failed.
#
#   bash localstack/test.sh [-- <extra cargo test args>]
#   LOCAL_AWS=moto bash localstack/test.sh
set -euo pipefail
# shellcheck source=localstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CARGO_TEST_ARGS=()
if [[ ${1:-} == -- ]]; then shift; CARGO_TEST_ARGS=("$@"); fi

T0="$(now)"
bash "$LOCALSTACK_DIR/install.sh"
echo

# Was a stack already running (e.g. localstack/run.sh in another terminal)? Then leave it running.
already=0
for n in mongo seaweedfs localstack dynamodb-local moto gateway event-source; do
  bg_running "$n" && already=1
done
if ((already)); then
  log "A local cloud is already running: reusing it and leaving it running afterwards."
else
  trap 'echo; bash "$LOCALSTACK_DIR/down.sh"' EXIT
fi

# The tests always use the project-local PostgreSQL (they stop and restart it).
LOCAL_PG_MODE=local bash "$LOCALSTACK_DIR/up.sh"

set -a
# shellcheck disable=SC1091
source "$LOCAL_DIR/stack.env"
set +a

echo
log "== cargo test --workspace ${CARGO_TEST_ARGS[*]}"
t="$(now)"
test_rc=0
(cd "$ROOT_DIR" && cargo test --workspace "${CARGO_TEST_ARGS[@]}") || test_rc=$?
log "== cargo test: $([[ $test_rc == 0 ]] && echo passed || echo "FAILED (exit $test_rc)") in $(elapsed_since "$t")"

sam_rc=0
if [[ -f $ROOT_DIR/template.yaml ]]; then
  echo
  log "== sam validate --lint --template template.yaml"
  t="$(now)"
  (cd "$ROOT_DIR" && SAM_CLI_TELEMETRY=0 "$LOCAL_DIR/venv-sam/bin/sam" validate --lint --template template.yaml) || sam_rc=$?
  log "== sam validate: $([[ $sam_rc == 0 ]] && echo passed || echo "FAILED (exit $sam_rc)") in $(elapsed_since "$t")"
else
  log "== sam validate: skipped (no template.yaml)"
fi

echo
rc=0
((test_rc == 0 && sam_rc == 0)) || rc=1
log "test.sh: $([[ $rc == 0 ]] && echo PASSED || echo FAILED) in $(elapsed_since "$T0") (LOCAL_AWS=$LOCAL_AWS)"
exit "$rc"
