#!/usr/bin/env bash
# THE TEST COMMAND: check the code's format and lints (cargo fmt --check, clippy -D warnings),
# install what is missing, bring the local cloud up (project-local PostgreSQL,
# which the fault-injection tests stop and restart; failed messages retried after 5 s and every
# schedule run at least every 5 s, see docs/local-cloud.md), run the workspace's unit and integration tests
# with .local/stack.env exported, lint template.yaml (`sam validate --lint`, cfn-lint), `sam build` and
# `sam local invoke` an HTTP and a queue function (localstack/sam-local.sh check), run the bounded
# robustness parts (schemathesis, load, cargo fuzz, the secrets scan of the logs), and stop the stack
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

# The code's habits first: a format or lint finding fails the run, but every test still runs.
lint_rc=0
log "== cargo fmt --all --check, cargo clippy --workspace --all-targets -- -D warnings"
t="$(now)"
(cd "$ROOT_DIR" && cargo fmt --all --check && (cd fuzz && cargo fmt --check)) || lint_rc=$?
# GATEWAY_URL set: the integration tests are compiled in (tests/build.rs), so they are linted too.
(cd "$ROOT_DIR" && GATEWAY_URL="${GATEWAY_URL:-http://lint.invalid}" cargo clippy --workspace --all-targets --quiet -- -D warnings) || lint_rc=$?
# `shared` with each function's own features, as `sam build` compiles it alone: the workspace
# build unites every function's features and would hide a module that needs one its function lacks.
while read -r features; do
  (cd "$ROOT_DIR" && cargo check --quiet --lib -p shared --no-default-features --features "$features") ||
    { lint_rc=1; warn "shared does not compile with the features [$features] of a function"; }
done < <(shopt -s nullglob; for manifest in "$ROOT_DIR"/functions/*/Cargo.toml; do
  sed -n 's/^shared = .*features = \[\(.*\)\].*/\1/p' "$manifest" | tr -d '" ' | tr ',' '\n' | sort | paste -sd, -
done | sort -u)
log "== fmt + clippy + per-function features: $([[ $lint_rc == 0 ]] && echo passed || echo "FAILED (exit $lint_rc)") in $(elapsed_since "$t")"
echo

bash "$LOCALSTACK_DIR/install.sh"
echo

# Was a stack already running (e.g. localstack/run.sh in another terminal)? Then leave it running.
already=0
for n in mongo seaweedfs localstack dynamodb-local moto local-cloud; do
  bg_running "$n" && already=1
done
if ((already)); then
  log "A local cloud is already running: reusing it and leaving it running afterwards."
else
  trap 'echo; bash "$LOCALSTACK_DIR/down.sh"' EXIT
fi

# The tests always use the project-local PostgreSQL (they stop and restart it). The speed-ups make
# the dead-letter and schedule tests take seconds; a running stack is restarted with them.
LOCAL_PG_MODE=local LOCAL_QUEUE_VISIBILITY_TIMEOUT="${LOCAL_QUEUE_VISIBILITY_TIMEOUT:-5}" \
  LOCAL_SCHEDULE_RATE_SECONDS="${LOCAL_SCHEDULE_RATE_SECONDS:-5}" bash "$LOCALSTACK_DIR/up.sh"

set -a
# shellcheck disable=SC1091
source "$LOCAL_DIR/stack.env"
set +a

echo
log "== cargo test --workspace --no-fail-fast ${CARGO_TEST_ARGS[*]}"
t="$(now)"
test_rc=0
# --no-fail-fast: one failing test binary must not hide the results of the others.
(cd "$ROOT_DIR" && cargo test --workspace --no-fail-fast "${CARGO_TEST_ARGS[@]}") || test_rc=$?
log "== cargo test: $([[ $test_rc == 0 ]] && echo passed || echo "FAILED (exit $test_rc)") in $(elapsed_since "$t")"

# The template: SAM's own validation with its linter, and cfn-lint on its own (stricter rules).
sam_rc=0
echo
log "== sam validate --lint --template template.yaml"
t="$(now)"
(cd "$ROOT_DIR" && SAM_CLI_TELEMETRY=0 "$LOCAL_DIR/venv-sam/bin/sam" validate --lint --template template.yaml) || sam_rc=$?
log "== sam validate: $([[ $sam_rc == 0 ]] && echo passed || echo "FAILED (exit $sam_rc)") in $(elapsed_since "$t")"

cfn_rc=0
echo
log "== cfn-lint template.yaml"
t="$(now)"
(cd "$ROOT_DIR" && "$LOCAL_DIR/venv-sam/bin/cfn-lint" template.yaml) || cfn_rc=$?
log "== cfn-lint: $([[ $cfn_rc == 0 ]] && echo passed || echo "FAILED (exit $cfn_rc)") in $(elapsed_since "$t")"

# sam build (cargo-lambda) of an HTTP and a queue function, and sam local invoke of both with their
# events/ files against this local cloud (podman instead of Docker). SAM_LOCAL_CHECK=0 skips it.
sam_local_rc=0
if [[ ${SAM_LOCAL_CHECK:-1} != 0 ]]; then
  echo
  log "== sam build + sam local invoke (localstack/sam-local.sh check)"
  t="$(now)"
  # Debug builds: the check proves build, image, settings and invoke; release is what deploys
  # (bash localstack/sam-local.sh build, docs/sam.md has its timing).
  SAM_BUILD_MODE="${SAM_BUILD_MODE:-debug}" bash "$LOCALSTACK_DIR/sam-local.sh" check || sam_local_rc=$?
  log "== sam local: $([[ $sam_local_rc == 0 ]] && echo passed || echo "FAILED (exit $sam_local_rc)") in $(elapsed_since "$t")"
fi

# Hostile input, load and the logs, bounded (localstack/robustness.sh; the security and
# fault-injection tests already ran in cargo test). The secrets scan comes last: it reads the logs
# of everything above. ROBUSTNESS_CHECK=0 skips it.
robust_rc=0
if [[ ${ROBUSTNESS_CHECK:-1} != 0 ]]; then
  echo
  bash "$LOCALSTACK_DIR/robustness.sh" api-schema load fuzz secrets || robust_rc=$?
fi

echo
rc=0
((lint_rc == 0 && test_rc == 0 && sam_rc == 0 && cfn_rc == 0 && sam_local_rc == 0 && robust_rc == 0)) || rc=1
log "test.sh: $([[ $rc == 0 ]] && echo PASSED || echo FAILED) in $(elapsed_since "$T0") (LOCAL_AWS=$LOCAL_AWS)"
exit "$rc"
